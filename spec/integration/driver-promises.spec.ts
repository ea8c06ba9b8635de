// Issue #21, "Wrong results" (items 8-12): each case runs on the bare driver and on the target, on
// the same server, and the target must answer as the bare driver does.
import * as assert from 'uvu/assert';
import { inspect } from 'node:util';
import * as driver from 'mongodb';
import type { Collection, Document, MongoClient } from 'mongodb';
import { dbName, suite, testUri } from '../support/env.js';
import { connectTarget, targets } from '../support/targets.js';

const TEN = Array.from({ length: 10 }, (_, i) => ({ _id: i, n: i }));

/** What a call did: its value, or the name of what it threw (non-errors as themselves). */
async function outcome(run: () => unknown): Promise<unknown> {
  try {
    return { value: await run() };
  } catch (error) {
    return error instanceof Error ? { threw: error.name } : { thrownValue: error };
  }
}

class AppError extends Error {
  override name = 'AppError';
}

for (const target of targets) {
  const test = suite(`driver promises [${target.name}]`);
  const name = dbName(`promises_${target.name}`);
  let client: MongoClient;
  let bare: driver.MongoClient;
  let coll: Collection<Document>;
  let bareColl: driver.Collection<Document>;

  connectTarget(test, target, name, async (c, db) => {
    client = c;
    coll = db.collection('ten');
    await coll.insertMany(TEN.map((d) => ({ ...d })) as Document[]);
    bare = new driver.MongoClient(testUri());
    bareColl = bare.db(name).collection('ten');
  });
  test.after(async () => {
    await bare?.close();
  });

  /** The same scenario on the bare driver and on the target: the target's outcome must be the driver's. */
  async function same(scenario: (c: Collection<Document>, cl: MongoClient) => unknown): Promise<unknown> {
    const expected = await outcome(() => scenario(bareColl, bare));
    const actual = await outcome(() => scenario(coll, client));
    assert.equal(actual, expected);
    return actual;
  }

  test('8. rewind() after partial iteration (read-ahead in flight) restarts at the first document, as bare', async () => {
    await same(async (c) => {
      const cursor = c.find({}, { batchSize: 2 }).sort({ _id: 1 });
      await cursor.hasNext();
      cursor.rewind();
      return (await cursor.toArray()).map((d) => d._id);
    });
    await same(async (c) => {
      const cursor = c.find({}, { batchSize: 2 }).sort({ _id: 1 });
      await cursor.next();
      await cursor.next();
      await cursor.next();
      cursor.rewind();
      return [(await cursor.next())?._id, (await cursor.toArray()).length];
    });
  });

  test('9. a closed cursor answers as the driver: next() throws, toArray() is [], hasNext() false; buffered documents of an exhausted one stay', async () => {
    const killed = await same(async (c) => {
      const cursor = c.find({}, { batchSize: 2 }).sort({ _id: 1 });
      await cursor.next();
      await cursor.close();
      return [await outcome(() => cursor.hasNext()), await outcome(() => cursor.next()), await outcome(() => cursor.toArray()), cursor.closed, cursor.killed];
    });
    assert.equal((killed as { value: unknown[] }).value[1], { threw: 'MongoCursorExhaustedError' });
    await same(async (c) => {
      const cursor = c.find({}, { batchSize: 2 }).sort({ _id: 1 });
      await cursor.next();
      await cursor.close();
      const docs: unknown[] = [];
      for await (const d of cursor) docs.push(d);
      return docs;
    });
    await same(async (c) => {
      // Exhausted on the server (one batch holds all): close() kills nothing, the buffer stays readable.
      const cursor = c.find({}, { batchSize: 100 }).sort({ _id: 1 });
      await cursor.next();
      await cursor.close();
      return [(await cursor.next())?._id, (await cursor.toArray()).length];
    });
  });

  test('9. map() after the cursor started is refused (MongoCursorInUseError), as bare; before, and after rewind(), accepted', async () => {
    const refused = await same(async (c) => {
      const cursor = c.find({}, { batchSize: 2 });
      await cursor.next();
      try {
        cursor.map((d) => d);
        return 'accepted';
      } finally {
        await cursor.close();
      }
    });
    assert.equal(refused, { threw: 'MongoCursorInUseError' });
    await same(async (c) => {
      const cursor = c.find({}, { batchSize: 2 }).sort({ _id: 1 });
      await cursor.next();
      cursor.rewind();
      return (await cursor.map((d) => (d._id as unknown as number) * 10).toArray()).slice(0, 3);
    });
  });

  test('10. what a withSession / withTransaction function throws is what the caller gets: the same object, strings and numbers as themselves', async () => {
    const thrown = [new AppError('app'), 'a string', 42, { code: 7 }];
    for (const value of thrown) {
      for (const run of [
        (cl: MongoClient) =>
          cl.withSession(() => {
            // eslint-disable-next-line @typescript-eslint/only-throw-error -- non-errors are part of the case
            throw value;
          }),
        (cl: MongoClient) =>
          cl.withSession((s) =>
            s.withTransaction(() => {
              // eslint-disable-next-line @typescript-eslint/only-throw-error -- non-errors are part of the case
              throw value;
            }),
          ),
      ]) {
        let bareGot: unknown;
        await Promise.resolve(run(bare)).catch((e: unknown) => (bareGot = e));
        assert.is(bareGot, value, 'the bare driver hands back the same value');
        let got: unknown = 'resolved';
        try {
          await run(client);
        } catch (e) {
          got = e;
        }
        assert.is(got, value, `${target.name}: ${inspect(value)}`);
      }
    }
    assert.ok(thrown[0] instanceof AppError);
  });

  test('11. an already-aborted signal: find() returns a cursor whose reads reject with the reason, as bare', async () => {
    const controller = new AbortController();
    controller.abort();
    const made = await same((c) => {
      const cursor = c.find({}, { signal: controller.signal });
      return typeof cursor.toArray;
    });
    assert.equal(made, { value: 'function' });
    await same(async (c) => {
      const cursor = c.find({}, { signal: controller.signal });
      try {
        await cursor.toArray();
        return 'resolved';
      } catch (e) {
        return e === controller.signal.reason;
      }
    });
  });

  test('11. abort() mid for-await: no further (buffered) document is yielded, as bare', async () => {
    const counted = await same(async (c) => {
      const controller = new AbortController();
      let n = 0;
      try {
        for await (const _ of c.find({}, { batchSize: 5, signal: controller.signal })) {
          n++;
          if (n === 2) controller.abort();
        }
      } catch (e) {
        return [n, (e as Error).name];
      }
      return [n, 'done'];
    });
    assert.equal(counted, { value: [2, 'AbortError'] });
  });

  // The pool reads a call's AbortSignal only from the member's options argument (the registry's
  // optionsAt, from the driver's declarations): an AbortSignal in a document or a filter is data,
  // serialized as the driver serializes it (an empty document), and aborts nothing.
  test('11. a `signal` field in a document or a filter is data, as bare: an aborted one aborts nothing', async () => {
    const aborted = AbortSignal.abort();
    const live = new AbortController().signal;
    /** Inserts with `insert` into an empty 'signal' set: what it answered, and what was stored. */
    const inserting = (insert: (c: Collection<Document>) => Promise<unknown>) => async (c: Collection<Document>) => {
      await c.deleteMany({ tag: 'signal' });
      const answered = await insert(c);
      return [answered, await c.find({ tag: 'signal' }, { projection: { _id: 0, n: 1, signal: 1 } }).sort({ n: 1 }).toArray()];
    };
    await same(inserting(async (c) => (await c.insertOne({ tag: 'signal', n: 1, signal: aborted })).acknowledged));
    // A null `signal` in the document stays null when the options carry one (the pool's stand-in goes in the options only).
    await same(inserting(async (c) => (await c.insertOne({ tag: 'signal', n: 2, signal: null }, { signal: live } as never)).acknowledged));
    await same(inserting(async (c) => (await c.insertMany([{ tag: 'signal', n: 3, signal: aborted }], { signal: live } as never)).insertedCount));
    // Filters holding one: read by both from the same documents.
    await bareColl.insertMany([1, 2, 3].map((n) => ({ tag: 'signal', n, signal: n === 2 ? null : {} })));
    await same(async (c) => (await c.find({ tag: 'signal', signal: aborted }).sort({ n: 1 }).toArray()).map((d) => d.n));
    await same(async (c) => (await c.findOne({ tag: 'signal', signal: aborted, n: 3 }))?.n);
    await same((c) => c.countDocuments({ tag: 'signal', signal: null }));
    await same(async (c) => (await c.aggregate([{ $match: { tag: 'signal', signal: { $eq: null } } }]).toArray()).map((d) => d.n));
    await same(async (c) => (await c.updateOne({ tag: 'signal', n: 3, signal: aborted }, { $inc: { m: 1 } })).modifiedCount);
    // The options' signal is still the one that aborts.
    assert.equal(await same((c) => c.find({ tag: 'signal', signal: live }, { signal: aborted }).toArray()), { threw: 'AbortError' });
    await bareColl.deleteMany({ tag: 'signal' });
  });

  test("11. the options' signal aborts find, findOne, aggregate and countDocuments, as bare", async () => {
    const aborted = AbortSignal.abort();
    const results = [
      await same((c) => c.find({}, { signal: aborted }).toArray()),
      await same((c) => c.findOne({ n: 1 }, { signal: aborted })),
      await same((c) => c.aggregate([{ $match: {} }], { signal: aborted }).toArray()),
      await same((c) => c.countDocuments({}, { signal: aborted })),
      await same((c) => c.countDocuments({}, { signal: new AbortController().signal })),
    ];
    assert.equal(results, [...Array<unknown>(4).fill({ threw: 'AbortError' }), { value: 10 }]);
  });

  test('12. _id write-back: set at call time, `_id: null` replaced, after a failed unordered insertMany, and by bulk.insert()', async () => {
    const ids = await same(async (c) => {
      await c.deleteMany({ tag: 'ids' });
      const one: Document = { tag: 'ids' };
      const pending = c.insertOne(one);
      const atCall = one._id instanceof driver.ObjectId || (one._id as { _bsontype?: string })?._bsontype === 'ObjectId';
      await pending;
      const nulled: Document = { _id: null, tag: 'ids' };
      await c.insertOne(nulled);
      const docs: Document[] = [{ _id: 0 }, { tag: 'ids' }, { tag: 'ids' }];
      const failed = await outcome(() => c.insertMany(docs, { ordered: false }));
      const bulkDoc: Document = { tag: 'ids' };
      const bulk = c.initializeUnorderedBulkOp();
      bulk.insert(bulkDoc);
      const bulkAtCall = bulkDoc._id != null;
      await bulk.execute();
      const stored = await c.countDocuments({ tag: 'ids' });
      return { atCall, nulled: nulled._id !== null, failed: (failed as { threw?: string }).threw, afterFailure: docs.map((d) => d._id != null), bulkAtCall, stored };
    });
    assert.equal(ids, { value: { atCall: true, nulled: true, failed: 'MongoBulkWriteError', afterFailure: [true, true, true], bulkAtCall: true, stored: 5 } });
  });

  // Item 7's last part (rule 1): the driver emits commandStarted before writing the command, and a
  // listener's throw aborts it; the pool's worker waits in that emit for the main thread's listener.
  test('7. a commandStarted listener that throws on an insert: the caller gets its very error and the server holds nothing, as bare', async () => {
    const scenario = async (MongoClient: typeof driver.MongoClient): Promise<unknown> => {
      const c = new MongoClient(testUri(), { monitorCommands: true });
      try {
        const vetoed = c.db(name).collection('vetoed');
        const thrown = new AppError('veto');
        let armed = true;
        c.on('commandStarted', (e) => {
          if (armed && e.commandName === 'insert') throw thrown;
        });
        const got = await outcome(() => vetoed.insertOne({ a: 1 }));
        let same = false;
        try {
          await vetoed.insertOne({ a: 2 });
        } catch (error) {
          same = error === thrown;
        }
        // One more insert through the same client, let through: once it is stored, a vetoed one
        // that had been sent anyway (before the listener ran) would be stored too.
        armed = false;
        await vetoed.insertOne({ a: 3 });
        return { got, same, stored: (await bare.db(name).collection('vetoed').find({}, { projection: { _id: 0 } }).toArray()) as unknown };
      } finally {
        await c.close();
      }
    };
    const expected = await scenario(driver.MongoClient);
    await bare.db(name).collection('vetoed').deleteMany({});
    assert.equal(expected, { got: { threw: 'AppError' }, same: true, stored: [{ a: 3 }] });
    assert.equal(await scenario(target.rotor.MongoClient), expected);
    await bare.db(name).collection('vetoed').drop();
  });

  // The client-level bulkWrite (driver 6.10+) builds its batch, and calls the client's pkFactory,
  // after its first await. FerretDB has no `bulkWrite` command: both reject from the server once the
  // batch was built and sent, so what is compared is the ids and the pkFactory's calls
  // (spec/pool-client-bulkwrite.spec.ts checks the write where the server takes the command).
  const clientBulkWrite = typeof (driver.MongoClient.prototype as { bulkWrite?: unknown }).bulkWrite === 'function';
  test("12. client bulkWrite: insertOne models get the client pkFactory's ids as the driver gives them (after the call, `_id ?? createPk()`, called on the factory)", async () => {
    if (!clientBulkWrite) return;
    const scenario = async (MongoClient: typeof driver.MongoClient, blocking: boolean): Promise<unknown> => {
      const calls: boolean[] = [];
      let n = 0;
      const pkFactory = {
        createPk(this: unknown): string {
          calls.push(this === pkFactory);
          return `pk-${++n}`;
        },
      };
      const c = new MongoClient(testUri(), { pkFactory });
      try {
        const docs: Document[] = [{ a: 1 }, { _id: null, a: 2 }, { _id: 'own', a: 3 }];
        const models = docs.map((document) => ({ name: 'insertOne' as const, namespace: `${name}.client_bulk`, document }));
        let rightAfter: unknown = 'not observable';
        const settled = outcome(() => {
          const call = c.bulkWrite(models);
          // A sync target's call has settled already; the others are read before it did.
          if (!blocking) rightAfter = docs.map((d) => d._id ?? String(d._id));
          return call;
        });
        await settled;
        return { rightAfter, ids: docs.map((d) => d._id as unknown), calls };
      } finally {
        await c.close();
      }
    };
    const expected = (await scenario(driver.MongoClient, false)) as { rightAfter: unknown };
    const actual = await scenario(target.rotor.MongoClient, target.framework === 'sync');
    assert.equal(actual, target.framework === 'sync' ? { ...expected, rightAfter: 'not observable' } : expected);
    assert.equal(expected, { rightAfter: ['undefined', 'null', 'own'], ids: ['pk-1', 'pk-2', 'own'], calls: [true, true] });
  });

  test.run();
}
