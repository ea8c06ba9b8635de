// The pool's wire codec: what crosses the thread boundary keeps its meaning. Structured clone turns BSON values into
// plain objects, a Buffer into a Uint8Array and errors into bare Errors: the codec tags what clone would break
// (./wire.ts), with handlers by class (./classes.ts). One walk each way: encode copies a container only
// from its first child that needed a tag (measured faster than copying all: README, Benchmarks), so untagged data is
// returned as is; decode replaces tags in place in the clone. Paths for messages are built only on failure.
/* eslint-disable @typescript-eslint/no-unsafe-function-type -- the codec handles any callable or constructor by identity and prototype only */
import { BSON } from '../../../driver.js';
import { classTable, CLASS_HANDLERS, DRIVER_OBJECT, DRIVER_PLAIN, encError, encPlainFields, FORBIDDEN } from './classes.js';
import { BOUNDARY_LINE, BSON_CLASSES, BUFFER, bsonReplacement, constructorName, decContainer, defineOwn, foreignBson, isError, LEFT_OUT, MAP } from './wire.js';
import { MAX_DEPTH, ownBytes, ownView, PathError, rejectSymbolKeys, setOwn, TAG, withSegment } from './wire.js';
import type { DecodeHooks, EncodeContext, EncodeHooks, Handler, WireRef } from './wire.js';

export { INTERNAL_DATA_CLASSES, knowsDriverClass } from './classes.js';
export { BOUNDARY_LINE, TAG, type DecodeHooks, type EncodeHooks, type WireRef } from './wire.js';

type Doc = Record<string, unknown>;

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

/** `root` then the segments (innermost first); past 24 segments, the middle ones elided. */
function pathOf(ctx: EncodeContext, segments: ReadonlyArray<string | number>): string {
  const n = segments.length;
  const parts = segments.map((s, i) => (typeof s === 'string' ? `.${s}` : i === n - 1 && ctx.argumentList ? ` ${s + 1}` : `[${s}]`)).reverse();
  return ctx.root + (n > 24 ? `${parts.slice(0, 12).join('')}…${parts.slice(-12).join('')}` : parts.join(''));
}

/** A PathError as the error callers see (any other error as is). */
function toPublicError(error: unknown, ctx: EncodeContext): unknown {
  if (!(error instanceof PathError)) return error;
  // The driver's serializer refuses a cycle with a BSONError: callers that catch that must see the same.
  if (error.kind === 'cycle') return new BSON.BSONError(`${error.message} (${cyclePath(ctx, error)})`);
  const message = `${pathOf(ctx, error.segments)}: ${error.message.replace('<to>', ctx.to)}`;
  return error.kind === 'depth' ? new RangeError(message) : new TypeError(message);
}

/** "argument 1.self.back refers back to argument 1": the first place the value loops, searched from the root. */
function cyclePath(ctx: EncodeContext, error: PathError): string {
  let ancestor: unknown;
  const loop = searchPath(ctx, (value, onPath) => onPath.has(value as object) && ((ancestor = value), true));
  if (loop === undefined) return `at ${pathOf(ctx, error.segments)}`; // it loops through a toBSON() or a BSON value's fields
  return `${pathOf(ctx, loop)} refers back to ${pathOf(ctx, searchPath(ctx, (value) => value === ancestor)!)}`;
}

/** Segments (innermost first) to the first value, depth first through objects, arrays and Maps, that `found` accepts. */
function searchPath(ctx: EncodeContext, found: (value: unknown, onPath: ReadonlySet<object>) => boolean): Array<string | number> | undefined {
  const segments: Array<string | number> = [];
  const seen = new Set<object>();
  const onPath = new Set<object>();
  const inside = (value: object): boolean => {
    if (Array.isArray(value)) return value.some((v, i) => search(v) && segments.push(i));
    if (value instanceof Map) return [...value].some(([k, v], i) => (search(k) || search(v)) && segments.push(`<Map entry ${i}>`));
    return Object.keys(value).some((key) => search((value as Doc)[key]) && segments.push(key));
  };
  const search = (value: unknown): boolean => {
    if (found(value, onPath)) return true;
    if (typeof value !== 'object' || value === null || seen.has(value) || ctx.hooks.refOf(value) !== undefined) return false;
    seen.add(value);
    onPath.add(value);
    const hit = inside(value);
    onPath.delete(value);
    return hit;
  };
  return search(ctx.value) ? segments : undefined;
}

function enc(value: unknown, ctx: EncodeContext, depth: number): unknown {
  if (typeof value === 'object') return value === null ? value : encObject(value, ctx, depth);
  if (typeof value === 'function') return encFunction(value, ctx);
  if (typeof value !== 'symbol') return value;
  if (ctx.lenient) return LEFT_OUT;
  throw new PathError(`a symbol (${String(value)}) cannot cross to <to>`);
}

const refTag = (ref: WireRef): object => ({ [TAG]: 'Ref', id: ref.id, cls: ref.cls, n: ref.n });

/** A handle that is a function Proxy, else a callback id (its path searched for: callbacks are rare), else refused. */
function encFunction(fn: Function, ctx: EncodeContext): unknown {
  const ref = ctx.hooks.refOf(fn);
  if (ref !== undefined) return refTag(ref);
  const id = ctx.hooks.functionRef?.(fn, pathOf(ctx, searchPath(ctx, (value) => value === fn) ?? []));
  if (id !== undefined) return { [TAG]: 'Function', id };
  throw new PathError(`a function cannot cross to <to>`);
}

function encObject(value: object, ctx: EncodeContext, depth: number): unknown {
  const ref = ctx.hooks.refOf(value);
  if (ref !== undefined) return refTag(ref);
  if (depth > MAX_DEPTH) enterDeep(value, ctx, depth);
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype) return encPlain(value as Doc, ctx, depth, false);
  if (proto === Array.prototype) return encArray(value as unknown[], ctx, depth);
  if (proto === null) return encPlain(value as Doc, ctx, depth, true);
  const handler = classTable().handlers.get(proto);
  if (handler !== undefined) return handler.serialize(value, ctx, depth, enc);
  return encOther(value, proto, ctx, depth);
}

/**
 * Deeper than MAX_DEPTH (before, it would slow every batch), refuses an object met again inside itself, as the BSON
 * serializer does. No exit hook: an object is on the path if still the one entered at the depth it last was.
 */
function enterDeep(value: object, ctx: EncodeContext, depth: number): void {
  const deep = (ctx.deep ??= { path: [], depthOf: new Map() });
  const at = deep.depthOf.get(value);
  if (at !== undefined && at < depth && deep.path[at - MAX_DEPTH - 1] === value) throw new PathError('Cannot convert circular structure to BSON', 'cycle');
  // A fixed limit, not the stack's: where an overflow struck first (encoder or clone) depended on the JIT.
  if (depth > REFUSED_DEPTH) throw new PathError(`nested too deeply to cross to <to> (over ${REFUSED_DEPTH} levels; MongoDB refuses documents nested more than 100 levels deep)`, 'depth');
  deep.path[depth - MAX_DEPTH - 1] = value;
  deep.depthOf.set(value, depth);
}
const REFUSED_DEPTH = 2_000;

function encPlain(obj: Doc, ctx: EncodeContext, depth: number, nullProto: boolean): unknown {
  if (ctx.symbolKeys) rejectSymbolKeys(obj);
  let out: Doc | undefined = ctx.materialize ? {} : undefined;
  let escape = false;
  let key: string | undefined;
  try {
    for (key in obj) {
      const v = obj[key];
      const e = // inline: a primitive costs no call
        typeof v === 'object' && v !== null ? encObject(v, ctx, depth + 1) : typeof v === 'function' || typeof v === 'symbol' ? enc(v, ctx, depth) : v;
      if (e !== v) out ??= copyPrefix(obj, key);
      if (e === LEFT_OUT) continue;
      if (key === TAG) escape = true;
      if (out !== undefined) setOwn(out, key, e);
    }
  } catch (error) {
    throw withSegment(error, key!);
  }
  if (escape || nullProto) return nullProto ? { [TAG]: 'Object', v: out ?? obj, n: 1 } : { [TAG]: 'Object', v: out ?? obj };
  return out ?? obj;
}

function copyPrefix(obj: Doc, stop: string): Doc {
  const out: Doc = {};
  for (const k in obj) {
    if (k === stop) break;
    setOwn(out, k, obj[k]);
  }
  return out;
}

function encArray(arr: unknown[], ctx: EncodeContext, depth: number): unknown {
  let out: unknown[] | undefined = ctx.materialize ? [] : undefined;
  const n = arr.length;
  let i = 0;
  try {
    for (; i < n; i++) {
      const v = arr[i];
      const e = // as in encPlain
        typeof v === 'object' && v !== null ? encObject(v, ctx, depth + 1) : typeof v === 'function' || typeof v === 'symbol' ? enc(v, ctx, depth) : v;
      if (e !== v) out ??= arr.slice(0, i);
      out?.push(e === LEFT_OUT ? null : e);
    }
  } catch (error) {
    throw withSegment(error, i);
  }
  return out ?? arr;
}

/** Whatever the class table does not know by its exact prototype. */
function encOther(value: object, proto: object, ctx: EncodeContext, depth: number): unknown {
  if (isError(value)) return encError(value as Error, ctx, depth, enc);
  // What toBSON returns, as the BSON serializer sends; before the Buffer rule (mongoose's Buffer subclass is a Binary).
  const replacement = bsonReplacement(value);
  if (replacement !== value) return enc(replacement, ctx, depth + 1);
  if (Buffer.isBuffer(value)) return { [TAG]: 'Buffer', v: ownBytes(value) };
  if (ArrayBuffer.isView(value)) return ownView(value);
  const bson = foreignBson(value);
  if (bson !== undefined) return bson.serialize(value, ctx, depth, enc);
  // A plain object or array from another realm (vm context).
  if (Object.getPrototypeOf(proto) === null && constructorName(value) === 'Object') return encPlain(value as Doc, ctx, depth, false);
  if (Array.isArray(value) && constructorName(value) === 'Array') return encArray(value, ctx, depth);
  // An unexported driver class whose module loaded since the last scan. A prototype found to be none
  // stays none: a class that exists now cannot be exported by a module loaded later.
  const t = classTable();
  if (!t.notDriver.has(proto)) {
    t.refreshDriverClasses();
    const handler = t.handlers.get(proto);
    if (handler !== undefined) return handler.serialize(value, ctx, depth, enc);
    t.notDriver.add(proto);
  }
  if (ctx.lenient) return encPlainFields(value, ctx, depth, enc);
  throw new PathError(`a class instance with hidden state cannot cross to <to> (${constructorName(value)})`);
}

/** Decodes what `encode` made, after structured clone, in place: it must be the receiver's own copy, not the sender's. */
export function decode(value: unknown, hooks: DecodeHooks): unknown {
  return typeof value === 'object' && value !== null ? dec(value, hooks) : value;
}

function dec(value: object, hooks: DecodeHooks): unknown {
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype) {
    const tag = (value as Doc)[TAG];
    if (tag === undefined) return decFields(value as Doc, hooks);
    const decoder = typeof tag === 'string' ? BY_TAG.get(tag) : undefined;
    if (decoder === undefined) throw new TypeError(`unknown rotor wire tag ${JSON.stringify(tag)} (a codec version mismatch between threads?)`);
    return decoder(value, hooks, decode);
  }
  if (proto === Array.prototype) {
    const arr = value as unknown[];
    for (let i = 0, n = arr.length; i < n; i++) {
      const v = arr[i];
      if (typeof v === 'object' && v !== null) {
        const d = dec(v, hooks);
        if (d !== v) arr[i] = d;
      }
    }
    return arr;
  }
  if (proto === Map.prototype || proto === Set.prototype) return decContainer(value as Map<unknown, unknown>, hooks, decode);
  return value; // Date, RegExp, typed arrays, ArrayBuffer, boxed primitives: structured clone rebuilt them
}

function decFields(obj: Doc, hooks: DecodeHooks): Doc {
  for (const k in obj) {
    const v = obj[k];
    if (typeof v === 'object' && v !== null) {
      const d = dec(v, hooks);
      if (d !== v) setOwn(obj, k, d);
    }
  }
  return obj;
}

type Decoder = NonNullable<Handler['deserialize']>;

/** Wire tag → its decoder: the handlers' tags, and those the walk writes itself. */
const BY_TAG = new Map<string, Decoder>([
  ...[...BSON_CLASSES.values(), BUFFER, ...CLASS_HANDLERS].map((h): [string, Decoder] => [h.tag!, h.deserialize!]),
  // An escaped document (a `$rotor` key of its own), or a null-prototype one (n: 1).
  ['Object', (t, hooks) => (t.n === 1 ? Object.assign(Object.create(null) as object, decFields(t.v, hooks)) : decFields(t.v, hooks))],
  ['Ref', (t, hooks) => hooks.ref(t.n === undefined ? { id: t.id, cls: t.cls } : { id: t.id, cls: t.cls, n: t.n })],
  ['Function', (t, hooks) => {
    if (hooks.fn === undefined) throw new TypeError(`a function (#${t.id}) came across but this side has no function stubs`);
    return hooks.fn(t.id);
  }],
  ['Thrown', (t, hooks) => decode(t.v, hooks)], // a non-error rejection value (see encodeError)
]);
