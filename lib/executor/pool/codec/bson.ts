// BSON values, one handler per BSON class. Structured clone would turn them into plain objects (and
// copy the 8 KB pool slab behind a Decimal128's 16 bytes).
/* eslint-disable @typescript-eslint/no-unsafe-function-type -- classes are keys here, by identity */
import { BSON, Binary, BSONRegExp, BSONSymbol, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, UUID } from '../../../driver.js';
import { asBuffer, ownBytes } from './builtins.js';
import { constructorName, TAG, withSegment, type Handler } from './wire.js';

const handler = (tag: string, serialize: Handler['serialize'], deserialize: Handler['deserialize']): Handler => ({ tag, serialize, deserialize });

const BSON_REGEXP = handler(
  'BSONRegExp',
  (value) => ({ [TAG]: 'BSONRegExp', p: value.pattern as string, o: value.options as string }),
  (t) => {
    try {
      return new BSONRegExp(t.p, t.o);
    } catch {
      // options the constructor refuses but the server sent: keep them verbatim
      return Object.assign(Object.create(BSONRegExp.prototype) as BSONRegExp, { pattern: t.p as string, options: t.o as string });
    }
  },
);

const CODE = handler(
  'Code',
  (value, ctx, depth, walk) => {
    let scope: unknown = value.scope;
    try {
      scope = scope == null ? null : walk.enc(scope, ctx, depth + 1);
    } catch (error) {
      throw withSegment(error, 'scope');
    }
    return { [TAG]: 'Code', c: String(value.code), s: scope };
  },
  (t, hooks, walk) => new Code(t.c, walk.dec(t.s, hooks) as BSON.Document | null),
);

const DBREF = handler(
  'DBRef',
  (value, ctx, depth, walk) => {
    let segment = 'oid';
    try {
      const oid = walk.enc(value.oid, ctx, depth + 1);
      segment = 'fields';
      const fields = walk.enc(value.fields, ctx, depth + 1);
      return { [TAG]: 'DBRef', c: value.collection as string, o: oid, d: value.db as string | undefined, f: fields };
    } catch (error) {
      throw withSegment(error, segment);
    }
  },
  (t, hooks, walk) => {
    const ref = new DBRef('x', walk.dec(t.o, hooks) as ObjectId, t.d, walk.dec(t.f, hooks) as BSON.Document);
    ref.collection = t.c; // set after: the constructor splits a dotted name into db.collection
    ref.db = t.d;
    return ref;
  },
);

/**
 * Our BSON classes and their handlers. An ObjectId crosses as its hex string: cheaper per round trip
 * than its 12 bytes (a typed array costs an ArrayBuffer on each side of the clone; README, Benchmarks).
 */
export const BSON_CLASSES = new Map<Function, Handler>([
  [ObjectId, handler('ObjectId', (value) => ({ [TAG]: 'ObjectId', v: value.toHexString() as string }), (t) => ObjectId.createFromHexString(t.v))],
  [Long, handler('Long', (value) => ({ [TAG]: 'Long', l: value.low as number, h: value.high as number, u: value.unsigned === true }), (t) => Long.fromBits(t.l, t.h, t.u))],
  [Int32, handler('Int32', (value) => ({ [TAG]: 'Int32', v: value.value as number }), (t) => new Int32(t.v))],
  [Double, handler('Double', (value) => ({ [TAG]: 'Double', v: value.value as number }), (t) => new Double(t.v))],
  [Decimal128, handler('Decimal128', (value) => ({ [TAG]: 'Decimal128', v: ownBytes(value.bytes as Uint8Array) }), (t) => new Decimal128(asBuffer(t.v)))],
  [
    Binary,
    handler(
      'Binary',
      (value) => ({ [TAG]: 'Binary', v: ownBytes((value.buffer as Uint8Array).subarray(0, value.position as number)), t: value.sub_type as number }),
      (t) => new Binary(t.v as Uint8Array, t.t),
    ),
  ],
  [UUID, handler('UUID', (value) => ({ [TAG]: 'UUID', v: ownBytes(value.buffer as Uint8Array) }), (t) => new UUID(t.v as Uint8Array))],
  [Timestamp, handler('Timestamp', (value) => ({ [TAG]: 'Timestamp', t: (value.high as number) >>> 0, i: (value.low as number) >>> 0 }), (t) => new Timestamp({ t: t.t, i: t.i }))],
  [MinKey, handler('MinKey', () => ({ [TAG]: 'MinKey' }), () => new MinKey())],
  [MaxKey, handler('MaxKey', () => ({ [TAG]: 'MaxKey' }), () => new MaxKey())],
  [BSONRegExp, BSON_REGEXP],
  [Code, CODE],
  [DBRef, DBREF],
  [BSONSymbol, handler('BSONSymbol', (value) => ({ [TAG]: 'BSONSymbol', v: String(value.value) }), (t) => new BSONSymbol(t.v))],
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
