// The pool executor's own promises: idle workers keep running, the allowlist, lifecycle, faults,
// cancellation, context, and what may not cross. (The integration suite runs in the pool too.)
import * as assert from 'uvu/assert';
import { AsyncLocalStorage } from 'node:async_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as driver from 'mongodb';
import { createRotor } from '../lib/index.js';
import { poolModules } from '../lib/create-rotor.js';
import { WorkerLostError, type PoolExecutor, type RemoteRef } from '../lib/executor/pool/index.js';
import { poolSlots, workerThread } from '../lib/executor/pool/main/internals.js';
import { memberKey } from '../lib/executor/pool/protocol.js';
import { stateOf } from '../lib/proxy/factory.js';
import { runNode } from './support/child.js';
import { dbName, suite, testUri } from './support/env.js';
import { poolRotor, withPoolClient } from './support/pool.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const test = suite('pool executor');

const objects = async (executor: PoolExecutor): Promise<number> => (await executor.stats()).objects;

test('an idle worker keeps running: heartbeats arrive while the main thread sends nothing', () =>
  withPoolClient(async ({ client }) => {
    let beats = 0;
    client.on('serverHeartbeatSucceeded', () => beats++);
    await client.connect();
    const start = beats;
    await new Promise((r) => setTimeout(r, 2_200)); // no command meanwhile
    assert.ok(beats - start >= 2, `only ${beats - start} heartbeats in 2.2 s of idleness`);
  }, { client: { heartbeatFrequencyMS: 500 } }),
);

test('events are forwarded only while the main thread has listeners', () =>
  withPoolClient(async ({ executor, client }) => {
    const forwarders = async (): Promise<number> => (await executor.stats()).forwarders;
    await client.db('admin').command({ ping: 1 });
    assert.is(await forwarders(), 0, 'nothing forwarded without listeners');
    const seen: string[] = [];
    const listener = (e: { commandName: string }): void => void seen.push(e.commandName);
    client.on('commandStarted', listener);
    client.once('commandSucceeded', () => {});
    assert.is(await forwarders(), 2);
    await client.db('admin').command({ ping: 1 });
    assert.ok(seen.includes('ping'));
    assert.is(await forwarders(), 1, 'a once() listener that fired is no longer forwarded');
    client.off('commandStarted', listener);
    assert.is(await forwarders(), 0);
    const before = seen.length;
    await client.db('admin').command({ ping: 1 });
    assert.is(seen.length, before);
  }, { client: { monitorCommands: true } }),
);

test('the worker refuses members outside the registry allowlist', () =>
  withPoolClient(async ({ client }) => {
    const coll = client.db(dbName('pool')).collection('c');
    const ref = stateOf(coll)!.ref as RemoteRef;
    for (const member of ['constructor', '__proto__', 'then', 'toString', 's', 'find' /* a factory, not a command */]) {
      await ref.slot.request({ op: 'invoke', id: ref.id, member, args: [] }).then(
        () => assert.unreachable(`${member} was accepted`),
        (err: Error) => assert.match(err.message, /allowlist/, member),
      );
    }
    assert.throws(() => ref.slot.requestSync({ op: 'read', id: ref.id, member: 'constructor' }), /allowlist/);
    // Symbol members travel by '@@name'; Object.prototype's names stay names.
    assert.is(memberKey('@@asyncIterator'), Symbol.asyncIterator);
    for (const name of ['toString', 'constructor', 'hasOwnProperty', '@@toString']) assert.is(memberKey(name), name);
    assert.throws(() => ref.slot.requestSync({ op: 'construct', id: 999, cls: 'Function' as never, args: [] }), /not an exported class in the registry/);
    // Events are forwarded only for a class whose registry entry adds listeners (a Collection has no on()).
    await ref.slot.request({ op: 'subscribe', id: ref.id, event: 'x' }).then(
      () => assert.unreachable('subscribe on a collection was accepted'),
      (err: Error) => assert.match(err.message, /refused 'subscribe Collection': no member adding listeners/),
    );
    // A batch is read by the registry's cursor roles: a class without them has none to give.
    await ref.slot.request({ op: 'nextBatch', id: ref.id, mode: 'next' }).then(
      () => assert.unreachable('nextBatch on a collection was accepted'),
      (err: Error) => assert.match(err.message, /refused 'next' on Collection: no member has that cursor role/),
    );
  }),
);

test('the worker loads the same driver major as this process', () =>
  withPoolClient(async ({ client }) => {
    await client.db('admin').command({ ping: 1 });
    const ref = stateOf(client)!.ref as RemoteRef;
    const stats = (await ref.slot.request({ op: 'stats' })) as { driver: string };
    assert.is(stats.driver, import.meta.resolve('mongodb'));
  }),
);

test("client.close() empties the worker's handle table; dropped handles are released by GC", () =>
  withPoolClient(async ({ executor, client }) => {
    const coll = client.db(dbName('pool')).collection('c');
    await coll.insertOne({ a: 1 });
    const cursor = coll.find();
    await cursor.next();
    const session = client.startSession();
    await session.endSession();
    assert.ok((await objects(executor)) >= 4);
    // Handles dropped without close: the FinalizationRegistry releases them.
    (() => {
      for (let i = 0; i < 50; i++) client.db('x').collection(`c${i}`);
    })();
    const before = await objects(executor);
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok((await objects(executor)) < before - 40, `released too few: ${before} → ${await objects(executor)}`);
    await coll.drop();
    await client.close();
    assert.is(await objects(executor), 0, 'objects left in the worker after client.close()');
  }),
);

test('client[Symbol.asyncDispose]() releases the client like close() (its registry ClientRole), and the client answers after it as the bare driver does', () =>
  withPoolClient(async ({ executor, client }) => {
    const coll = client.db(dbName('pool')).collection('dispose');
    await coll.findOne({});
    assert.ok((await objects(executor)) >= 3);
    await (client as unknown as { [Symbol.asyncDispose](): Promise<void> })[Symbol.asyncDispose]();
    assert.is(await objects(executor), 0, 'objects left in the worker after asyncDispose');
    const bare = new driver.MongoClient(testUri());
    await bare.db(dbName('pool')).collection('dispose').findOne({});
    await (bare as unknown as { [Symbol.asyncDispose](): Promise<void> })[Symbol.asyncDispose]();
    const outcome = (c: driver.MongoClient): Promise<string> =>
      c.db(dbName('pool')).collection('dispose').findOne({}).then(
        () => 'found',
        (e: Error) => `${e.name}: ${e.message}`,
      );
    assert.is(await outcome(client), await outcome(bare));
    await bare.close();
  }),
);

test('a dead worker rejects pending commands within 1 s; a client without stateful handles carries on', () =>
  withPoolClient(async ({ executor, client }) => {
    const coll = client.db(dbName('pool')).collection('c');
    await coll.insertOne({ a: 1 });
    const pending = coll.insertMany(Array.from({ length: 20_000 }, (_, i) => ({ i, pad: 'x'.repeat(100) })));
    const started = Date.now();
    await workerThread(poolSlots(executor)![0]!)!.terminate();
    await pending.then(
      () => assert.unreachable('an unacknowledged write was reported as done'),
      (err: Error) => {
        assert.instance(err, WorkerLostError);
        assert.ok(Date.now() - started < 1_000, 'took more than 1 s to fail');
      },
    );
    // The respawned worker rebuilds the client, database and collection transparently.
    assert.ok((await coll.countDocuments({})) >= 1);
  }),
);

test('a worker that runs out of memory (resourceLimits) fails the command with the cause; the client carries on', () =>
  withPoolClient(async ({ client }) => {
    const coll = client.db(dbName('pool_oom')).collection('c');
    await coll.findOne({});
    await coll.insertMany(Array.from({ length: 300_000 }, (_, i) => ({ i, pad: 'y'.repeat(200) }))).then(
      () => assert.unreachable('the worker held 300k documents in 48 MB'),
      (err: Error) => {
        assert.instance(err, WorkerLostError);
        assert.match(String((err.cause as Error | undefined)?.message), /memory limit/);
      },
    );
    assert.is(typeof (await coll.countDocuments({})), 'number');
  }, { pool: { resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 } } }),
);

test('a dead worker that held a session makes its client fail with "worker lost"', () =>
  withPoolClient(async ({ executor, client }) => {
    const coll = client.db(dbName('pool')).collection('c');
    await coll.findOne({});
    const session = client.startSession();
    await workerThread(poolSlots(executor)![0]!)!.terminate();
    await new Promise((r) => setTimeout(r, 50));
    await coll.findOne({}).then(
      () => assert.unreachable('a client that lost its session kept working silently'),
      (err: Error) => assert.match(err.message, /lost with its pool worker/),
    );
    void session;
  }, { closeQuietly: true }),
);

test('AbortSignal: an aborted command rejects at once and later commands still complete', () =>
  withPoolClient(async ({ client }) => {
    const coll = client.db(dbName('pool')).collection('c');
    await coll.findOne({}, { signal: AbortSignal.abort() }).then(
      () => assert.unreachable('an aborted signal ran the command'),
      (err: Error) => assert.is(err.name, 'AbortError'),
    );
    const controller = new AbortController();
    const cursorPromise = coll.find({}, { signal: controller.signal }).toArray();
    controller.abort();
    await cursorPromise.then(
      () => {},
      (err: Error) => assert.is(err.name, 'AbortError'),
    );
    assert.ok(Array.isArray(await coll.find({}).toArray()));
  }),
);

test("AsyncLocalStorage: the caller's context is current when the result arrives", () =>
  withPoolClient(async ({ client }) => {
    const als = new AsyncLocalStorage<{ request: number }>();
    const coll = client.db(dbName('pool')).collection('c');
    const seen = await Promise.all(
      [1, 2, 3].map((request) =>
        als.run({ request }, async () => {
          await coll.findOne({});
          return als.getStore()?.request;
        }),
      ),
    );
    assert.equal(seen, [1, 2, 3]);
  }),
);

test('arguments are read as the driver reads them: what BSON leaves out is left out, never a lost worker', () =>
  withPoolClient(async ({ client }) => {
    try {
      const coll = client.db(dbName('pool')).collection('odd');
      class Hidden {
        #secret = 1;
        pub = 2;
        get secret() {
          return this.#secret;
        }
      }
      const docs: Record<string, unknown> = {
        f: { f: () => 1 },
        s: { s: Symbol('x') },
        h: { h: new Hidden() },
        w: { w: new WeakMap() },
        p: { p: Promise.resolve(1) },
        k: { a: 1, [Symbol('k')]: 2 },
        proxy: new Proxy({ b: 2, nested: new Proxy([1, 2], {}) }, {}),
      };
      // The bare driver inserts each of these; what it stores is what the pool must store.
      const expected: Record<string, unknown> = { f: {}, s: {}, h: { h: { pub: 2 } }, w: { w: {} }, p: { p: {} }, k: { a: 1 }, proxy: { b: 2, nested: [1, 2] } };
      for (const [name, doc] of Object.entries(docs)) {
        const { insertedId } = await coll.insertOne(doc as never);
        const { _id, ...stored } = (await coll.findOne({ _id: insertedId }))!;
        assert.equal(stored, expected[name], name);
      }
      const revoked = Proxy.revocable({}, {});
      revoked.revoke();
      await coll.insertOne({ r: revoked.proxy }).then(
        () => assert.unreachable('a revoked Proxy crossed'),
        (err: Error) => {
          assert.instance(err, TypeError);
          assert.not.instance(err, WorkerLostError);
        },
      );
    } finally {
      await client.db(dbName('pool')).collection('odd').drop().catch(() => {});
    }
  }),
);

// Decimal128 is left out here: FerretDB closes the connection on it; spec/pool-codec.spec.ts covers its crossing.
test('BSON types keep their meaning across the worker boundary and back', () =>
  withPoolClient(async ({ client }) => {
    const coll = client.db(dbName('pool')).collection('bson');
    const doc = {
      _id: new driver.ObjectId(),
      long: driver.Long.fromString('9007199254740993'),
      int: new driver.Int32(7),
      double: new driver.Double(2.5),
      bin: new driver.Binary(Buffer.from('abc')),
      ts: new driver.Timestamp({ t: 1, i: 2 }),
      date: new Date('2024-01-02T03:04:05Z'),
      nested: { arr: [new driver.Int32(1), { x: new driver.ObjectId() }] },
    };
    await coll.insertOne(doc);
    const back = await coll.findOne({ _id: doc._id });
    assert.ok(back);
    assert.instance(back._id, driver.ObjectId);
    assert.ok(back._id.equals(doc._id));
    assert.instance(back.long, driver.Long);
    assert.is(back.long.toString(), '9007199254740993');
    assert.instance(back.int, driver.Int32);
    assert.instance(back.double, driver.Double);
    assert.instance(back.bin, driver.Binary);
    assert.instance(back.ts, driver.Timestamp);
    assert.instance(back.date, Date);
    assert.is(back.date.toISOString(), doc.date.toISOString());
    assert.instance(back.nested.arr[1].x, driver.ObjectId);
  }, { client: { promoteValues: false, promoteLongs: false } }),
);

test('test hooks stay off the public objects: no slots on the executor, no thread on a worker slot', async () => {
  const { executor, MongoClient } = poolRotor();
  try {
    const client = new MongoClient(testUri()); // starts a worker, without I/O
    assert.not.ok('slots' in executor);
    assert.equal(Object.getOwnPropertySymbols(executor), []);
    const slot = poolSlots(executor)![0]!;
    assert.not.ok('thread' in slot);
    assert.ok(workerThread(slot)?.threadId, 'reachable through lib/executor/pool/main/internals.ts');
    await client.close();
  } finally {
    await executor.close();
  }
});

test('a per-client option selects the pool: new MongoClient(uri, { rotor: { executor: "pool" } })', async () => {
  const rotor = createRotor();
  const client = new rotor.MongoClient(testUri(), { rotor: { executor: 'pool', workers: 1 } }) as unknown as driver.MongoClient;
  try {
    assert.instance(stateOf(client)!.ref, poolModules().RemoteRef);
    assert.equal((await client.db('admin').command({ ping: 1 })).ok, 1);
  } finally {
    await client.close();
    await ((stateOf(client)!.runtime.executor as unknown as { close(): Promise<void> }).close());
  }
});

test('`node --input-type=module -e` with the pool: its worker does not inherit --input-type (it would fail to load)', async () => {
  const lib = new URL('../lib/index.js', import.meta.url).href;
  const code = `import { createRotor } from '${lib}';
    const { MongoClient } = createRotor({ executor: 'pool' });
    const client = new MongoClient(process.env.MONGODB_URI);
    console.log(JSON.stringify(await client.db('admin').command({ ping: 1 })));
    await client.close();`;
  const run = await runNode(['--input-type=module', '-e', code], { env: { ...process.env, MONGODB_URI: testUri() }, timeoutMS: 30_000, what: 'the -e script' });
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stdout.trim(), '{"ok":1}');
});

test('a number of workers that is not a whole number ≥ 1 is refused, naming it (option, client option, ROTOR_POOL_WORKERS)', async () => {
  for (const workers of [0, -1, 2.5, Number.NaN, '2', Number.POSITIVE_INFINITY]) {
    assert.throws(() => createRotor({ executor: 'pool', workers: workers as number }), (e: Error) => e instanceof TypeError && /pool's workers must be a whole number ≥ 1/.test(e.message), `workers: ${String(workers)}`);
  }
  const rotor = createRotor();
  assert.throws(() => new rotor.MongoClient(testUri(), { rotor: { executor: 'pool', workers: 0 } }), /pool's workers must be a whole number ≥ 1, not 0/);
  for (const value of ['abc', '0', '-1', '1.5']) {
    const code = `import { createRotor } from '${new URL('../lib/index.js', import.meta.url).href}'; try { createRotor({ executor: 'pool' }); console.log('accepted'); } catch (e) { console.log(e.message); }`;
    const run = await runNode(['--input-type=module', '-e', code], { env: { ...process.env, ROTOR_POOL_WORKERS: value }, timeoutMS: 30_000, what: `ROTOR_POOL_WORKERS=${value}` });
    assert.is(run.stdout.trim(), `rotor: ROTOR_POOL_WORKERS='${value}' is not a number of worker threads (a whole number ≥ 1)`, run.stderr);
  }
});

test('commands called in the same tick reach the driver in call order (a tick crosses as one ordered batch)', async () => {
  // One connection, so the driver starts them in the order it was called (with more, checkout
  // races and the driver's own order is not promised either). mongoose's concurrent-save tests lose
  // updates on FerretDB bare too: that is its $push not being atomic across connections, not order.
  const { executor, MongoClient } = poolRotor();
  const client = new MongoClient(testUri(), { monitorCommands: true, maxPoolSize: 1 });
  try {
    const coll = client.db(dbName('pool-order')).collection<{ _id: number; a: number[] }>('c');
    await coll.insertOne({ _id: 1, a: [] });
    const started: number[] = [];
    client.on('commandStarted', (e) => {
      if (e.commandName === 'update') started.push((e.command as { updates: Array<{ u: { $push: { a: number } } }> }).updates[0]!.u.$push.a);
    });
    const calls = Array.from({ length: 20 }, (_, i) => i);
    await Promise.all(calls.map((i) => coll.updateOne({ _id: 1 }, { $push: { a: i } })));
    assert.equal(started, calls);
    assert.equal((await coll.findOne({ _id: 1 }))?.a, calls);
  } finally {
    await client.close();
    await executor.close();
  }
});

test('a client spanning two workers spreads its commands and hears events from both', () =>
  withPoolClient(async ({ executor, client }) => {
    const started: string[] = [];
    client.on('commandStarted', (e) => started.push(e.commandName));
    const coll = client.db(dbName('span')).collection('c');
    await coll.insertOne({ a: 1 });
    for (let i = 0; i < 10; i++) await coll.findOne({});
    assert.is(started.filter((n) => n === 'find').length, 10, 'events from both workers reach the one emitter');
    const counts = await Promise.all(poolSlots(executor)!.map(async (s) => (await s.stats()).objects));
    assert.is(counts.length, 2);
    assert.ok(counts.every((n) => n >= 3), `each worker holds the client, db and collection: ${counts.join(',')}`);
    // A session is pinned: its commands go to its worker.
    await client.withSession(async (session) => {
      for (let i = 0; i < 4; i++) assert.ok(await coll.findOne({}, { session }));
    });
    await client.close();
    assert.equal(await Promise.all(poolSlots(executor)!.map(async (s) => (await s.stats()).objects)), [0, 0], 'objects left after client.close()');
  }, { pool: { workers: 2, span: true }, client: { monitorCommands: true } }),
);

test('a for-await over a cursor gives the event loop a turn at each batch boundary, even with the next batch already read ahead', () =>
  withPoolClient(async ({ client }) => {
    const coll = client.db(dbName('pool_turns')).collection('c');
    await coll.drop().catch(() => {});
    await coll.insertMany(Array.from({ length: 300 }, (_, i) => ({ i })));
    let n = 0;
    let turned = true;
    const missed: number[] = [];
    for await (const doc of coll.find({}, { batchSize: 100, sort: { i: 1 } })) {
      assert.is(doc.i, n);
      if (n % 100 === 0 && !turned) missed.push(n);
      // Ample time for the read-ahead batch to arrive, so the next boundary finds it buffered.
      if (n % 100 === 0) await new Promise((r) => setTimeout(r, 200));
      if (n % 100 === 99) {
        turned = false;
        setImmediate(() => (turned = true));
      }
      n++;
    }
    assert.is(n, 300);
    assert.equal(missed, [], 'batches handed out with no event-loop turn since the last document of the one before');
    await coll.drop();
  }),
);

// The 6.x run maps 'mongodb' to mongodb 6 with an ESM resolve hook: the pool's main-thread modules
// must resolve the driver as the app does (require() of an ES module skips such hooks, and an
// ObjectId then crossed as a class instance's fields: stored as { buffer }). A fresh process: here
// the pool's modules are already loaded through import.
test("ObjectIds written through the pool are ObjectIds on the server, read by the app's driver (a fresh process)", async () => {
  const lib = new URL('../lib/index.js', import.meta.url).href;
  const code = `import { createRotor } from '${lib}';
    import * as driver from 'mongodb';
    const rotor = createRotor({ executor: 'pool' });
    const client = new rotor.MongoClient(process.env.MONGODB_URI);
    const coll = client.db(process.env.DB).collection('c');
    const generated = { a: 2 };
    await coll.insertMany([{ _id: new driver.ObjectId(), a: 1 }, generated]);
    const bare = new driver.MongoClient(process.env.MONGODB_URI);
    const stored = await bare.db(process.env.DB).collection('c').find().sort({ a: 1 }).toArray();
    console.log(JSON.stringify({ oids: stored.map((d) => d._id instanceof driver.ObjectId), same: String(stored[1]._id) === String(generated._id) }));
    await bare.db(process.env.DB).dropDatabase();
    await bare.close();
    await client.close();
    await rotor.close();`;
  const run = await runNode(['--input-type=module', '-e', code], { env: { ...process.env, MONGODB_URI: testUri(), DB: dbName('pool-oid') }, timeoutMS: 30_000, what: 'the ObjectId script' });
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stdout.trim(), '{"oids":[true,true],"same":true}', run.stderr);
});

test.run();
