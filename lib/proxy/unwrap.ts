// Handles passed back into the driver become driver objects again, so the driver's own checks
// (`session.client === client`, `instanceof ClientSession`) see what they expect.
import { HANDLE_OPTION_KEYS, HANDLE_OPTION_PATHS } from '../registry/resolve.js';
import { stateOf } from './state.js';

type Options = Record<string, unknown>;

/** Whether `options` has a key that may carry a handle (the registry's option keys: `{ session }`...). */
function hasHandleOption(options: object): boolean {
  for (const key of HANDLE_OPTION_KEYS) if ((options as Options)[key] !== undefined) return true;
  return false;
}

/** Replaces handles in `args` (our own rest array, so mutated in place) and in their option keys. */
export function unwrapArgs(args: unknown[]): unknown[] {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (typeof arg !== 'object' || arg === null) continue;
    const state = stateOf(arg);
    if (state) args[i] = state.ref;
    else if (hasHandleOption(arg)) args[i] = unwrapOptions(arg as Options);
  }
  return args;
}

/** A copy of `options` with handle-valued keys unwrapped, or `options` itself when it has none. */
export function unwrapOptions<T extends Record<string, unknown>>(options: T): T {
  let copy: Record<string, unknown> | undefined;
  for (const key of HANDLE_OPTION_KEYS) {
    const state = stateOf(options[key]);
    if (state) (copy ??= { ...options })[key] = state.ref;
  }
  return (copy as T | undefined) ?? options;
}

/**
 * Constructor arguments: unwrapped as any call's (unwrapArgs), and at the registry's option paths
 * into nested options too (`{ autoEncryption: { keyVaultClient } }`).
 */
export function unwrapConstructorArgs(args: unknown[]): unknown[] {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (typeof arg !== 'object' || arg === null) continue;
    const state = stateOf(arg);
    if (state) {
      args[i] = state.ref;
      continue;
    }
    let options = unwrapOptions(arg as Options);
    for (const path of HANDLE_OPTION_PATHS) options = unwrapPath(options, path, 0);
    args[i] = options;
  }
  return args;
}

/** `options` with the handle at `path` unwrapped, copying each level on the way; `options` itself when there is none. */
function unwrapPath(options: Options, path: readonly string[], at: number): Options {
  const key = path[at]!;
  const value = options[key];
  let next: unknown = value;
  if (at === path.length - 1) next = stateOf(value)?.ref ?? value;
  else if (typeof value === 'object' && value !== null) next = unwrapPath(value as Options, path, at + 1);
  return next === value ? options : { ...options, [key]: next };
}
