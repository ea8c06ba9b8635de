// Interceptors (lib/intercept), on every target: the same interceptors, written with next().then()
// so they run under every framework (the sync one included), observe, change arguments,
// short-circuit and retry; cursors are intercepted at their factory call and at each batch fetch;
// misbehaving interceptors fail their own call only. Expected values come from the bare driver.
import * as assert from 'uvu/assert';
import { AsyncLocalStorage } from 'node:async_hooks';
import { MongoClient as DriverMongoClient } from 'mongodb';
import type { Collection, Document, MongoClient, MongoClientOptions } from 'mongodb';
import { rejection } from '../support/assertions.js';
import { dbName, suite, testUri } from '../support/env.js';
import { targets, type Target } from '../support/targets.js';
import type { Call, Interceptor, Next } from '../../lib/intercept/types.js';
import { InterceptorError } from '../../lib/intercept/types.js';
import { createRotor } from '../../lib/create-rotor.js';

type Client = MongoClient;
const withUse = (target: Target, use: Interceptor[]): Client =>
  new target.rotor.MongoClient(testUri(), { rotor: { use } } as unknown as MongoClientOptions);

/** What the bare driver answers, for the expected values. */
async function bare<T>(run: (client: DriverMongoClient) => Promise<T>): Promise<T> {
  const client = new DriverMongoClient(testUri());
  try {
    return await run(client);
  } finally {
    await client.close();
  }
}

const label = (c: Call): string => `${c.kind} ${c.className}.${c.member}${c.cursor ? `#${c.cursor.fetch}` : ''}`;

for (const target of targets) {
  const test = suite(`interceptors [${target.name}]`);
  const name = dbName(`icpt_${target.name}`);

  /** A client with `use`, its collection `coll` (emptied, then filled with `docs`), closed after `body`. */
  async function withClient(use: Interceptor[], docs: Document[], body: (client: Client, coll: Collection<any>) => Promise<void>): Promise<void> {
    await bare(async (c) => {
      const coll = c.db(name).collection('c');
      await coll.deleteMany({});
      if (docs.length) await coll.insertMany(docs.map((d) => ({ ...d })));
    });
    const client = withUse(target, use);
    try {
      await body(client, client.db(name).collection<any>('c'));
    } finally {
      await client.close();
    }
  }

  test('an interceptor sees every operation by class, member and kind, with names, arguments and the executor; results are unchanged', async () => {
    const seen: Call[] = [];
    const spy: Interceptor = (call, next) => (seen.push(call), next());
    const docs = [{ _id: 1, a: 1 }, { _id: 2, a: 2 }];
    const expected = await bare(async (c) => {
      const coll = c.db(name).collection<any>('bare');
      await coll.deleteMany({});
      await coll.insertMany(docs.map((d) => ({ ...d })));
      return { insert: await coll.insertOne({ _id: 3, a: 3 }), count: await coll.countDocuments({ a: { $gte: 2 } }) };
    });
    await withClient([spy], docs, async (_client, coll) => {
      seen.length = 0;
      const insert = await coll.insertOne({ _id: 3, a: 3 });
      const count = await coll.countDocuments({ a: { $gte: 2 } });
      assert.equal({ insert, count }, expected);
    });
    const ops = seen.map(label);
    assert.equal(ops, ['async Collection.insertOne', 'async Collection.countDocuments', 'async MongoClient.close']);
    const count = seen[1]!;
    assert.is(count.database, name);
    assert.is(count.collection, 'c');
    assert.equal(count.args, [{ a: { $gte: 2 } }]);
    assert.is(count.executor, target.executor);
    assert.is(count.framework, target.framework);
    assert.equal(count.server?.address, new URL(testUri()).hostname);
    assert.ok(Object.isFrozen(count) && Object.isFrozen(count.args), 'the description is read-only');
  });

  test('an interceptor changes the arguments: next(args) runs the call with them', async () => {
    const onlyA2: Interceptor = (call, next) => (call.member === 'countDocuments' ? next([{ a: 2 }]) : next());
    await withClient([onlyA2], [{ a: 1 }, { a: 2 }, { a: 2 }], async (_c, coll) => {
      assert.is(await coll.countDocuments({}), 2);
    });
  });

  test('an interceptor short-circuits with a value (no driver call) or with an error, in the framework’s own way', async () => {
    const inner: string[] = [];
    const answer: Interceptor = (call, next) => (call.member === 'countDocuments' ? 42 : next());
    const refuse: Interceptor = (call, next) => {
      if (call.member === 'deleteMany') throw new Error('refused by the interceptor');
      return next();
    };
    const probe: Interceptor = (call, next) => (inner.push(call.member), next());
    await withClient([answer, refuse, probe], [{ a: 1 }], async (_c, coll) => {
      inner.length = 0;
      assert.is(await coll.countDocuments({}), 42);
      let error: unknown;
      try {
        await coll.deleteMany({ a: 1 });
      } catch (e) {
        error = e;
      }
      assert.is((error as Error | undefined)?.message, 'refused by the interceptor');
      assert.equal(inner, [], 'neither call reached the interceptors inside, nor the driver');
      assert.is(await coll.estimatedDocumentCount(), 1, 'the document is still there');
    });
  });

  if (target.framework !== 'sync') {
    test('a short-circuit with a hand-written thenable (not a Promise) is adopted as a Promise would adopt it', async () => {
      const answer: Interceptor = (call, next) => (call.member === 'estimatedDocumentCount' ? { then: (ok: (v: number) => void) => ok(7) } : next());
      await withClient([answer], [], async (_c, coll) => {
        assert.is(await coll.estimatedDocumentCount(), 7);
      });
    });
  }

  if (target.framework === 'callback') {
    test('callback style: the completion callback gets the interceptor’s result or error, and is not among the arguments', async () => {
      let args: readonly unknown[] = [];
      const use: Interceptor[] = [(call, next) => ((args = call.args), call.member === 'deleteMany' ? Promise.reject(new Error('no')) : next())];
      await withClient(use, [{ a: 1 }], async (_c, coll) => {
        const count = await new Promise((resolve, reject) => (coll.countDocuments as (f: object, cb: (e: Error | null, n?: number) => void) => void)({}, (e, n) => (e ? reject(e) : resolve(n))));
        assert.is(count, 1);
        assert.equal(args, [{}]);
        const error = await new Promise((resolve) => (coll.deleteMany as (f: object, cb: (e: unknown) => void) => void)({}, resolve));
        assert.is((error as Error).message, 'no');
      });
    });
  }

  test('an interceptor retries: next() again after a failure, with other arguments', async () => {
    const attempts: unknown[] = [];
    const retryDuplicate: Interceptor = (call, next) => {
      if (call.member !== 'insertOne') return next();
      return next().then(undefined, (error: { code?: number }) => {
        attempts.push(error.code);
        if (error.code !== 11000) throw error;
        return next([{ ...(call.args[0] as Document), _id: 99 }]);
      });
    };
    await withClient([retryDuplicate], [{ _id: 1 }], async (_c, coll) => {
      const res = await coll.insertOne({ _id: 1, again: true });
      assert.is(res.insertedId, 99);
      assert.equal(attempts, [11000]);
      assert.equal(await coll.findOne({ _id: 99 }), { _id: 99, again: true });
    });
  });

  test('interceptors nest: the rotor’s first is outermost, and each sees the arguments the one outside gave', async () => {
    const order: string[] = [];
    const mark =
      (tag: string, change?: Document): Interceptor =>
      (call, next) => {
        if (call.member !== 'countDocuments') return next();
        order.push(`${tag}:${JSON.stringify(call.args[0])}`);
        return next(change ? [change] : undefined).then((n) => (order.push(`${tag} done`), n));
      };
    await withClient([mark('outer', { a: 1 }), mark('inner')], [{ a: 1 }, { a: 2 }], async (_c, coll) => {
      assert.is(await coll.countDocuments({}), 1);
    });
    assert.equal(order, ['outer:{}', 'inner:{"a":1}', 'inner done', 'outer done']);
  });

  test('cursors: the factory call and each batch fetch are operations of their own (not each document)', async () => {
    const seen: Call[] = [];
    const spy: Interceptor = (call, next) => (seen.push(call), next());
    const docs = [1, 2, 3, 4, 5].map((i) => ({ _id: i }));
    await withClient([spy], docs, async (_c, coll) => {
      seen.length = 0;
      const cursor = coll.find({}, { batchSize: 2, sort: { _id: 1 } });
      const got: unknown[] = [];
      for (let doc = await cursor.next(); doc; doc = await cursor.next()) got.push(doc._id);
      assert.equal(got, [1, 2, 3, 4, 5]);
      assert.equal((await coll.find({}, { sort: { _id: 1 } }).toArray()).length, 5);
    });
    const ops = seen.map(label).filter((l) => !l.includes('close'));
    assert.is(ops[0], 'factory Collection.find');
    const fetches = ops.slice(1, -2);
    // inline: find, getMore, getMore; the pool also asks its worker once more to learn the end.
    assert.ok(fetches.length === 3 || fetches.length === 4, fetches.join(', '));
    fetches.forEach((l, i) => assert.is(l, `async FindCursor.next#${i}`));
    assert.equal(ops.slice(-2), ['factory Collection.find', 'async FindCursor.toArray#0']);
    const first = seen[1]!;
    assert.equal(first.cursor, { origin: 'find', fetch: 0 });
    assert.is(first.collection, 'c');
  });

  test('cursor loops: each batch a for-await (for...of under sync) fetches is one operation', async () => {
    const seen: Call[] = [];
    const spy: Interceptor = (call, next) => (call.cursor ? seen.push(call) : 0, next());
    await withClient([spy], [1, 2, 3].map((i) => ({ _id: i })), async (_c, coll) => {
      let n = 0;
      const cursor = coll.find({}, { batchSize: 2 });
      if (target.framework === 'sync') for (const _doc of cursor as unknown as Iterable<unknown>) n++;
      else for await (const _doc of cursor) n++;
      assert.is(n, 3);
    });
    assert.ok(seen.length >= 2 && seen.length <= 3, seen.map(label).join(', '));
    assert.equal(seen[0]!.cursor, { origin: 'find', fetch: 0 });
    assert.ok(seen.every((c) => c.kind === (target.framework === 'sync' ? 'iterator' : 'async-iterator') && c.member === 'next'));
  });

  test('withSession: the operation is intercepted, and the calls its function makes too', async () => {
    const seen: string[] = [];
    const spy: Interceptor = (call, next) => (seen.push(`${call.className}.${call.member}`), next());
    await withClient([spy], [{ a: 1 }], async (client, coll) => {
      seen.length = 0;
      const n = await client.withSession((session) => coll.countDocuments({}, { session }));
      assert.is(n, 1);
    });
    assert.equal(seen.slice(0, 2), ['MongoClient.withSession', 'Collection.countDocuments']);
  });

  if (target.framework !== 'sync') {
    test('interceptors run in the caller’s async context, and next() keeps it', async () => {
      const store = new AsyncLocalStorage<string>();
      const contexts: Array<string | undefined> = [];
      const spy: Interceptor = (call, next) => {
        if (call.member !== 'countDocuments') return next();
        contexts.push(store.getStore());
        return next().then((v) => (contexts.push(store.getStore()), v));
      };
      await withClient([spy], [], async (_c, coll) => {
        await Promise.all(['r1', 'r2', 'r3'].map((id) => store.run(id, () => coll.countDocuments({}))));
      });
      assert.equal(contexts.sort(), ['r1', 'r1', 'r2', 'r2', 'r3', 'r3']);
    });
  }

  if (target.name === 'promise-inline') {
    test('an error keeps the caller’s frames in its async stack trace, as bare (interceptors await, they do not chain)', async () => {
      const stackHas = async (client: { db(n: string): { collection(c: string): { insertOne(d: object): Promise<unknown> } } }): Promise<boolean> => {
        async function callerFrameForTheStack(): Promise<void> {
          const coll = client.db(name).collection('stack');
          await coll.insertOne({ _id: 1 }).catch(() => undefined);
          await coll.insertOne({ _id: 1 });
        }
        try {
          await callerFrameForTheStack();
        } catch (e) {
          return String((e as Error).stack).includes('callerFrameForTheStack');
        }
        throw new Error('expected a duplicate key error');
      };
      const expected = await bare(stackHas);
      assert.is(expected, true, 'the bare driver keeps it');
      const tracingLike: Interceptor = (_call, next) => (async () => await next())();
      await withClient([(_c, next) => next(), tracingLike], [{ _id: 1 }], async (client) => {
        assert.is(await stackHas(client), expected);
      });
    });
  }

  // --- Bad input: each fails its own call only, clearly, without hanging or leaking.

  test('an interceptor that throws fails that call only; the next call runs', async () => {
    let armed = true;
    const once: Interceptor = (call, next) => {
      if (armed && call.member === 'countDocuments') {
        armed = false;
        throw new TypeError('bug in the interceptor');
      }
      return next();
    };
    await withClient([once], [{ a: 1 }], async (_c, coll) => {
      const error = await rejection(() => coll.countDocuments({}));
      assert.instance(error, TypeError);
      assert.is(error.message, 'bug in the interceptor');
      assert.is(await coll.countDocuments({}), 1);
    });
  });

  test('an interceptor that returns without calling next() and without a result: a clear error, at once', async () => {
    const forgetful: Interceptor = function forgetful(call, next) {
      if (call.member !== 'countDocuments') return next();
      return undefined;
    };
    await withClient([forgetful], [{ a: 1 }], async (_c, coll) => {
      const started = Date.now();
      const error = await rejection(() => coll.countDocuments({}));
      assert.instance(error, InterceptorError);
      assert.match(error.message, /interceptor 'forgetful' returned without calling next\(\) and without a result for Collection\.countDocuments/);
      assert.ok(Date.now() - started < 1000);
      assert.is(await coll.estimatedDocumentCount(), 1);
    });
  });

  test('an interceptor that calls next() a second time after success is refused (a retry is allowed only after a failure)', async () => {
    const twice: Interceptor = (call, next: Next) => (call.member === 'countDocuments' ? next().then(() => next()) : next());
    await withClient([twice], [{ a: 1 }], async (_c, coll) => {
      const error = await rejection(() => coll.countDocuments({}));
      assert.instance(error, InterceptorError);
      assert.match(error.message, /called next\(\) a second time for Collection\.countDocuments after the first had succeeded/);
    });
  });

  if (target.framework !== 'sync') {
    test('an interceptor that calls next() twice at once is refused (the second waits for the first, which succeeded)', async () => {
      const both: Interceptor = (call, next) => (call.member === 'countDocuments' ? Promise.all([next(), next()]) : next());
      await withClient([both], [{ a: 1 }], async (_c, coll) => {
        const error = await rejection(() => coll.countDocuments({}));
        assert.instance(error, InterceptorError);
        assert.match(error.message, /called next\(\) a second time for Collection\.countDocuments after the first had succeeded/);
        assert.is(await coll.estimatedDocumentCount(), 1, 'the client still works');
      });
    });
  } else {
    test('sync framework: an async interceptor is refused when the client is made; a Promise returned fails its call', async () => {
      const asyncOne: Interceptor = async (_call, next) => next();
      assert.throws(() => withUse(target, [asyncOne]), /async function, but the sync framework runs interceptors synchronously/);
      const promising: Interceptor = (call, next) => (call.member === 'countDocuments' ? Promise.resolve(1) : next());
      await withClient([promising], [], async (_c, coll) => {
        const error = await rejection(() => coll.countDocuments({}));
        assert.instance(error, InterceptorError);
        assert.match(error.message, /answered Collection\.countDocuments with a Promise, but this call is synchronous \(the sync framework\)/);
      });
    });
  }

  if (target.executor === 'pool') {
    test('after misbehaving interceptors and a closed client, the pool holds nothing more than before', async () => {
      const rotor = target.rotor as unknown as { poolStats?: () => Promise<{ objects: number; callbacks: number; pending: number }> };
      if (!rotor.poolStats) return;
      const before = await rotor.poolStats();
      const bad: Interceptor = (call, next) => {
        if (call.member === 'countDocuments') return undefined;
        if (call.member === 'deleteMany') throw new Error('no');
        if (call.cursor) return next().then(() => next());
        return next();
      };
      await withClient([bad], [{ a: 1 }], async (client, coll) => {
        await rejection(() => coll.countDocuments({}));
        await rejection(() => coll.deleteMany({ a: 1 }));
        await rejection(() => coll.find({}).toArray());
        await rejection(() => client.withSession(() => coll.countDocuments({})));
      });
      const after = await rotor.poolStats();
      assert.equal({ objects: after.objects, callbacks: after.callbacks, pending: after.pending }, { objects: before.objects, callbacks: before.callbacks, pending: before.pending });
    });
  }

  test.run();
}

const test = suite('interceptors: options');

test('createRotor({ use }) applies to every client; a client’s own use adds interceptors inside the rotor’s', async () => {
  const order: string[] = [];
  const tag =
    (t: string): Interceptor =>
    (call, next) => (call.member === 'countDocuments' && order.push(t), next());
  const rotor = createRotor({ use: [tag('rotor')] });
  const plain = new rotor.MongoClient(testUri()) as unknown as MongoClient;
  const own = new rotor.MongoClient(testUri(), { rotor: { use: [tag('client')] } }) as unknown as MongoClient;
  try {
    await plain.db('x').collection('c').countDocuments({});
    await own.db('x').collection('c').countDocuments({});
  } finally {
    await plain.close();
    await own.close();
  }
  assert.equal(order, ['rotor', 'rotor', 'client']);
});

test('bad use options are refused with what was wrong', () => {
  assert.throws(() => createRotor({ use: 'x' as unknown as Interceptor[] }), /createRotor\(\{ use \}\) must be an array of interceptors/);
  assert.throws(() => createRotor({ use: [null as unknown as Interceptor] }), /use \}\)\[0\] is not a function/);
  const rotor = createRotor();
  assert.throws(() => new rotor.MongoClient(testUri(), { rotor: { use: [1] } }), /MongoClient's \{ rotor: \{ use \} \}\[0\] is not a function/);
});

test('next() with something other than an array is refused', async () => {
  const rotor = createRotor({ use: [(call, next) => (call.member === 'countDocuments' ? (next as (a: unknown) => PromiseLike<unknown>)({ a: 1 }) : next())] });
  const client = new rotor.MongoClient(testUri()) as unknown as MongoClient;
  try {
    const error = await client
      .db('x')
      .collection('c')
      .countDocuments({})
      .then(
        () => undefined,
        (e: Error) => e,
      );
    assert.instance(error, InterceptorError);
    assert.match(String(error?.message), /called next\(\) with object for Collection\.countDocuments: pass an array of arguments/);
  } finally {
    await client.close();
  }
});

test('an async interceptor under the promise framework answers factory calls with next()’s handle', async () => {
  const seen: string[] = [];
  const rotor = createRotor({
    use: [
      async (call, next) => {
        seen.push(`${call.kind} ${call.member}`);
        return await next();
      },
    ],
  });
  const client = new rotor.MongoClient(testUri()) as unknown as MongoClient;
  try {
    const coll = client.db('x').collection('c');
    assert.is(coll.collectionName, 'c');
    assert.equal(await coll.find({ nothing: 1 }).toArray(), []);
  } finally {
    await client.close();
  }
  assert.equal(seen, ['factory db', 'factory collection', 'factory find', 'async toArray', 'async close']);
});

test.run();
