// The codec's vocabulary (a leaf module): hook, context and handler types, helpers handlers share. Wire format:
// what structured clone keeps passes as is; anything else becomes a *tag* ({ $rotor: 'ObjectId', v: hex }). A
// document with a `$rotor` key of its own is escaped ({ $rotor: 'Object', v: doc }).
import { attempt } from '../../../util/attempt.js';
/* eslint-disable @typescript-eslint/no-unsafe-function-type -- the codec handles any callable or constructor by identity and prototype only */

export interface EncodeHooks {
  /** The wire reference of a value that stands for a remote object (a handle, a registered driver object), else undefined. */
  refOf(value: object): WireRef | undefined;
  /** A wire id for a function argument where functions are allowed, else undefined (encode then throws naming the path). */
  functionRef?(fn: Function, path: string): number | undefined;
  /** Where the value goes, for messages ("a function cannot cross to <to>"); default 'the worker'. */
  to?: string;
  /** Symbol keys of plain objects: 'reject' (default) throws; 'drop' lets clone drop them (the check is 25-50% of encode). */
  symbolKeys?: 'reject' | 'drop';
  /** Copy every object and array, reading a Proxy (which clone refuses) through its traps; isProxy on all would cost ~10%. */
  materialize?: boolean;
  /** Read values as the BSON serializer does: a symbol value is left out, an unknown class instance crosses as its fields. */
  lenient?: boolean;
}
export interface WireRef {
  id: number;
  cls: string;
  /** How many times the sender had sent this object (so a release racing a fresh reference is ignored). */
  n?: number;
}
export interface DecodeHooks {
  /** A wire reference back to a handle / driver object. */
  ref(ref: WireRef): unknown;
  /** A function stub that calls back across. */
  fn?(id: number): Function;
}

/** The reserved key of a tag. */
export const TAG = '$rotor';

/** Line put between the worker's stack and the caller's stack in a decoded error's `stack`. */
export const BOUNDARY_LINE = '    --- across the rotor pool worker boundary ---';

/** A tag: `$rotor` plus the fields its handler wrote. */
export type WireTag = Record<string, any>;

/** One encode's settings (from its hooks), the value it was called with (to search paths in), and its path's root. */
export interface EncodeContext {
  readonly hooks: EncodeHooks;
  readonly to: string;
  readonly root: string;
  readonly value: unknown;
  readonly symbolKeys: boolean;
  readonly materialize: boolean;
  readonly lenient: boolean;
  /** The value is an argument list: its index renders as " 1", " 2"... in paths. */
  readonly argumentList: boolean;
  /** Deeper than MAX_DEPTH: the object entered at each depth, and the depth each was last entered at (see enterDeep). */
  deep?: { path: object[]; depthOf: Map<object, number> };
}

/** The walk's encode and decode (./walk.ts), handed to handlers for what they contain: they cannot import it. */
export type Enc = (value: unknown, ctx: EncodeContext, depth: number) => unknown;
export type Dec = (value: unknown, hooks: DecodeHooks) => unknown;

/** How one class of values crosses; the class table (./classes.ts) finds it by the value's exact prototype. */
export interface Handler {
  /** The tag `serialize` writes and `deserialize` reads; none where structured clone carries the value itself. */
  readonly tag?: string;
  readonly serialize: (value: any, ctx: EncodeContext, depth: number, enc: Enc) => unknown;
  readonly deserialize?: (t: WireTag, hooks: DecodeHooks, dec: Dec) => unknown;
}

/** Past this depth the walk looks for cycles (servers refuse documents nested over 100 levels: real data never pays). */
export const MAX_DEPTH = 400;

/** A lenient encode's answer for a value the BSON serializer leaves out (a symbol): the key is dropped. */
export const LEFT_OUT = Symbol('rotor.leftOut');

/** Thrown while encoding: collects the path segments (innermost first) as it unwinds; made public as `kind` says. */
export class PathError extends Error {
  readonly segments: Array<string | number> = [];
  constructor(message: string, readonly kind: 'type' | 'cycle' | 'depth' = 'type') {
    super(message);
  }
}

/** Adds `segment` to a PathError's path; a stack overflow becomes one at the first level with stack enough to make it. */
export function withSegment(error: unknown, segment: string | number): unknown {
  if (error instanceof RangeError && error.message === 'Maximum call stack size exceeded') {
    try {
      const limit = "deeper than this thread's stack allows; MongoDB refuses documents nested more than 100 levels deep";
      error = new PathError(`nested too deeply to cross to <to> (${limit})`, 'depth');
    } catch {
      return error;
    }
  }
  if (error instanceof PathError) error.segments.push(segment);
  return error;
}

/** `value[key]` encoded, a failure's path naming `key`. */
export function encField(value: object, key: string, ctx: EncodeContext, depth: number, enc: Enc): unknown {
  try {
    return enc((value as Record<string, unknown>)[key], ctx, depth + 1);
  } catch (error) {
    throw withSegment(error, key);
  }
}

export function rejectSymbolKeys(obj: object): void {
  for (const s of Object.getOwnPropertySymbols(obj)) {
    if (Object.prototype.propertyIsEnumerable.call(obj, s)) throw new PathError(`a symbol-keyed property (${String(s)}) cannot cross to <to>`);
  }
}

export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') defineOwn(target, key, value, true);
  else target[key] = value;
}

export function defineOwn(target: object, key: string, value: unknown, enumerable: boolean): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable, configurable: true });
}

export function constructorName(value: object): string {
  const name = attempt(() => (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name, undefined);
  return typeof name === 'string' && name !== '' ? name : Object.prototype.toString.call(value).slice(8, -1);
}

export function isError(value: unknown): boolean {
  return value instanceof Error || (typeof value === 'object' && value !== null && Object.prototype.toString.call(value) === '[object Error]');
}

/** What the BSON serializer would send for `value`: what its own `toBSON()` returns, else `value` itself. */
export function bsonReplacement(value: object): unknown {
  const toBSON = (value as { toBSON?: unknown }).toBSON;
  if (typeof toBSON !== 'function') return value;
  try {
    return toBSON.call(value) as unknown;
  } catch (error) {
    throw new PathError(`${constructorName(value)}.toBSON() threw (${String(error)}), so it cannot cross to <to>`);
  }
}
