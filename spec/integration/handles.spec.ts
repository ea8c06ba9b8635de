// Handle behaviour: what a rotor handle looks like from the outside — classes, chaining identity,
// not being thenable, inspection, keys, typos that throw, no assignment, unwrapping when passed into
// driver code, and factories that return handles.
import * as assert from 'uvu/assert';
import { inspect } from 'node:util';
import * as mongodb from 'mongodb';
import type { Collection, Db, Document, MongoClient } from 'mongodb';
import { dbName, suite, testUri } from '../support/env.js';
import { connectTarget, targets } from '../support/targets.js';

/** Test documents use plain `_id` values (numbers, strings), not only ObjectIds. */
interface Doc extends Document {
  _id?: number | string;
}

/** Runs `fn` and returns what it threw synchronously (fails the test if it did not throw). */
function thrown(fn: () => unknown): any {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.unreachable('expected a synchronous throw');
}

type Loose = Record<string | symbol, any>;

for (const target of targets) {
  const test = suite(`handles [${target.name}]`);
  const name = dbName(`handles_${target.name}`);
  let client: MongoClient;
  let db: Db;
  let coll: Collection<Doc>;

  connectTarget(test, target, name, async (c, d) => {
    client = c;
    db = d;
    coll = db.collection<Doc>('x');
    await coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
  });

  // --- classes ---

  test('factories return handles of the right rotor class', () => {
    assert.instance(client, target.rotor.MongoClient);
    assert.instance(db, target.rotor.Db);
    assert.instance(coll, target.rotor.Collection);
    assert.instance(db.admin(), target.rotor.Admin);
    assert.instance(coll.find(), target.rotor.FindCursor);
    assert.instance(coll.aggregate([]), target.rotor.AggregationCursor);
    assert.instance(coll.initializeOrderedBulkOp(), target.rotor.OrderedBulkOperation);
    assert.instance(coll.initializeUnorderedBulkOp(), target.rotor.UnorderedBulkOperation);
  });

  test('a handle is not an instance of an unrelated rotor class', () => {
    assert.not.instance(coll, target.rotor.Db);
    assert.not.instance(db, target.rotor.Collection);
    assert.not.instance(coll.find(), target.rotor.AggregationCursor);
  });

  if ((target.executor as string) === 'inline') {
    test('inline executor: a handle is also an instance of the driver class', () => {
      assert.instance(coll, mongodb.Collection);
      assert.instance(db, mongodb.Db);
      assert.instance(client, mongodb.MongoClient);
      assert.instance(coll.find(), mongodb.FindCursor);
    });
  } else {
    test.skip('inline executor: a handle is also an instance of the driver class', `driver objects live out of process with the ${target.executor} executor`);
  }

  test('MongoClient.connect (a static async member) resolves to a client handle', async () => {
    const other = await target.rotor.MongoClient.connect(testUri());
    try {
      assert.instance(other, target.rotor.MongoClient);
      assert.is((await other.db(name).command({ ping: 1 })).ok, 1);
    } finally {
      await other.close();
    }
  });

  test('startSession returns a ClientSession handle', async () => {
    const session = client.startSession();
    try {
      assert.instance(session, target.rotor.ClientSession);
      assert.not.instance(session, target.rotor.MongoClient);
    } finally {
      await session.endSession();
    }
  });

  // --- chaining, cloning ---

  test('cursor chaining returns the same handle', () => {
    const cur = coll.find();
    assert.is(cur.limit(1), cur);
    assert.is(cur.sort({ _id: 1 }), cur);
    assert.is(cur.skip(0), cur);
    assert.is(cur.batchSize(10), cur);
    const agg = coll.aggregate([]);
    assert.is(agg.match({}), agg);
  });

  test('cursor.clone() returns a new handle of the same class', async () => {
    const cur = coll.find({ _id: { $gte: 2 } }).sort({ _id: 1 });
    const copy = cur.clone();
    assert.is.not(copy, cur);
    assert.instance(copy, target.rotor.FindCursor);
    assert.is(Object.prototype.toString.call(copy), '[object FindCursor]');
    assert.equal(await copy.toArray(), [{ _id: 2 }, { _id: 3 }]);
    const agg = coll.aggregate([{ $match: { _id: 1 } }]);
    const aggCopy = agg.clone();
    assert.instance(aggCopy, target.rotor.AggregationCursor);
    assert.equal(await aggCopy.toArray(), [{ _id: 1 }]);
  });

  test('back-references return the very same handles (db.client, coll.db, listIndexes().parent)', () => {
    assert.is(db.client, client);
    assert.is(coll.db, db);
    assert.is(coll.listIndexes().parent, coll);
    assert.is(db.listCollections().parent, db);
  });

  // --- not thenable ---

  test('await on a handle returns the handle itself (handles are not thenable)', async () => {
    assert.is((coll as unknown as Loose).then, undefined);
    assert.is((db as unknown as Loose).then, undefined);
    assert.is((client as unknown as Loose).then, undefined);
    const cur = coll.find();
    assert.is((cur as unknown as Loose).then, undefined);
    assert.is(await coll, coll);
    assert.is(await db, db);
    assert.is(await cur, cur);
  });

  test('an async method returns an awaitable future (a Promise for promise and callback targets)', async () => {
    const future = coll.findOne({ _id: 1 }) as unknown as Loose;
    if (target.framework === 'sync') {
      // The sync framework's "future" is the value itself, already there when the call returns.
      assert.equal(future, { _id: 1 });
      return;
    }
    assert.type(future.then, 'function');
    if (target.framework === 'thenable') assert.not.instance(future, Promise, "the thenable framework's future is its own thenable");
    else assert.instance(future, Promise);
    assert.equal(await future, { _id: 1 });
  });

  // --- inspection, keys ---

  test('util.inspect names the class and the namespace', () => {
    const text = inspect(coll);
    assert.match(text, 'Collection');
    assert.match(text, `${name}.x`);
  });

  test('util.inspect of a Db and a client does not throw and names the class', () => {
    assert.match(inspect(db), 'Db');
    assert.match(inspect(client), 'MongoClient');
  });

  test('Object.prototype.toString gives [object Collection] / [object Db] / [object FindCursor]', () => {
    assert.is(Object.prototype.toString.call(coll), '[object Collection]');
    assert.is(Object.prototype.toString.call(db), '[object Db]');
    assert.is(Object.prototype.toString.call(coll.find()), '[object FindCursor]');
  });

  test("Object.keys lists the class's members; `in` answers for them", () => {
    const keys = Object.keys(coll);
    assert.ok(keys.includes('insertOne'), `insertOne missing from Object.keys: ${keys.join(', ')}`);
    assert.ok(keys.includes('find'), `find missing from Object.keys: ${keys.join(', ')}`);
    assert.ok('insertOne' in coll);
    assert.ok('find' in coll);
    assert.not.ok('insertOen' in coll);
    const cursorKeys = Object.keys(coll.find());
    assert.ok(cursorKeys.includes('toArray') && cursorKeys.includes('limit'));
  });

  // --- typos and assignment ---

  test("an unknown attribute throws a TypeError naming the class and the name, suggesting the right one", () => {
    const error = thrown(() => (coll as unknown as Loose).insertOen);
    assert.instance(error, TypeError);
    assert.match(error.message, 'Collection');
    assert.match(error.message, 'insertOen');
    assert.match(error.message, 'insertOne');
  });

  test('typos on a cursor and a client throw too, with suggestions', () => {
    const cursorError = thrown(() => (coll.find() as unknown as Loose).limt);
    assert.instance(cursorError, TypeError);
    assert.match(cursorError.message, 'limt');
    assert.match(cursorError.message, 'limit');
    const clientError = thrown(() => (client as unknown as Loose).conect);
    assert.instance(clientError, TypeError);
    assert.match(clientError.message, 'MongoClient');
    assert.match(clientError.message, 'connect');
  });

  test('db.usres throws: no collection-by-attribute', () => {
    const error = thrown(() => (db as unknown as Loose).usres);
    assert.instance(error, TypeError);
    assert.match(error.message, 'usres');
  });

  test('assigning a new attribute throws a TypeError and adds nothing', () => {
    const error = thrown(() => {
      (coll as unknown as Loose).foo = 1;
    });
    assert.instance(error, TypeError);
    assert.not.ok('foo' in coll);
  });

  test('assigning a read-only property throws a TypeError and leaves it unchanged', () => {
    const error = thrown(() => {
      (coll as unknown as Loose).collectionName = 'other';
    });
    assert.instance(error, TypeError);
    assert.is(coll.collectionName, 'x');
  });

  test('defining or deleting attributes throws', () => {
    assert.instance(
      thrown(() => Object.defineProperty(coll, 'bar', { value: 1 })),
      TypeError,
    );
    assert.instance(
      thrown(() => {
        delete (coll as unknown as Loose).insertOne;
      }),
      TypeError,
    );
    assert.ok('insertOne' in coll);
  });

  // --- handles passed into driver code, disposal ---

  test('new GridFSBucket(db handle) unwraps the handle and the bucket works', async () => {
    const bucket = new target.rotor.GridFSBucket(db);
    assert.instance(bucket, target.rotor.GridFSBucket);
    assert.equal(await bucket.find().toArray(), []);
  });

  test('Symbol.asyncDispose exists on a client handle and closes it', async () => {
    const other = new target.rotor.MongoClient(testUri());
    const dispose = (other as unknown as Loose)[Symbol.asyncDispose];
    assert.type(dispose, 'function');
    await other.db(name).command({ ping: 1 });
    await dispose.call(other);
    await other.close(); // closing again after dispose settles too
  });

  test('properties pass plain values through', () => {
    assert.is(coll.collectionName, 'x');
    assert.is(coll.namespace, `${name}.x`);
    assert.is(db.databaseName, name);
  });

  test.run();
}
