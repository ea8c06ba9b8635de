// Handle behaviour: what a rotor handle looks like from the outside — classes, chaining identity,
// not being thenable, inspection, keys, members outside the registry (duck typing like the driver),
// prototypes and subclasses, unwrapping when passed into driver code, and factories that return handles.
import { thrown } from '../support/assertions.js';
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
    // Awaiting a non-thenable is the point: `await handle` must give the handle back.
    /* eslint-disable @typescript-eslint/await-thenable -- see above */
    assert.is(await coll, coll);
    assert.is(await db, db);
    assert.is(await cur, cur);
    /* eslint-enable @typescript-eslint/await-thenable */
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
    assert.equal(await (future as PromiseLike<unknown>), { _id: 1 });
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

  // --- members outside the registry: duck typing like the driver ---

  test('reading a name the driver object does not have gives undefined, even near a registry name', () => {
    assert.is((coll as unknown as Loose).insertOen, undefined);
    assert.is((coll as unknown as Loose).$__, undefined);
    assert.is((coll.find() as unknown as Loose).limt, undefined);
    assert.is((client as unknown as Loose)._bsontype, undefined);
    assert.is((db as unknown as Loose).usres, undefined, 'a name on a Db is never a collection');
    assert.not.ok('insertOen' in coll);
  });

  test("calling a misspelt method throws a TypeError before anything is sent (Node's own: not a function)", () => {
    const error = thrown(() => (coll as unknown as Loose).insertOen({ a: 1 }));
    assert.instance(error, TypeError);
    assert.match(error.message, 'insertOen');
  });

  test('an assigned property reads back, is `in` the handle, and is the same through another route to the object', () => {
    (client as unknown as Loose)._closeCalled = true;
    assert.is((client as unknown as Loose)._closeCalled, true);
    assert.ok('_closeCalled' in client);
    assert.is((coll.db.client as unknown as Loose)._closeCalled, true, 'the same driver object, the same handle');
    delete (client as unknown as Loose)._closeCalled;
    assert.is((client as unknown as Loose)._closeCalled, undefined);
    const marker = Symbol('app');
    (coll as unknown as Loose)[marker] = 'mine';
    assert.is((coll as unknown as Loose)[marker], 'mine');
  });

  test('assigning a read-only property throws a TypeError and leaves it unchanged', () => {
    const error = thrown(() => {
      (coll as unknown as Loose).collectionName = 'other';
    });
    assert.instance(error, TypeError);
    assert.is(coll.collectionName, 'x');
  });

  test('defining an accessor or a fixed property, or deleting a registry member, throws', () => {
    assert.instance(
      thrown(() => Object.defineProperty(coll, 'bar', { value: 1 })),
      TypeError,
    );
    assert.instance(
      thrown(() => Object.defineProperty(coll, 'baz', { configurable: true, get: () => 1 })),
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

  // Inline: the driver object's own values; pool: a bounded copy from the worker (lib/executor/pool/worker/snapshot.ts).
  test("driver internals read as the driver object has them (client.s, client.topology, a collection's namespace)", () => {
    const loose = client as unknown as Loose;
    assert.is(loose?.s?.options?.hosts?.[0]?.host, new URL(testUri().replace(/^mongodb(\+srv)?:/, 'http:')).hostname);
    assert.type(loose.topology?.s, 'object', 'the connected client has its topology');
    assert.type(loose.topology?.description?.type, 'string', "the topology's description (a getter) reads");
    assert.is((coll as unknown as Loose).s.namespace.collection, 'x');
    assert.is((coll as unknown as Loose).$__, undefined, 'a name the driver object lacks reads undefined');
    // The driver's internals hold the client itself. Inline they are the driver's own objects (its
    // MongoClient); the pool's copy holds the client's handle.
    const held = (target.executor as string) === 'inline' ? (loose.s as Loose).sessionPool.client : client;
    if ((target.executor as string) === 'inline') assert.instance(held, mongodb.MongoClient);
    assert.is(loose.topology?.client, held, 'topology.client is the client');
    assert.is(loose.s?.sessionPool?.client, held, 's.sessionPool.client is the client');
  });

  test('JSON.stringify of a handle is its inspect label: never the options, never a credential', () => {
    const secret = new target.rotor.MongoClient('mongodb://someone:s3cr3t-pw@127.0.0.1:1/');
    const text = JSON.stringify({ client: secret, db: secret.db('d'), coll: secret.db('d').collection('c') });
    assert.not.match(text, 's3cr3t-pw');
    assert.not.match(text, 'someone');
    assert.equal(JSON.parse(text), { client: inspect(secret), db: 'Db <d>', coll: 'Collection <d.c>' });
  });

  // --- classes like the driver's ---

  test("a rotor class's prototype lists the driver's methods, and a method copied from it works", async () => {
    const names = (C: object) =>
      Object.getOwnPropertyNames((C as { prototype: object }).prototype).filter((k) => {
        const d = Object.getOwnPropertyDescriptor((C as { prototype: Loose }).prototype, k)!;
        return !d.get && typeof d.value === 'function';
      });
    const mine = names(target.rotor.Collection);
    for (const k of names(mongodb.Collection)) assert.ok(mine.includes(k), `Collection.prototype.${k} missing`);
    const wrapper = { findOne: (target.rotor.Collection.prototype as unknown as Loose).findOne as (f: object) => Promise<unknown> };
    assert.equal(await wrapper.findOne.call(coll, { _id: 2 }), { _id: 2 });
    assert.instance(thrown(() => wrapper.findOne.call({}, {})), TypeError);
  });

  test('a subclass keeps its own members, `super` reaches the driver, and instanceof holds', async () => {
    const Base = target.rotor.MongoClient;
    class MyClient extends Base {
      tag = 'mine';
      hello(): string {
        return `hello ${this.tag}`;
      }
      override db(dbName?: string): Db {
        return super.db(dbName ?? name);
      }
    }
    const mine = new MyClient(testUri());
    try {
      assert.is(mine.hello(), 'hello mine');
      assert.instance(mine, MyClient);
      assert.instance(mine, Base);
      assert.is(mine.constructor, MyClient);
      assert.not.instance(client, MyClient);
      if ((target.executor as string) === 'inline') assert.instance(mine, mongodb.MongoClient);
      await mine.connect();
      assert.is(mine.db().databaseName, name);
      assert.equal(await mine.db().collection<Doc>('x').findOne({ _id: 1 }), { _id: 1 });
    } finally {
      await mine.close();
    }
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
