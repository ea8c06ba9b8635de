// Handles passed back into the driver become driver objects again, so the driver's own checks
// (`session.client === client`, `instanceof ClientSession`) see what they expect.
import { HANDLE_OPTION_KEYS } from '../registry/resolve.js';
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
