// Issue #21, items 3 and 12 for MongoClient.bulkWrite (driver 6.10+): the driver's command builder
// gives each insertOne model's document `_id = document._id ?? pkFactory.createPk()` with the
// client's pkFactory, on the calling thread, while it builds the batch (after the call returned).
// In the pool the worker's driver called the user's pkFactory through a stub that returned a
// Promise, and no `_id` reached the caller's documents. Now the main thread assigns them by the
// driver's rule (lib/executor/pool/main/inserts.ts). Every case runs on the bare driver first: its
// record is the expected value for inline, pool (promise and callback frameworks) and rotor/sync.
//
// The write itself: the embedded server (FerretDB) has no `bulkWrite` command (MongoDB 8.0+), so
// there every flavour rejects from the server after the batch was built and sent: the ids, the
// pkFactory's calls and the error are compared, and what the server holds is compared only where
// MONGODB_URI points at a server that accepts the command (then the stored documents and the
// verbose result's insertedIds are checked too).
import * as assert from 'uvu/assert';
import { isMainThread } from 'node:worker_threads';
import * as driver from 'mongodb';
import { createRotor } from '../lib/index.js';
import { dbName, suite, testUri } from './support/env.js';

const test = suite('pool client bulkWrite ids');

type Name = 'bare' | 'inline' | 'pool' | 'pool-callback' | 'sync';
const NAMES: Name[] = ['bare', 'inline', 'pool', 'pool-callback', 'sync'];
type Callback = (error: unknown, result?: unknown) => void;

interface Flavour {
  name: Name;
  MongoClient: typeof driver.MongoClient;
  /** Starts a command the flavour's way and returns how it settles (a sync flavour's command has settled already). */
  start(command: (callback?: Callback) => unknown): Promise<unknown>;
  close(): Promise<void>;
}

function flavour(name: Name): Flavour {
  const started = (command: (callback?: Callback) => unknown): Promise<unknown> => {
    try {
      return Promise.resolve(command());
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what the command threw, as it is
      return Promise.reject(error);
    }
  };
  if (name === 'bare') return { name, MongoClient: driver.MongoClient, start: started, close: async () => {} };
  const rotor = createRotor(
    name === 'inline' ? {} : name === 'sync' ? { framework: 'sync', workers: 1 } : name === 'pool-callback' ? { framework: 'callback', executor: 'pool', workers: 1 } : { executor: 'pool', workers: 1 },
  );
  const viaCallback = (command: (callback?: Callback) => unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what the command failed with, as it is
      command((error, result) => (error === null || error === undefined ? resolve(result) : reject(error)));
    });
  return { name, MongoClient: rotor.MongoClient as unknown as typeof driver.MongoClient, start: name === 'pool-callback' ? viaCallback : started, close: () => rotor.close() };
}

/** A pkFactory that records each call: how many arguments, whether `this` was the factory, and on which thread. */
function recordingFactory(): { pkFactory: { createPk(): unknown }; calls: string[] } {
  const calls: string[] = [];
  let n = 0;
  const pkFactory = {
    createPk(this: unknown, ...args: unknown[]): unknown {
      calls.push(`${args.length} args, this ${this === pkFactory ? 'the factory' : 'something else'}, ${isMainThread ? 'main thread' : 'a worker'}`);
      return `pk-${++n}`;
    },
  };
  return { pkFactory, calls };
}

const hasClientBulkWrite = typeof (driver.MongoClient.prototype as { bulkWrite?: unknown }).bulkWrite === 'function';

/** Whether the run's server takes the client-level `bulkWrite` command (MongoDB 8.0+: wire version 25). */
async function serverTakesBulkWrite(): Promise<boolean> {
  const client = new driver.MongoClient(testUri());
  try {
    const hello = await client.db('admin').command({ hello: 1 });
    return typeof hello.maxWireVersion === 'number' && hello.maxWireVersion >= 25 && !/ferret/i.test(JSON.stringify(await client.db('admin').command({ buildInfo: 1 })));
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

const outcome = async (settled: Promise<unknown>): Promise<string> => {
  try {
    const result = (await settled) as { insertedCount?: number } | undefined;
    return `ok ${result?.insertedCount ?? ''}`.trim();
  } catch (error) {
    return `threw ${(error as Error).name}: ${(error as Error).message}`;
  }
};

if (!hasClientBulkWrite) {
  test.skip('MongoClient.bulkWrite', 'this driver has no client-level bulkWrite (6.10+)');
} else {
  let writes = false;
  test.before(async () => {
    writes = await serverTakesBulkWrite();
  });

  test("insertOne models get the client pkFactory's ids by the driver's rule: called as the bare driver calls it, `_id` unset right after the call and set once it settled", async () => {
    const records = new Map<Name, unknown>();
    for (const name of NAMES) {
      const f = flavour(name);
      const { pkFactory, calls } = recordingFactory();
      // forceServerObjectId: the client bulk write builder does not consult it; ids are made anyway.
      const client = new f.MongoClient(testUri(), { pkFactory, forceServerObjectId: true });
      const db = dbName(`client-bulk-${name}`);
      const ns = `${db}.c`;
      const docs: Array<Record<string, unknown>> = [{ a: 1 }, { _id: null, a: 2 }, { _id: 'own', a: 3 }, { a: 4 }];
      const same = docs[0]!; // the same document twice: the second time it already has its `_id`
      const models = [
        ...docs.map((document) => ({ name: 'insertOne' as const, namespace: ns, document })),
        { name: 'deleteOne' as const, namespace: ns, filter: { never: true } },
        { name: 'insertOne' as const, namespace: `${db}.other`, document: same },
      ];
      try {
        const settled = f.start((cb) => (cb ? (client.bulkWrite as (...a: unknown[]) => unknown)(models, { verboseResults: true }, cb) : client.bulkWrite(models, { verboseResults: true })));
        // rotor/sync has finished the call here: only the other flavours can be read in between.
        const rightAfter = name === 'sync' ? 'not observable' : docs.map((d) => d._id ?? String(d._id));
        const settledAs = await outcome(settled);
        const record: Record<string, unknown> = { rightAfter, ids: docs.map((d) => d._id), calls: [...calls] };
        if (writes) {
          record.outcome = settledAs;
          const observer = new driver.MongoClient(testUri());
          try {
            record.stored = (await observer.db(db).collection('c').find().sort({ a: 1 }).toArray()).map((d) => d._id as unknown);
          } finally {
            await observer.close();
          }
        } else {
          record.rejected = settledAs.startsWith('threw ');
        }
        records.set(name, record);
      } finally {
        await client.close();
        await f.close();
      }
    }
    const bare = records.get('bare') as Record<string, unknown>;
    assert.equal(bare.ids, ['pk-1', 'pk-2', 'own', 'pk-3']);
    assert.equal(bare.calls, ['0 args, this the factory, main thread', '0 args, this the factory, main thread', '0 args, this the factory, main thread']);
    assert.equal(bare.rightAfter, ['undefined', 'null', 'own', 'undefined']);
    for (const [name, record] of records) {
      const expected = name === 'sync' ? { ...bare, rightAfter: 'not observable' } : bare;
      assert.equal(record, expected, `${name} differs from the bare driver`);
    }
  });

  test('where the driver refuses before building the batch (an unacknowledged ordered write) or while building it (a frozen document), the documents are as it leaves them', async () => {
    const records = new Map<Name, unknown>();
    for (const name of NAMES) {
      const f = flavour(name);
      const { pkFactory, calls } = recordingFactory();
      const client = new f.MongoClient(testUri(), { pkFactory });
      const ns = `${dbName(`client-bulk-refused-${name}`)}.c`;
      try {
        const unacknowledged = { a: 1 } as Record<string, unknown>;
        const w0 = await outcome(f.start((cb) => (cb ? (client.bulkWrite as (...a: unknown[]) => unknown)([{ name: 'insertOne', namespace: ns, document: unacknowledged }], { writeConcern: { w: 0 } }, cb) : client.bulkWrite([{ name: 'insertOne', namespace: ns, document: unacknowledged }], { writeConcern: { w: 0 } }))));
        const before = { b: 1 } as Record<string, unknown>;
        const frozen = Object.freeze({ c: 1 });
        const frozenModels = [
          { name: 'insertOne' as const, namespace: ns, document: before },
          { name: 'insertOne' as const, namespace: ns, document: frozen },
        ];
        const refused = await outcome(f.start((cb) => (cb ? (client.bulkWrite as (...a: unknown[]) => unknown)(frozenModels, cb) : client.bulkWrite(frozenModels))));
        records.set(name, { w0, unacknowledged: unacknowledged._id ?? 'no _id', refused, before: before._id ?? 'no _id', frozen: (frozen as { _id?: unknown })._id ?? 'no _id', calls: calls.length });
      } finally {
        await client.close();
        await f.close();
      }
    }
    const bare = records.get('bare') as Record<string, unknown>;
    assert.equal(bare, {
      w0: 'threw MongoInvalidArgumentError: Cannot request unacknowledged write concern and ordered writes',
      unacknowledged: 'no _id',
      refused: bare.refused,
      before: 'pk-1',
      frozen: 'no _id',
      calls: 2,
    });
    assert.match(String(bare.refused), /^threw TypeError: /);
    for (const [name, record] of records) assert.equal(record, bare, `${name} differs from the bare driver`);
  });
}

test.run();
