// Rows of the matrix that need a place of their own: function-valued client options (pkFactory,
// lookup, checkServerIdentity, loggers), documents around the 16 MiB limit, AbortSignals, GridFS.
import { lookup } from 'node:dns';
import type { MongoClientOptions } from 'mongodb';
import { HostileError, MiB16 } from './inputs.js';
import { BIG_ROW_MS, S, type Row } from './row.js';
import { showThrown, type Ctx } from './runner.js';
import { testUri } from '../support/env.js';

/** A client with `options` (closed after the row), its collection for this row, and a ping's outcome. */
async function withOptions(t: Ctx, options: MongoClientOptions) {
  const client = await t.connect(options);
  return { client, coll: client.db(t.db.databaseName).collection<any>(t.prefix) };
}

/** How a promise settled, as data (a row records it instead of throwing). */
/** How `call()` settles. A thunk: under rotor/sync an operation throws where the others reject. */
const settled = (call: () => unknown): Promise<string> =>
  new Promise((resolve) => resolve(call())).then(
    () => 'resolved',
    (e: unknown) => `rejected ${showThrown(e)}`,
  );

const tick = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const SPECIAL_ROWS: Row[] = [
  // ── pkFactory: the driver calls createPk synchronously and stores what it returns ──────
  {
    input: "pkFactory returning 'my-id'",
    where: 'client option, then insertOne',
    expect: S,
    issue: 3,
    run: async (t) => {
      const { coll } = await withOptions(t, { pkFactory: { createPk: () => 'my-id' } });
      const doc: any = { a: 1 };
      return { result: await coll.insertOne(doc), writtenBack: doc._id };
    },
  },
  {
    input: 'pkFactory returning a frozen object',
    where: 'client option, then insertOne',
    expect: S,
    issue: 3,
    run: async (t) => (await withOptions(t, { pkFactory: { createPk: () => Object.freeze({ k: 1 }) } })).coll.insertOne({ a: 1 }),
  },
  {
    input: 'pkFactory that throws',
    where: 'client option, then insertOne',
    expect: S,
    issue: 3,
    run: async (t) =>
      (
        await withOptions(t, {
          pkFactory: {
            createPk: () => {
              throw new HostileError('createPk');
            },
          },
        })
      ).coll.insertOne({ a: 1 }),
  },
  {
    input: 'pkFactory returning a Promise',
    where: 'client option, then insertOne',
    expect: S,
    issue: 3,
    run: async (t) => (await withOptions(t, { pkFactory: { createPk: () => Promise.resolve('later') } })).coll.insertOne({ a: 1 }),
  },
  // ── lookup, checkServerIdentity ─────────────────────────────────────────────────────────
  {
    input: 'callback-style lookup (cacheable-lookup style)',
    where: 'client option, then ping',
    // rotor/sync: the thread is blocked, so a callback made later (dns.lookup's) cannot run; README
    // "rotor/sync" says a lookup must call back before returning. Pool and inline: the driver's outcome.
    expect: {
      clearer: /^threw TypeError: rotor sync framework: the function option 'lookup' returned without calling its callback/,
      why: 'rotor/sync cannot run a callback made after the blocked call: a clear error at once instead of a 30 s connect timeout',
    },
    issue: 6,
    run: async (t) => {
      // By name: Node skips `lookup` for an IP address.
      const byName = new t.m.MongoClient(testUri().replace('127.0.0.1', 'localhost'), { family: 4, lookup: (host: string, options: any, callback: any) => lookup(host, options, callback) });
      try {
        return await byName.db('admin').command({ ping: 1 });
      } finally {
        await byName.close();
      }
    },
  },
  {
    input: 'checkServerIdentity (no TLS: never called)',
    where: 'client option, then ping',
    expect: S,
    run: async (t) => (await withOptions(t, { checkServerIdentity: () => new HostileError('identity') })).client.db('admin').command({ ping: 1 }),
  },
  // ── loggers ─────────────────────────────────────────────────────────────────────────────
  {
    input: 'a logger (mongodbLogPath writable)',
    where: 'client option, then ping',
    expect: S,
    run: async (t) => {
      const seen: string[] = [];
      const { client } = await withOptions(t, { mongodbLogPath: { write: (log: { message?: string }) => void seen.push(String(log.message)) }, mongodbLogComponentSeverities: { command: 'debug' } });
      await client.db('admin').command({ ping: 1 });
      await tick();
      return { started: seen.includes('Command started'), succeeded: seen.includes('Command succeeded') };
    },
  },
  {
    input: 'a logger whose write throws',
    where: 'client option, then ping',
    expect: S,
    run: async (t) => {
      const { client } = await withOptions(t, {
        mongodbLogPath: {
          write: () => {
            throw new HostileError('log write');
          },
        },
        mongodbLogComponentSeverities: { command: 'debug' },
      });
      return settled(() => client.db('admin').command({ ping: 1 }));
    },
  },
  // ── serializeFunctions: a function field becomes Code of its own source ─────────────────
  {
    input: 'a function field with serializeFunctions',
    where: 'insertOne document and option',
    expect: S,
    run: (t) =>
      t.coll.insertOne(
        {
          _id: 1,
          f: function named(): number {
            return 1;
          },
        },
        { serializeFunctions: true },
      ),
  },
  // ── 16 MiB ──────────────────────────────────────────────────────────────────────────────
  {
    input: 'a filter over 16 MiB',
    timeoutMS: BIG_ROW_MS,
    where: 'find filter',
    expect: S,
    run: (t) => t.coll.find({ a: { $in: ['x'.repeat(MiB16 / 2), 'y'.repeat(MiB16 / 2)] } }).toArray(),
  },
  // ── names ───────────────────────────────────────────────────────────────────────────────
  {
    input: 'a collection name with a NUL',
    where: 'db.collection(), then insertOne',
    expect: S,
    run: (t) => t.db.collection<any>(`${t.prefix}_a\u0000b`).insertOne({ _id: 1 }),
  },
  // ── AbortSignal ─────────────────────────────────────────────────────────────────────────
  {
    input: 'an already-aborted signal',
    where: 'find options',
    expect: S,
    issue: 11,
    run: async (t) => {
      const cursor = t.coll.find({}, { signal: AbortSignal.abort(new HostileError('aborted')) } as never);
      return { cursor: 'made', toArray: await settled(() => cursor.toArray()) };
    },
  },
  {
    input: 'a signal aborted after rotor.close()',
    where: 'find options of a closed rotor',
    expect: S,
    issue: 5,
    run: async (t) => {
      const own = t.ownRotor();
      const client = new own.m.MongoClient(testUri());
      const controller = new AbortController();
      await client.db(t.db.databaseName).collection(t.prefix).find({}, { signal: controller.signal } as never).toArray();
      await client.close();
      await own.close();
      controller.abort();
      await tick();
      return 'aborted';
    },
  },
  // ── GridFS: an upload the server refuses ────────────────────────────────────────────────
  {
    input: 'an upload re-using an existing id',
    where: 'GridFS openUploadStreamWithId',
    expect: S,
    issue: 1,
    run: async (t) => {
      const bucket = new t.m.GridFSBucket(t.db, { bucketName: t.prefix });
      const upload = (): Promise<string> =>
        new Promise((resolve) => {
          const stream = bucket.openUploadStreamWithId(1 as unknown as import("mongodb").ObjectId, 'f');
          stream.once('finish', () => resolve('finish'));
          stream.once('error', (e) => resolve(`error ${showThrown(e)}`));
          stream.end(Buffer.from('abc'));
        });
      return [await upload(), await upload()];
    },
  },
];
