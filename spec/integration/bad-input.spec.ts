// Bad input through rotor handles: unknown methods, wrong argument types, closed clients, sessions
// from another client. Wherever the driver itself decides, the handle must settle exactly like the
// bare driver does in the same situation (same outcome, error class, message, code) — and never hang.
import * as assert from 'uvu/assert';
import * as mongodb from 'mongodb';
import type { Collection, Db, Document, MongoClient } from 'mongodb';
import { dbName, suite, testUri } from '../support/env.js';
import { rejection } from '../support/assertions.js';
import { connectTarget, targets } from '../support/targets.js';

/** Test documents use plain `_id` values (numbers, strings), not only ObjectIds. */
interface Doc extends Document {
  _id?: number | string;
}

type Loose = Record<string | symbol, any>;

interface Outcome {
  status: 'resolved' | 'rejected' | 'returned' | 'threw';
  error?: string;
  message?: string;
  code?: unknown;
}

function describe(status: Outcome['status'], error: unknown): Outcome {
  const e = error as { name?: unknown; message?: unknown; code?: unknown } | null;
  return {
    status,
    error: e && typeof e === 'object' ? String(e.name) : typeof e,
    message: e && typeof e === 'object' ? String(e.message) : String(e),
    code: e && typeof e === 'object' ? e.code : undefined,
  };
}

/** Awaits fn() (a synchronous throw counts as a rejection) and describes how it settled. */
async function settle(fn: () => unknown): Promise<Outcome> {
  try {
    await fn();
    return { status: 'resolved' };
  } catch (error) {
    return describe('rejected', error);
  }
}

/** Calls fn() synchronously and describes whether it returned or threw. */
function attempt(fn: () => unknown): Outcome {
  try {
    fn();
    return { status: 'returned' };
  } catch (error) {
    return describe('threw', error);
  }
}

for (const target of targets) {
  const test = suite(`bad input [${target.name}]`);
  const name = dbName(`bad_input_${target.name}`);
  let client: MongoClient;
  let db: Db;
  let coll: Collection<Doc>;
  /** The bare driver on the same database: the reference for "whatever the driver does". */
  let driver: mongodb.MongoClient;
  let driverColl: mongodb.Collection<Doc>;

  connectTarget(test, target, name, async (c, d) => {
    client = c;
    db = d;
    coll = db.collection<Doc>('c');
    await coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
    driver = new mongodb.MongoClient(testUri());
    await driver.connect();
    driverColl = driver.db(name).collection<Doc>('c');
  });

  // Runs after connectTarget's teardown: the rotor client is closed first, then the bare driver.
  test.after(async () => {
    await driver?.close();
  });

  /** Asserts the handle call and the same call on the bare driver settle the same way. */
  const sameAsDriver = async (viaRotor: () => unknown, viaDriver: () => unknown): Promise<Outcome> => {
    const [mine, theirs] = [await settle(viaRotor), await settle(viaDriver)];
    assert.equal(mine, theirs);
    return mine;
  };

  // --- unknown methods ---

  test('an unknown method throws a TypeError before any call is made', () => {
    const outcome = attempt(() => (coll as unknown as Loose).insertOen({ a: 1 }));
    assert.is(outcome.status, 'threw');
    assert.is(outcome.error, 'TypeError');
    assert.match(outcome.message ?? '', 'insertOen');
  });

  test('an unknown method on a cursor, a db and a client throws a TypeError', () => {
    for (const [label, handle, member] of [
      ['cursor', coll.find(), 'toArary'],
      ['db', db, 'colection'],
      ['client', client, 'dbb'],
    ] as const) {
      const outcome = attempt(() => (handle as unknown as Loose)[member]());
      assert.is(outcome.status, 'threw', `${label}.${member}() did not throw`);
      assert.is(outcome.error, 'TypeError', `${label}.${member}(): ${outcome.message}`);
    }
  });

  // --- wrong argument types: the driver decides, the handle agrees ---

  test('insertOne(42) rejects with the driver error', async () => {
    const outcome = await sameAsDriver(
      () => (coll as unknown as Loose).insertOne(42),
      () => (driverColl as unknown as Loose).insertOne(42),
    );
    assert.is(outcome.status, 'rejected');
  });

  test('insertOne(null) rejects with the driver error', async () => {
    const outcome = await sameAsDriver(
      () => (coll as unknown as Loose).insertOne(null),
      () => (driverColl as unknown as Loose).insertOne(null),
    );
    assert.is(outcome.status, 'rejected');
  });

  test('insertMany(not an array) rejects with MongoInvalidArgumentError', async () => {
    const outcome = await sameAsDriver(
      () => (coll as unknown as Loose).insertMany({ a: 1 }),
      () => (driverColl as unknown as Loose).insertMany({ a: 1 }),
    );
    assert.is(outcome.status, 'rejected');
    const error = await rejection(() => (coll as unknown as Loose).insertMany({ a: 1 }));
    assert.instance(error, target.rotor.MongoInvalidArgumentError);
  });

  test("find('x') / findOne('x') settle like the driver", async () => {
    const onCursor = await sameAsDriver(
      () => (coll as unknown as Loose).find('x').toArray(),
      () => (driverColl as unknown as Loose).find('x').toArray(),
    );
    assert.is(onCursor.status, 'rejected');
    await sameAsDriver(
      () => (coll as unknown as Loose).findOne('x'),
      () => (driverColl as unknown as Loose).findOne('x'),
    );
  });

  test('client.db(42) settles like the driver (creation and first operation)', async () => {
    assert.equal(
      attempt(() => (client as unknown as Loose).db(42)),
      attempt(() => (driver as unknown as Loose).db(42)),
    );
    await sameAsDriver(
      () => (client as unknown as Loose).db(42).collection('c').findOne({}),
      () => (driver as unknown as Loose).db(42).collection('c').findOne({}),
    );
  });

  test("db.collection<Doc>('') settles like the driver", async () => {
    await sameAsDriver(
      () => db.collection<Doc>('').findOne({}),
      () => driver.db(name).collection<Doc>('').findOne({}),
    );
  });

  test('updateOne without operators / replaceOne with operators / empty bulkWrite reject like the driver', async () => {
    const update = await sameAsDriver(
      () => coll.updateOne({}, { a: 1 }),
      () => driverColl.updateOne({}, { a: 1 }),
    );
    assert.is(update.status, 'rejected');
    const replace = await sameAsDriver(
      () => coll.replaceOne({}, { $set: { a: 1 } }),
      () => driverColl.replaceOne({}, { $set: { a: 1 } }),
    );
    assert.is(replace.status, 'rejected');
    const bulk = await sameAsDriver(
      () => coll.bulkWrite([]),
      () => driverColl.bulkWrite([]),
    );
    assert.is(bulk.status, 'rejected');
  });

  test("cursor.limit('x') throws synchronously like the driver (MongoInvalidArgumentError)", () => {
    const mine = attempt(() => (coll.find() as unknown as Loose).limit('x'));
    assert.equal(mine, attempt(() => (driverColl.find() as unknown as Loose).limit('x')));
    assert.is(mine.status, 'threw');
    let caught: unknown;
    try {
      (coll.find() as unknown as Loose).limit('x');
    } catch (error) {
      caught = error;
    }
    assert.instance(caught, target.rotor.MongoInvalidArgumentError);
  });

  test('changing a cursor after iteration started throws like the driver (MongoCursorInUseError)', async () => {
    const cursor = coll.find();
    await cursor.next();
    const driverCursor = driverColl.find();
    await driverCursor.next();
    const mine = attempt(() => cursor.limit(1));
    assert.equal(mine, attempt(() => driverCursor.limit(1)));
    assert.is(mine.status, 'threw');
    assert.is(mine.error, 'MongoCursorInUseError');
    await cursor.close();
    await driverCursor.close();
  });

  test('new GridFSBucket(42) throws like the driver', () => {
    const mine = attempt(() => new (target.rotor.GridFSBucket as unknown as new (db: unknown) => unknown)(42));
    const theirs = attempt(() => new (mongodb.GridFSBucket as unknown as new (db: unknown) => unknown)(42));
    assert.equal(mine, theirs);
    assert.is(mine.status, 'threw');
  });

  test("new MongoClient('not a uri') throws synchronously like the driver (a MongoParseError)", () => {
    const mine = attempt(() => new target.rotor.MongoClient('not a uri'));
    assert.equal(mine, attempt(() => new mongodb.MongoClient('not a uri')));
    assert.is(mine.status, 'threw');
    assert.is(mine.error, 'MongoParseError');
  });

  // --- documents the BSON serializer refuses ---

  test('a document with a cycle rejects like the driver: a BSONError (insert, filter)', async () => {
    const cyclic = (): Doc => {
      const doc: Doc = { a: 1 };
      doc.self = { back: doc };
      return doc;
    };
    for (const [label, viaRotor, viaDriver] of [
      ['insertOne', () => coll.insertOne(cyclic()), () => driverColl.insertOne(cyclic())],
      ['find().toArray()', () => coll.find(cyclic()).toArray(), () => driverColl.find(cyclic()).toArray()],
    ] as const) {
      const [mine, theirs] = [await settle(viaRotor), await settle(viaDriver)];
      assert.is(theirs.error, 'BSONError', `${label}: the driver gave ${theirs.error}`);
      assert.equal({ ...mine, message: undefined }, { ...theirs, message: undefined }, label);
      // The driver's message; the pool's adds where the cycle closes.
      assert.ok(mine.message?.startsWith(theirs.message!), `${label}: ${mine.message}`);
      if (target.executor === 'pool') assert.match(mine.message ?? '', '(argument 1.self.back refers back to argument 1)', label);
      assert.instance(await rejection(viaRotor), mongodb.BSON.BSONError, label);
    }
  });

  test('a deep acyclic document (500, 1000 levels) settles like the driver', async () => {
    const deep = (levels: number): Doc => {
      let doc: Doc = { x: 1 };
      for (let i = 0; i < levels; i++) doc = { a: doc };
      return doc;
    };
    for (const levels of [500, 1000]) {
      await sameAsDriver(
        () => coll.insertOne(deep(levels)),
        () => driverColl.insertOne(deep(levels)),
      );
    }
  });

  // --- closed clients, unreachable servers ---

  test('an operation on a closed client settles like the driver (no hang)', async () => {
    const closed = new target.rotor.MongoClient(testUri());
    await closed.connect();
    const closedColl = closed.db(name).collection<Doc>('c');
    await closed.close();
    const driverClosed = new mongodb.MongoClient(testUri());
    await driverClosed.connect();
    const driverClosedColl = driverClosed.db(name).collection<Doc>('c');
    await driverClosed.close();
    try {
      await sameAsDriver(
        () => closedColl.findOne({ _id: 1 }),
        () => driverClosedColl.findOne({ _id: 1 }),
      );
      await sameAsDriver(
        () => closedColl.find({}).toArray(),
        () => driverClosedColl.find({}).toArray(),
      );
    } finally {
      await closed.close();
      await driverClosed.close();
    }
  });

  test('an unreachable server rejects with MongoServerSelectionError after serverSelectionTimeoutMS', async () => {
    const unreachable = new target.rotor.MongoClient('mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300&connectTimeoutMS=300');
    try {
      const error = await rejection(() => unreachable.db(name).command({ ping: 1 }));
      assert.instance(error, target.rotor.MongoServerSelectionError);
    } finally {
      await unreachable.close();
    }
  });

  // --- sessions that do not belong ---

  test('a session handle from another client rejects with MongoInvalidArgumentError naming the session', async () => {
    const other = new target.rotor.MongoClient(testUri());
    await other.connect();
    const foreign = other.startSession();
    try {
      for (const [label, op] of [
        ['findOne', () => coll.findOne({}, { session: foreign })],
        ['find().toArray()', () => coll.find({}, { session: foreign }).toArray()],
        ['insertOne', () => coll.insertOne({ a: 1 }, { session: foreign })],
      ] as const) {
        const error = await rejection(op);
        assert.instance(error, target.rotor.MongoInvalidArgumentError, `${label}: ${error?.message}`);
        assert.instance(error, mongodb.MongoInvalidArgumentError);
        assert.match(error.message, /session/i, `${label}: ${error.message}`);
        assert.match(error.message, /client/i, `${label}: ${error.message}`);
      }
      assert.is(await coll.countDocuments({ a: 1 }), 0, 'the insert with a foreign session must not happen');
    } finally {
      await foreign.endSession();
      await other.close();
    }
  });

  test('a session from another client: same message as the bare driver', async () => {
    const other = new target.rotor.MongoClient(testUri());
    const foreign = other.startSession();
    const driverOther = new mongodb.MongoClient(testUri());
    const driverForeign = driverOther.startSession();
    try {
      await sameAsDriver(
        () => coll.findOne({}, { session: foreign }),
        () => driverColl.findOne({}, { session: driverForeign }),
      );
    } finally {
      await foreign.endSession();
      await driverForeign.endSession();
      await other.close();
      await driverOther.close();
    }
  });

  test('a handle of the wrong kind as { session } settles like the driver given the driver object', async () => {
    const otherColl = db.collection<Doc>('other');
    const driverOtherColl = driver.db(name).collection<Doc>('other');
    const outcome = await sameAsDriver(
      () => coll.findOne({}, { session: otherColl as unknown as mongodb.ClientSession }),
      () => driverColl.findOne({}, { session: driverOtherColl as unknown as mongodb.ClientSession }),
    );
    assert.is(outcome.status, 'rejected');
  });

  test('an ended session rejects with MongoExpiredSessionError', async () => {
    const session = client.startSession();
    await session.endSession();
    const error = await rejection(() => coll.findOne({}, { session }));
    assert.instance(error, target.rotor.MongoExpiredSessionError);
  });

  test.run();
}
