// The pool executor's wire codec, without a server: every value goes encode → structuredClone (what
// postMessage does) → decode and must come back with its class and value; what cannot cross is
// refused at encode time with a TypeError naming the path.
import * as assert from 'uvu/assert';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  Binary,
  BSON,
  BSONRegExp,
  BSONSymbol,
  Code,
  DBRef,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  MongoBulkWriteError,
  MongoClient,
  MongoError,
  MongoInvalidArgumentError,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  MongoWriteConcernError,
  ObjectId,
  ReadPreference,
  Timestamp,
  UUID,
  WriteConcern,
} from 'mongodb';
import { BOUNDARY_LINE, crossesAsValue, INTERNAL_DATA_CLASSES, knowsDriverClass, decode, decodeError, decodeThrown, encode, encodeArgs, encodeError, TAG, type DecodeHooks, type EncodeHooks, type WireRef } from '../lib/executor/pool/codec/index.js';
import { handleOnlyClasses } from '../lib/registry/resolve.js';
import { suite } from './support/env.js';

const test = suite('pool codec');

/** The driver's own modules (not exported by 'mongodb'), as `import 'mongodb'` resolves in this run. */
const driverRequire = createRequire(fileURLToPath(import.meta.resolve('mongodb')));
const bulk = driverRequire('./bulk/common.js') as {
  BulkWriteResult: new (bulkResult: object, isOrdered: boolean) => any;
  WriteError: new (err: object) => any;
  WriteConcernError: new (err: object) => any;
};
const sdam = {
  TopologyDescription: (driverRequire('./sdam/topology_description.js') as { TopologyDescription: new (...args: any[]) => any }).TopologyDescription,
  ServerDescription: (driverRequire('./sdam/server_description.js') as { ServerDescription: new (...args: any[]) => any }).ServerDescription,
};

const noHooks: EncodeHooks = { refOf: () => undefined };
const noDecodeHooks: DecodeHooks = { ref: (ref) => assert.unreachable(`unexpected ref ${JSON.stringify(ref)}`) };

/** What the other thread sees: encode, structured clone (postMessage's copy), decode. */
function roundTrip<T>(value: T, hooks: EncodeHooks = noHooks, decodeHooks: DecodeHooks = noDecodeHooks): T {
  return decode(structuredClone(encode(value, hooks)), decodeHooks) as T;
}

function errorRoundTrip(error: unknown, callerStack?: string): any {
  return decodeError(structuredClone(encodeError(error)), callerStack);
}

function rejects(fn: () => unknown, expected: RegExp): void {
  try {
    fn();
  } catch (error) {
    assert.instance(error, TypeError);
    assert.match((error as Error).message, expected);
    return;
  }
  assert.unreachable(`expected a TypeError matching ${expected}`);
}

// ───────────────────────────── BSON values ─────────────────────────────

test('ObjectId, Long, Int32, Double, Decimal128 keep their class and value', () => {
  const id = new ObjectId();
  const out = roundTrip({
    id,
    long: Long.fromString('-9007199254740993'),
    ulong: Long.fromString('18446744073709551615', true),
    int: new Int32(-7),
    double: new Double(5),
    negZero: new Double(-0),
    nan: new Double(NaN),
    dec: Decimal128.fromString('1234.5000'),
    decNaN: Decimal128.fromString('NaN'),
  });
  assert.instance(out.id, ObjectId);
  assert.ok(out.id.equals(id));
  assert.is(out.id.toHexString(), id.toHexString());
  assert.instance(out.long, Long);
  assert.is(out.long.toString(), '-9007199254740993');
  assert.is(out.long.unsigned, false);
  assert.instance(out.ulong, Long);
  assert.is(out.ulong.unsigned, true);
  assert.is(out.ulong.toString(), '18446744073709551615');
  assert.instance(out.int, Int32);
  assert.is(out.int.value, -7);
  assert.instance(out.double, Double);
  assert.is(out.double.value, 5);
  assert.ok(Object.is(out.negZero.value, -0));
  assert.ok(Number.isNaN(out.nan.value));
  assert.instance(out.dec, Decimal128);
  assert.is(out.dec.toString(), '1234.5000');
  assert.is(out.decNaN.toString(), 'NaN');
});

test('Binary keeps its subtype and bytes; UUID stays a UUID; a subtype 4 Binary stays a Binary', () => {
  const uuid = new UUID();
  const out = roundTrip({
    bin: new Binary(Buffer.from('hello'), 0x80),
    uuid,
    uuidBinary: new Binary(uuid.buffer, Binary.SUBTYPE_UUID),
    empty: new Binary(),
  });
  assert.instance(out.bin, Binary);
  assert.is(out.bin.sub_type, 0x80);
  assert.is(Buffer.from(out.bin.value()).toString(), 'hello');
  assert.is(out.bin.position, 5);
  assert.instance(out.uuid, UUID);
  assert.ok(out.uuid.equals(uuid));
  assert.is(out.uuid.toHexString(), uuid.toHexString());
  assert.instance(out.uuidBinary, Binary);
  assert.not.instance(out.uuidBinary, UUID);
  assert.is(out.uuidBinary.sub_type, 4);
  assert.equal([...out.uuidBinary.value()], [...uuid.buffer]);
  assert.instance(out.empty, Binary);
  assert.is(out.empty.position, 0);
});

test('Timestamp, MinKey, MaxKey, BSONRegExp, Code with scope, DBRef, BSONSymbol keep their class and value', () => {
  const oid = new ObjectId();
  const out = roundTrip({
    ts: new Timestamp({ t: 4_000_000_000, i: 7 }),
    min: new MinKey(),
    max: new MaxKey(),
    re: new BSONRegExp('^a.*b$', 'mi'),
    code: new Code('function () { return x; }', { x: 1, id: oid }),
    bareCode: new Code('1 + 1'),
    ref: new DBRef('people', oid, 'crm', { extra: Long.fromInt(3) }),
    dotted: Object.assign(new DBRef('c', oid, 'd'), { collection: 'with.dot' }),
    sym: new BSONSymbol('sym'),
  });
  assert.instance(out.ts, Timestamp);
  assert.is(out.ts.t, 4_000_000_000);
  assert.is(out.ts.i, 7);
  assert.instance(out.min, MinKey);
  assert.instance(out.max, MaxKey);
  assert.instance(out.re, BSONRegExp);
  assert.is(out.re.pattern, '^a.*b$');
  assert.is(out.re.options, 'im');
  assert.instance(out.code, Code);
  assert.is(out.code.code, 'function () { return x; }');
  assert.is(out.code.scope!.x, 1);
  assert.instance(out.code.scope!.id, ObjectId);
  assert.ok((out.code.scope!.id as ObjectId).equals(oid));
  assert.is(out.bareCode.scope, null);
  assert.instance(out.ref, DBRef);
  assert.is(out.ref.collection, 'people');
  assert.is(out.ref.db, 'crm');
  assert.instance(out.ref.oid, ObjectId);
  assert.ok(out.ref.oid.equals(oid));
  assert.instance(out.ref.fields.extra, Long);
  assert.is(out.dotted.collection, 'with.dot');
  assert.is(out.dotted.db, 'd');
  assert.instance(out.sym, BSONSymbol);
  assert.is(out.sym.valueOf(), 'sym');
});

test('values the BSON deserializer made (views on the reply buffer) round-trip, and only their own bytes are sent', () => {
  const source = {
    _id: new ObjectId(),
    bin: new Binary(Buffer.from('abcdef'), 0),
    dec: Decimal128.fromString('3.14'),
    uuid: new UUID(),
    nested: [{ n: new Int32(1) }],
  };
  const deserialized = BSON.deserialize(BSON.serialize(source), { promoteValues: false });
  const wire = encode(deserialized, noHooks) as any;
  assert.is(wire.bin.v.buffer.byteLength, 6, 'the Binary crossed as its 6 bytes, not the whole reply');
  assert.is(wire.dec.v.buffer.byteLength, 16);
  const out = decode(structuredClone(wire), noDecodeHooks) as any;
  assert.is(Buffer.from(BSON.serialize(out)).toString('hex'), Buffer.from(BSON.serialize(deserialized)).toString('hex'));
  assert.instance(out.nested[0].n, Int32);
});

test('Date, Buffer (stays a Buffer), Uint8Array (stays a Uint8Array), bigint, undefined and null', () => {
  const date = new Date('2024-02-29T12:34:56.789Z');
  const pooled = Buffer.from('pooled'); // a view on Node's 8 KB pool
  const out = roundTrip({ date, buf: Buffer.from([1, 2, 3]), pooled, u8: new Uint8Array([4, 5]), big: 2n ** 70n, u: undefined, n: null, arr: [undefined, null] });
  assert.instance(out.date, Date);
  assert.is(out.date.getTime(), date.getTime());
  assert.ok(Buffer.isBuffer(out.buf));
  assert.equal([...out.buf], [1, 2, 3]);
  assert.ok(Buffer.isBuffer(out.pooled));
  assert.is(out.pooled.toString(), 'pooled');
  assert.is((encode(pooled, noHooks) as { v: Uint8Array }).v.buffer.byteLength, 6, 'only the view crosses, not the pool slab');
  assert.instance(out.u8, Uint8Array);
  assert.not.ok(Buffer.isBuffer(out.u8));
  assert.equal([...out.u8], [4, 5]);
  assert.is(out.big, 2n ** 70n);
  assert.ok('u' in out);
  assert.is(out.u, undefined);
  assert.is(out.n, null);
  assert.equal(out.arr, [undefined, null]);
});

test('numbers stay numbers and Int32/Double stay Int32/Double; nested arrays and documents', () => {
  const out = roundTrip({ a: 1, b: 1.5, c: -0, d: NaN, e: 2 ** 53, i: new Int32(1), f: new Double(1), deep: [[[{ x: [1, [2, { y: 3 }]] }]]] });
  assert.is(typeof out.a, 'number');
  assert.is(out.a, 1);
  assert.is(typeof out.b, 'number');
  assert.ok(Object.is(out.c, -0));
  assert.ok(Number.isNaN(out.d));
  assert.is(out.e, 2 ** 53);
  assert.instance(out.i, Int32);
  assert.instance(out.f, Double);
  assert.equal(out.deep, [[[{ x: [1, [2, { y: 3 }]] }]]]);
});

test('null-prototype objects, Map and Set (with encoded contents) keep their shape', () => {
  const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, id: new ObjectId() });
  const key = new ObjectId();
  const out = roundTrip({ bare, map: new Map<unknown, unknown>([['k', Long.fromInt(1)], [key, 'by id']]), set: new Set<unknown>([new Int32(2), 'x']) });
  assert.is(Object.getPrototypeOf(out.bare), null);
  assert.is(out.bare.a, 1);
  assert.instance(out.bare.id, ObjectId);
  assert.instance(out.map, Map);
  assert.instance(out.map.get('k'), Long);
  const [, [mapKey, mapValue]] = [...out.map.entries()] as [unknown, [ObjectId, string]];
  assert.instance(mapKey, ObjectId);
  assert.ok(mapKey.equals(key));
  assert.is(mapValue, 'by id');
  assert.instance(out.set, Set);
  const [int, x] = [...out.set];
  assert.instance(int, Int32);
  assert.is(x, 'x');
});

test(`a user document containing the reserved key ${TAG} round-trips unchanged`, () => {
  const doc = {
    [TAG]: 'ObjectId',
    v: '000000000000000000000000',
    nested: { [TAG]: 'Ref', id: 1, cls: 'Db' },
    list: [{ [TAG]: { deeper: new ObjectId('65f0a1b2c3d4e5f6a7b8c9d0') } }],
  };
  const out = roundTrip(doc);
  assert.is(Object.getPrototypeOf(out), Object.prototype);
  assert.is(out[TAG], 'ObjectId');
  assert.is(out.v, '000000000000000000000000');
  assert.equal(out.nested, { [TAG]: 'Ref', id: 1, cls: 'Db' });
  assert.instance(out.list[0]![TAG].deeper, ObjectId);
  assert.is(out.list[0]![TAG].deeper.toHexString(), '65f0a1b2c3d4e5f6a7b8c9d0');
  const bare = Object.assign(Object.create(null) as Record<string, unknown>, { [TAG]: 'Error', m: 'x' });
  const bareOut = roundTrip(bare);
  assert.is(Object.getPrototypeOf(bareOut), null);
  assert.equal({ ...bareOut }, { [TAG]: 'Error', m: 'x' });
});

test('an own "__proto__" key stays an own key', () => {
  const doc = JSON.parse('{"a": 1, "__proto__": {"polluted": true}}') as Record<string, unknown>;
  doc.id = new ObjectId(); // forces the copy path
  const out = roundTrip(doc);
  assert.is(Object.getPrototypeOf(out), Object.prototype);
  assert.ok(Object.prototype.hasOwnProperty.call(out, '__proto__'));
  assert.equal(Object.getOwnPropertyDescriptor(out, '__proto__')!.value, { polluted: true });
  assert.is((out as { polluted?: unknown }).polluted, undefined);
});

test('what needs no tag is returned as is; the caller’s value is never modified', () => {
  const plain = { a: 1, b: ['x', { c: null }], d: new Date(0) };
  assert.is(encode(plain, noHooks), plain);
  const id = new ObjectId();
  const mixed = { a: 1, list: [1, 2, { id }] as unknown[], untouched: { z: 1 } };
  const wire = encode(mixed, noHooks) as typeof mixed;
  assert.is.not(wire, mixed);
  assert.is(wire.untouched, mixed.untouched, 'a subtree without tags is shared, not copied');
  assert.is((mixed.list[2] as { id: ObjectId }).id, id, 'the original still holds the ObjectId');
});

test('materialize: a Proxy that structured clone refuses (DataCloneError) crosses as plain data', () => {
  const reactive = <T extends object>(target: T): T => new Proxy(target, {});
  const doc = reactive({ a: 1, nested: reactive({ id: new ObjectId('65f0a1b2c3d4e5f6a7b8c9d0'), list: reactive([1, reactive({ b: 2 })]) }), empty: reactive({}) });
  let cloneError: unknown;
  try {
    structuredClone(encode(doc, noHooks));
  } catch (error) {
    cloneError = error;
  }
  assert.is((cloneError as Error | undefined)?.name, 'DataCloneError', 'by default a Proxy is left to structured clone, which refuses it');
  const out = decode(structuredClone(encode(doc, { refOf: () => undefined, materialize: true })), noDecodeHooks) as any;
  assert.instance(out.nested.id, ObjectId);
  assert.equal(out.nested.list, [1, { b: 2 }]);
  assert.equal(out.empty, {});
});

// ───────────────────────────── driver classes ─────────────────────────────

test('classes exported by mongodb are rebuilt as the same class (ReadPreference, WriteConcern)', () => {
  const out = roundTrip({ readPreference: new ReadPreference('secondaryPreferred', [{ dc: 'east' }], { maxStalenessSeconds: 120 }), writeConcern: new WriteConcern('majority', 1000, true) });
  assert.instance(out.readPreference, ReadPreference);
  assert.is(out.readPreference.mode, 'secondaryPreferred');
  assert.equal(out.readPreference.tags, [{ dc: 'east' }]);
  assert.is(out.readPreference.maxStalenessSeconds, 120);
  assert.ok(out.readPreference.secondaryOk());
  assert.instance(out.writeConcern, WriteConcern);
  assert.is(out.writeConcern.w, 'majority');
});

test('a lenient encode leaves a symbol-valued field of a driver class out, as of a plain object', () => {
  const concern = Object.assign(new WriteConcern('majority'), { marker: Symbol('m') });
  const out = roundTrip({ concern }, { refOf: () => undefined, lenient: true });
  assert.instance(out.concern, WriteConcern);
  assert.is(out.concern.w, 'majority');
  assert.not.ok('marker' in out.concern);
});

test('a lenient encode leaves a symbol value out of an Error and a Map too, as the BSON serializer does', () => {
  const value = { err: Object.assign(new Error('x'), { tag: Symbol('t'), k: 2 }), map: new Map<string, unknown>([['a', 1], ['s', Symbol('q')], ['b', 2]]) };
  const out = roundTrip(value, { refOf: () => undefined, lenient: true });
  assert.is(out.err.message, 'x');
  assert.is((out.err as unknown as { k: number }).k, 2);
  assert.not.ok('tag' in out.err);
  assert.equal([...out.map], [['a', 1], ['b', 2]]);
  assert.equal(BSON.deserialize(BSON.serialize(value)), { err: { k: 2 }, map: { a: 1, b: 2 } }); // the bare driver's serializer
});

test('a lenient encode refuses a symbol Map key whose value would be stored, as the BSON serializer does (TypeError), naming the entry', () => {
  const value = { m: new Map<unknown, unknown>([['a', 1], [Symbol('k'), 1]]) };
  assert.throws(() => BSON.serialize(value), (e: Error) => e instanceof TypeError);
  assert.throws(() => encodeArgs([value], { refOf: () => undefined, lenient: true }), (e: Error) => e instanceof TypeError && /^argument 1\.m<Map entry 1>|^argument 1\.m\.<Map entry 1>: a symbol Map key \(Symbol\(k\)\) cannot cross to the worker/.test(e.message));
  const both = roundTrip({ m: new Map<unknown, unknown>([[Symbol('k'), Symbol('v')], ['b', 2]]) }, { refOf: () => undefined, lenient: true });
  assert.equal([...both.m], [['b', 2]], 'a symbol value drops the entry whatever its key, as BSON.serialize does');
  const inError = { e: Object.assign(new Error('x'), { m: new Map([[Symbol('k'), 1]]) }) };
  assert.throws(() => BSON.serialize(inError), (e: Error) => e instanceof TypeError);
  assert.throws(() => encodeArgs([inError], { refOf: () => undefined, lenient: true }), (e: Error) => e instanceof TypeError && /^argument 1\.e\.m\.<Map entry 0>: a symbol Map key/.test(e.message));
});

test('an Error inside its own fields: an argument is refused as a cycle (BSONError, as BSON.serialize), an error crossing drops the field; neither walks it again', () => {
  const e = Object.assign(new Error('x'), { k: 1 }) as Error & { self?: unknown; o?: unknown; k: number };
  e.self = e;
  e.o = { e, more: { e } };
  assert.throws(() => BSON.serialize({ e }), (x: Error) => x instanceof BSON.BSONError);
  assert.throws(() => encodeArgs([{ e }], { refOf: () => undefined, lenient: true }), (x: Error) => x instanceof BSON.BSONError && /circular structure.*refers back to/.test(x.message));
  const viaCause = new Error('c', { cause: { back: null as unknown } });
  (viaCause.cause as { back: unknown }).back = viaCause; // `cause` is not enumerable: BSON.serialize never reads it
  assert.equal(Object.keys(BSON.deserialize(BSON.serialize({ viaCause }))), ['viaCause']);
  const sent = decode(structuredClone(encodeArgs([{ viaCause }], { refOf: () => undefined, lenient: true })), noDecodeHooks) as [{ viaCause: Error }];
  assert.is(sent[0].viaCause.message, 'c');
  assert.not.ok('cause' in sent[0].viaCause, 'the hidden field leading back is dropped, not refused');
  const back = errorRoundTrip(e) as Error & Record<string, unknown>;
  assert.is(back.message, 'x');
  assert.is(back.k, 1);
  assert.not.ok('self' in back, 'the field leading back to the error is dropped');
  assert.not.ok('o' in back);
});

function bulkWriteResult(): { result: any; writeErrors: any[] } {
  const writeErrors = [new bulk.WriteError({ index: 1, code: 11000, errmsg: 'E11000 duplicate key error', errInfo: { k: 1 }, op: { _id: new ObjectId(), n: 1 } })];
  const bulkResult = {
    ok: 1,
    writeErrors,
    writeConcernErrors: [],
    insertedIds: [{ index: 0, _id: 1 }, { index: 1, _id: 2 }],
    nInserted: 1,
    nUpserted: 0,
    nMatched: 0,
    nModified: 0,
    nRemoved: 0,
    upserted: [],
  };
  return { result: new bulk.BulkWriteResult(bulkResult, true), writeErrors };
}

test('driver result classes (BulkWriteResult, WriteError) come back as the same class with their hidden fields', () => {
  const { result } = bulkWriteResult();
  const out = roundTrip(result);
  assert.instance(out, bulk.BulkWriteResult);
  assert.is(out.insertedCount, 1);
  assert.equal(out.insertedIds, { 0: 1 });
  assert.is(out.ok, 1, 'the `ok` getter reads the non-enumerable `result` field');
  assert.ok(out.isOk());
  assert.is(out.getWriteErrorCount(), 1);
  const writeError = out.getWriteErrorAt(0);
  assert.instance(writeError, bulk.WriteError);
  assert.is(writeError.code, 11000);
  assert.is(writeError.index, 1);
  assert.instance(writeError.getOperation()._id, ObjectId);
  assert.equal(Object.keys(out), Object.keys(result));
});

test('driver SDAM classes (TopologyDescription with ServerDescriptions in a Map) round-trip', () => {
  const server = new sdam.ServerDescription('127.0.0.1:1', undefined, { error: new MongoNetworkError('connect ECONNREFUSED') });
  const description = new sdam.TopologyDescription('Unknown', new Map([['127.0.0.1:1', server]]));
  const out = roundTrip(description);
  assert.instance(out, sdam.TopologyDescription);
  assert.is(out.type, 'Unknown');
  const outServer = out.servers.get('127.0.0.1:1');
  assert.instance(outServer, sdam.ServerDescription);
  assert.is(outServer.address, '127.0.0.1:1');
  assert.instance(outServer.error, MongoNetworkError);
  assert.is(outServer.error.message, 'connect ECONNREFUSED');
});

// ───────────────────────────── handles and functions ─────────────────────────────

test('handles cross as wire references (refOf is asked first, before any trap of the handle runs)', () => {
  const trap = (): never => assert.unreachable('a handle trap ran during encode') as never;
  const session = new Proxy({}, { get: trap, getPrototypeOf: trap, ownKeys: trap, has: trap, getOwnPropertyDescriptor: trap });
  const refs = new Map<object, WireRef>([[session, { id: 7, cls: 'ClientSession' }]]);
  const hooks: EncodeHooks = { refOf: (value) => refs.get(value) };
  const seen: WireRef[] = [];
  const remote = { remote: 'session #7' };
  const out = roundTrip({ filter: { a: 1 }, options: { session, ordered: true } }, hooks, { ref: (ref) => (seen.push(ref), remote) });
  assert.is(out.options.session, remote);
  assert.equal(seen, [{ id: 7, cls: 'ClientSession' }]);
  assert.is(out.options.ordered, true);
});

test('functions cross only where functionRef gives them an id; the hook is told the path', () => {
  const transform = (doc: unknown) => doc;
  const paths: string[] = [];
  const hooks: EncodeHooks = { refOf: () => undefined, functionRef: (_fn, path) => (paths.push(path), 42) };
  const stub = () => 'stub';
  const out = roundTrip({ options: { transform } }, hooks, { ...noDecodeHooks, fn: (id) => (id === 42 ? stub : (assert.unreachable(`function #${id}`) as never)) });
  assert.is(out.options.transform, stub);
  assert.equal(paths, ['value.options.transform']);
  rejects(() => encode({ options: { transform } }, noHooks, 'argument 1'), /^argument 1\.options\.transform: a function cannot cross to the worker$/);
  rejects(() => encode([{}, { options: { transform } }], { refOf: () => undefined, functionRef: () => undefined }, 'argument 2'), /^argument 2\[1\]\.options\.transform: a function cannot cross to the worker$/);
  rejects(() => encode({ cb: transform }, { refOf: () => undefined, to: 'the main thread' }, 'result'), /^result\.cb: a function cannot cross to the main thread$/);
  // an argument list counts from 1
  rejects(() => encodeArgs([{ a: 1 }, { options: { transform } }], noHooks), /^argument 2\.options\.transform: a function cannot cross to the worker$/);
  rejects(() => encodeArgs([[0, Symbol('x')]], noHooks), /^argument 1\[1\]: a symbol/);
  const argPaths: string[] = [];
  const args = decode(structuredClone(encodeArgs([{}, transform], { refOf: () => undefined, functionRef: (_fn, path) => (argPaths.push(path), 1) })), { ...noDecodeHooks, fn: () => stub }) as unknown[];
  assert.is(args[1], stub);
  assert.equal(argPaths, ['argument 2']);
});

// ───────────────────────────── rejected at encode time ─────────────────────────────

test('symbols (as values and as keys), WeakMap/WeakSet/Promise, class instances: a TypeError naming the path', () => {
  class Account {
    #balance = 0;
    get balance(): number {
      return this.#balance;
    }
  }
  rejects(() => encode({ a: { b: Symbol('s') } }, noHooks, 'argument 1'), /^argument 1\.a\.b: a symbol \(Symbol\(s\)\) cannot cross to the worker$/);
  rejects(() => encode({ list: [1, { [Symbol('k')]: 1 }] }, noHooks, 'argument 1'), /^argument 1\.list\[1\]: a symbol-keyed property \(Symbol\(k\)\) cannot cross/);
  rejects(() => encode({ cache: new WeakMap() }, noHooks, 'argument 1'), /^argument 1\.cache: a WeakMap cannot cross/);
  rejects(() => encode({ s: new WeakSet() }, noHooks, 'argument 1'), /^argument 1\.s: a WeakSet cannot cross/);
  rejects(() => encode({ later: Promise.resolve(1) }, noHooks, 'argument 1'), /^argument 1\.later: a Promise cannot cross/);
  rejects(() => encode({ doc: { owner: new Account() } }, noHooks, 'argument 2'), /^argument 2\.doc\.owner: a class instance with hidden state cannot cross to the worker \(Account\)$/);
  rejects(() => encode(new Map([['k', new Account()]]), noHooks, 'argument 1'), /^argument 1\.<Map entry 0>: a class instance with hidden state cannot cross.*Account/);
  const client = new MongoClient('mongodb://127.0.0.1:1/');
  rejects(() => encode({ client }, noHooks, 'argument 1'), /^argument 1\.client: a class instance with hidden state cannot cross to the worker \(MongoClient/);
  // with symbolKeys 'drop', structured clone drops them (as the BSON serializer would)
  const dropped = roundTrip({ a: 1, [Symbol('k')]: 2 }, { refOf: () => undefined, symbolKeys: 'drop' });
  assert.equal(dropped, { a: 1 });
});

test("a cyclic structure is refused as the BSON serializer refuses it: a BSONError saying where it closes", () => {
  const cycleError = (value: unknown): Error => {
    let caught: unknown;
    try {
      encode(value, noHooks, 'argument 1');
    } catch (error) {
      caught = error;
    }
    assert.instance(caught, BSON.BSONError);
    assert.is((caught as Error).name, 'BSONError');
    return caught as Error;
  };
  const doc: Record<string, unknown> = { a: 1 };
  doc.self = { back: doc };
  assert.is(cycleError(doc).message, 'Cannot convert circular structure to BSON (argument 1.self.back refers back to argument 1)');
  const list: unknown[] = [1];
  list.push({ inner: list });
  assert.is(cycleError({ list }).message, 'Cannot convert circular structure to BSON (argument 1.list[1].inner refers back to argument 1.list)');
  const inMap: Record<string, unknown> = {};
  inMap.m = new Map([['k', inMap]]);
  assert.match(cycleError(inMap).message, /^Cannot convert circular structure to BSON/);
  // a legitimately deep value crosses, as the driver would send it
  let deep: Record<string, unknown> = { x: 1 };
  for (let i = 0; i < 1000; i++) deep = { a: deep, id: new ObjectId() };
  let out = roundTrip(deep);
  for (let i = 0; i < 1000; i++) {
    assert.instance(out.id, ObjectId);
    out = out.a as Record<string, unknown>;
  }
  assert.equal(out, { x: 1 });
});

test('a class instance with toBSON crosses as what toBSON returns (what the BSON serializer would send)', () => {
  class Money {
    constructor(readonly cents: number) {}
    toBSON() {
      return { cents: Long.fromNumber(this.cents), currency: 'EUR' };
    }
  }
  const out = roundTrip({ price: new Money(1999) });
  assert.instance(out.price.cents, Long);
  assert.is((out.price as unknown as { currency: string }).currency, 'EUR');
});

test('a Buffer with its own toBSON crosses as what toBSON returns (mongoose buffers: a subtype-4 Binary id, gh-4506)', () => {
  // mongoose decorates a plain Buffer (prototype Buffer.prototype, so the class table finds it as a
  // Buffer) with own methods, toBSON among them; the BSON serializer sends what toBSON returns.
  const bytes = Buffer.from('4d82a1af12d3484f82412fad07d35d32', 'hex');
  const id = Object.assign(Buffer.from(bytes), {
    _subtype: 4,
    toBSON(this: Buffer & { _subtype: number }) {
      return new Binary(this, this._subtype);
    },
  });
  assert.is(Object.getPrototypeOf(id), Buffer.prototype);
  const out = roundTrip({ _id: id, list: [id] });
  for (const bin of [out._id, out.list[0]] as unknown[]) {
    assert.instance(bin, Binary);
    assert.is((bin as Binary).sub_type, 4);
    assert.is(Buffer.from((bin as Binary).value()).toString('hex'), bytes.toString('hex'));
  }
  // what the driver would put on the wire, bare: the same bytes
  assert.is(Buffer.from(BSON.serialize(out)).toString('hex'), Buffer.from(BSON.serialize({ _id: id, list: [id] })).toString('hex'));
  // a Buffer whose toBSON returns itself, and one without, stay Buffers
  const same = Object.assign(Buffer.from([1, 2]), { toBSON(this: Buffer) { return this; } });
  assert.ok(Buffer.isBuffer(roundTrip({ same }).same));
  assert.ok(Buffer.isBuffer(roundTrip({ plain: Buffer.from([3]) }).plain));
});

test('crossesAsValue: values and data classes yes, live driver objects and internal classes no (one prototype lookup)', () => {
  for (const v of [new ObjectId(), Long.fromInt(1), new Binary(Buffer.from('x')), new Date(), Buffer.from('x'), new Uint8Array(1), new Set([1]), new MongoServerError({ message: 'x' }), ReadPreference.primary, new WriteConcern(1), new sdam.TopologyDescription('Unknown')]) {
    assert.ok(crossesAsValue(v), `${v.constructor.name} crosses as a value`);
  }
  const client = new MongoClient('mongodb://127.0.0.1:1/');
  class Mine {}
  for (const v of [client, client.db('d'), new Map(), new WeakMap(), Promise.resolve(), new Mine()]) assert.not.ok(crossesAsValue(v), `${v.constructor.name} is not a value`);
});

// ───────────────────────────── errors ─────────────────────────────

function serverError(): MongoServerError {
  return new MongoServerError({
    message: 'E11000 duplicate key error collection: db.c index: _id_ dup key: { _id: 1 }',
    code: 11000,
    codeName: 'DuplicateKey',
    errorLabels: ['TransientTransactionError'],
    errInfo: { details: { id: new ObjectId(), at: Long.fromInt(5) } },
    keyPattern: { _id: 1 },
    keyValue: { _id: 1 },
  });
}

test('MongoServerError keeps its class, message, code, codeName, error labels, errInfo, errorResponse and other fields', () => {
  const error = serverError();
  const out = errorRoundTrip(error);
  assert.instance(out, MongoServerError);
  assert.instance(out, MongoError);
  assert.instance(out, Error);
  assert.is(out.name, 'MongoServerError');
  assert.is(out.message, error.message);
  assert.is(out.code, 11000);
  assert.is(out.codeName, 'DuplicateKey');
  assert.equal(out.errorLabels, ['TransientTransactionError']);
  assert.ok(out.hasErrorLabel('TransientTransactionError'));
  out.addErrorLabel('RetryableWriteError');
  assert.equal(out.errorLabels, ['TransientTransactionError', 'RetryableWriteError']);
  assert.instance(out.errInfo.details.id, ObjectId);
  assert.ok(out.errInfo.details.id.equals(error.errInfo!.details.id));
  assert.instance(out.errInfo.details.at, Long);
  assert.equal(out.keyPattern, { _id: 1 });
  assert.is(out.errorResponse.codeName, 'DuplicateKey');
  assert.equal(Object.keys(out).sort(), Object.keys(error).sort());
});

test('MongoBulkWriteError built the way the driver builds it keeps writeErrors (WriteError), result (BulkWriteResult) and its getters', () => {
  const { result, writeErrors } = bulkWriteResult();
  const error = new MongoBulkWriteError({ message: 'E11000 duplicate key error', code: 11000, writeErrors }, result);
  const out = errorRoundTrip(error);
  assert.instance(out, MongoBulkWriteError);
  assert.instance(out, MongoServerError);
  assert.is(out.message, 'E11000 duplicate key error');
  assert.is(out.code, 11000);
  assert.is(out.writeErrors.length, 1);
  assert.instance(out.writeErrors[0], bulk.WriteError);
  assert.is(out.writeErrors[0].code, 11000);
  assert.is(out.writeErrors[0].errmsg, 'E11000 duplicate key error');
  assert.instance(out.result, bulk.BulkWriteResult);
  assert.is(out.insertedCount, 1, 'a getter over `result`');
  assert.equal(out.insertedIds, { 0: 1 });
  assert.is(out.result.getWriteErrorCount(), 1);

  // from a write concern error, as executeCommands does; and from a thrown server error
  const wce = new MongoWriteConcernError({ ok: 1, writeConcernError: { code: 64, codeName: 'WriteConcernTimeout', errmsg: 'waiting for replication timed out', errInfo: { wtimeout: true } }, errorLabels: ['RetryableWriteError'] });
  const fromWce = errorRoundTrip(new MongoBulkWriteError(new bulk.WriteConcernError({ code: 64, errmsg: 'waiting for replication timed out' }), result));
  assert.instance(fromWce, MongoBulkWriteError);
  assert.instance(fromWce.err, bulk.WriteConcernError);
  assert.is(fromWce.err.code, 64);
  const wceOut = errorRoundTrip(wce);
  assert.instance(wceOut, MongoWriteConcernError);
  assert.is(wceOut.code, 64);
  assert.equal(wceOut.errInfo, { wtimeout: true });
  assert.ok(wceOut.hasErrorLabel('RetryableWriteError'));
  const thrown = new MongoBulkWriteError(serverError(), result);
  const fromThrown = errorRoundTrip(thrown);
  assert.instance(fromThrown, MongoBulkWriteError);
  assert.is(fromThrown.code, 11000);
  assert.is(fromThrown.codeName, 'DuplicateKey');
  assert.equal(Object.keys(fromThrown).sort(), Object.keys(thrown).sort());
  assert.ok(fromThrown.hasErrorLabel('TransientTransactionError'));
  // an error held in a field (the driver's MongoServerError keeps what it was built from) crosses as that error
  const holder = new MongoServerError({ message: 'wrapped', code: 1 });
  holder.errorResponse = serverError();
  assert.instance(errorRoundTrip(holder).errorResponse, MongoServerError);
});

test('driver and built-in errors keep their class: network, invalid argument, server selection, TypeError, RangeError, AggregateError, plain Error', () => {
  const network = errorRoundTrip(new MongoNetworkError('socket hang up', { beforeHandshake: true }));
  assert.instance(network, MongoNetworkError);
  assert.is(network.beforeHandshake, true);
  const invalid = errorRoundTrip(new MongoInvalidArgumentError('Argument "filter" must be an object'));
  assert.instance(invalid, MongoInvalidArgumentError);
  assert.is(invalid.name, 'MongoInvalidArgumentError');
  const topology = new sdam.TopologyDescription('Unknown', new Map([['127.0.0.1:1', new sdam.ServerDescription('127.0.0.1:1')]]));
  const selection = errorRoundTrip(new MongoServerSelectionError('Server selection timed out after 30000 ms', topology));
  assert.instance(selection, MongoServerSelectionError);
  assert.instance(selection.reason, sdam.TopologyDescription);
  assert.instance(selection.reason.servers.get('127.0.0.1:1'), sdam.ServerDescription);
  const type = errorRoundTrip(new TypeError('not a function'));
  assert.instance(type, TypeError);
  assert.is(type.constructor, TypeError);
  assert.instance(errorRoundTrip(new RangeError('out of range')), RangeError);
  const aggregate = errorRoundTrip(new AggregateError([new TypeError('one'), serverError()], 'two failures'));
  assert.instance(aggregate, AggregateError);
  assert.is(aggregate.message, 'two failures');
  assert.instance(aggregate.errors[0], TypeError);
  assert.instance(aggregate.errors[1], MongoServerError);
  const plain = errorRoundTrip(Object.assign(new Error('plain'), { status: 503, when: new Date(0) }));
  assert.is(plain.constructor, Error);
  assert.is(plain.status, 503);
  assert.instance(plain.when, Date);
  class QuotaError extends Error {
    override name = 'QuotaError';
    limit = 10;
  }
  const custom = errorRoundTrip(new QuotaError('over quota'));
  assert.instance(custom, Error);
  assert.is(custom.name, 'QuotaError');
  assert.is(custom.limit, 10);
});

test('cause crosses recursively, with its class', () => {
  const inner = serverError();
  const middle = new MongoNetworkError('connection reset', { cause: inner });
  const outer = new Error('insert failed', { cause: middle });
  const out = errorRoundTrip(outer);
  assert.instance(out.cause, MongoNetworkError);
  assert.instance(out.cause.cause, MongoServerError);
  assert.is(out.cause.cause.code, 11000);
  assert.ok(out.cause.cause.hasErrorLabel('TransientTransactionError'));
  assert.not.ok(Object.keys(out).includes('cause'), 'cause stays non-enumerable');
});

test("the decoded stack is the worker's stack, the boundary line, then the caller's frames", () => {
  const workerError = (function workerSideFrame() {
    return new MongoServerError({ message: 'boom', code: 2 });
  })();
  const callerStack = (function callerSideFrame() {
    return new Error('caller').stack!;
  })();
  const out = errorRoundTrip(workerError, callerStack);
  const stack = out.stack as string;
  assert.ok(stack.startsWith('MongoServerError: boom\n'), stack);
  assert.match(stack, /workerSideFrame/);
  assert.match(stack, /callerSideFrame/);
  assert.ok(stack.indexOf('workerSideFrame') < stack.indexOf(BOUNDARY_LINE), 'worker part first');
  assert.ok(stack.indexOf(BOUNDARY_LINE) < stack.indexOf('callerSideFrame'), 'caller part after the boundary');
  assert.not.match(stack, /Error: caller/, "the caller stack's header line is dropped");
  assert.not.match(stack, /decodeError|constructError/, 'no codec frames');
});

test('encodeError never throws: fields that cannot cross are dropped; non-error rejections cross as themselves', () => {
  class Socket {
    // eslint-disable-next-line no-unused-private-class-members -- stands in for a socket's native state; never read
    #fd = 3;
  }
  const error = Object.assign(new MongoNetworkError('closed'), { socket: new Socket(), retry: () => 1, code: 'ECONNRESET' });
  const out = errorRoundTrip(error);
  assert.instance(out, MongoNetworkError);
  assert.is(out.code, 'ECONNRESET');
  assert.not.ok('socket' in out);
  assert.not.ok('retry' in out);
  assert.is(decodeThrown(structuredClone(encodeError('a string'))), 'a string');
  const thrownDoc = decodeThrown(structuredClone(encodeError({ reason: new ObjectId('65f0a1b2c3d4e5f6a7b8c9d0') }))) as { reason: ObjectId };
  assert.instance(thrownDoc.reason, ObjectId);
  const wrapped = decodeError(structuredClone(encodeError(42)));
  assert.instance(wrapped, Error);
  assert.is((wrapped as Error & { cause: unknown }).cause, 42);
  const unencodable = decodeError(structuredClone(encodeError(new (class Opaque {})())));
  assert.instance(unencodable, Error);
  assert.match(unencodable.message, /cannot cross.*Opaque/);
});

// ───────────────────────────── driver classes ─────────────────────────────

test('every internal driver data class the codec rebuilds is found by name in this driver (no file paths)', () => {
  for (const name of INTERNAL_DATA_CLASSES) assert.ok(knowsDriverClass(name), `${name} not found among the driver's loaded modules`);
  assert.not.ok(knowsDriverClass('NoSuchDriverClass'));
});

test('which driver objects cross only as handles is the registry: its classes, the internals they list, not those marked crosses: fields', () => {
  const exported = driverRequire('./index.js') as Record<string, (new (...args: any[]) => object) | undefined>;
  const handleOnly = [...handleOnlyClasses()];
  assert.ok(handleOnly.includes('Collection') && handleOnly.includes('MongoClientAuthProviders'), handleOnly.join());
  for (const name of handleOnly) {
    const Class = exported[name];
    if (Class === undefined) continue; // not exported by this driver: found among its modules by the same rule
    rejects(() => encode({ v: Object.create(Class.prototype) as object }, noHooks, 'argument 1'), new RegExp(`^argument 1\\.v: .*\\(${name}: a driver object crosses only as a handle\\)$`));
  }
  // FindOperators (crosses: 'fields') crosses as its one field, its bulk operation.
  assert.not.ok(handleOnly.includes('FindOperators'));
  const findOperators = Reflect.apply((exported.OrderedBulkOperation!.prototype as { find: () => object }).find, { s: { currentOp: undefined } }, [{}]) as object;
  assert.equal(roundTrip({ f: findOperators }), { f: { bulkOperation: { s: { currentOp: { selector: {} } } } } });
});

test.run();
