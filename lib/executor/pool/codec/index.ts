// The pool's wire codec, its API: what crosses the thread boundary keeps its meaning. Structured clone
// turns BSON values into plain objects, a Buffer into a Uint8Array and errors into bare Errors: the
// codec tags what clone would break (./wire.ts), walking values (./walk.ts) with handlers by class.
import { MAP } from './builtins.js';
import { classTable, DRIVER_OBJECT, DRIVER_PLAIN, encError, FORBIDDEN } from './classes.js';
import { decode, enc, encArray, toPublicError } from './walk.js';
import { BOUNDARY_LINE, defineOwn, isError, LEFT_OUT, PathError, TAG, type DecodeHooks, type EncodeContext, type EncodeHooks } from './wire.js';

export { INTERNAL_DATA_CLASSES, knowsDriverClass } from './classes.js';
export { decode } from './walk.js';
export { BOUNDARY_LINE, TAG, type DecodeHooks, type EncodeHooks, type WireRef } from './wire.js';

/** For values made in the worker (errors, snapshots): no references. */
export const NO_REFS: EncodeHooks = { refOf: () => undefined, to: 'the main thread', symbolKeys: 'drop' };
const NO_DECODE_HOOKS: DecodeHooks = {
  ref: (ref) => {
    throw new TypeError(`a reference to a remote ${ref.cls} #${ref.id} cannot be decoded here`);
  },
};

function context(hooks: EncodeHooks, root: string, value: unknown, argumentList: boolean): EncodeContext {
  const { to = 'the worker', symbolKeys, materialize, lenient } = hooks;
  return { hooks, to, root, value, symbolKeys: symbolKeys !== 'drop', materialize: materialize === true, lenient: lenient === true, argumentList };
}

/** `value` made safe for structured clone (itself when nothing needs a tag); what cannot cross throws naming the path. */
export function encode(value: unknown, hooks: EncodeHooks, path = 'value', argumentList = false): unknown {
  const ctx = context(hooks, path, value, argumentList);
  try {
    const e = argumentList ? encArray(value as unknown[], ctx, 0) : enc(value, ctx, 0);
    return e === LEFT_OUT ? undefined : e;
  } catch (error) {
    throw toPublicError(error, ctx);
  }
}

/** `encode` for an argument list: paths count arguments from 1 ("argument 2.options.transform: ..."). */
export function encodeArgs(args: readonly unknown[], hooks: EncodeHooks): unknown[] {
  return encode(args, hooks, 'argument', true) as unknown[];
}

/** Whether a class instance crosses as a value, not a live object that could only cross as its fields (one lookup). */
export function crossesAsValue(value: object): boolean {
  const handler = classTable().handlers.get(Object.getPrototypeOf(value) as object);
  if (handler === undefined) return isError(value) || typeof (value as { _bsontype?: unknown })._bsontype === 'string' || ArrayBuffer.isView(value);
  return handler !== DRIVER_PLAIN && handler !== DRIVER_OBJECT && handler !== FORBIDDEN && handler !== MAP;
}

/** Encodes a thrown value; never throws (what cannot cross is dropped or said so in an Error). */
export function encodeError(error: unknown): unknown {
  const ctx = context(NO_REFS, 'error', error, false);
  try {
    return isError(error) ? encError(error as Error, ctx, 0, enc) : { [TAG]: 'Thrown', v: enc(error, ctx, 0) };
  } catch (failure) {
    const reason = failure instanceof PathError ? (toPublicError(failure, ctx) as Error).message : String(failure);
    return encError(new Error(`a rejection value that cannot cross the thread boundary: ${reason}`), ctx, 0, enc);
  }
}

/** decodeThrown, a non-error value becoming an Error whose `cause` is that value. */
export function decodeError(wire: unknown, callerStack?: string): Error {
  const thrown = decodeThrown(wire, callerStack);
  if (isError(thrown)) return thrown as Error;
  const wrapped = new Error(`a non-error value was thrown across the thread boundary: ${describe(thrown)}`, { cause: thrown });
  if (callerStack !== undefined) joinStacks(wrapped, callerStack);
  return wrapped;
}

/** A value from `encodeError`; an error's stack is the worker's, the boundary line, then `callerStack`'s frames. */
export function decodeThrown(wire: unknown, callerStack?: string, hooks?: DecodeHooks): unknown {
  const value = decode(wire, hooks ?? NO_DECODE_HOOKS);
  if (callerStack !== undefined && isError(value)) joinStacks(value as Error, callerStack);
  return value;
}

/** `error.stack` becomes its own stack, the boundary line, then the frames of `callerStack` (its header line dropped). */
function joinStacks(error: Error, callerStack: string): void {
  const lines = callerStack.split('\n');
  const frames = lines.length > 0 && !/^\s+at /.test(lines[0]!) ? lines.slice(1) : lines;
  const own = String(error.stack ?? '');
  defineOwn(error, 'stack', frames.length === 0 ? own : `${own}\n${BOUNDARY_LINE}\n${frames.join('\n')}`, false);
}

function describe(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
