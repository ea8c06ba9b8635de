// Benchmark targets: what is measured against what. A target names a way of talking to the server
// (the bare driver, mongodb-legacy, rotor with a framework and an executor) and, once connected,
// offers the few operations the tasks need, each run in that target's own idiom: promise targets
// `await` every call, callback targets chain real Node callbacks (one promise per task, made here).
//
// A new framework or executor joins the benchmark with one line in TARGETS (and, for a new calling
// style, one adapter in OPS_BY_STYLE).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { Document } from 'mongodb';
import * as rotorModule from '../lib/create-rotor.js';
import type { PoolExecutor } from '../lib/executor/pool/index.js';
import { ROTOR_VERSION } from '../lib/runtime.js';

/** The operations a task needs; every one resolves when the target's calls have completed. */
export interface Ops {
  /** Runs `cmd` on the benchmark database `times` times, one after the other. */
  command(cmd: Document, times: number): Promise<void>;
  /** findOne({ _id }) for each id in turn; resolves with how many were found. */
  findOneByIds(ids: readonly number[]): Promise<number>;
  /** insertOne for each document in turn. */
  insertEach(docs: readonly Document[]): Promise<void>;
  /** One ordered insertMany. */
  insertMany(docs: Document[]): Promise<void>;
  /** find({}) on the corpus, `each` called on every document retrieved; resolves with the count. */
  drainFind(each?: (doc: Document) => void): Promise<number>;
  /** Constructs the GridFSBucket (default bucket) the next upload/download uses. */
  newBucket(): void;
  /** openUploadStream(filename), the data written, the stream closed; resolves once it finished. */
  upload(filename: string, data: Buffer): Promise<void>;
  /** openDownloadStream(id) read to the end; resolves with the byte count. */
  download(idHex: string): Promise<number>;
  close(): Promise<void>;
  /**
   * Whether several calls can be in flight at once in this thread (the 80-task variants). A
   * blocking framework's ops are false: its overhead row then has no concurrent figure.
   */
  readonly concurrent: boolean;
}

/** A target's classes for the soak, which drives the client itself (promise style everywhere). */
export interface SoakDriver {
  readonly MongoClient: new (uri: string, options?: object) => any;
  /** The pool's counters (PoolStats); null for a target without a pool. */
  stats(): Promise<Record<string, number> | null>;
  /** Stops what the driver started for this soak (a rotor's own pool). */
  close(): Promise<void>;
}

export interface Target {
  /** The name used by --targets and in every table. */
  readonly name: string;
  /** One line for the legend. */
  readonly description: string;
  /** The driver runs in worker threads (the overhead section compares these with the thread-hop floor). */
  readonly pool?: boolean;
  /** true, or why the target cannot run in this build/install. */
  available(): true | string;
  /** What runs underneath (package versions), for the results file. */
  version(): string;
  /** A connected client on `dbName`, its operations ready. */
  connect(uri: string, dbName: string): Promise<Ops>;
  /** Fresh classes for the soak (a pool target gets a pool of its own, so its counters are the soak's). */
  soakDriver(): Promise<SoakDriver>;
}

/** The slice of a driver module (mongodb, mongodb-legacy, a rotor) the adapters use. */
interface DriverLike {
  MongoClient: new (uri: string, options?: object) => any;
  GridFSBucket: new (db: any, options?: object) => any;
  ObjectId: new (hex: string) => object;
}

/**
 * How a target's calls are written. Hook for a blocking framework (`rotor-sync-pool`): add 'sync'
 * here, a syncOps(mod, client, db) adapter whose methods call without awaiting (wrapped in
 * Promise.resolve for the harness) with `concurrent: false`, register it in OPS_BY_STYLE, and
 * add rotorTarget('sync', 'pool') to TARGETS; the overhead section then shows its sequential
 * figures and a dash for the 80-task ones.
 */
type Style = 'promise' | 'callback' | 'sync';
type OpsFactory = (mod: DriverLike, client: any, db: any) => Ops;
const OPS_BY_STYLE: Readonly<Record<Style, OpsFactory>> = { promise: (...a) => promiseOps(...a), callback: (...a) => callbackOps(...a), sync: (...a) => syncOps(...a) };
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// The targets. Add a framework or executor here: rotorTarget('callback', 'pool').

export const BASELINE = 'bare';
/** Batch size of the main-thread-work task's cursor (see drainFind). */
export const WORK_BATCH_SIZE = 100;

export const TARGETS: readonly Target[] = [
  moduleTarget(BASELINE, 'the mongodb driver itself, promises (the baseline)', 'mongodb', 'promise'),
  moduleTarget('mongodb-legacy', 'mongodb-legacy, callbacks (over its own mongodb 6)', 'mongodb-legacy', 'callback'),
  rotorTarget('promise', 'inline'),
  rotorTarget('callback', 'inline'),
  rotorTarget('promise', 'pool'),
  rotorTarget('sync', 'pool'), // the blocking framework: each call returns its value
  // One client spread over two workers (stateless commands alternate): does spanning pay?
  rotorTarget('promise', 'pool', 'promise', { workers: 2, span: true }),
];

// ---------------------------------------------------------------------------------------------

/** A driver package used directly: the bare driver, or mongodb-legacy's callback API. */
export function moduleTarget(name: string, description: string, pkg: string, style: Style): Target {
  return {
    name,
    description,
    available() {
      try {
        require.resolve(pkg);
        return true;
      } catch {
        return `not installed: '${pkg}' does not resolve (npm ci installs the dev dependencies)`;
      }
    },
    version() {
      const own = packageVersion(pkg);
      if (pkg === 'mongodb') return `mongodb ${own}`;
      const inner = packageVersion('mongodb', require.resolve(pkg));
      return `${pkg} ${own} (mongodb ${inner})`;
    },
    async connect(uri, dbName) {
      const loaded = (await import(pkg)) as DriverLike & { default?: DriverLike };
      const mod = loaded.MongoClient ? loaded : loaded.default!;
      return connectWith(mod, style, uri, dbName);
    },
    async soakDriver() {
      const loaded = (await import(pkg)) as DriverLike & { default?: DriverLike };
      const mod = loaded.MongoClient ? loaded : loaded.default!;
      return { MongoClient: mod.MongoClient, stats: () => Promise.resolve(null), close: async () => {} };
    },
  };
}

/**
 * rotor with a framework and an executor, through createRotor. Reported as not available when
 * this build has no such framework or executor (checked without starting anything).
 */
export function rotorTarget(
  framework: string,
  executor: string,
  style: Style = framework === 'callback' ? 'callback' : framework === 'sync' ? 'sync' : 'promise',
  pool?: { workers: number; span: boolean },
): Target {
  const suffix = pool ? `-span${pool.workers}` : '';
  return {
    name: `rotor-${framework}-${executor}${suffix}`,
    pool: executor === 'pool',
    description: `rotor, ${framework} framework, ${executor} executor${pool ? `, each client spanning ${pool.workers} workers` : ''}`,
    available() {
      const missing = [
        Object.prototype.hasOwnProperty.call(rotorModule.FRAMEWORKS, framework) ? '' : `FRAMEWORKS has no '${framework}'`,
        Object.prototype.hasOwnProperty.call(rotorModule.EXECUTORS, executor) ? '' : `EXECUTORS has no '${executor}'`,
      ].filter(Boolean);
      return missing.length === 0 ? true : `not available in this build (${missing.join(', ')})`;
    },
    version: () => `rotor ${ROTOR_VERSION} (mongodb ${packageVersion('mongodb')})`,
    async connect(uri, dbName) {
      const options = pool ? { framework, executor: dedicatedPool(pool) } : { framework, executor };
      const rotor = rotorModule.createRotor(options as rotorModule.RotorOptions) as unknown as DriverLike;
      const driver = await import('mongodb');
      return connectWith({ MongoClient: rotor.MongoClient, GridFSBucket: rotor.GridFSBucket, ObjectId: driver.ObjectId }, style, uri, dbName);
    },
    // eslint-disable-next-line @typescript-eslint/require-await -- the contract is Promise<SoakDriver>; a throw from createRotor stays a rejection
    async soakDriver() {
      // A pool of the soak's own (one worker, or a spanning pair): its counters and its close are the soak's.
      const own = executor === 'pool' ? rotorModule.poolModules().createPoolExecutor(pool ?? { workers: 1, span: false }) : undefined;
      const rotor = rotorModule.createRotor({ framework, executor: own ?? executor } as rotorModule.RotorOptions);
      return {
        MongoClient: rotor.MongoClient as unknown as SoakDriver['MongoClient'],
        stats: async () => (own ? { ...(await rotor.poolStats()) } : null),
        close: async () => {
          await rotor.close();
          await own?.close();
        },
      };
    },
  };
}

const dedicated = new Map<string, PoolExecutor>();
function dedicatedPool(options: { workers: number; span: boolean }): PoolExecutor {
  const key = JSON.stringify(options);
  let pool = dedicated.get(key);
  if (!pool) dedicated.set(key, (pool = rotorModule.poolModules().createPoolExecutor(options)));
  return pool;
}

/** Stops whatever rotor keeps running between calls (the shared worker pool), when this build has one. */
export async function shutdownRotor(): Promise<void> {
  await Promise.all([...dedicated.values()].map((p) => p.close()));
  dedicated.clear();
  const close = (rotorModule as Record<string, unknown>).closeSharedPool;
  if (typeof close === 'function') await (close as () => Promise<void>)();
}

async function connectWith(mod: DriverLike, style: Style, uri: string, dbName: string): Promise<Ops> {
  const client = new mod.MongoClient(uri);
  await client.connect();
  const db = client.db(dbName);
  return OPS_BY_STYLE[style](mod, client, db);
}

// ---------------------------------------------------------------------------------------------
// Promise style: what a user of the bare driver writes.

function promiseOps(mod: DriverLike, client: any, db: any): Ops {
  const coll = db.collection('corpus');
  let bucket: any;
  return {
    async command(cmd, times) {
      for (let i = 0; i < times; i++) await db.command(cmd);
    },
    async findOneByIds(ids) {
      let found = 0;
      for (const id of ids) if (await coll.findOne({ _id: id })) found++;
      return found;
    },
    async insertEach(docs) {
      for (const doc of docs) await coll.insertOne(doc);
    },
    async insertMany(docs) {
      await coll.insertMany(docs, { ordered: true });
    },
    async drainFind(each) {
      let n = 0;
      // With per-document work, read in batches of WORK_BATCH_SIZE (every target alike): a stream
      // of getMores, as an app working through a large result sees, which the pool overlaps with the work.
      for await (const doc of coll.find({}, each ? { batchSize: WORK_BATCH_SIZE } : {})) {
        each?.(doc);
        n++;
      }
      return n;
    },
    newBucket() {
      bucket = new mod.GridFSBucket(db);
    },
    async upload(filename, data) {
      const stream = bucket.openUploadStream(filename);
      stream.end(data);
      await finished(stream);
    },
    async download(idHex) {
      let n = 0;
      for await (const chunk of bucket.openDownloadStream(new mod.ObjectId(idHex))) n += (chunk as Buffer).length;
      return n;
    },
    close: () => client.close(),
    concurrent: true,
  };
}

// ---------------------------------------------------------------------------------------------
// Sync style: what a user of rotor's sync framework writes: no await, each call returns its value.
// (The harness awaits each op's Promise; the calls inside never yield.) GridFS streams stay Node
// streams in every framework, so those ops are the promise style's.

function syncOps(mod: DriverLike, client: any, db: any): Ops {
  const coll = db.collection('corpus');
  const streams = promiseOps(mod, client, db);
  /** The harness's Promise around a run of blocking calls (a throw becomes its rejection). */
  const run = <T>(calls: () => T): Promise<T> => new Promise((resolve) => resolve(calls()));
  return {
    ...streams,
    command: (cmd, times) =>
      run(() => {
        for (let i = 0; i < times; i++) db.command(cmd);
      }),
    findOneByIds: (ids) =>
      run(() => {
        let found = 0;
        for (const id of ids) if (coll.findOne({ _id: id })) found++;
        return found;
      }),
    insertEach: (docs) =>
      run(() => {
        for (const doc of docs) coll.insertOne(doc);
      }),
    insertMany: (docs) =>
      run(() => {
        coll.insertMany(docs, { ordered: true });
      }),
    drainFind: (each) =>
      run(() => {
        let n = 0;
        for (const doc of coll.find({}, each ? { batchSize: WORK_BATCH_SIZE } : {}) as Iterable<Document>) {
          each?.(doc);
          n++;
        }
        return n;
      }),
    close: () => run(() => client.close() as unknown as void),
    concurrent: false,
  };
}

// ---------------------------------------------------------------------------------------------
// Callback style: what a user of mongodb-legacy writes. The only promise is the one per task that
// tells the harness the chain of callbacks has ended.

type Cb = (err?: Error | null, result?: any) => void;

/** Calls `step(i, cb)` for i = 0..n-1, each after the previous one's callback. */
function chain(n: number, step: (i: number, cb: Cb) => void, onResult?: (result: any) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let i = 0;
    const next: Cb = (err, result) => {
      if (err) return reject(err);
      if (i > 0) onResult?.(result);
      if (i === n) return resolve();
      step(i++, next);
    };
    next();
  });
}

function callbackOps(mod: DriverLike, client: any, db: any): Ops {
  const coll = db.collection('corpus');
  let bucket: any;
  return {
    command: (cmd, times) => chain(times, (_i, cb) => db.command(cmd, cb)),
    async findOneByIds(ids) {
      let found = 0;
      await chain(ids.length, (i, cb) => coll.findOne({ _id: ids[i] }, cb), (doc) => doc && found++);
      return found;
    },
    insertEach: (docs) => chain(docs.length, (i, cb) => coll.insertOne(docs[i], cb)),
    insertMany: (docs) => chain(1, (_i, cb) => coll.insertMany(docs, { ordered: true }, cb)),
    drainFind: (each) =>
      new Promise((resolve, reject) => {
        const cursor = coll.find({}, each ? { batchSize: WORK_BATCH_SIZE } : {});
        let n = 0;
        const next: Cb = (err, doc) => {
          if (err) return reject(err);
          if (doc === null) return resolve(n);
          each?.(doc);
          n++;
          cursor.next(next);
        };
        cursor.next(next);
      }),
    newBucket() {
      bucket = new mod.GridFSBucket(db);
    },
    upload: (filename, data) =>
      new Promise((resolve, reject) => {
        const stream = bucket.openUploadStream(filename);
        stream.once('error', reject);
        stream.end(data, (err?: Error | null) => (err ? reject(err) : resolve()));
      }),
    download: (idHex) =>
      new Promise((resolve, reject) => {
        let n = 0;
        const stream = bucket.openDownloadStream(new mod.ObjectId(idHex));
        stream.on('data', (chunk: Buffer) => {
          n += chunk.length;
        });
        stream.once('error', reject);
        stream.once('end', () => resolve(n));
      }),
    close: () => client.close(),
    concurrent: true,
  };
}

// ---------------------------------------------------------------------------------------------

/** The version in a package's package.json, resolved from `from` (default: this project). */
export function packageVersion(pkg: string, from?: string): string {
  try {
    const req = from ? createRequire(from) : require;
    let dir = dirname(req.resolve(pkg));
    for (let i = 0; i < 6; i++, dir = dirname(dir)) {
      try {
        const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (json.name === pkg) return json.version ?? '?';
      } catch {
        /* keep walking up */
      }
    }
  } catch {
    /* not installed */
  }
  return 'not installed';
}
