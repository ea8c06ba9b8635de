// The codec's shared vocabulary (a leaf every other codec module imports): the tag format, the hook
// and context types, what a handler is, and the small helpers handlers share.
//
// Wire format: what structured clone keeps passes as is; anything else becomes a *tag*, a plain
// object whose reserved key `$rotor` names what it stands for ({ $rotor: 'ObjectId', v: hex }). A
// user document with a `$rotor` key of its own is escaped ({ $rotor: 'Object', v: doc }).
/* eslint-disable @typescript-eslint/no-unsafe-function-type -- the codec handles any callable or constructor by identity and prototype only */

export interface EncodeHooks {
  /** The wire reference of a value that stands for a remote object (a handle, a registered driver object), else undefined. */
  refOf(value: object): WireRef | undefined;
  /** A wire id for a function argument where functions are allowed, else undefined (encode then throws naming the path). */
  functionRef?(fn: Function, path: string): number | undefined;
  /** Where the value goes, for messages ("a function cannot cross to <to>"); default 'the worker'. */
  to?: string;
  /**
   * Symbol-keyed properties of plain objects: 'reject' (default) throws naming the path; 'drop' leaves
   * them to structured clone, which drops them. The check is 25-50% of encode on a document batch.
   */
  symbolKeys?: 'reject' | 'drop';
  /**
   * Copy every object and array: structured clone refuses a Proxy (DataCloneError), read through its
   * traps this way. Off by default: util.types.isProxy on every value would cost ~10% of encode.
   */
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

/** A tag as decode meets it: `$rotor` plus the fields its handler wrote. */
export type WireTag = Record<string, any>;

export interface EncodeContext {
  readonly hooks: EncodeHooks;
  readonly to: string;
  readonly root: string;
  /** The value encode was called with, to search a path in. */
  readonly value: unknown;
  readonly symbolKeys: boolean;
  readonly materialize: boolean;
  readonly lenient: boolean;
  /** The value is an argument list: its index renders as " 1", " 2"... in paths. */
  readonly argumentList: boolean;
  /** Deeper than MAX_DEPTH: the object entered at each depth, and the depth each was last entered at (see enterDeep). */
  deep?: { path: object[]; depthOf: Map<object, number> };
}

/** The walk (./walk.ts), handed to handlers for the values they contain: they cannot import it, since it imports them. */
export interface Walk {
  /** Encodes a nested value; `depth` is the container's + 1. */
  enc(value: unknown, ctx: EncodeContext, depth: number): unknown;
  /** Decodes a nested value (in place where it can). */
  dec(value: unknown, hooks: DecodeHooks): unknown;
  /** Decodes the values of a plain object in place (its keys are data, never a tag). */
  decFields(obj: Record<string, unknown>, hooks: DecodeHooks): void;
}

/** How one class of values crosses; the class table (./classes.ts) finds it by the value's exact prototype. */
export interface Handler {
  /** The tag `serialize` writes and `deserialize` reads; none where structured clone carries the value itself. */
  readonly tag?: string;
  readonly serialize: (value: any, ctx: EncodeContext, depth: number, walk: Walk) => unknown;
  readonly deserialize?: (t: WireTag, hooks: DecodeHooks, walk: Walk) => unknown;
}

/** Past this depth the walk looks for cycles (servers refuse documents nested over 100 levels: the hot path never pays). */
export const MAX_DEPTH = 400;

/** A lenient encode's answer for a value the BSON serializer leaves out (a symbol): the key is dropped. */
export const LEFT_OUT = Symbol('rotor.leftOut');

/** Thrown while encoding; collects the path segments (innermost first) as it unwinds. */
export class PathError extends Error {
  readonly segments: Array<string | number> = [];
}

/** The walk met `target` again inside itself: made public as the BSON serializer's own BSONError. */
export class CycleError extends PathError {
  constructor(readonly target: object) {
    super('Cannot convert circular structure to BSON');
  }
}

/** The walk ran out of stack (the driver's serializer goes further). */
export class DepthError extends PathError {
  constructor() {
    super('nested too deeply to cross to <to> (deeper than this thread\'s stack allows; MongoDB refuses documents nested more than 100 levels deep)');
  }
}

/** Adds `segment` to a PathError's path; a stack overflow becomes a DepthError at the first level with stack enough to make one. */
export function withSegment(error: unknown, segment: string | number): unknown {
  if (error instanceof RangeError && error.message === 'Maximum call stack size exceeded') {
    try {
      error = new DepthError();
    } catch {
      return error;
    }
  }
  if (error instanceof PathError) error.segments.push(segment);
  return error;
}

export function rejectSymbolKey(obj: object, symbols: symbol[]): void {
  for (const s of symbols) {
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
  try {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    if (typeof name === 'string' && name !== '') return name;
  } catch {
    // a hostile prototype: fall through
  }
  return Object.prototype.toString.call(value).slice(8, -1);
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
