// GridFS streams across the pool boundary: a download reads ahead of its consumer and an upload
// keeps writes in flight, so these check what must survive that: bytes and ranges intact, a stream
// left early or aborted closes the worker's cursor, a lost worker or a failed write fails the
// stream instead of hanging. (Round trips of every target are in integration/gridfs.spec.ts.)
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as driver from 'mongodb';
import { createRotor } from '../lib/index.js';
import { poolModules } from '../lib/create-rotor.js';
import type { PoolExecutor } from '../lib/executor/pool/index.js';
import { poolSlots, workerThread } from '../lib/executor/pool/main/internals.js';
import { dbName, suite, testUri } from './support/env.js';

const test = suite('pool gridfs');
const name = dbName('pool_gridfs');
/** Well past the download's read-ahead (2 MiB), in small chunks: the chunks cursor stays open for several batches. */
const SIZE = 8 * 1024 * 1024;
const CHUNK = 16 * 1024;
const data = randomBytes(SIZE);
let fileId: driver.ObjectId;

interface Pool {
  executor: PoolExecutor;
  client: driver.MongoClient;
  bucket: driver.GridFSBucket;
  /** Commands the worker's client started, by name (command monitoring, forwarded). */
  started: string[];
}

async function withPool(use: (p: Pool) => Promise<void>): Promise<void> {
  const executor = poolModules().createPoolExecutor({ workers: 1 });
  const rotor = createRotor({ executor });
  const client = new (rotor.MongoClient as unknown as typeof driver.MongoClient)(testUri(), { monitorCommands: true });
  const started: string[] = [];
  client.on('commandStarted', (e) => void started.push(e.commandName));
  const bucket = new (rotor.GridFSBucket as unknown as typeof driver.GridFSBucket)(client.db(name), { chunkSizeBytes: CHUNK });
  try {
    await use({ executor, client, bucket, started });
  } finally {
    await client.close().catch(() => {});
    await executor.close();
  }
}

/** Resolves with `promise`, or fails the test after `ms` (a hang becomes a failure). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no outcome within ${ms} ms`)), ms)));
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(check(), what);
}

test.before(async () => {
  const client = new driver.MongoClient(testUri());
  try {
    const db = client.db(name);
    await db.dropDatabase();
    const upload = new driver.GridFSBucket(db, { chunkSizeBytes: CHUNK }).openUploadStream('big.bin');
    await pipeline(Readable.from([data]), upload);
    fileId = upload.id;
  } finally {
    await client.close();
  }
});

test('a multi-chunk download read ahead arrives byte-identical, for-await and piped', () =>
  withPool(async ({ bucket }) => {
    const chunks: Buffer[] = [];
    for await (const chunk of bucket.openDownloadStream(fileId)) chunks.push(chunk as Buffer);
    assert.is(Buffer.compare(Buffer.concat(chunks), data), 0, 'for-await: bytes differ');
    const piped: Buffer[] = [];
    await pipeline(bucket.openDownloadStream(fileId), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) piped.push(chunk);
    });
    assert.is(Buffer.compare(Buffer.concat(piped), data), 0, 'pipeline: bytes differ');
  }),
);

test('byte ranges across many chunks: start/end options and chained start()/end()', () =>
  withPool(async ({ bucket }) => {
    const collect = async (stream: AsyncIterable<unknown>): Promise<Buffer> => {
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
    const [start, end] = [CHUNK + 123, 5 * 1024 * 1024 + 7];
    assert.is(Buffer.compare(await collect(bucket.openDownloadStream(fileId, { start, end })), data.subarray(start, end)), 0, 'options range differs');
    assert.is(Buffer.compare(await collect(bucket.openDownloadStream(fileId).start(start).end(end)), data.subarray(start, end)), 0, 'chained range differs');
  }),
);

test('leaving a for-await early, destroy() and abort() close the worker stream’s cursor', () =>
  withPool(async ({ bucket, started }) => {
    const kills = (): number => started.filter((c) => c === 'killCursors').length;
    for await (const chunk of bucket.openDownloadStream(fileId)) {
      assert.ok((chunk as Buffer).length > 0);
      break;
    }
    await until(() => kills() === 1, 'no killCursors after leaving the loop early');
    const destroyed = bucket.openDownloadStream(fileId);
    await new Promise((resolve) => destroyed.once('data', resolve));
    destroyed.destroy();
    await until(() => kills() === 2, 'no killCursors after destroy()');
    const aborted = bucket.openDownloadStream(fileId);
    await new Promise((resolve) => aborted.once('data', resolve));
    await aborted.abort();
    assert.ok(aborted.destroyed, 'abort() leaves the stream destroyed');
    await until(() => kills() === 3, 'no killCursors after abort()');
  }),
);

test('a worker lost mid-download errors the stream instead of hanging', () =>
  withPool(async ({ executor, bucket }) => {
    const stream = bucket.openDownloadStream(fileId);
    let bytes = 0;
    const read = (async () => {
      for await (const chunk of stream) {
        if (bytes === 0) await workerThread(poolSlots(executor)![0]!)!.terminate();
        bytes += (chunk as Buffer).length;
      }
    })();
    const error = await within(read.then(() => undefined, (e: Error) => e), 20_000, 'download after a worker loss');
    assert.ok(error, `the download ended quietly after ${bytes} of ${SIZE} bytes`);
    assert.match(error.message, /worker/i);
    assert.ok(bytes < SIZE);
  }),
);

test('an upload whose insert fails errors the stream; a good one keeps every byte', () =>
  withPool(async ({ bucket }) => {
    // Same id as the uploaded file: the first chunk insert hits the chunks index's unique key.
    const clash = bucket.openUploadStreamWithId(fileId, 'clash.bin');
    const failed = await within(pipeline(Readable.from([data.subarray(0, 3 * CHUNK), data.subarray(3 * CHUNK, 2 * 1024 * 1024)]), clash).then(() => undefined, (e: Error) => e), 20_000, 'a failing upload');
    assert.ok(failed, 'the upload of a duplicate chunk succeeded');
    assert.match(`${(failed as { code?: number }).code} ${failed.message}`, /11000|duplicate/i);
    const slices = Array.from({ length: 64 }, (_, i) => data.subarray(i * 100_000, (i + 1) * 100_000));
    const good = bucket.openUploadStream('good.bin');
    await pipeline(Readable.from(slices), good);
    const chunks: Buffer[] = [];
    for await (const chunk of bucket.openDownloadStream(good.id)) chunks.push(chunk as Buffer);
    assert.is(Buffer.compare(Buffer.concat(chunks), Buffer.concat(slices)), 0, 'uploaded bytes differ');
  }),
);

test("a writer that reuses its buffer once write()'s callback ran uploads what it wrote at the time", () =>
  withPool(async ({ bucket }) => {
    // Node's contract: after the callback the chunk is the writer's again (a pooled buffer refilled).
    const upload = bucket.openUploadStream('reused.bin');
    const buffer = Buffer.alloc(64 * 1024);
    const expected: Buffer[] = [];
    for (let i = 0; i < 8; i++) {
      buffer.fill(i + 1);
      expected.push(Buffer.from(buffer));
      // Written from a macrotask (an I/O or timer callback, as producers do): Node runs the write
      // callback's tick before this tick's promise jobs.
      await new Promise<void>((resolve, reject) =>
        setImmediate(() =>
          upload.write(buffer, (error) => {
            if (error) return reject(error);
            buffer.fill(0xee); // refilled from within the callback, as a pooled-buffer producer does
            resolve();
          }),
        ),
      );
    }
    await new Promise<void>((resolve, reject) => upload.end((error?: Error | null) => (error ? reject(error) : resolve())));
    const chunks: Buffer[] = [];
    for await (const chunk of bucket.openDownloadStream(upload.id)) chunks.push(chunk as Buffer);
    assert.is(Buffer.compare(Buffer.concat(chunks), Buffer.concat(expected)), 0, 'uploaded bytes are not what was written');
  }),
);

test.after(async () => {
  const client = new driver.MongoClient(testUri());
  await client.db(name).dropDatabase().catch(() => {});
  await client.close();
});
test.run();
