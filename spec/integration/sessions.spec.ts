// Sessions through rotor handles: startSession/endSession, withSession (the session handed to the
// user function is itself a handle), sessions passed in options, and transactions / change streams
// when the server supports them (a replica set or mongos), else skipped with the reason.
import * as assert from 'uvu/assert';
import { MongoClient as DriverMongoClient } from 'mongodb';
import type { ClientSession, Collection, CommandStartedEvent, Db, Document, MongoClient } from 'mongodb';
import { dbName, suite, testUri, type Suite } from '../support/env.js';
import { connectTarget, targets, type Target } from '../support/targets.js';

/** Test documents use plain `_id` values (numbers, strings), not only ObjectIds. */
interface Doc extends Document {
  _id?: number | string;
}

/** What the run's server supports, from its `hello` reply (asked once, with the bare driver). */
async function serverSupport(): Promise<{ transactions: boolean; changeStreams: boolean; why: string }> {
  const probe = new DriverMongoClient(testUri());
  try {
    const hello = await probe.db('admin').command({ hello: 1 });
    const replicaSet = typeof hello.setName === 'string';
    const mongos = hello.msg === 'isdbgrid';
    const ok = replicaSet || mongos;
    const why = ok ? '' : 'the server is not a replica set or mongos (its hello reply has no setName)';
    return { transactions: ok, changeStreams: ok, why };
  } finally {
    await probe.close();
  }
}

const support = await serverSupport();

/** Hex of a session id's Binary (`lsid.id`), so ids from events and sessions compare by value. */
function hex(binary: unknown): string {
  return (binary as { toString(encoding: 'hex'): string }).toString('hex');
}

/**
 * These bodies hand withSession/withTransaction an async function. Under the sync framework the
 * function must be synchronous (the thread is blocked until withSession returns, so its Promise
 * could never settle): sync-framework.spec.ts runs the same checks with synchronous functions.
 */
function syncSkip(test: Suite<Record<string, never>>, target: Target, name: string): void {
  if (target.framework === 'sync') test.skip(name, 'its user function is async; the sync framework takes synchronous ones (covered in sync-framework.spec.ts)');
}

for (const target of targets) {
  const test = suite(`sessions [${target.name}]`);
  const name = dbName(`sessions_${target.name}`);
  let client: MongoClient;
  let db: Db;

  connectTarget(test, target, name, (c, d) => {
    client = c;
    db = d;
  });

  test('startSession returns a ClientSession handle; endSession ends it', async () => {
    const session = client.startSession();
    assert.instance(session, target.rotor.ClientSession);
    assert.is(session.hasEnded, false);
    assert.ok(session.id, 'session.id is readable');
    await session.endSession();
    assert.is(session.hasEnded, true);
  });

  syncSkip(test, target, 'withSession hands the user function a ClientSession handle and resolves to its result');
  if (target.framework !== 'sync') test('withSession hands the user function a ClientSession handle and resolves to its result', async () => {
    let seen: ClientSession | undefined;
    const result = await client.withSession(async (s) => {
      seen = s;
      assert.ok(s instanceof target.rotor.ClientSession, 'the session given to withSession is not a rotor handle');
      assert.is(s.hasEnded, false);
      await db.collection<Doc>('with_session').insertOne({ _id: 1 }, { session: s });
      return 'done';
    });
    assert.is(result, 'done');
    assert.ok(seen);
    assert.is(seen.hasEnded, true, 'withSession ends the session after the function settles');
    assert.equal(await db.collection<Doc>('with_session').findOne({ _id: 1 }), { _id: 1 });
  });

  syncSkip(test, target, 'withSession with options as the first argument');
  if (target.framework !== 'sync') test('withSession with options as the first argument', async () => {
    // eslint-disable-next-line @typescript-eslint/require-await -- withSession takes a promise-returning function
    const result = await client.withSession({ causalConsistency: true }, async (s) => {
      assert.ok(s instanceof target.rotor.ClientSession);
      return s.supports.causalConsistency;
    });
    assert.is(result, true);
  });

  syncSkip(test, target, 'withSession rejects with the error the user function throws');
  if (target.framework !== 'sync') test('withSession rejects with the error the user function throws', async () => {
    let caught: unknown;
    try {
      // eslint-disable-next-line @typescript-eslint/require-await -- a user's async function that throws (the case under test)
      await client.withSession(async () => {
        throw new Error('inside withSession');
      });
    } catch (error) {
      caught = error;
    }
    assert.instance(caught, Error);
    assert.is((caught as Error).message, 'inside withSession');
  });

  test('a session passed in options works for insertOne, find and findOne', async () => {
    const coll = db.collection<Doc>('options_session');
    const session = client.startSession();
    try {
      await coll.insertOne({ _id: 1, v: 'a' }, { session });
      await coll.insertMany([{ _id: 2 }, { _id: 3 }], { session });
      assert.equal(await coll.find({}, { session }).sort({ _id: 1 }).toArray(), [{ _id: 1, v: 'a' }, { _id: 2 }, { _id: 3 }]);
      assert.equal(await coll.findOne({ _id: 1 }, { session }), { _id: 1, v: 'a' });
      assert.is(await coll.countDocuments({}, { session }), 3);
    } finally {
      await session.endSession();
    }
  });

  test('the session handle is unwrapped: commands carry its lsid', async () => {
    const monitored = new target.rotor.MongoClient(testUri(), { monitorCommands: true });
    const started: CommandStartedEvent[] = [];
    monitored.on('commandStarted', (event) => started.push(event));
    const session = monitored.startSession();
    try {
      const coll: Collection<Doc> = monitored.db(name).collection<Doc>('lsid');
      await coll.insertOne({ _id: 1 }, { session });
      await coll.find({}, { session }).toArray();
      const ours = started.filter((e) => e.commandName === 'insert' || e.commandName === 'find');
      assert.equal(
        ours.map((e) => e.commandName),
        ['insert', 'find'],
      );
      const sessionId = session.id;
      assert.ok(sessionId);
      for (const event of ours) {
        const lsid = event.command.lsid as { id: unknown } | undefined;
        assert.ok(lsid, `${event.commandName} was sent without an lsid`);
        assert.is(hex(lsid.id), hex(sessionId.id), `${event.commandName} carried another session's lsid`);
      }
    } finally {
      await session.endSession();
      await monitored.close();
    }
  });

  test('a cursor made with a session keeps using it (getMore carries the lsid)', async () => {
    const monitored = new target.rotor.MongoClient(testUri(), { monitorCommands: true });
    const started: CommandStartedEvent[] = [];
    monitored.on('commandStarted', (event) => started.push(event));
    const session = monitored.startSession();
    try {
      const coll = monitored.db(name).collection<Doc>('getmore_session');
      await coll.insertMany(Array.from({ length: 5 }, (_, i) => ({ _id: i })));
      const docs = await coll.find({}, { session, batchSize: 2 }).toArray();
      assert.is(docs.length, 5);
      const getMores = started.filter((e) => e.commandName === 'getMore');
      assert.ok(getMores.length >= 1, 'expected at least one getMore with batchSize 2 over 5 documents');
      for (const event of getMores) {
        const lsid = event.command.lsid as { id: unknown } | undefined;
        assert.ok(lsid, 'getMore was sent without an lsid');
        assert.is(hex(lsid.id), hex(session.id!.id));
      }
    } finally {
      await session.endSession();
      await monitored.close();
    }
  });

  if (support.transactions) {
    syncSkip(test, target, 'withTransaction commits, and hands the function a ClientSession handle');
    if (target.framework !== 'sync') test('withTransaction commits, and hands the function a ClientSession handle', async () => {
      const coll = db.collection<Doc>('txn_commit');
      await coll.insertOne({ _id: 0 }); // create the collection outside the transaction
      const session = client.startSession();
      try {
        await session.withTransaction(async (s) => {
          assert.ok(s instanceof target.rotor.ClientSession, 'the session given to withTransaction is not a rotor handle');
          await coll.insertOne({ _id: 1 }, { session: s });
          await coll.insertOne({ _id: 2 }, { session: s });
        });
      } finally {
        await session.endSession();
      }
      assert.is(await coll.countDocuments({ _id: { $in: [1, 2] } }), 2);
    });

    test('startTransaction/abortTransaction discards the writes', async () => {
      const coll = db.collection<Doc>('txn_abort');
      await coll.insertOne({ _id: 0 });
      const session = client.startSession();
      try {
        session.startTransaction();
        assert.is(session.inTransaction(), true);
        await coll.insertOne({ _id: 1 }, { session });
        assert.equal(await coll.findOne({ _id: 1 }, { session }), { _id: 1 });
        await session.abortTransaction();
        assert.is(session.inTransaction(), false);
      } finally {
        await session.endSession();
      }
      assert.is(await coll.findOne({ _id: 1 }), null);
    });

    test('startTransaction/commitTransaction makes the writes visible', async () => {
      const coll = db.collection<Doc>('txn_manual_commit');
      await coll.insertOne({ _id: 0 });
      const session = client.startSession();
      try {
        session.startTransaction();
        await coll.insertOne({ _id: 1 }, { session });
        assert.is(await coll.findOne({ _id: 1 }), null, 'an uncommitted write is visible outside the transaction');
        await session.commitTransaction();
      } finally {
        await session.endSession();
      }
      assert.equal(await coll.findOne({ _id: 1 }), { _id: 1 });
    });
  } else {
    test.skip('withTransaction commits, and hands the function a ClientSession handle', `transactions unsupported: ${support.why}`);
    test.skip('startTransaction/abortTransaction discards the writes', `transactions unsupported: ${support.why}`);
    test.skip('startTransaction/commitTransaction makes the writes visible', `transactions unsupported: ${support.why}`);

    test('on a server without transactions, a transaction rejects with a MongoError (no hang)', async () => {
      const coll = db.collection<Doc>('txn_unsupported');
      const session = client.startSession();
      let caught: unknown;
      try {
        session.startTransaction();
        await coll.insertOne({ _id: 1 }, { session });
        await session.commitTransaction();
      } catch (error) {
        caught = error;
      } finally {
        if (session.inTransaction()) {
          try {
            await session.abortTransaction();
          } catch {
            // the server cannot abort what it never started
          }
        }
        await session.endSession();
      }
      assert.instance(caught, target.rotor.MongoError);
    });
  }

  if (support.changeStreams) {
    test('watch() returns a ChangeStream handle that delivers an insert', async () => {
      const coll = db.collection<Doc>('watched');
      await coll.insertOne({ _id: 'before' }); // create the collection first
      const stream = coll.watch();
      assert.instance(stream, target.rotor.ChangeStream);
      try {
        // tryNext opens the server-side cursor: changes from here on are delivered, earlier ones not.
        assert.is(await stream.tryNext(), null);
        await coll.insertOne({ _id: 'after' });
        const change = await stream.next();
        assert.is(change.operationType, 'insert');
        assert.equal((change as { documentKey?: unknown }).documentKey, { _id: 'after' });
      } finally {
        await stream.close();
      }
      assert.is(stream.closed, true);
    });

    test('a change stream iterates with for await', async () => {
      const coll = db.collection<Doc>('watched_for_await');
      await coll.insertOne({ _id: 0 });
      const stream = coll.watch([{ $match: { operationType: 'insert' } }]);
      try {
        assert.is(await stream.tryNext(), null);
        await coll.insertMany([{ _id: 1 }, { _id: 2 }]);
        const ids: unknown[] = [];
        for await (const change of stream) {
          ids.push((change as { documentKey: { _id: unknown } }).documentKey._id);
          if (ids.length === 2) break;
        }
        assert.equal(ids, [1, 2]);
      } finally {
        await stream.close();
      }
    });
  } else {
    test.skip('watch() returns a ChangeStream handle that delivers an insert', `change streams unsupported: ${support.why}`);
    test.skip('a change stream iterates with for await', `change streams unsupported: ${support.why}`);

    test('on a server without change streams, watch() rejects with a MongoError on first use', async () => {
      const stream = db.collection<Doc>('unwatchable').watch();
      assert.instance(stream, target.rotor.ChangeStream);
      let caught: unknown;
      try {
        await stream.tryNext();
      } catch (error) {
        caught = error;
      } finally {
        await stream.close();
      }
      assert.instance(caught, target.rotor.MongoError);
    });
  }

  test.run();
}
