// The pool executor's wire codec: what crosses the thread boundary (arguments main→worker; results,
// errors and events worker→main) keeps its meaning. postMessage's structured clone copies plain
// data but turns BSON values into plain objects, a Buffer into a Uint8Array (copying the whole 8 KB
// pool slab or BSON reply behind a view), and every error into a bare Error/TypeError/...; this codec
// tags what it would break and rebuilds it on the other side.
//
// By concern: ./wire.ts (tag format, types, Kinds), ./walk.ts (the copy-on-write walk, paths for
// errors), ./handlers.ts (the handler table), ./bson.ts, ./builtins.ts, ./errors.ts, ./classes.ts
// (the class table and driver classes). This module is the public API. Measurements behind the
// choices made here are in the README's Benchmarks section ("Crossing the thread boundary"); spec/pool-codec.spec.ts covers the behaviour.
import { describeThrown, encError, joinStacks, setStack, THROWN } from './errors.js';
import { encArray, decAny, enc, toPublicError, WALK } from './walk.js';
import { classTable } from './classes.js';
import { isError, Kind, LEFT_OUT, PathError, type DecodeHooks, type EncodeContext, type EncodeHooks } from './wire.js';

export { INTERNAL_DATA_CLASSES, knowsDriverClass } from './classes.js';
export { BOUNDARY_LINE, TAG, type DecodeHooks, type EncodeHooks, type WireRef } from './wire.js';

const NO_HOOKS: EncodeHooks = { refOf: () => undefined };
const NO_DECODE_HOOKS: DecodeHooks = {
  ref: (ref) => {
    throw new TypeError(`a reference to a remote ${ref.cls} #${ref.id} cannot be decoded here`);
  },
};

/**
 * Makes `value` safe for structured clone, tagging what clone would break. Returns `value` itself when
 * nothing in it needs a tag. Throws a TypeError naming the path (`path` is its first segment) for what
 * cannot cross: a function (unless hooks.functionRef gives it an id), a symbol (value or key), a
 * WeakMap/WeakSet/WeakRef/Promise, a class instance that is neither a BSON value, an error, a driver
 * data class nor something structured clone keeps (Date, RegExp, Map, Set, typed arrays...).
 * Nothing is sent when it throws.
 */
export function encode(value: unknown, hooks: EncodeHooks, path = 'value'): unknown {
  const ctx: EncodeContext = { hooks, to: hooks.to ?? 'the worker', root: path, value, symbolKeys: hooks.symbolKeys !== 'drop', materialize: hooks.materialize === true, lenient: hooks.lenient === true };
  try {
    const e = enc(value, ctx, 0);
    return e === LEFT_OUT ? undefined : e;
  } catch (error) {
    throw toPublicError(error, ctx);
  }
}

/**
 * Whether a class instance crosses as a value of its own (a BSON value, a built-in structured clone
 * keeps, a Buffer or view, a Set, a driver data class, an error), as opposed to a live object (a
 * driver object, an internal driver class, anything unknown) that could only cross as its fields.
 * One prototype lookup: lets a caller skip an encode that would walk a live object graph and throw.
 */
export function crossesAsValue(value: object): boolean {
  const kind = classTable().kinds.get(Object.getPrototypeOf(value) as object);
  if (kind === undefined) return isError(value) || typeof (value as { _bsontype?: unknown })._bsontype === 'string' || ArrayBuffer.isView(value);
  return kind !== Kind.DriverPlain && kind !== Kind.DriverObject && kind !== Kind.Forbidden && kind !== Kind.Map;
}

/**
 * `encode` for an argument list: the same one pass, but messages count arguments from 1, as a user
 * reads them ("argument 2.options.transform: a function cannot cross to the worker").
 */
export function encodeArgs(args: readonly unknown[], hooks: EncodeHooks): unknown[] {
  const ctx: EncodeContext = { hooks, to: hooks.to ?? 'the worker', root: 'argument', value: args, symbolKeys: hooks.symbolKeys !== 'drop', materialize: hooks.materialize === true, lenient: hooks.lenient === true, argumentList: true };
  try {
    return encArray(args as unknown[], ctx, 0) as unknown[];
  } catch (error) {
    throw toPublicError(error, ctx);
  }
}

/**
 * Decodes a value produced by `encode` after it went through structured clone. Decodes in place: the
 * value must be the receiver's own copy (what postMessage delivers), not the sender's original.
 */
export function decode(value: unknown, hooks: DecodeHooks): unknown {
  return decAny(value, hooks);
}

/**
 * Encodes a thrown value (an error, or anything else a promise was rejected with). Never throws:
 * fields of an error that cannot cross are dropped, and a non-error that cannot cross becomes an Error
 * saying so.
 */
export function encodeError(error: unknown, hooks?: EncodeHooks): unknown {
  const ctx: EncodeContext = { hooks: hooks ?? NO_HOOKS, to: hooks?.to ?? 'the main thread', root: 'error', value: error, symbolKeys: false, materialize: hooks?.materialize === true };
  try {
    if (isError(error)) return encError(error as Error, ctx, 0, WALK);
    return THROWN.serialize(error, ctx, 0, WALK);
  } catch (failure) {
    const reason = failure instanceof PathError ? toPublicError(failure, ctx).message : String(failure);
    return encError(new Error(`a rejection value that cannot cross the thread boundary: ${reason}`), ctx, 0, WALK);
  }
}

/**
 * Rebuilds a thrown value from `encodeError` as an Error: same class (`instanceof` holds), message,
 * error labels, fields and cause; `stack` is the worker's stack, the boundary line, then the frames of
 * `callerStack` (e.g. `new Error().stack` taken where the call was made). A non-error rejection value
 * becomes an Error whose `cause` is that value (use decodeThrown to get the value itself).
 */
export function decodeError(wire: unknown, callerStack?: string, hooks?: DecodeHooks): Error {
  const thrown = decodeThrown(wire, callerStack, hooks);
  if (isError(thrown)) return thrown as Error;
  const wrapped = new Error(`a non-error value was thrown across the thread boundary: ${describeThrown(thrown)}`, { cause: thrown });
  if (callerStack !== undefined) setStack(wrapped, joinStacks(wrapped.stack ?? '', callerStack));
  return wrapped;
}

/** Like decodeError, but a non-error rejection value comes back as that value. */
export function decodeThrown(wire: unknown, callerStack?: string, hooks?: DecodeHooks): unknown {
  const value = decode(wire, hooks ?? NO_DECODE_HOOKS);
  if (callerStack !== undefined && isError(value)) setStack(value as Error, joinStacks(String((value as Error).stack ?? ''), callerStack));
  return value;
}
