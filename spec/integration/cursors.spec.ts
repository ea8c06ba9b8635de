// Cursors through rotor handles: chaining, iteration styles, rewind/clone/close, explain.
import * as assert from 'uvu/assert';
import * as mongodb from 'mongodb';
import type { Collection, Db, Document } from 'mongodb';
import { dbName, suite, testUri } from '../support/env.js';
import { connectTarget, targets } from '../support/targets.js';

interface Doc extends Document {
  _id: number;
  n: number;
  parity: 'even' | 'odd';
}

const TEN: Doc[] = Array.from({ length: 10 }, (_, i) => ({ _id: i + 1, n: i + 1, parity: (i + 1) % 2 === 0 ? 'even' : 'odd' }));

for (const target of targets) {
  const test = suite(`cursors [${target.name}]`);
  const name = dbName(`cursors_${target.name}`);
  let db: Db;
  let coll: Collection<Doc>;

  connectTarget(test, target, name, async (_c, d) => {
    db = d;
    coll = db.collection<Doc>('ten');
    await coll.insertMany(TEN);
  });

  test('find() returns a FindCursor handle', () => {
    const cursor = coll.find();
    assert.instance(cursor, target.rotor.FindCursor);
    assert.instance(cursor, target.rotor.AbstractCursor);
  });

  test('chaining filter/sort/skip/limit/project/batchSize returns the same handle and applies', async () => {
    const cursor = coll.find();
    const chained = cursor
      .filter({ parity: 'even' })
      .sort({ n: -1 })
      .skip(1)
      .limit(3)
      .project<{ n: number }>({ _id: 0, n: 1 })
      .batchSize(2);
    assert.is(chained, cursor);
    assert.equal(await chained.toArray(), [{ n: 8 }, { n: 6 }, { n: 4 }]);
  });

  test('for await iterates every document across several batches', async () => {
    const seen: number[] = [];
    for await (const doc of coll.find({}, { batchSize: 3 }).sort({ n: 1 })) seen.push(doc.n);
    assert.equal(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  test('breaking out of for await closes the cursor', async () => {
    const cursor = coll.find({}, { batchSize: 2 }).sort({ n: 1 });
    const seen: number[] = [];
    for await (const doc of cursor) {
      seen.push(doc.n);
      if (seen.length === 3) break;
    }
    assert.equal(seen, [1, 2, 3]);
    assert.is(cursor.killed, true, 'the server cursor was not killed after break');
  });

  test('toArray on an empty result', async () => {
    assert.equal(await coll.find({ n: { $gt: 100 } }).toArray(), []);
  });

  test('map transforms documents (and chains on the handle)', async () => {
    const cursor = coll.find({ parity: 'odd' }).sort({ n: 1 });
    const mapped = cursor.map((doc) => doc.n * 10);
    assert.equal(await mapped.toArray(), [10, 30, 50, 70, 90]);
  });

  test('map receives plain documents, not handles', async () => {
    const kinds: string[] = [];
    await coll
      .find({ _id: 1 })
      .map((doc) => {
        kinds.push(Object.prototype.toString.call(doc));
        return doc;
      })
      .toArray();
    assert.equal(kinds, ['[object Object]']);
  });

  test('forEach visits every document', async () => {
    const seen: number[] = [];
    await coll.find({}).sort({ n: 1 }).forEach((doc) => {
      seen.push(doc.n);
    });
    assert.equal(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  test('forEach stops when the iterator returns false', async () => {
    const seen: number[] = [];
    await coll.find({}).sort({ n: 1 }).forEach((doc) => {
      seen.push(doc.n);
      return doc.n < 3;
    });
    assert.equal(seen, [1, 2, 3]);
  });

  test('forEach stopped by false closes the cursor, as the driver\'s for-await does', async () => {
    const cursor = coll.find({}, { batchSize: 2 }).sort({ n: 1 });
    const seen: number[] = [];
    await cursor.forEach((doc) => (seen.push(doc.n), doc.n < 3));
    assert.equal(seen, [1, 2, 3]);
    assert.is(cursor.killed, true, 'the server cursor was left open after forEach stopped');
  });

  test('forEach does not wait for what the iterator returns (a Promise is not false)', async () => {
    const seen: number[] = [];
    // eslint-disable-next-line @typescript-eslint/require-await -- the driver takes the Promise as a value, never awaits it
    const iterator = async (doc: Doc) => (seen.push(doc.n), false);
    await coll.find({}).sort({ n: 1 }).forEach(iterator as unknown as (doc: Doc) => boolean);
    assert.is(seen.length, 10);
  });

  test('forEach(42) fails like the driver, before reading anything: the cursor can still be chained', async () => {
    const outcome = async (cursor: unknown) => {
      let returned: unknown;
      try {
        returned = (cursor as { forEach(iterator: unknown): unknown }).forEach(42);
        await returned;
      } catch (error) {
        const e = error as Error;
        return { settled: returned === undefined ? 'threw' : 'rejected', name: e.name, message: e.message, error };
      }
      return assert.unreachable('forEach(42) did not fail');
    };
    // The bare driver decides without a server (it never connects here).
    const driver = new mongodb.MongoClient(testUri());
    const theirs = await outcome(driver.db(name).collection('ten').find());
    await driver.close();
    const cursor = coll.find({}).sort({ n: 1 });
    const mine = await outcome(cursor);
    assert.equal({ ...mine, error: undefined }, { ...theirs, error: undefined, settled: target.framework === 'sync' ? 'threw' : theirs!.settled });
    assert.instance(mine!.error, target.rotor.MongoInvalidArgumentError);
    // Nothing was read: the cursor is not started, so chaining is still allowed, as on the driver's.
    assert.equal((await cursor.limit(2).toArray()).map((d) => d.n), [1, 2]);
  });

  test('forEach rejects with an error thrown by the iterator', async () => {
    let caught: unknown;
    try {
      await coll.find({}).forEach(() => {
        throw new Error('iterator failed');
      });
    } catch (error) {
      caught = error;
    }
    assert.instance(caught, Error);
    assert.is((caught as Error).message, 'iterator failed');
  });

  test('rewind lets a consumed cursor run again', async () => {
    const cursor = coll.find({ parity: 'even' }).sort({ n: 1 });
    const first = await cursor.toArray();
    assert.is(first.length, 5);
    assert.is(cursor.rewind(), undefined);
    assert.equal(await cursor.toArray(), first);
  });

  test('clone returns an independent cursor with the same query', async () => {
    const cursor = coll.find({ parity: 'odd' }).sort({ n: -1 }).limit(2);
    const copy = cursor.clone();
    assert.is.not(copy, cursor);
    assert.instance(copy, target.rotor.FindCursor);
    assert.equal((await cursor.next())?.n, 9);
    assert.equal((await copy.toArray()).map((d) => d.n), [9, 7]);
    assert.equal((await cursor.next())?.n, 7);
    await cursor.close();
  });

  test('close() before iterating: closed is true and next() returns null', async () => {
    const cursor = coll.find({});
    await cursor.close();
    assert.is(cursor.closed, true);
    assert.is(await cursor.next(), null);
  });

  test('close() mid-iteration kills the server cursor', async () => {
    const cursor = coll.find({}, { batchSize: 2 });
    assert.ok(await cursor.next());
    assert.is(cursor.killed, false);
    await cursor.close();
    assert.is(cursor.killed, true);
  });

  test('[Symbol.asyncDispose]() mid-iteration is close(): the cursor is killed and the next read fails as exhausted', async () => {
    const cursor = coll.find({}, { batchSize: 2 });
    assert.ok(await cursor.next());
    await cursor[Symbol.asyncDispose]();
    assert.is(cursor.killed, true);
    try {
      await cursor.next();
      assert.unreachable('next() after asyncDispose resolved');
    } catch (error) {
      assert.is((error as Error).name, 'MongoCursorExhaustedError');
    }
  });

  test('close() inside a loop ends it where the driver in-process ends it (the pool reads a batch ahead)', async () => {
    type How = 'for await, close awaited' | 'for await, close not awaited' | 'forEach' | 'aborted, then close' | 'break';
    const loop = async (c: Collection<Doc>, batchSize: number, at: number, how: How): Promise<Record<string, unknown>> => {
      const controller = new AbortController();
      const cursor = c.find({}, { batchSize, signal: controller.signal }).sort({ n: 1 });
      const seen: number[] = [];
      const onDoc = async (doc: Doc): Promise<void> => {
        seen.push(doc.n);
        if (seen.length !== at || how === 'break') return;
        if (how === 'aborted, then close') controller.abort();
        const closing = cursor.close() as unknown;
        if (how !== 'for await, close not awaited') await closing;
      };
      let error: string | undefined;
      try {
        if (how === 'forEach') await cursor.forEach((doc) => void onDoc(doc));
        else {
          for await (const doc of cursor) {
            await onDoc(doc);
            if (how === 'break' && seen.length === at) break;
          }
        }
      } catch (thrown) {
        error = (thrown as Error).name;
      }
      await new Promise((resolve) => setTimeout(resolve, 20)); // an unawaited close finishes
      return { seen, error, killed: cursor.killed, buffered: cursor.bufferedCount() };
    };
    const driver = new mongodb.MongoClient(testUri());
    try {
      const theirs = driver.db(name).collection<Doc>('ten');
      // Killed with documents left (also beyond what a read-ahead brought, or an empty last batch), or closed after the server finished.
      const cases = [[2, 1], [2, 3], [2, 5], [3, 8], [3, 9], [20, 4], [1, 10], [10, 3]] as const;
      const hows: How[] = ['for await, close awaited', 'for await, close not awaited', 'forEach', 'aborted, then close', 'break'];
      for (const how of hows) {
        for (const [batchSize, at] of cases) {
          assert.equal(await loop(coll, batchSize, at, how), await loop(theirs, batchSize, at, how), `${how}: batchSize ${batchSize}, close at document ${at}`);
        }
      }
    } finally {
      await driver.close();
    }
  });

  if (target.framework === 'sync') {
    test('sync: close() inside for...of ends the loop as the driver\'s for await', () => {
      const cursor = coll.find({}, { batchSize: 2 }).sort({ n: 1 });
      const seen: number[] = [];
      for (const doc of cursor as unknown as Iterable<Doc>) {
        seen.push(doc.n);
        if (seen.length === 3) void cursor.close();
      }
      assert.equal(seen, [1, 2, 3]);
    });
  }

  test('hasNext/next walk the cursor to exhaustion', async () => {
    const cursor = coll.find({ n: { $lte: 3 } }).sort({ n: 1 }).batchSize(2);
    const seen: number[] = [];
    while (await cursor.hasNext()) {
      const doc = await cursor.next();
      assert.ok(doc);
      seen.push(doc.n);
    }
    assert.equal(seen, [1, 2, 3]);
    assert.is(await cursor.next(), null);
    assert.is(await cursor.hasNext(), false);
  });

  test('tryNext returns documents then null', async () => {
    const cursor = coll.find({ _id: 4 });
    assert.equal(await cursor.tryNext(), { _id: 4, n: 4, parity: 'even' });
    assert.is(await cursor.tryNext(), null);
  });

  test('read-only properties pass through (namespace, closed, bufferedCount)', async () => {
    const cursor = coll.find({}).batchSize(4);
    assert.is(cursor.namespace.db, name);
    assert.is(cursor.namespace.collection, 'ten');
    await cursor.next();
    assert.is(cursor.bufferedCount(), 3);
    await cursor.close();
  });

  test('explain returns the server plan', async () => {
    const plan = await coll.find({ n: 1 }).explain();
    assert.type(plan, 'object');
    assert.ok('queryPlanner' in plan, `explain() output has no queryPlanner: ${Object.keys(plan).join(', ')}`);
  });

  test('limit(0) means no limit', async () => {
    assert.is((await coll.find().limit(0).toArray()).length, 10);
  });

  test('cursor options on find() apply like chaining', async () => {
    const docs = await coll.find({}, { sort: { n: -1 }, limit: 2, projection: { _id: 0, n: 1 } }).toArray();
    assert.equal(docs, [{ n: 10 }, { n: 9 }]);
  });

  test('a cursor stream() yields every document', async () => {
    const stream = coll.find({ parity: 'even' }).sort({ n: 1 }).stream();
    const seen: number[] = [];
    for await (const doc of stream) seen.push((doc as Doc).n);
    assert.equal(seen, [2, 4, 6, 8, 10]);
  });

  test.run();
}
