// The sync framework (rotor/sync): the same handles, blocking. Commands return their value or throw
// the driver's error before returning; cursors read synchronously and iterate with for...of;
// withSession/withTransaction take synchronous functions; listeners of a command's events have run
// when it returns; the inline executor is refused; a dying worker or an unreachable server throws
// instead of freezing the thread. The bodies below use no `await` on purpose: this is sync code.
import { thrown } from '../support/assertions.js';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import type { CommandStartedEvent, Document, MongoClient } from 'mongodb';
import { createRotor } from '../../lib/create-rotor.js';
import { WorkerLostError } from '../../lib/executor/pool/main/errors.js';
import { stateOf } from '../../lib/proxy/factory.js';
import { blockingCeilingMs, boundFor, BLOCKING_MARGIN_MS } from '../../lib/executor/pool/main/blocking-bound.js';
import type { RemoteRef } from '../../lib/executor/pool/main/remote-ref.js';
import { dbName, suite, testUri } from '../support/env.js';
import { connectTarget, targets } from '../support/targets.js';

interface Doc extends Document {
  _id?: number | string;
  v?: number;
}

type Loose = any;  


for (const target of targets.filter((t) => t.framework === 'sync')) {
  const test = suite(`sync framework [${target.name}]`);
  const name = dbName(`sync_${target.name}`);
  // TODO(types): typed with the generated sync declarations once wired (see lib/sync.ts); until
  // then the driver's Promise-returning types do not describe these handles.
  let client: Loose;
  let db: Loose;
  let coll: Loose;

  connectTarget(test, target, name, (c, d) => {
    client = c;
    db = d;
    coll = db.collection('docs');
    coll.insertMany([1, 2, 3, 4, 5].map((i) => ({ _id: i, v: i * 10 })));
  });

  test('commands return their value, never a future', () => {
    const res = coll.insertOne({ _id: 'x' }) as unknown as Loose;
    assert.not.type(res.then, 'function', 'a sync result is not thenable');
    assert.is(res.insertedId, 'x');
    assert.equal(coll.findOne({ _id: 'x' }), { _id: 'x' });
    assert.is((coll.deleteOne({ _id: 'x' }) as unknown as Loose).deletedCount, 1);
    assert.is(coll.countDocuments(), 5);
  });

  test('errors are thrown synchronously with the driver class and fields', () => {
    const dup = thrown(() => coll.insertOne({ _id: 1 }));
    assert.instance(dup, target.rotor.MongoServerError);
    assert.is(dup.code, 11000);
    const bulk = thrown(() => coll.insertMany([{ _id: 100 }, { _id: 1 }]));
    assert.instance(bulk, target.rotor.MongoBulkWriteError);
    assert.ok(bulk.writeErrors, "the bulk error keeps its writeErrors");
    assert.is(bulk.result.insertedCount, 1);
    coll.deleteOne({ _id: 100 });
    const cmd = thrown(() => db.command({ rotorNoSuchCommand: 1 }));
    assert.instance(cmd, target.rotor.MongoServerError);
  });

  test('cursors: toArray, next, tryNext, hasNext, forEach (false stops), map', () => {
    assert.equal(coll.find({}, { projection: { v: 0 } }).sort({ _id: 1 }).toArray(), [1, 2, 3, 4, 5].map((i) => ({ _id: i })));
    const cursor = coll.find().sort({ _id: -1 }).batchSize(2);
    assert.is((cursor.next() as Doc)._id, 5);
    assert.is(cursor.hasNext(), true);
    assert.is((cursor.tryNext() as Doc)._id, 4);
    cursor.close();
    const seen: unknown[] = [];
    coll.find().sort({ _id: 1 }).forEach((d: Doc) => (seen.push(d._id), d._id !== 3));
    assert.equal(seen, [1, 2, 3]);
    assert.equal(coll.find().sort({ _id: 1 }).map((d: Doc) => d.v).toArray(), [10, 20, 30, 40, 50]);
    assert.is(coll.find({ _id: 99 }).next(), null);
  });

  test('for...of iterates a cursor batch by batch; leaving early closes it; for await still works', async () => {
    const ids: unknown[] = [];
    for (const d of coll.find().sort({ _id: 1 }).batchSize(2)) ids.push(d._id);
    assert.equal(ids, [1, 2, 3, 4, 5]);
    const cursor = coll.find().sort({ _id: 1 }).batchSize(2);
    for (const d of cursor) if (d._id === 2) break;
    assert.is(cursor.closed, true, 'breaking out of for...of closes the cursor');
    assert.equal(Array.from(coll.aggregate([{ $sort: { _id: 1 } }, { $limit: 2 }]), (d: Doc) => d._id), [1, 2]);
    const later: unknown[] = [];
    for await (const d of coll.find().sort({ _id: 1 })) later.push(d._id);
    assert.equal(later, [1, 2, 3, 4, 5]);
  });

  test('withSession takes a synchronous function: a session handle, its value returned, its throw thrown', () => {
    let seen: Loose;
    const result = client.withSession((s: Loose) => {
      seen = s;
      assert.instance(s, target.rotor.ClientSession);
      coll.insertOne({ _id: 'ws' }, { session: s });
      return coll.countDocuments({}, { session: s });
    }) as unknown;
    assert.is(result, 6);
    assert.is(seen?.hasEnded, true, 'the session ended when withSession returned');
    assert.is(client.withSession({ causalConsistency: true }, (s: Loose) => s.supports.causalConsistency) as unknown, true);
    const boom = new Error('inside withSession');
    assert.is(thrown(() => client.withSession(() => { throw boom; })).message, 'inside withSession');
    // eslint-disable-next-line @typescript-eslint/require-await -- an async function is what withSession must refuse here
    const notSync = thrown(() => client.withSession(async () => 1));
    assert.instance(notSync, TypeError);
    assert.match(notSync.message, 'must be synchronous');
    coll.deleteOne({ _id: 'ws' });
  });

  test('withTransaction calls a synchronous function with a session handle (on a server without transactions: throws, no hang)', () => {
    const session = client.startSession();
    let called = false;
    try {
      session.withTransaction((s: Loose) => {
        called = true;
        assert.instance(s, target.rotor.ClientSession);
        coll.insertOne({ _id: 'txn' }, { session: s });
      });
    } catch (error) {
      assert.instance(error, target.rotor.MongoError, 'a server without transactions refuses with a MongoError');
    } finally {
      session.endSession();
    }
    assert.ok(called, 'the function ran');
    coll.deleteOne({ _id: 'txn' });
  });

  test("listeners of a command's events have run when it returns", () => {
    const monitored = new target.rotor.MongoClient(testUri(), { monitorCommands: true }) as unknown as Loose;
    const started: string[] = [];
    monitored.on('commandStarted', (e: CommandStartedEvent) => started.push(e.commandName));
    try {
      monitored.db(name).collection('docs').findOne({ _id: 1 });
      assert.ok(started.includes('find'), `events seen: ${started.join(', ')}`);
      const count = started.length;
      for (const _ of monitored.db(name).collection('docs').find().batchSize(2));
      assert.ok(started.filter((n) => n === 'getMore').length >= 2, 'for...of fetched batch by batch');
      assert.ok(started.length > count);
    } finally {
      monitored.close();
    }
  });

  test('chaining, properties and factories are as in the other frameworks', () => {
    const cursor = coll.find({ v: { $gt: 10 } }).sort({ v: -1 }).limit(2).project({ _id: 1 });
    assert.instance(cursor, target.rotor.FindCursor);
    assert.equal(cursor.toArray(), [{ _id: 5 }, { _id: 4 }]);
    assert.is(coll.collectionName, 'docs');
    assert.is(db.databaseName, name);
    assert.instance(client.db(name), target.rotor.Db);
    const bulk = coll.initializeUnorderedBulkOp();
    bulk.insert({ _id: 'b' });
    assert.is((bulk.execute() as unknown as Loose).insertedCount, 1);
    coll.deleteOne({ _id: 'b' });
  });

  test('MongoClient.connect returns a connected client; db.command({ hello: 1 }) runs in a loop', () => {
    const other = (target.rotor.MongoClient as unknown as { connect(uri: string): MongoClient }).connect(testUri());
    try {
      assert.instance(other, target.rotor.MongoClient);
      let ok = 0;
      for (let i = 0; i < 200; i++) ok += (other.db('admin').command({ hello: 1 }) as unknown as Loose).ok;
      assert.is(ok, 200);
    } finally {
      // eslint-disable-next-line @typescript-eslint/no-floating-promises -- the sync framework returns values, not promises (the handle is typed as the driver's)
      other.close();
    }
  });

  test('a wait is bounded by the client timeouts: an unreachable server throws the driver error', () => {
    const lost = new target.rotor.MongoClient('mongodb://127.0.0.1:9/?directConnection=true', { serverSelectionTimeoutMS: 300 });
    try {
      const error = thrown(() => lost.db('admin').command({ ping: 1 }));
      assert.instance(error, target.rotor.MongoServerSelectionError);
    } finally {
      // eslint-disable-next-line @typescript-eslint/no-floating-promises -- the sync framework returns values, not promises (the handle is typed as the driver's)
      lost.close();
    }
    const bounded = new target.rotor.MongoClient(testUri(), { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 500, socketTimeoutMS: 2000 });
    const ref = stateOf(bounded.db('x').collection('y'))!.ref as RemoteRef;
    assert.is(boundFor(ref, [], false), 2 * (1000 + 500 + 2000) + BLOCKING_MARGIN_MS);
    // An operation's own timeoutMS may only extend the wait (the driver enforces it itself).
    assert.is(boundFor(ref, [{}, { timeoutMS: 900_000 }], false), 900_000 + BLOCKING_MARGIN_MS);
    assert.is(boundFor(ref, [{}, { timeoutMS: 10 }], false), 2 * (1000 + 500 + 2000) + BLOCKING_MARGIN_MS);
    // Without a socket timeout the driver sets no bound of its own: the rotor ceiling applies.
    assert.is(boundFor(stateOf(db)!.ref as RemoteRef, [], false), blockingCeilingMs());
    // A last argument without timeoutMS (a filter, options without it) extends nothing: a short
    // ceiling stays the bound.
    const ceiling = process.env.ROTOR_SYNC_CEILING_MS;
    process.env.ROTOR_SYNC_CEILING_MS = '1000';
    try {
      assert.is(boundFor(stateOf(db)!.ref as RemoteRef, [{}], false), 1000);
      assert.is(boundFor(stateOf(db)!.ref as RemoteRef, [{ a: 1 }, { projection: { a: 1 } }], false), 1000);
      assert.is(boundFor(stateOf(db)!.ref as RemoteRef, [{}, { timeoutMS: 2000 }], false), 2000 + BLOCKING_MARGIN_MS);
    } finally {
      if (ceiling === undefined) delete process.env.ROTOR_SYNC_CEILING_MS;
      else process.env.ROTOR_SYNC_CEILING_MS = ceiling;
    }
    // eslint-disable-next-line @typescript-eslint/no-floating-promises -- the sync framework returns values, not promises (the handle is typed as the driver's)
    bounded.close();
  });

  test.run();
}

// Pairing and threads: one client each, whatever the target list.
const test = suite('sync framework: pairing, faults, threads');

test("the inline executor is refused at creation, saying why; 'pool' is the default", () => {
  const error = thrown(() => createRotor({ framework: 'sync', executor: 'inline' }));
  assert.instance(error, TypeError);
  assert.match(error.message, 'deadlock');
  assert.is(createRotor({ framework: 'sync' }).runtime.executor.name, 'pool');
});

test('a worker dying while the thread is blocked throws WorkerLostError (no freeze)', async () => {
  const rotor = createRotor({ framework: 'sync', executor: 'pool', workers: 1, resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 } });
  const client = new rotor.MongoClient(testUri()) as unknown as MongoClient;
  try {
    const coll = client.db(dbName('sync_faults')).collection('c');
    // eslint-disable-next-line @typescript-eslint/no-floating-promises -- the sync framework returns values, not promises (the handle is typed as the driver's)
    coll.findOne({});
    // The worker dies of memory reading this message; the blocked call must notice.
    const error = thrown(() => coll.insertMany(Array.from({ length: 300_000 }, (_, i) => ({ i, pad: 'y'.repeat(200) }))));
    assert.instance(error, WorkerLostError);
  } finally {
    // eslint-disable-next-line @typescript-eslint/no-floating-promises -- the sync framework returns values, not promises (the handle is typed as the driver's)
    client.close();
    await rotor.close();
  }
});

test("works inside the user's own worker thread", async () => {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.entry).then(({ MongoClient, closeSharedPool }) => {
      const client = new MongoClient(workerData.uri);
      const coll = client.db(workerData.db).collection('t');
      coll.insertMany([{ a: 1 }, { a: 2 }]);
      const seen = [];
      for (const d of coll.find().sort({ a: 1 })) seen.push(d.a);
      client.db(workerData.db).dropDatabase();
      client.close();
      parentPort.postMessage(seen);
      return closeSharedPool();
    });`;
  const worker = new Worker(code, { eval: true, workerData: { entry: new URL('../../lib/sync.js', import.meta.url).href, uri: testUri(), db: dbName('sync_thread') } });
  const seen = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the worker exited with ${code} before answering`)));
  });
  assert.equal(seen, [1, 2]);
  await worker.terminate();
});

test.run();
