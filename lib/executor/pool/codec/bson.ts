// BSON values: structured clone would make them plain objects (copying the slab behind a Decimal128).
/* eslint-disable @typescript-eslint/no-unsafe-function-type -- classes are keys here, by identity */
import { BSON, Binary, BSONRegExp, BSONSymbol, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, UUID } from '../../../driver.js';
import { asBuffer, ownBytes } from './builtins.js';
import { constructorName, encField, TAG, type Handler } from './wire.js';

const handler = (tag: string, serialize: Handler['serialize'], deserialize: Handler['deserialize']): Handler => ({ tag, serialize, deserialize });

/** Options the constructor refuses but the server sent are kept verbatim. */
function bsonRegExp(pattern: string, options: string): BSONRegExp {
  try {
    return new BSONRegExp(pattern, options);
  } catch {
    return Object.assign(Object.create(BSONRegExp.prototype) as BSONRegExp, { pattern, options });
  }
}

const CODE = handler(
  'Code',
  (v, ctx, depth, enc) => ({ [TAG]: 'Code', c: String(v.code), s: v.scope == null ? null : encField(v, 'scope', ctx, depth, enc) }),
  (t, hooks, dec) => new Code(t.c, dec(t.s, hooks) as BSON.Document | null),
);

const DBREF = handler(
  'DBRef',
  (v, ctx, depth, enc) => {
    const oid = encField(v, 'oid', ctx, depth, enc);
    return { [TAG]: 'DBRef', o: oid, f: encField(v, 'fields', ctx, depth, enc), c: v.collection, d: v.db };
  },
  (t, hooks, dec) => {
    const ref = new DBRef('x', dec(t.o, hooks) as ObjectId, t.d, dec(t.f, hooks) as BSON.Document);
    ref.collection = t.c; // set after: the constructor splits a dotted name into db.collection
    ref.db = t.d;
    return ref;
  },
);

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
  [Code, CODE],
  [DBRef, DBREF],
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
