// README § Interceptors › Recipes, each on every target: slow-operation log, safety belt, retry of
// labeled errors, per-request comment from the caller's AsyncLocalStorage.
import * as assert from 'uvu/assert';
import { MongoClient as DriverMongoClient, MongoNetworkError, MongoServerError } from 'mongodb';
import type { Collection, CommandStartedEvent, MongoClient, MongoClientOptions } from 'mongodb';
import { rejection } from '../support/assertions.js';
import { dbName, suite, testUri } from '../support/env.js';
import { targets } from '../support/targets.js';
import type { Interceptor } from '../../lib/intercept/types.js';
import { allowEmptyFilter, requestComment, requestContext, retryLabeled, safetyBelt, slowLog } from '../support/recipes.js';

async function seed(name: string, docs: object[]): Promise<void> {
  const client = new DriverMongoClient(testUri());
  try {
    const coll = client.db(name).collection('c');
    await coll.deleteMany({});
    if (docs.length) await coll.insertMany(docs.map((d) => ({ ...d })));
  } finally {
    await client.close();
  }
}

async function documents(name: string): Promise<number> {
  const client = new DriverMongoClient(testUri());
  try {
    return await client.db(name).collection('c').countDocuments({});
  } finally {
    await client.close();
  }
}

for (const target of targets) {
  const test = suite(`recipes [${target.name}]`);
  const name = dbName(`recipes_${target.name}`);

  async function withClient(use: Interceptor[], docs: object[], body: (coll: Collection<any>, client: MongoClient) => Promise<void>, options: object = {}): Promise<void> {
    await seed(name, docs);
    const client = new target.rotor.MongoClient(testUri(), { ...options, rotor: { use } } as unknown as MongoClientOptions);
    try {
      await body(client.db(name).collection<any>('c'), client);
    } finally {
      await client.close();
    }
  }

  test('slow-operation log: operations at or over the threshold are logged, by their logical name', async () => {
    const lines: string[] = [];
    await withClient([slowLog(0, (l) => lines.push(l)), slowLog(60_000, (l) => lines.push(`never: ${l}`))], [{ a: 1 }], async (coll) => {
      await coll.countDocuments({});
      await coll.find({}).toArray();
    });
    assert.equal(
      lines.filter((l) => !l.includes('MongoClient.close')).map((l) => l.replace(/took .*/, '')),
      [`slow: Collection.countDocuments on ${name}.c `, `slow: FindCursor.toArray on ${name}.c `],
    );
  });

  test('safety belt: deleteMany({}) and updateMany({}, …) are refused unless allowed; filtered ones run', async () => {
    await withClient([safetyBelt], [{ a: 1 }, { a: 2 }], async (coll) => {
      assert.match((await rejection(() => coll.deleteMany({}))).message, /safety belt: deleteMany with an empty filter on .*\.c would touch every document/);
      assert.match((await rejection(() => coll.updateMany({}, { $set: { b: 1 } }))).message, /safety belt: updateMany/);
      assert.is(await documents(name), 2);
      assert.is((await coll.countDocuments({ b: 1 })), 0, 'nothing was updated');
      assert.is((await coll.deleteMany({ a: 1 })).deletedCount, 1);
      const all = await allowEmptyFilter(() => coll.deleteMany({}));
      assert.is(all.deletedCount, 1);
    });
    assert.is(await documents(name), 0);
  });

  test('retry: an error labeled RetryableWriteError / TransientTransactionError runs the operation again; others fail at once', async () => {
    // The server here (a standalone) never labels errors: a stand-in layer fails the first attempt
    // with a labeled network error, as the driver labels them, before the call reaches the driver.
    let attempts = 0;
    let unlabeled = false;
    const flaky: Interceptor = (call, next) => {
      if (call.member !== 'insertOne') return next();
      attempts++;
      if (unlabeled) throw new MongoServerError({ message: 'not retryable', code: 2 });
      if (attempts === 1) {
        const error = new MongoNetworkError('connection reset (stand-in)');
        error.addErrorLabel('RetryableWriteError');
        throw error;
      }
      return next();
    };
    await withClient([retryLabeled(2), flaky], [], async (coll) => {
      const res = await coll.insertOne({ _id: 1 });
      assert.is(res.insertedId, 1);
      assert.is(attempts, 2);
      unlabeled = true;
      attempts = 0;
      const error = await rejection(() => coll.insertOne({ _id: 2 }));
      assert.is(error.message, 'not retryable');
      assert.is(attempts, 1);
    });
    assert.is(await documents(name), 1, 'the retried write happened once');
  });

  test('per-request metadata: the request id of the caller’s AsyncLocalStorage goes out as the command’s comment', async () => {
    const comments: Record<string, unknown> = {};
    await withClient(
      [requestComment],
      [{ a: 1 }],
      async (coll, client) => {
        client.on('commandStarted', (e: CommandStartedEvent) => {
          if (e.commandName !== 'endSessions') comments[`${e.commandName} ${String(e.command.comment ?? '')}`] = e.command.comment;
        });
        const request = (id: string) =>
          requestContext.run({ requestId: id }, async () => {
            await coll.find({ a: 1 }).toArray();
            await coll.updateOne({ a: 1 }, { $set: { by: id } });
          });
        if (target.framework === 'sync') {
          await request('r1');
          await request('r2');
        } else await Promise.all([request('r1'), request('r2')]);
        await coll.countDocuments({}); // outside any request: no comment
      },
      { monitorCommands: true },
    );
    const seen = Object.keys(comments).sort();
    assert.equal(seen, ['aggregate ', 'find request r1', 'find request r2', 'update request r1', 'update request r2']);
  });

  test.run();
}

