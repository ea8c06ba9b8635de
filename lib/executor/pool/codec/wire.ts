// The codec's shared vocabulary (a leaf: every other codec module imports it, it imports none of
// them): the wire's tag key, the hook and context types, what a handler is, the Kinds the class
// table sorts prototypes into, and the small helpers every handler uses.
//
// Wire format: anything structured clone keeps as is passes as is; everything else becomes a *tag*,
// a plain object whose reserved key `$rotor` names what it stands for ({ $rotor: 'ObjectId', v: hex }).
// A user document that has a `$rotor` key of its own is escaped ({ $rotor: 'Object', v: doc }), so
// every document round-trips unchanged.
/* eslint-disable @typescript-eslint/no-unsafe-function-type -- the codec handles any callable or constructor by identity and prototype only */

export interface EncodeHooks {
  /** A value that stands for a remote object (a handle on the main side, a driver object of a registered class on the worker side): return its wire reference, or undefined if it isn't one. */
  refOf(value: object): WireRef | undefined;
  /** A function argument: return a wire id if functions are allowed at this point, else undefined (then encode throws a TypeError naming the path, e.g. "argument 1.options.transform: a function cannot cross to the worker"). */
  functionRef?(fn: Function, path: string): number | undefined;
  /** Where the value is going, for messages ("a function cannot cross to <to>"). Default 'the worker'; the worker side passes 'the main thread'. */
  to?: string;
  /**
   * Symbol-keyed properties of plain objects: 'reject' (default) throws a TypeError naming the path;
   * 'drop' leaves them to structured clone, which drops them (as the BSON serializer does). Checking
   * costs one Object.getOwnPropertySymbols per object, 25-50% of encode time on a document batch:
   * the worker side may pass 'drop' for what the driver itself produced (deserialized documents).
   */
  symbolKeys?: 'reject' | 'drop';
  /**
   * Copy every object and array instead of returning untagged ones as they are. Structured clone
   * cannot copy a Proxy (a reactive state object, say) and throws DataCloneError at postMessage;
   * encoding again with `materialize: true` reads it through its traps into plain data. Off by
   * default: detecting Proxies up front (util.types.isProxy) would cost ~10% of encode on every batch.
   */
  materialize?: boolean;
  /**
   * Read values as the driver's BSON serializer reads a document: a symbol value is left out, and
   * a class instance the codec has no rule for (including a WeakMap or a Promise) crosses as its own
   * enumerable fields, instead of failing. The main thread encodes arguments this way, so the pool
   * accepts what the driver accepts in-process.
   */
  lenient?: boolean;
}
export interface WireRef {
  id: number;
  cls: string;
  /** How many times the sender had sent this object (so a release racing a fresh reference is ignored). */
  n?: number;
}
export interface DecodeHooks {
  /** Turn a wire reference back into a handle / driver object. */
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
  /** The value encode was called with, to find a function's path in. */
  readonly value: unknown;
  /** Reject symbol-keyed properties (else structured clone drops them). */
  readonly symbolKeys: boolean;
  /** Copy every container (see EncodeHooks.materialize). */
  readonly materialize: boolean;
  /** See EncodeHooks.lenient. */
  readonly lenient?: boolean;
  /** The value is an argument list: its index renders as " 1", " 2"... in paths. */
  readonly argumentList?: boolean;
  /** Deeper than MAX_DEPTH: the object entered at each depth, and the depth each was last entered at (see enterDeep in ./walk.ts). */
  deep?: { path: object[]; depthOf: Map<object, number> };
}

/**
 * The walk (./walk.ts), handed to handlers for the values they contain (a Code's scope, a Map's
 * entries, an error's fields): handlers cannot import it, since it imports them.
 */
export interface Walk {
  /** Encodes a nested value; `depth` is the container's + 1. */
  enc(value: unknown, ctx: EncodeContext, depth: number): unknown;
  /** Decodes a nested value (in place where it can). */
  dec(value: unknown, hooks: DecodeHooks): unknown;
  /** Decodes the values of a plain object in place (its keys are data, never a tag). */
  decFields(obj: Record<string, unknown>, hooks: DecodeHooks): void;
}

/**
 * How one kind of value crosses, after Comlink's transfer handlers. `canHandle` is not a predicate
 * asked of every value: the class table (./classes.ts) finds a value's Kind by its exact prototype
 * (one Map lookup), and plain objects, arrays and primitives never reach a handler at all.
 */
export interface Handler {
  /** The wire tag `serialize` produces and `deserialize` reads; none where structured clone carries the value itself. */
  readonly tag?: string;
  readonly serialize: (value: any, ctx: EncodeContext, depth: number, walk: Walk) => unknown;
  readonly deserialize?: (t: WireTag, hooks: DecodeHooks, walk: Walk) => unknown;
}

/** What a prototype found in the class table stands for: the key of its handler (./handlers.ts). */
export const enum Kind {
  ObjectId,
  Long,
  Int32,
  Double,
  Decimal128,
  Binary,
  UUID,
  Timestamp,
  MinKey,
  MaxKey,
  BSONRegExp,
  Code,
  DBRef,
  BSONSymbol,
  /** Kept by structured clone: Date, RegExp, ArrayBuffer, boxed primitives. */
  Clone,
  Buffer,
  /** A typed array or DataView (copied when it is a window on a larger buffer). */
  View,
  Map,
  Set,
  /** A known error class (mongodb's, bson's, the built-ins). */
  Error,
  /** A driver data class rebuilt as the same class (exported by mongodb, or a known result class). */
  DataClass,
  /** A driver class that is neither: crosses as a plain object of its own enumerable fields. */
  DriverPlain,
  /** A driver object that only crosses as a handle (client, db, collection, cursor, session...). */
  DriverObject,
  /** WeakMap, WeakSet, WeakRef, FinalizationRegistry, Promise. */
  Forbidden,
}

/**
 * Past this depth the walk starts looking for a cycle (BSON documents nest at most ~100 levels on a
 * server, so real data rarely gets here and the hot path never pays for it).
 */
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

/** The walk ran out of stack: the value is nested deeper than this thread can walk (the driver's serializer goes further). */
export class DepthError extends PathError {
  constructor() {
    super('nested too deeply to cross to <to> (deeper than this thread\'s stack allows; MongoDB refuses documents nested more than 100 levels deep)');
  }
}

const isStackOverflow = (error: unknown): boolean => error instanceof RangeError && error.message === 'Maximum call stack size exceeded';

export function withSegment(error: unknown, segment: string | number): unknown {
  // A stack overflow becomes a DepthError at the first level with stack enough to make one (the
  // levels below it are left out of the path).
  if (isStackOverflow(error)) {
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
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

export function defineOwn(target: object, key: string, value: unknown, enumerable: boolean): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable, configurable: true });
}

export function constructorName(value: object): string {
  try {
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
    const name = proto?.constructor?.name;
    if (typeof name === 'string' && name !== '') return name;
  } catch {
    // a hostile prototype: fall through
  }
  return Object.prototype.toString.call(value).slice(8, -1);
}

export function isError(value: unknown): boolean {
  return value instanceof Error || (typeof value === 'object' && value !== null && Object.prototype.toString.call(value) === '[object Error]');
}

/**
 * What the BSON serializer would send for `value`: what its own `toBSON()` returns, or `value`
 * itself when it has none. A throwing toBSON is reported with the path, as nothing can cross.
 */
export function bsonReplacement(value: object): unknown {
  const toBSON = (value as { toBSON?: unknown }).toBSON;
  if (typeof toBSON !== 'function') return value;
  try {
    return toBSON.call(value) as unknown;
  } catch (error) {
    throw new PathError(`${constructorName(value)}.toBSON() threw (${String(error)}), so it cannot cross to <to>`);
  }
}
