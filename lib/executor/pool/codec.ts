// The pool executor's wire codec: what crosses the thread boundary (arguments main→worker; results,
// errors and events worker→main) keeps its meaning. postMessage's structured clone copies plain
// data but turns BSON values into plain objects, a Buffer into a Uint8Array (copying the whole 8 KB
// pool slab or BSON reply behind a view), and every error into a bare Error/TypeError/...; this codec
// tags what it would break and rebuilds it on the other side.
//
// Wire format: anything structured clone keeps as is passes as is; everything else becomes a *tag*,
// a plain object whose reserved key `$rotor` names what it stands for ({ $rotor: 'ObjectId', v: hex }).
// A user document that has a `$rotor` key of its own is escaped ({ $rotor: 'Object', v: doc }), so
// every document round-trips unchanged.
//
// One pass each way. encode walks the value once and copies a container only from the first child
// that needed a tag (copy-on-write), so a batch of plain documents is returned as is and structured
// clone does the only copy; decode walks the clone (which it owns) and replaces tags in place.
// Paths for error messages are built only when something is rejected (each level adds its key while
// the error unwinds), never on the happy path.
//
// Measured (node 20.20, 2 shared cores, mongodb 7.9 / bson 7.3; median of 9-15 rounds, best of
// 3-4 runs; the box was loaded by other jobs, so absolute numbers vary ±30%, the ratios held in
// every run). Doc = ~1.1 KB BSON: nested subdocs and arrays, 4 ObjectIds, 3 Decimal128, a Long, a Date.
//                               encode          encode          structured  decode   total    bare
//                               copy-on-write   always-copy     clone                         structuredClone
//   1 doc                        3.0 µs          3.4 µs          14 µs      ~4 µs    24 µs    16 µs
//   100-doc batch                297 µs          373 µs          1.39 ms    245 µs   2.10 ms  1.26 ms
//   same, no BSON values:
//   1 doc                        1.4 µs          2.5 µs          8.9 µs     0.9 µs   11.6 µs  9.0 µs
//   100-doc batch                142 µs          241 µs          0.86 ms    71 µs    1.18 ms  0.87 ms
// ("bare structuredClone" loses every BSON type; it is slower than the tagged clone on BSON docs
// because it copies the 8 KB pool slab behind each Decimal128's 16 bytes, checked.) Copy-on-write encode wins in
// every case (1.1-1.8x, most on untagged data, which it returns as is), so it is what is implemented;
// the clone itself dominates the round trip. Of copy-on-write encode, the symbol-key check
// (Object.getOwnPropertySymbols per object) is 25-50%: 295 → 222 µs on the BSON batch, 171 → 85 µs
// on the plain one (hooks.symbolKeys = 'drop' skips it). ObjectId crosses as its 24-char hex string:
// 1.4 µs vs 1.9 µs per id round trip as 12 copied bytes (a typed array costs an ArrayBuffer on each
// side of the clone).
// See spec/pool-codec.spec.ts for the live timing it prints.
/* eslint-disable @typescript-eslint/no-unsafe-function-type -- the codec handles any callable or constructor by identity and prototype only */
import * as mongodb from 'mongodb';
import { BSON, Binary, BSONRegExp, BSONSymbol, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, MongoError, ObjectId, Timestamp, UUID } from 'mongodb';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// ───────────────────────────────────────── public API ─────────────────────────────────────────

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
  return typeof value === 'object' && value !== null ? dec(value, hooks) : value;
}

/**
 * Encodes a thrown value (an error, or anything else a promise was rejected with). Never throws:
 * fields of an error that cannot cross are dropped, and a non-error that cannot cross becomes an Error
 * saying so.
 */
export function encodeError(error: unknown, hooks?: EncodeHooks): unknown {
  const ctx: EncodeContext = { hooks: hooks ?? NO_HOOKS, to: hooks?.to ?? 'the main thread', root: 'error', value: error, symbolKeys: false, materialize: hooks?.materialize === true };
  try {
    if (isError(error)) return encError(error as Error, ctx, 0);
    return { [TAG]: 'Thrown', v: enc(error, ctx, 0) };
  } catch (failure) {
    const reason = failure instanceof PathError ? toPublicError(failure, ctx).message : String(failure);
    return encError(new Error(`a rejection value that cannot cross the thread boundary: ${reason}`), ctx, 0);
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

// ─────────────────────────────────────────── encode ───────────────────────────────────────────

interface EncodeContext {
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
}

const NO_HOOKS: EncodeHooks = { refOf: () => undefined };
const NO_DECODE_HOOKS: DecodeHooks = {
  ref: (ref) => {
    throw new TypeError(`a reference to a remote ${ref.cls} #${ref.id} cannot be decoded here`);
  },
};

/** Deeper than this is taken for a cycle (BSON documents nest at most ~100 levels). */
const MAX_DEPTH = 400;

/** Thrown while encoding; collects the path segments (innermost first) as it unwinds. */
class PathError extends Error {
  readonly segments: Array<string | number> = [];
}

function withSegment(error: unknown, segment: string | number): unknown {
  if (error instanceof PathError) error.segments.push(segment);
  return error;
}

function pathOf(ctx: EncodeContext, segments: ReadonlyArray<string | number>): string {
  let path = ctx.root;
  const n = segments.length;
  for (let i = n - 1; i >= 0; i--) {
    if (n > 24 && i < n - 12 && i >= 12) {
      if (i === n - 13) path += '…';
      continue;
    }
    const s = segments[i]!;
    if (typeof s === 'string') path += `.${s}`;
    else path += i === n - 1 && ctx.argumentList === true ? ` ${s + 1}` : `[${s}]`;
  }
  return path;
}

function toPublicError(error: PathError, ctx: EncodeContext): TypeError;
function toPublicError(error: unknown, ctx: EncodeContext): unknown;
function toPublicError(error: unknown, ctx: EncodeContext): unknown {
  if (!(error instanceof PathError)) return error;
  return new TypeError(`${pathOf(ctx, error.segments)}: ${error.message.replace('<to>', ctx.to)}`);
}

/**
 * The path of `target` inside the value being encoded, for functionRef. The walk keeps no path on the
 * happy path, so it is searched for here, only when a function is met (rare: callbacks).
 */
function pathTo(ctx: EncodeContext, target: unknown): string {
  const segments: Array<string | number> = [];
  const seen = new Set<object>();
  const search = (value: unknown, depth: number): boolean => {
    if (value === target) return true;
    if (typeof value !== 'object' || value === null || depth > MAX_DEPTH || seen.has(value) || ctx.hooks.refOf(value) !== undefined) return false;
    seen.add(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) if (search(value[i], depth + 1)) return segments.push(i), true;
      return false;
    }
    if (value instanceof Map) {
      let i = 0;
      for (const [k, v] of value) {
        if (search(k, depth + 1) || search(v, depth + 1)) return segments.push(`<Map entry ${i}>`), true;
        i++;
      }
      return false;
    }
    for (const key of Object.keys(value)) if (search((value as Record<string, unknown>)[key], depth + 1)) return segments.push(key), true;
    return false;
  };
  search(ctx.value, 0);
  return pathOf(ctx, segments);
}

/** A lenient encode's answer for a value the BSON serializer leaves out (a symbol): the key is dropped. */
const LEFT_OUT = Symbol('rotor.leftOut');

function enc(value: unknown, ctx: EncodeContext, depth: number): unknown {
  if (typeof value === 'object') return value === null ? value : encObject(value, ctx, depth);
  if (typeof value === 'function') return encFunction(value, ctx);
  if (typeof value === 'symbol') return encSymbol(value, ctx);
  return value;
}

function encSymbol(value: symbol, ctx: EncodeContext): unknown {
  if (ctx.lenient) return LEFT_OUT;
  throw new PathError(`a symbol (${String(value)}) cannot cross to <to>`);
}

/** Functions: a handle that is a function Proxy, else a callback id, else rejected. */
function encFunction(fn: Function, ctx: EncodeContext): unknown {
  const ref = ctx.hooks.refOf(fn);
  if (ref !== undefined) return ref.n === undefined ? { [TAG]: 'Ref', id: ref.id, cls: ref.cls } : { [TAG]: 'Ref', id: ref.id, cls: ref.cls, n: ref.n };
  if (ctx.hooks.functionRef !== undefined) {
    const id = ctx.hooks.functionRef(fn, pathTo(ctx, fn));
    if (id !== undefined) return { [TAG]: 'Function', id };
  }
  throw new PathError(`a function cannot cross to <to>`);
}

function encObject(value: object, ctx: EncodeContext, depth: number): unknown {
  const ref = ctx.hooks.refOf(value);
  if (ref !== undefined) return ref.n === undefined ? { [TAG]: 'Ref', id: ref.id, cls: ref.cls } : { [TAG]: 'Ref', id: ref.id, cls: ref.cls, n: ref.n };
  if (depth > MAX_DEPTH) throw new PathError(`nesting deeper than ${MAX_DEPTH} levels (a cyclic structure?) cannot cross to <to>`);
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype) return encPlain(value as Record<string, unknown>, ctx, depth, false);
  if (proto === Array.prototype) return encArray(value as unknown[], ctx, depth);
  if (proto === null) return encPlain(value as Record<string, unknown>, ctx, depth, true);
  const kind = (table ??= buildTable()).kinds.get(proto);
  if (kind !== undefined) return encKnown(value, kind, ctx, depth);
  return encOther(value, proto, ctx, depth);
}

function encPlain(obj: Record<string, unknown>, ctx: EncodeContext, depth: number, nullProto: boolean): unknown {
  if (ctx.symbolKeys) {
    const symbols = Object.getOwnPropertySymbols(obj);
    if (symbols.length !== 0) rejectSymbolKey(obj, symbols);
  }
  let out: Record<string, unknown> | undefined = ctx.materialize ? {} : undefined;
  let escape = false;
  let key: string | undefined;
  try {
    for (key in obj) {
      const v = obj[key];
      let e = v;
      if (typeof v === 'object') {
        if (v !== null) e = encObject(v, ctx, depth + 1);
      } else if (typeof v === 'function') e = encFunction(v, ctx);
      else if (typeof v === 'symbol') e = encSymbol(v, ctx);
      if (e === LEFT_OUT) {
        out ??= copyPrefix(obj, key);
        continue;
      }
      if (key === TAG) escape = true;
      if (out !== undefined) setOwn(out, key, e);
      else if (e !== v) {
        out = copyPrefix(obj, key);
        setOwn(out, key, e);
      }
    }
  } catch (error) {
    throw withSegment(error, key!);
  }
  if (escape || nullProto) return nullProto ? { [TAG]: 'Object', v: out ?? obj, n: 1 } : { [TAG]: 'Object', v: out ?? obj };
  return out ?? obj;
}

function rejectSymbolKey(obj: object, symbols: symbol[]): void {
  for (const s of symbols) {
    if (Object.prototype.propertyIsEnumerable.call(obj, s)) throw new PathError(`a symbol-keyed property (${String(s)}) cannot cross to <to>`);
  }
}

function copyPrefix(obj: Record<string, unknown>, stop: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in obj) {
    if (k === stop) break;
    setOwn(out, k, obj[k]);
  }
  return out;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

function encArray(arr: unknown[], ctx: EncodeContext, depth: number): unknown {
  let out: unknown[] | undefined = ctx.materialize ? [] : undefined;
  const n = arr.length;
  let i = 0;
  try {
    for (; i < n; i++) {
      const v = arr[i];
      let e = v;
      if (typeof v === 'object') {
        if (v !== null) e = encObject(v, ctx, depth + 1);
      } else if (typeof v === 'function') e = encFunction(v, ctx);
      else if (typeof v === 'symbol') e = encSymbol(v, ctx);
      if (e === LEFT_OUT) e = null;
      if (out !== undefined) out.push(e);
      else if (e !== v) {
        out = arr.slice(0, i);
        out.push(e);
      }
    }
  } catch (error) {
    throw withSegment(error, i);
  }
  return out ?? arr;
}

/** What a prototype found in the table stands for. */
const enum Kind {
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

function encKnown(value: object, kind: Kind, ctx: EncodeContext, depth: number): unknown {
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the BSON kinds go on to encBson (default)
  switch (kind) {
    case Kind.Clone:
      return value;
    case Kind.Map:
      return encMap(value as Map<unknown, unknown>, ctx, depth);
    case Kind.Set:
      return encSet(value as Set<unknown>, ctx, depth);
    case Kind.Buffer:
      return { [TAG]: 'Buffer', v: ownBytes(value as Buffer) };
    case Kind.View:
      return ownView(value as ArrayBufferView);
    case Kind.Error:
      return encError(value as Error, ctx, depth);
    case Kind.DataClass:
      return encDataClass(value, ctx, depth);
    case Kind.DriverPlain:
      return encPlainFields(value, ctx, depth);
    case Kind.DriverObject:
      throw new PathError(`a class instance with hidden state cannot cross to <to> (${constructorName(value)}: a driver object crosses only as a handle)`);
    case Kind.Forbidden:
      if (ctx.lenient) return encPlainFields(value, ctx, depth);
      throw new PathError(`a ${constructorName(value)} cannot cross to <to>`);
    default:
      return encBson(value, kind, ctx, depth);
  }
}

function encBson(value: any, kind: Kind, ctx: EncodeContext, depth: number): unknown {
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- only BSON kinds reach here; others throw (default)
  switch (kind) {
    case Kind.ObjectId:
      return { [TAG]: 'ObjectId', v: value.toHexString() as string };
    case Kind.Long:
      return { [TAG]: 'Long', l: value.low as number, h: value.high as number, u: value.unsigned === true };
    case Kind.Int32:
      return { [TAG]: 'Int32', v: value.value as number };
    case Kind.Double:
      return { [TAG]: 'Double', v: value.value as number };
    case Kind.Decimal128:
      return { [TAG]: 'Decimal128', v: ownBytes(value.bytes as Uint8Array) };
    case Kind.Binary:
      return { [TAG]: 'Binary', v: ownBytes((value.buffer as Uint8Array).subarray(0, value.position as number)), t: value.sub_type as number };
    case Kind.UUID:
      return { [TAG]: 'UUID', v: ownBytes(value.buffer as Uint8Array) };
    case Kind.Timestamp:
      return { [TAG]: 'Timestamp', t: (value.high as number) >>> 0, i: (value.low as number) >>> 0 };
    case Kind.MinKey:
      return { [TAG]: 'MinKey' };
    case Kind.MaxKey:
      return { [TAG]: 'MaxKey' };
    case Kind.BSONRegExp:
      return { [TAG]: 'BSONRegExp', p: value.pattern as string, o: value.options as string };
    case Kind.Code: {
      let scope: unknown = value.scope;
      try {
        scope = scope == null ? null : enc(scope, ctx, depth + 1);
      } catch (error) {
        throw withSegment(error, 'scope');
      }
      return { [TAG]: 'Code', c: String(value.code), s: scope };
    }
    case Kind.DBRef: {
      let seg = 'oid';
      try {
        const oid = enc(value.oid, ctx, depth + 1);
        seg = 'fields';
        const fields = enc(value.fields, ctx, depth + 1);
        return { [TAG]: 'DBRef', c: value.collection as string, o: oid, d: value.db as string | undefined, f: fields };
      } catch (error) {
        throw withSegment(error, seg);
      }
    }
    case Kind.BSONSymbol:
      return { [TAG]: 'BSONSymbol', v: String(value.value) };
    default:
      throw new PathError(`an unsupported value cannot cross to <to> (${constructorName(value)})`);
  }
}

/** Bytes in an ArrayBuffer of their own: a view on a pooled slab or a whole BSON reply would clone all of it. */
function ownBytes(view: Uint8Array): Uint8Array {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && !(view.buffer instanceof SharedArrayBuffer)) return view;
  return new Uint8Array(view);
}

function ownView(view: ArrayBufferView): ArrayBufferView {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) return view;
  if (view instanceof DataView) return new DataView(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
  return (view as unknown as Uint8Array).slice();
}

function encMap(map: Map<unknown, unknown>, ctx: EncodeContext, depth: number): unknown {
  let changed = false;
  const keys: unknown[] = [];
  const values: unknown[] = [];
  let index = 0;
  try {
    for (const [k, v] of map) {
      const ek = enc(k, ctx, depth + 1);
      const ev = enc(v, ctx, depth + 1);
      if (ek !== k || ev !== v) changed = true;
      keys.push(ek);
      values.push(ev);
      index++;
    }
  } catch (error) {
    throw withSegment(error, `<Map entry ${index}>`);
  }
  if (!changed) return map;
  const out = new Map<unknown, unknown>();
  for (let i = 0; i < keys.length; i++) out.set(keys[i], values[i]);
  return out;
}

function encSet(set: Set<unknown>, ctx: EncodeContext, depth: number): unknown {
  let changed = false;
  const items: unknown[] = [];
  let index = 0;
  try {
    for (const v of set) {
      const ev = enc(v, ctx, depth + 1);
      if (ev !== v) changed = true;
      items.push(ev);
      index++;
    }
  } catch (error) {
    throw withSegment(error, `<Set element ${index}>`);
  }
  return changed ? new Set(items) : set;
}

/** A driver data class: its own fields (enumerable and not, e.g. BulkWriteResult's `result`). */
function encDataClass(value: object, ctx: EncodeContext, depth: number): unknown {
  const t = table!;
  const fields: Record<string, unknown> = {};
  let hidden: Record<string, unknown> | undefined;
  let key = '';
  try {
    for (key of Object.getOwnPropertyNames(value)) {
      const v = (value as Record<string, unknown>)[key];
      const e = enc(v, ctx, depth + 1);
      if (Object.prototype.propertyIsEnumerable.call(value, key)) setOwn(fields, key, e);
      else setOwn((hidden ??= {}), key, e);
    }
  } catch (error) {
    throw withSegment(error, key);
  }
  if (ctx.symbolKeys) {
    const symbols = Object.getOwnPropertySymbols(value);
    if (symbols.length !== 0) rejectSymbolKey(value, symbols);
  }
  const tag: Record<string, unknown> = { [TAG]: 'Class', c: t.names.get(Object.getPrototypeOf(value) as object)!, f: fields };
  if (hidden !== undefined) tag.h = hidden;
  return tag;
}

/** A class instance crossing as a plain object of its own enumerable fields. */
function encPlainFields(value: object, ctx: EncodeContext, depth: number): unknown {
  const out: Record<string, unknown> = {};
  let key = '';
  try {
    for (key of Object.keys(value)) {
      const e = enc((value as Record<string, unknown>)[key], ctx, depth + 1);
      if (e !== LEFT_OUT) setOwn(out, key, e);
    }
  } catch (error) {
    throw withSegment(error, key);
  }
  if (ctx.symbolKeys) {
    const symbols = Object.getOwnPropertySymbols(value);
    if (symbols.length !== 0) rejectSymbolKey(value, symbols);
  }
  return TAG in out ? { [TAG]: 'Object', v: out } : out;
}

/** Whatever the table does not know by its exact prototype. */
function encOther(value: object, proto: object, ctx: EncodeContext, depth: number): unknown {
  if (isError(value)) return encError(value as Error, ctx, depth);
  if (Buffer.isBuffer(value)) return { [TAG]: 'Buffer', v: ownBytes(value) };
  if (ArrayBuffer.isView(value)) return ownView(value);
  // A BSON value from another copy of the bson package: the same accessors, rebuilt as ours.
  const bsontype = (value as { _bsontype?: unknown })._bsontype;
  if (typeof bsontype === 'string') {
    const kind = BSONTYPE_KINDS[bsontype];
    if (kind !== undefined) return encBson(value, kind === Kind.Binary && constructorName(value) === 'UUID' ? Kind.UUID : kind, ctx, depth);
  }
  // A plain object from another realm (vm context).
  if (Object.getPrototypeOf(proto) === null && constructorName(value) === 'Object') return encPlain(value as Record<string, unknown>, ctx, depth, false);
  if (Array.isArray(value) && constructorName(value) === 'Array') return encArray(value, ctx, depth);
  // What the BSON serializer would do with a class instance that has toBSON: use what it returns.
  const toBSON = (value as { toBSON?: unknown }).toBSON;
  if (typeof toBSON === 'function') {
    let replacement: unknown;
    try {
      replacement = toBSON.call(value);
    } catch (error) {
      throw new PathError(`${constructorName(value)}.toBSON() threw (${String(error)}), so it cannot cross to <to>`);
    }
    if (replacement !== value) return enc(replacement, ctx, depth + 1);
  }
  // An unexported driver class (the table is built from what is loaded; look again if more got
  // loaded). A prototype found to be no driver class's stays one: a class that exists now cannot be
  // exported by a driver module loaded later.
  const t = table!;
  if (!t.notDriver.has(proto)) {
    t.refreshDriverClasses();
    const kind = t.kinds.get(proto);
    if (kind !== undefined) return encKnown(value, kind, ctx, depth);
    t.notDriver.add(proto);
  }
  if (ctx.lenient) return encPlainFields(value, ctx, depth);
  throw new PathError(`a class instance with hidden state cannot cross to <to> (${constructorName(value)})`);
}

function constructorName(value: object): string {
  try {
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
    const name = proto?.constructor?.name;
    if (typeof name === 'string' && name !== '') return name;
  } catch {
    // a hostile prototype: fall through
  }
  return Object.prototype.toString.call(value).slice(8, -1);
}

function isError(value: unknown): boolean {
  return value instanceof Error || (typeof value === 'object' && value !== null && Object.prototype.toString.call(value) === '[object Error]');
}

/** Error fields never copied as fields: restored by their own means. */
const ERROR_SKIPPED = new Set(['stack', 'message']);

/**
 * An error, whatever its depth: class (nearest known one up its prototype chain), name, message,
 * stack, error labels, and every own field (enumerable or not, so `cause` and AggregateError's
 * `errors` too). Lenient: a field that cannot cross is dropped, an error always crosses.
 */
function encError(error: Error, ctx: EncodeContext, depth: number): unknown {
  const t = (table ??= buildTable());
  let cls = 'Error';
  for (let p = Object.getPrototypeOf(error) as object | null; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    if (t.kinds.get(p) === Kind.Error) {
      cls = t.names.get(p)!;
      break;
    }
  }
  let message: string;
  let stack: string | undefined;
  let name: string;
  try {
    message = String(error.message);
  } catch {
    message = '';
  }
  try {
    stack = error.stack === undefined ? undefined : String(error.stack);
  } catch {
    stack = undefined;
  }
  try {
    name = String(error.name);
  } catch {
    name = cls;
  }
  const tag: Record<string, unknown> = { [TAG]: 'Error', c: cls, n: name, m: message, s: stack };
  if (depth > MAX_DEPTH) return tag;
  if (error instanceof MongoError || typeof (error as { addErrorLabel?: unknown }).addErrorLabel === 'function') {
    try {
      const labels = (error as MongoError).errorLabels;
      if (Array.isArray(labels) && labels.length !== 0) tag.l = labels.map(String);
    } catch {
      // no labels then
    }
  }
  let fields: Record<string, unknown> | undefined;
  let hidden: Record<string, unknown> | undefined;
  let names: string[];
  try {
    names = Object.getOwnPropertyNames(error);
  } catch {
    names = [];
  }
  for (const key of names) {
    if (ERROR_SKIPPED.has(key)) continue;
    try {
      const descriptor = Object.getOwnPropertyDescriptor(error, key);
      if (descriptor === undefined) continue;
      const value = 'value' in descriptor ? descriptor.value : descriptor.get?.call(error);
      if (key === 'errorLabelSet' && value instanceof Set) continue; // MongoError's labels: sent as `l`
      const encoded = enc(value, ctx, depth + 1);
      if (descriptor.enumerable) setOwn((fields ??= {}), key, encoded);
      else setOwn((hidden ??= {}), key, encoded);
    } catch {
      // a field that cannot cross (a function, a socket...) is dropped: the error itself must cross
    }
  }
  if (fields !== undefined) tag.f = fields;
  if (hidden !== undefined) tag.h = hidden;
  return tag;
}

// ─────────────────────────────────────────── decode ───────────────────────────────────────────

function dec(value: object, hooks: DecodeHooks): unknown {
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype) {
    const tag = (value as Record<string, unknown>)[TAG];
    if (tag !== undefined) return decTag(value as Record<string, any>, tag, hooks);
    decFields(value as Record<string, unknown>, hooks);
    return value;
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
  if (proto === Map.prototype) return decMap(value as Map<unknown, unknown>, hooks);
  if (proto === Set.prototype) return decSet(value as Set<unknown>, hooks);
  return value; // Date, RegExp, typed arrays, ArrayBuffer, boxed primitives: structured clone rebuilt them
}

/** Decodes the values of a plain object in place (its keys are data, never a tag). */
function decFields(obj: Record<string, unknown>, hooks: DecodeHooks): void {
  for (const k in obj) {
    const v = obj[k];
    if (typeof v === 'object' && v !== null) {
      const d = dec(v, hooks);
      if (d !== v) setOwn(obj, k, d);
    }
  }
}

function decAny(value: unknown, hooks: DecodeHooks): unknown {
  return typeof value === 'object' && value !== null ? dec(value, hooks) : value;
}

function decTag(t: Record<string, any>, tag: unknown, hooks: DecodeHooks): unknown {
  switch (tag) {
    case 'ObjectId':
      return ObjectId.createFromHexString(t.v);
    case 'Long':
      return Long.fromBits(t.l, t.h, t.u);
    case 'Int32':
      return new Int32(t.v);
    case 'Double':
      return new Double(t.v);
    case 'Decimal128':
      return new Decimal128(asBuffer(t.v));
    case 'Binary':
      return new Binary(t.v as Uint8Array, t.t);
    case 'UUID':
      return new UUID(t.v as Uint8Array);
    case 'Timestamp':
      return new Timestamp({ t: t.t, i: t.i });
    case 'MinKey':
      return new MinKey();
    case 'MaxKey':
      return new MaxKey();
    case 'BSONRegExp':
      return decBSONRegExp(t.p, t.o);
    case 'Code':
      return new Code(t.c, decAny(t.s, hooks) as BSON.Document | null);
    case 'DBRef': {
      const ref = new DBRef('x', decAny(t.o, hooks) as ObjectId, t.d, decAny(t.f, hooks) as BSON.Document);
      ref.collection = t.c; // set after: the constructor splits a dotted name into db.collection
      ref.db = t.d;
      return ref;
    }
    case 'BSONSymbol':
      return new BSONSymbol(t.v);
    case 'Buffer':
      return asBuffer(t.v);
    case 'Object': {
      const obj = t.v as Record<string, unknown>;
      decFields(obj, hooks);
      if (t.n !== 1) return obj;
      const bare = Object.create(null) as Record<string, unknown>;
      for (const k in obj) bare[k] = obj[k];
      return bare;
    }
    case 'Ref':
      return hooks.ref(t.n === undefined ? { id: t.id, cls: t.cls } : { id: t.id, cls: t.cls, n: t.n });
    case 'Function':
      if (hooks.fn === undefined) throw new TypeError(`a function (#${t.id}) came across but this side has no function stubs`);
      return hooks.fn(t.id);
    case 'Class':
      return decDataClass(t, hooks);
    case 'Error':
      return decError(t, hooks);
    case 'Thrown':
      return decAny(t.v, hooks);
    default:
      throw new TypeError(`unknown rotor wire tag ${JSON.stringify(tag)} (a codec version mismatch between threads?)`);
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function decBSONRegExp(pattern: string, options: string): BSONRegExp {
  try {
    return new BSONRegExp(pattern, options);
  } catch {
    // options the constructor refuses but the server sent: keep them verbatim
    return Object.assign(Object.create(BSONRegExp.prototype) as BSONRegExp, { pattern, options });
  }
}

function decMap(map: Map<unknown, unknown>, hooks: DecodeHooks): unknown {
  let rebuilt: Map<unknown, unknown> | undefined;
  let i = 0;
  for (const [k, v] of map) {
    const dk = decAny(k, hooks);
    const dv = decAny(v, hooks);
    if (rebuilt === undefined && (dk !== k || dv !== v)) {
      rebuilt = new Map();
      let j = 0;
      for (const [pk, pv] of map) {
        if (j++ === i) break;
        rebuilt.set(pk, pv);
      }
    }
    rebuilt?.set(dk, dv);
    i++;
  }
  return rebuilt ?? map;
}

function decSet(set: Set<unknown>, hooks: DecodeHooks): unknown {
  let changed = false;
  const items: unknown[] = [];
  for (const v of set) {
    const d = decAny(v, hooks);
    if (d !== v) changed = true;
    items.push(d);
  }
  return changed ? new Set(items) : set;
}

function defineOwn(target: object, key: string, value: unknown, enumerable: boolean): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable, configurable: true });
}

/** Whether the codec rebuilds `name` (an export of 'mongodb', or one of INTERNAL_DATA_CLASSES) as its class. */
export function knowsDriverClass(name: string): boolean {
  return classNamed(name) !== undefined || classNamed(`mongodb#${name}`) !== undefined;
}

/** A class by its wire name; a miss rescans the driver's modules once (one loaded since). */
function classNamed(name: string): ClassEntry | undefined {
  const t = (table ??= buildTable());
  let entry = t.byName.get(name);
  if (entry === undefined) {
    t.refreshDriverClasses();
    entry = t.byName.get(name);
  }
  return entry;
}

function decDataClass(t: Record<string, any>, hooks: DecodeHooks): unknown {
  const entry = classNamed(t.c as string);
  const fields = t.f as Record<string, unknown>;
  if (entry === undefined) {
    // the other thread has a class this one does not know (driver version skew): plain fields
    decFields(fields, hooks);
    return fields;
  }
  const obj = Object.create(entry.prototype) as object;
  for (const k in fields) defineOwn(obj, k, decAny(fields[k], hooks), true);
  const hidden = t.h as Record<string, unknown> | undefined;
  if (hidden !== undefined) for (const k in hidden) defineOwn(obj, k, decAny(hidden[k], hooks), false);
  return obj;
}

const BUILTIN_ERRORS: ReadonlyArray<[string, ErrorConstructor]> = [
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
  ['AggregateError', AggregateError as unknown as ErrorConstructor],
];

function decError(t: Record<string, any>, hooks: DecodeHooks): Error {
  const entry = classNamed(t.c as string);
  const cls = (entry?.ctor ?? Error) as new (...args: any[]) => Error;
  const message = t.m as string;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0; // the stack comes from the wire: don't pay for capturing one here
  let error: Error;
  try {
    error = constructError(cls, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
  const labels = t.l as string[] | undefined;
  if (labels !== undefined && typeof (error as MongoError).addErrorLabel === 'function') {
    for (const label of labels) (error as MongoError).addErrorLabel(label);
  }
  const fields = t.f as Record<string, unknown> | undefined;
  if (fields !== undefined) for (const k in fields) defineOwn(error, k, decAny(fields[k], hooks), true);
  const hidden = t.h as Record<string, unknown> | undefined;
  if (hidden !== undefined) for (const k in hidden) defineOwn(error, k, decAny(hidden[k], hooks), false);
  if (error.name !== t.n) defineOwn(error, 'name', t.n, false);
  setStack(error, typeof t.s === 'string' ? t.s : `${String(t.n)}: ${message}`);
  return error;
}

/**
 * An instance of `cls` made without running its own constructor (driver error constructors take
 * driver-internal arguments): the nearest base whose constructor is (message) runs with new.target =
 * cls, so the prototype is cls's and MongoError's label set is initialised however this driver
 * version keeps it. The own fields are then copied from the wire.
 */
function constructError(cls: new (...args: any[]) => Error, message: string): Error {
  if (cls === MongoError || cls.prototype instanceof MongoError) return Reflect.construct(MongoError, [message], cls);
  for (let p: object | null = cls.prototype; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    const base = BUILTIN_PROTOS.get(p);
    if (base === undefined) continue;
    if (base === (AggregateError as unknown)) return Reflect.construct(base, [[], message], cls);
    return Reflect.construct(base, [message], cls);
  }
  return Reflect.construct(Error, [message], cls);
}
const BUILTIN_PROTOS = new Map<object, ErrorConstructor>(BUILTIN_ERRORS.map(([, ctor]) => [ctor.prototype, ctor]));

function setStack(error: Error, stack: string): void {
  defineOwn(error, 'stack', stack, false);
}

/** `${workerStack}\n<boundary line>\n${caller frames}` (the caller stack's own header line dropped). */
function joinStacks(workerStack: string, callerStack: string): string {
  const lines = callerStack.split('\n');
  const frames = lines.length > 0 && !/^\s+at /.test(lines[0]!) ? lines.slice(1) : lines;
  return frames.length === 0 ? workerStack : `${workerStack}\n${BOUNDARY_LINE}\n${frames.join('\n')}`;
}

function describeThrown(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

// ──────────────────────────────────────── class table ────────────────────────────────────────

interface ClassEntry {
  readonly prototype: object;
  readonly ctor: Function;
}

interface Table {
  /** Exact prototype → what it is. */
  readonly kinds: Map<object, Kind>;
  /** Exact prototype → wire name, for data classes and errors. */
  readonly names: Map<object, string>;
  /** Wire name → class, for decode. */
  readonly byName: Map<string, ClassEntry>;
  /** Scans the driver's loaded modules for classes not yet known (when more modules got loaded). */
  refreshDriverClasses(): void;
  /** Prototypes of class instances known not to be driver classes. */
  readonly notDriver: WeakSet<object>;
}

let table: Table | undefined;

const BSONTYPE_KINDS: Record<string, Kind> = {
  ObjectId: Kind.ObjectId,
  ObjectID: Kind.ObjectId,
  Long: Kind.Long,
  Int32: Kind.Int32,
  Double: Kind.Double,
  Decimal128: Kind.Decimal128,
  Binary: Kind.Binary,
  Timestamp: Kind.Timestamp,
  MinKey: Kind.MinKey,
  MaxKey: Kind.MaxKey,
  BSONRegExp: Kind.BSONRegExp,
  Code: Kind.Code,
  DBRef: Kind.DBRef,
  BSONSymbol: Kind.BSONSymbol,
  Symbol: Kind.BSONSymbol,
};

/**
 * Driver classes that are not exported by 'mongodb' but are what users get back (bulkWrite's result,
 * MongoBulkWriteError.writeErrors / .result, SDAM event payloads, MongoServerSelectionError.reason):
 * their public surface is getters over own fields, so a plain object would lose it. Rebuilt as the
 * same class. Named as the driver's type declarations name them, and found by that name among the
 * driver's loaded modules, wherever a release puts them (spec/pool-codec.spec.ts checks each is found).
 */
export const INTERNAL_DATA_CLASSES: readonly string[] = [
  'BulkWriteResult',
  'WriteError',
  'WriteConcernError',
  'ServerDescription',
  'TopologyDescription',
  'MongoDBNamespace',
  'MongoDBCollectionNamespace',
  'PoolClosedError',
  'PoolClearedError',
  'PoolClearedOnNetworkError',
  'WaitQueueTimeoutError',
];


/** Exported driver classes whose instances are live driver objects (besides the EventEmitters). */
const DRIVER_OBJECTS = new Set(['Db', 'Collection', 'Admin', 'OrderedBulkOperation', 'UnorderedBulkOperation', 'ClientEncryption', 'MongoClientAuthProviders']);

function buildTable(): Table {
  const kinds = new Map<object, Kind>();
  const names = new Map<object, string>();
  const byName = new Map<string, ClassEntry>();
  const bsonKinds: Array<[Function, Kind]> = [
    [ObjectId, Kind.ObjectId],
    [Long, Kind.Long],
    [Int32, Kind.Int32],
    [Double, Kind.Double],
    [Decimal128, Kind.Decimal128],
    [Binary, Kind.Binary],
    [UUID, Kind.UUID],
    [Timestamp, Kind.Timestamp],
    [MinKey, Kind.MinKey],
    [MaxKey, Kind.MaxKey],
    [BSONRegExp, Kind.BSONRegExp],
    [Code, Kind.Code],
    [DBRef, Kind.DBRef],
    [BSONSymbol, Kind.BSONSymbol],
  ];
  for (const [ctor, kind] of bsonKinds) kinds.set(ctor.prototype as object, kind);
  for (const ctor of [Date, RegExp, ArrayBuffer, SharedArrayBuffer, String, Number, Boolean, BigInt]) kinds.set(ctor.prototype, Kind.Clone);
  kinds.set(Buffer.prototype, Kind.Buffer);
  const typedArrays = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView];
  for (const ctor of typedArrays) kinds.set(ctor.prototype, Kind.View);
  kinds.set(Map.prototype, Kind.Map);
  kinds.set(Set.prototype, Kind.Set);
  for (const ctor of [WeakMap, WeakSet, WeakRef, FinalizationRegistry, Promise]) kinds.set(ctor.prototype as object, Kind.Forbidden);
  const addClass = (name: string, ctor: Function, kind: Kind): void => {
    const prototype = ctor.prototype as object;
    if (kinds.has(prototype) || byName.has(name)) return;
    kinds.set(prototype, kind);
    names.set(prototype, name);
    byName.set(name, { prototype, ctor });
  };
  for (const [name, ctor] of BUILTIN_ERRORS) addClass(name, ctor, Kind.Error);
  const classify = (ctor: Function, publicClass: boolean): Kind => {
    const prototype = ctor.prototype as object;
    if (prototype instanceof Error) return Kind.Error;
    if (prototype instanceof EventEmitter || DRIVER_OBJECTS.has(ctor.name)) return Kind.DriverObject;
    return publicClass ? Kind.DataClass : Kind.DriverPlain;
  };
  const exported = mongodb as unknown as Record<string, unknown>;
  for (const name of Object.keys(exported)) {
    const value = exported[name];
    if (name !== 'default' && isClass(value)) addClass(name, value, classify(value, true));
  }
  const bson = BSON as unknown as Record<string, unknown>;
  for (const name of Object.keys(bson)) {
    const value = bson[name];
    if (isClass(value) && value.prototype instanceof Error) addClass(name, value, Kind.Error);
  }
  // The driver's own modules, resolved the way `import 'mongodb'` resolves here (so the mongodb 6
  // loader hook is honoured) and read from the require cache (the same module instances). Classes
  // are named by their export name alone: no dependence on where a release keeps its files. A name
  // two modules export is ambiguous and left out (its instances cross as plain objects).
  let libDir: string | undefined;
  let requireDriver: NodeJS.Require | undefined;
  try {
    const main = fileURLToPath(import.meta.resolve('mongodb'));
    libDir = dirname(main) + sep;
    requireDriver = createRequire(main);
  } catch {
    // resolution unavailable: exported classes only
  }
  const internalData = new Set(INTERNAL_DATA_CLASSES);
  const ambiguous = new Set<string>();
  let scannedModules = -1;
  const refreshDriverClasses = (): void => {
    if (requireDriver === undefined || libDir === undefined) return;
    const cache = requireDriver.cache;
    const paths = Object.keys(cache);
    if (paths.length === scannedModules) return;
    scannedModules = paths.length;
    for (const path of paths) {
      if (!path.startsWith(libDir)) continue;
      const moduleExports = cache[path]?.exports as Record<string, unknown> | undefined;
      if (typeof moduleExports !== 'object' || moduleExports === null) continue;
      for (const name of Object.keys(moduleExports)) {
        const value = moduleExports[name];
        if (!isClass(value) || ambiguous.has(name) || kinds.has(value.prototype as object)) continue;
        const wire = `mongodb#${name}`;
        const known = byName.get(wire);
        if (known && known.ctor !== value) {
          ambiguous.add(name);
          continue;
        }
        const kind = value.prototype instanceof Error ? Kind.Error : internalData.has(name) ? Kind.DataClass : classify(value, false);
        addClass(wire, value, kind);
      }
    }
  };
  refreshDriverClasses();
  return { kinds, names, byName, refreshDriverClasses, notDriver: new WeakSet() };
}

function isClass(value: unknown): value is Function {
  return typeof value === 'function' && typeof value.prototype === 'object' && value.prototype !== null && value !== Object && value !== Function;
}
