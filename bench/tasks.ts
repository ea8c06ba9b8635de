// The tasks: the drivers' benchmark specification (benchmarking.md, "Single-Doc" and "Multi-Doc"),
// plus two concurrency variants. Each task keeps the specification's phases (setup once, before
// every iteration, the timed "do task", teardown) and its scoring: bytes per operation x operations
// / median wall-clock time, in MB/s (1 MB = 1,000,000 bytes). Only the operation counts are scaled,
// per mode, and every output says by how much.
import type { Db, Document } from 'mongodb';
import { GridFSBucket } from 'mongodb';
import type { Data } from './data.js';
import { WORK_BATCH_SIZE, type Ops } from './targets.js';
import { calibrateWork, documentWork } from './work.js';

export interface Scale {
  /** Operations per iteration (per concurrent task for the concurrency variants). */
  readonly ops: number;
  /** Timed iterations per target. */
  readonly iterations: number;
  /** Untimed iterations per target before them. */
  readonly warmup: number;
}

/** What a task's phases get: the bare-driver database for setup, the data, the scaled op count. */
export interface TaskEnv {
  readonly admin: Db;
  readonly data: Data;
  readonly ops: number;
  /** Anything a task keeps between its phases. */
  readonly state: Record<string, any>;
  /** The server's process when it runs on this machine (the embedded one): its CPU is measured too. */
  readonly serverPid?: number;
}

export interface TaskDef {
  readonly name: string;
  readonly title: string;
  /** Operations per iteration in the specification. */
  readonly specOps: number;
  /** Concurrent copies of the "do task" (the 80-task variants); the score counts all of them. */
  readonly concurrency: number;
  readonly full: Scale;
  readonly quick: Scale;
  bytesPerOp(data: Data): number;
  /** Documents the main thread handles per iteration, for tasks scored in documents per second too. */
  documents?(env: TaskEnv): number;
  /** Once per task, before any target runs. */
  setup?(env: TaskEnv): Promise<void>;
  /** Before every iteration of every target (untimed); `ops` is the target's about to run. */
  before?(env: TaskEnv, ops: Ops): Promise<void> | void;
  /** The timed "do task". */
  run(env: TaskEnv, ops: Ops): Promise<void>;
}

/** BSON size of {hello: true}: the specification scores Run command at 13 bytes per command. */
const HELLO_BYTES = 13;
export const CONCURRENCY = 80;

const ids = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
const copies = (doc: Document, n: number): Document[] => Array.from({ length: n }, () => ({ ...doc }));

async function dropDatabase(env: TaskEnv): Promise<void> {
  await env.admin.dropDatabase();
}

/** Drop `corpus`, create it with the create command (specification: before every insert iteration). */
async function freshCorpus(env: TaskEnv): Promise<void> {
  await env.admin.collection('corpus').drop().catch(ignoreNamespaceNotFound);
  await env.admin.createCollection('corpus');
}

function ignoreNamespaceNotFound(err: Error & { code?: number; codeName?: string }): void {
  if (err.code !== 26 && err.codeName !== 'NamespaceNotFound') throw err;
}

/** Inserts documents with the bare driver in batches (setup only, untimed). */
async function load(env: TaskEnv, docs: Document[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 1000) await env.admin.collection('corpus').insertMany(docs.slice(i, i + 1000), { ordered: true });
}

function expect(what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`${what}: got ${actual}, expected ${expected}`);
}

const findOneById = (concurrency: number): Pick<TaskDef, 'setup' | 'run'> => ({
  async setup(env) {
    await dropDatabase(env);
    await load(env, ids(env.ops).map((_id) => ({ ...env.data.tweet.doc, _id })));
    env.state.ids = ids(env.ops);
  },
  async run(env, ops) {
    const found = await Promise.all(Array.from({ length: concurrency }, () => ops.findOneByIds(env.state.ids)));
    for (const n of found) expect('documents found', n, env.ops);
  },
});

const findMany = (concurrency: number, each?: (doc: Document) => void): Pick<TaskDef, 'setup' | 'run'> => ({
  async setup(env) {
    await dropDatabase(env);
    await load(env, copies(env.data.tweet.doc, env.ops));
  },
  async run(env, ops) {
    const counts = await Promise.all(Array.from({ length: concurrency }, () => ops.drainFind(each)));
    for (const n of counts) expect('documents retrieved', n, env.ops);
  },
});

const insertOne = (which: 'small' | 'large'): Pick<TaskDef, 'setup' | 'before' | 'run' | 'bytesPerOp'> => ({
  bytesPerOp: (data) => data[which].bytes,
  setup: dropDatabase,
  async before(env) {
    await freshCorpus(env);
    env.state.docs = copies(env.data[which].doc, env.ops); // fresh copies: the driver adds _id to what it inserts
  },
  run: (env, ops) => ops.insertEach(env.state.docs),
});

const bulkInsert = (which: 'small' | 'large'): Pick<TaskDef, 'setup' | 'before' | 'run' | 'bytesPerOp'> => ({
  ...insertOne(which),
  run: (env, ops) => ops.insertMany(env.state.docs),
});

export const TASKS: readonly TaskDef[] = [
  {
    name: 'runCommand',
    title: 'Run command',
    specOps: 10_000,
    concurrency: 1,
    full: { ops: 1_000, iterations: 10, warmup: 1 },
    quick: { ops: 100, iterations: 2, warmup: 1 },
    bytesPerOp: () => HELLO_BYTES,
    setup: dropDatabase,
    run: (env, ops) => ops.command({ hello: true }, env.ops),
  },
  {
    name: 'findOneById',
    title: 'Find one by ID',
    specOps: 10_000,
    concurrency: 1,
    full: { ops: 100, iterations: 5, warmup: 1 },
    quick: { ops: 20, iterations: 2, warmup: 1 },
    bytesPerOp: (data) => data.tweet.bytes,
    ...findOneById(1),
  },
  {
    name: 'findOneById80',
    title: `Find one by ID, ${CONCURRENCY} tasks`,
    specOps: 10_000,
    concurrency: CONCURRENCY,
    full: { ops: 5, iterations: 10, warmup: 1 },
    quick: { ops: 1, iterations: 2, warmup: 1 },
    bytesPerOp: (data) => data.tweet.bytes,
    ...findOneById(CONCURRENCY),
  },
  {
    name: 'smallInsertOne',
    title: 'Small doc insertOne',
    specOps: 10_000,
    concurrency: 1,
    full: { ops: 1_000, iterations: 10, warmup: 1 },
    quick: { ops: 100, iterations: 2, warmup: 1 },
    ...insertOne('small'),
  },
  {
    name: 'largeInsertOne',
    title: 'Large doc insertOne',
    specOps: 10,
    concurrency: 1,
    full: { ops: 1, iterations: 3, warmup: 0 },
    quick: { ops: 2, iterations: 2, warmup: 1 },
    ...insertOne('large'),
  },
  {
    name: 'findMany',
    title: 'Find many and empty the cursor',
    specOps: 10_000,
    concurrency: 1,
    full: { ops: 2_000, iterations: 5, warmup: 1 },
    quick: { ops: 250, iterations: 2, warmup: 1 },
    bytesPerOp: (data) => data.tweet.bytes,
    ...findMany(1),
  },
  {
    name: 'findMany80',
    title: `Find many and empty the cursor, ${CONCURRENCY} tasks`,
    specOps: 10_000,
    concurrency: CONCURRENCY,
    full: { ops: 25, iterations: 5, warmup: 1 },
    quick: { ops: 4, iterations: 2, warmup: 1 },
    bytesPerOp: (data) => data.tweet.bytes,
    ...findMany(CONCURRENCY),
  },
  {
    // Not in the specification: the pool's reason to exist (issue #15). The main thread encodes and
    // hashes every document (./work.ts) while the driver works; scored in documents per second,
    // with the main thread's event-loop delay.
    name: 'findManyWork',
    title: 'Find many, main-thread work per document',
    specOps: 0,
    concurrency: 1,
    full: { ops: 2_000, iterations: 5, warmup: 1 },
    quick: { ops: 250, iterations: 2, warmup: 1 },
    bytesPerOp: (data) => data.tweet.bytes,
    documents: (env) => env.ops,
    ...findMany(1, documentWork),
    async setup(env) {
      await findMany(1).setup!(env);
      // The work per document matches the bare driver's own time per document (see ./work.ts).
      const corpus = env.admin.collection('corpus');
      let ms = Infinity;
      for (let i = 0; i < 3; i++) {
        const t0 = process.hrtime.bigint();
        await corpus.find({}, { batchSize: WORK_BATCH_SIZE }).toArray();
        ms = Math.min(ms, Number(process.hrtime.bigint() - t0) / 1e6);
      }
      const fetchUs = (ms * 1000) / env.ops;
      env.state.calibration = { fetchUsPerDocument: Math.round(fetchUs * 10) / 10, ...calibrateWork(env.data.tweet.doc, fetchUs) };
    },
  },
  {
    name: 'smallBulkInsert',
    title: 'Small doc bulk insert',
    specOps: 10_000,
    concurrency: 1,
    full: { ops: 10_000, iterations: 10, warmup: 1 },
    quick: { ops: 1_000, iterations: 2, warmup: 1 },
    ...bulkInsert('small'),
  },
  {
    name: 'largeBulkInsert',
    title: 'Large doc bulk insert',
    specOps: 10,
    concurrency: 1,
    full: { ops: 1, iterations: 3, warmup: 0 },
    quick: { ops: 2, iterations: 2, warmup: 1 },
    ...bulkInsert('large'),
  },
  {
    name: 'gridfsUpload',
    title: 'GridFS upload',
    specOps: 1,
    concurrency: 1,
    full: { ops: 1, iterations: 3, warmup: 1 },
    quick: { ops: 1, iterations: 2, warmup: 1 },
    bytesPerOp: (data) => data.gridfs.length,
    setup: dropDatabase,
    async before(env, ops) {
      // Drop the default bucket, insert a 1-byte file (so its collections and indexes exist),
      // then the target constructs the bucket it uploads with.
      const bucket = new GridFSBucket(env.admin);
      await bucket.drop().catch(ignoreNamespaceNotFound);
      await new Promise<void>((resolve, reject) => bucket.openUploadStream('one-byte').once('error', reject).end(Buffer.from([0]), () => resolve()));
      ops.newBucket();
    },
    run: (env, ops) => ops.upload('gridfstest', env.data.gridfs),
  },
  {
    name: 'gridfsDownload',
    title: 'GridFS download',
    specOps: 1,
    concurrency: 1,
    full: { ops: 1, iterations: 3, warmup: 1 },
    quick: { ops: 1, iterations: 2, warmup: 1 },
    bytesPerOp: (data) => data.gridfs.length,
    async setup(env) {
      await dropDatabase(env);
      const upload = new GridFSBucket(env.admin).openUploadStream('gridfstest');
      await new Promise<void>((resolve, reject) => upload.once('error', reject).end(env.data.gridfs, () => resolve()));
      env.state.idHex = upload.id.toHexString();
    },
    before(_env, ops) {
      ops.newBucket();
    },
    async run(env, ops) {
      expect('bytes downloaded', await ops.download(env.state.idHex), env.data.gridfs.length);
    },
  },
];

/** The micro benchmark (bench/micro.ts) is selected like a task, by this name. */
export const MICRO = 'micro';
