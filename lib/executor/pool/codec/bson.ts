// BSON values: one handler per BSON type, each its tag's encoder and decoder. Structured clone would
// turn them into plain objects (and copy the 8 KB pool slab behind a Decimal128's 16 bytes).
import { BSON, Binary, BSONRegExp, BSONSymbol, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, UUID } from '../../../driver.js';
import { asBuffer, ownBytes } from './builtins.js';
import { Kind, TAG, withSegment, type Handler } from './wire.js';

/**
 * An ObjectId crosses as its 24-char hex string: cheaper per round trip than its 12 bytes copied (a
 * typed array costs an ArrayBuffer on each side of the clone; measured, see the README's Benchmarks section).
 */
const OBJECT_ID: Handler = {
  tag: 'ObjectId',
  serialize: (value) => ({ [TAG]: 'ObjectId', v: value.toHexString() as string }),
  deserialize: (t) => ObjectId.createFromHexString(t.v),
};

const LONG: Handler = {
  tag: 'Long',
  serialize: (value) => ({ [TAG]: 'Long', l: value.low as number, h: value.high as number, u: value.unsigned === true }),
  deserialize: (t) => Long.fromBits(t.l, t.h, t.u),
};

const INT32: Handler = {
  tag: 'Int32',
  serialize: (value) => ({ [TAG]: 'Int32', v: value.value as number }),
  deserialize: (t) => new Int32(t.v),
};

const DOUBLE: Handler = {
  tag: 'Double',
  serialize: (value) => ({ [TAG]: 'Double', v: value.value as number }),
  deserialize: (t) => new Double(t.v),
};

const DECIMAL128: Handler = {
  tag: 'Decimal128',
  serialize: (value) => ({ [TAG]: 'Decimal128', v: ownBytes(value.bytes as Uint8Array) }),
  deserialize: (t) => new Decimal128(asBuffer(t.v)),
};

const BINARY: Handler = {
  tag: 'Binary',
  serialize: (value) => ({ [TAG]: 'Binary', v: ownBytes((value.buffer as Uint8Array).subarray(0, value.position as number)), t: value.sub_type as number }),
  deserialize: (t) => new Binary(t.v as Uint8Array, t.t),
};

const UUID_: Handler = {
  tag: 'UUID',
  serialize: (value) => ({ [TAG]: 'UUID', v: ownBytes(value.buffer as Uint8Array) }),
  deserialize: (t) => new UUID(t.v as Uint8Array),
};

const TIMESTAMP: Handler = {
  tag: 'Timestamp',
  serialize: (value) => ({ [TAG]: 'Timestamp', t: (value.high as number) >>> 0, i: (value.low as number) >>> 0 }),
  deserialize: (t) => new Timestamp({ t: t.t, i: t.i }),
};

const MIN_KEY: Handler = {
  tag: 'MinKey',
  serialize: () => ({ [TAG]: 'MinKey' }),
  deserialize: () => new MinKey(),
};

const MAX_KEY: Handler = {
  tag: 'MaxKey',
  serialize: () => ({ [TAG]: 'MaxKey' }),
  deserialize: () => new MaxKey(),
};

const BSON_REGEXP: Handler = {
  tag: 'BSONRegExp',
  serialize: (value) => ({ [TAG]: 'BSONRegExp', p: value.pattern as string, o: value.options as string }),
  deserialize(t) {
    const pattern = t.p as string;
    const options = t.o as string;
    try {
      return new BSONRegExp(pattern, options);
    } catch {
      // options the constructor refuses but the server sent: keep them verbatim
      return Object.assign(Object.create(BSONRegExp.prototype) as BSONRegExp, { pattern, options });
    }
  },
};

const CODE: Handler = {
  tag: 'Code',
  serialize(value, ctx, depth, walk) {
    let scope: unknown = value.scope;
    try {
      scope = scope == null ? null : walk.enc(scope, ctx, depth + 1);
    } catch (error) {
      throw withSegment(error, 'scope');
    }
    return { [TAG]: 'Code', c: String(value.code), s: scope };
  },
  deserialize: (t, hooks, walk) => new Code(t.c, walk.dec(t.s, hooks) as BSON.Document | null),
};

const DBREF: Handler = {
  tag: 'DBRef',
  serialize(value, ctx, depth, walk) {
    let seg = 'oid';
    try {
      const oid = walk.enc(value.oid, ctx, depth + 1);
      seg = 'fields';
      const fields = walk.enc(value.fields, ctx, depth + 1);
      return { [TAG]: 'DBRef', c: value.collection as string, o: oid, d: value.db as string | undefined, f: fields };
    } catch (error) {
      throw withSegment(error, seg);
    }
  },
  deserialize(t, hooks, walk) {
    const ref = new DBRef('x', walk.dec(t.o, hooks) as ObjectId, t.d, walk.dec(t.f, hooks) as BSON.Document);
    ref.collection = t.c; // set after: the constructor splits a dotted name into db.collection
    ref.db = t.d;
    return ref;
  },
};

const BSON_SYMBOL: Handler = {
  tag: 'BSONSymbol',
  serialize: (value) => ({ [TAG]: 'BSONSymbol', v: String(value.value) }),
  deserialize: (t) => new BSONSymbol(t.v),
};

/** The BSON kinds' handlers, by Kind. */
export const BSON_HANDLERS = {
  [Kind.ObjectId]: OBJECT_ID,
  [Kind.Long]: LONG,
  [Kind.Int32]: INT32,
  [Kind.Double]: DOUBLE,
  [Kind.Decimal128]: DECIMAL128,
  [Kind.Binary]: BINARY,
  [Kind.UUID]: UUID_,
  [Kind.Timestamp]: TIMESTAMP,
  [Kind.MinKey]: MIN_KEY,
  [Kind.MaxKey]: MAX_KEY,
  [Kind.BSONRegExp]: BSON_REGEXP,
  [Kind.Code]: CODE,
  [Kind.DBRef]: DBREF,
  [Kind.BSONSymbol]: BSON_SYMBOL,
} as const satisfies Record<number, Handler>;

/** Our BSON classes by their Kind, for the class table (found by exact prototype). */
export const BSON_CLASSES: ReadonlyArray<[{ readonly prototype: unknown }, Kind]> = [
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

/** A BSON value from another copy of the bson package, by its `_bsontype`: the same accessors, rebuilt as ours. */
export const BSONTYPE_KINDS: Readonly<Record<string, Kind>> = {
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
