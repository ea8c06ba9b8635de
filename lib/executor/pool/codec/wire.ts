// The codec's vocabulary (a leaf module): hook, context and handler types, helpers handlers share, and the handlers
// of value classes. Wire format: what structured clone keeps passes as is; anything else becomes a *tag* ({ $rotor:
// 'ObjectId', v: hex }). A document with a `$rotor` key of its own is escaped ({ $rotor: 'Object', v: doc }).
import { BSON, Binary, BSONRegExp, BSONSymbol, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, UUID } from '../../../driver.js';
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
  /** The Errors being encoded around this value (their fields are walked without the plain-object depth guard). */
  errors?: Set<object>;
}

/** The walk's encode and decode (./index.ts), handed to handlers for what they contain: they cannot import it. */
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

// Value classes: built-ins structured clone keeps, keeps but should not copy whole (views on a larger buffer), breaks
// (a Buffer arrives as a Uint8Array), and Map and Set; BSON values, which clone would make plain objects.
/** Bytes in an ArrayBuffer of their own: a view on a pooled slab or a whole BSON reply would clone all of it. */
export function ownBytes(view: Uint8Array): Uint8Array {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && !(view.buffer instanceof SharedArrayBuffer)) return view;
  return new Uint8Array(view);
}

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function ownView(view: ArrayBufferView): ArrayBufferView {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) return view;
  if (view instanceof DataView) return new DataView(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
  return (view as unknown as Uint8Array).slice();
}

export const CLONE: Handler = { serialize: (value: object) => value };
export const VIEW: Handler = { serialize: (value: ArrayBufferView) => ownView(value) };

export const BUFFER: Handler = {
  tag: 'Buffer',
  serialize(value: Buffer, ctx, depth, enc) {
    // mongoose's toBSON on a Buffer makes it a Binary of its subtype: sent as a Buffer, an _id matches nothing.
    const replacement = bsonReplacement(value);
    if (replacement !== value) return enc(replacement, ctx, depth + 1);
    return { [TAG]: 'Buffer', v: ownBytes(value) };
  },
  deserialize: (t) => asBuffer(t.v),
};

type Container = Map<unknown, unknown> | Set<unknown>;

/** A Map's or Set's contents through `step` (encode or decode), copied from the first change on. */
function copyOnWrite<A>(c: Container, step: (value: unknown, a: A, depth: number) => unknown, a: A, depth: number, encoding: boolean): Container {
  const map = c instanceof Map ? c : undefined;
  let out: Container | undefined;
  let i = 0;
  try {
    for (const [k, v] of c.entries()) {
      const sk = step(k, a, depth);
      const sv = map === undefined ? sk : step(v, a, depth);
      // A lenient encode's symbol value: the BSON serializer drops the entry; a symbol key with a value it refuses.
      if (sk === LEFT_OUT && sv !== LEFT_OUT && map !== undefined) throw new PathError(`a symbol Map key (${String(k)}) cannot cross to <to> (the BSON serializer refuses it)`);
      const left = sk === LEFT_OUT || sv === LEFT_OUT;
      if (out === undefined && (left || sk !== k || sv !== v)) out = map === undefined ? new Set([...c].slice(0, i)) : new Map([...map].slice(0, i));
      i++;
      if (left) continue;
      if (out instanceof Map) out.set(sk, sv);
      else out?.add(sk);
    }
  } catch (error) {
    throw encoding ? withSegment(error, map === undefined ? `<Set element ${i}>` : `<Map entry ${i}>`) : error;
  }
  return out ?? c;
}

/** Structured clone carries Maps and Sets themselves (decode finds them by prototype); one handler each, for crossesAsValue. */
const encContainer: Handler['serialize'] = (c: Container, ctx, depth, enc) => copyOnWrite(c, enc, ctx, depth + 1, true);
export const MAP: Handler = { serialize: encContainer };
export const SET: Handler = { serialize: encContainer };
export const decContainer = (c: Container, hooks: DecodeHooks, dec: Dec): unknown => copyOnWrite(c, dec, hooks, 0, false);

const handler = (tag: string, serialize: Handler['serialize'], deserialize: Handler['deserialize']): Handler => ({ tag, serialize, deserialize });

/** Options the constructor refuses but the server sent are kept verbatim. */
function bsonRegExp(pattern: string, options: string): BSONRegExp {
  try {
    return new BSONRegExp(pattern, options);
  } catch {
    return Object.assign(Object.create(BSONRegExp.prototype) as BSONRegExp, { pattern, options });
  }
}

function dbRef(t: Record<string, any>, hooks: DecodeHooks, dec: Dec): DBRef {
  const ref = new DBRef('x', dec(t.o, hooks) as ObjectId, t.d, dec(t.f, hooks) as BSON.Document);
  ref.collection = t.c; // set after: the constructor splits a dotted name into db.collection
  ref.db = t.d;
  return ref;
}

/** Our BSON classes' handlers. An ObjectId crosses as hex: bytes would cost an ArrayBuffer each side (README, Benchmarks). */
export const BSON_CLASSES = new Map<Function, Handler>([
  [ObjectId, handler('ObjectId', (v) => ({ [TAG]: 'ObjectId', v: v.toHexString() }), (t) => ObjectId.createFromHexString(t.v))],
  [Long, handler('Long', (v) => ({ [TAG]: 'Long', l: v.low, h: v.high, u: v.unsigned === true }), (t) => Long.fromBits(t.l, t.h, t.u))],
  [Int32, handler('Int32', (v) => ({ [TAG]: 'Int32', v: v.value }), (t) => new Int32(t.v))],
  [Double, handler('Double', (v) => ({ [TAG]: 'Double', v: v.value }), (t) => new Double(t.v))],
  [Decimal128, handler('Decimal128', (v) => ({ [TAG]: 'Decimal128', v: ownBytes(v.bytes) }), (t) => new Decimal128(asBuffer(t.v)))],
  [Binary, handler('Binary', (v) => ({ [TAG]: 'Binary', v: ownBytes(v.buffer.subarray(0, v.position)), t: v.sub_type }), (t) => new Binary(t.v, t.t))],
  [UUID, handler('UUID', (v) => ({ [TAG]: 'UUID', v: ownBytes(v.buffer) }), (t) => new UUID(t.v))],
  [Timestamp, handler('Timestamp', (v) => ({ [TAG]: 'Timestamp', t: v.high >>> 0, i: v.low >>> 0 }), (t) => new Timestamp({ t: t.t, i: t.i }))],
  [MinKey, handler('MinKey', () => ({ [TAG]: 'MinKey' }), () => new MinKey())],
  [MaxKey, handler('MaxKey', () => ({ [TAG]: 'MaxKey' }), () => new MaxKey())],
  [BSONRegExp, handler('BSONRegExp', (v) => ({ [TAG]: 'BSONRegExp', p: v.pattern, o: v.options }), (t) => bsonRegExp(t.p, t.o))],
  [Code, handler(
    'Code',
    (v, ctx, depth, enc) => ({ [TAG]: 'Code', c: String(v.code), s: v.scope == null ? null : encField(v, 'scope', ctx, depth, enc) }),
    (t, hooks, dec) => new Code(t.c, dec(t.s, hooks) as BSON.Document | null),
  )],
  [DBRef, handler(
    'DBRef',
    (v, ctx, depth, enc) => ({ [TAG]: 'DBRef', o: encField(v, 'oid', ctx, depth, enc), f: encField(v, 'fields', ctx, depth, enc), c: v.collection, d: v.db }),
    dbRef,
  )],
  [BSONSymbol, handler('BSONSymbol', (v) => ({ [TAG]: 'BSONSymbol', v: String(v.value) }), (t) => new BSONSymbol(t.v))],
]);

const BY_BSONTYPE = new Map<string, Handler>([
  ...[...BSON_CLASSES].filter(([ctor]) => ctor !== UUID).map(([, h]): [string, Handler] => [h.tag!, h]),
  ['ObjectID', BSON_CLASSES.get(ObjectId)!],
  ['Symbol', BSON_CLASSES.get(BSONSymbol)!],
]);

/** The handler of a BSON value from another copy of the bson package, by its `_bsontype`: the same accessors, rebuilt as ours. */
export function foreignBson(value: object): Handler | undefined {
  const bsontype = (value as { _bsontype?: unknown })._bsontype;
  const h = typeof bsontype === 'string' ? BY_BSONTYPE.get(bsontype) : undefined;
  return h?.tag === 'Binary' && constructorName(value) === 'UUID' ? BSON_CLASSES.get(UUID) : h; // a UUID's _bsontype is 'Binary'
}
