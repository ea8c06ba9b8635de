// Runs one row of the hostile-input matrix on one target (the bare driver, inline, pool, sync) and
// records everything a row is judged on: how the operation settled, what the server holds afterwards,
// what reached the process as an uncaught exception or unhandled rejection, and the pool's counters
// once the row's clients are closed. The spec compares each rotor target's record with the bare
// driver's.
import * as mongodb from 'mongodb';
import type { Collection, Db, MongoClient, MongoClientOptions } from 'mongodb';
import { inspect, types } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createRotor, type RotorClasses } from '../../lib/index.js';
import type { PoolStats } from '../../lib/executor/pool/index.js';
import { withTimeout } from '../../lib/util/timeout.js';
import { dbName, testUri } from '../support/env.js';

/** What a row's operation gets: the target's classes and a fresh client, database and collection. */
export interface Ctx {
  /** The target's `mongodb`: the driver's own exports with the target's classes in place of the driver's. */
  readonly m: typeof mongodb;
  readonly target: TargetName;
  readonly client: MongoClient;
  readonly db: Db;
  /** The row's own collection (its name is the row's prefix: every collection the row uses starts with it). */
  readonly coll: Collection<any>;
  /** `coll`'s name, for the row's further collections (`${prefix}_files`...). */
  readonly prefix: string;
  /** A connected client with these options, closed after the row. */
  connect(options: MongoClientOptions): Promise<MongoClient>;
  /** A rotor of its own for the target (the driver's module for 'bare'), closed after the row. */
  ownRotor(): { m: typeof mongodb; close(): Promise<void> };
}

export type TargetName = 'bare' | 'inline' | 'pool' | 'sync';

interface Target {
  name: TargetName;
  /** Its name in the suite's target list (ROTOR_TEST_TARGETS). */
  listed: string;
  m: typeof mongodb;
  rotor?: RotorClasses;
  make(): RotorClasses | undefined;
  /** The target's client for every row (rows that need options make their own). */
  client?: MongoClient | undefined;
}

function rotorTarget(name: Exclude<TargetName, 'bare'>, listed: string, make: () => RotorClasses): Target {
  const rotor = make();
  return { name, listed, rotor, m: { ...mongodb, ...rotor } as unknown as typeof mongodb, make };
}

/** bare first (the reference), then the rotor targets ROTOR_TEST_TARGETS / ROTOR_TEST_EXECUTORS leave. */
export function matrixTargets(): Target[] {
  const all: Target[] = [
    { name: 'bare', listed: 'bare', m: mongodb, make: () => undefined },
    rotorTarget('inline', 'promise-inline', () => createRotor({})),
  ];
  if (process.env.ROTOR_TEST_EXECUTORS !== 'inline') {
    all.push(rotorTarget('pool', 'promise-pool', () => createRotor({ executor: 'pool', workers: 1 })));
    all.push(rotorTarget('sync', 'sync-pool', () => createRotor({ framework: 'sync', workers: 1 })));
  }
  const only = process.env.ROTOR_TEST_TARGETS?.split(',').map((t) => t.trim()).filter(Boolean);
  return only?.length ? all.filter((t) => t.name === 'bare' || only.includes(t.listed)) : all;
}

/** Closes each target's client, then reads its pool's counters ('' when all are back to zero), then closes its pool. */
export async function closeTargets(targets: readonly Target[]): Promise<string> {
  const left: string[] = [];
  for (const t of targets) {
    await Promise.resolve(t.client?.close());
    t.client = undefined;
    const stats = await t.rotor?.poolStats();
    const grew = stats ? grown(ZERO, stats, COUNTERS) : '';
    if (grew) left.push(`[${t.name}] ${grew}`);
    await t.rotor?.close();
  }
  return left.join('; ');
}

// ───────────────────────────────────────── what is recorded ─────────────────────────────────────────

export interface Record_ {
  /** `ok <value>` or `threw <class>: <message>`, normalised (ObjectIds, long strings). */
  outcome: string;
  /** The documents of every collection of the row, by collection, normalised. */
  stored: string;
  /** Uncaught exceptions and unhandled rejections that reached the process during the row. */
  host: string[];
  /** Pool counters other than `workers` that are not back to zero once the row's clients are closed. */
  leftover: string;
}

const OBJECT_ID = /ObjectId\('[0-9a-f]{24}'\)/g;
// Which trap of a revoked Proxy is hit first ('get', 'IsArray', 'ownKeys'...) depends on who looks
// first; the error (a TypeError, "on a proxy that has been revoked") is the same.
const REVOKED = /Cannot perform '[^']+' on a proxy that has been revoked/g;
const REVOKED_AS = "Cannot perform '…' on a proxy that has been revoked";

/** A value as text, deterministic: no trap of a Proxy is run, ObjectIds are all alike, long strings cut. */
export function show(value: unknown): string {
  return inspect(value, { depth: 6, sorted: true, breakLength: Infinity, maxStringLength: 48, maxArrayLength: 12, showProxy: true, getters: false }).replace(OBJECT_ID, 'ObjectId(*)');
}

// Each target has its own database, and the server names it in messages (E11000 "collection: <db>.<coll>").
let rowDb = '';

/** A thrown value as `<class>: <message>` (a non-error or a Proxy: `non-error <value>`); never runs a Proxy's traps. */
export function showThrown(error: unknown): string {
  if (!types.isProxy(error) && error instanceof Error) {
    const cls = (Object.getPrototypeOf(error) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'null-prototype';
    const message = String(error.message).replace(OBJECT_ID, 'ObjectId(*)').replace(REVOKED, REVOKED_AS);
    return `${cls}: ${rowDb ? message.replaceAll(`${rowDb}.`, '<db>.') : message}`;
  }
  // A Proxy is named, not shown: its target's stack differs from one target to the next.
  return types.isProxy(error) ? 'non-error Proxy' : `non-error ${show(error)}`;
}

// Whatever reaches the process while a row runs (a rotor defect may throw from a MessagePort
// listener or leave a rejection unhandled): recorded instead of killing the spec run.
const hostErrors: string[] = [];
const onUncaught = (error: unknown): void => void hostErrors.push(`uncaughtException ${showThrown(error)}`);
const onUnhandled = (error: unknown): void => void hostErrors.push(`unhandledRejection ${showThrown(error)}`);
export function watchHost(on: boolean): void {
  if (on) {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUnhandled);
  } else {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUnhandled);
  }
}

const settleTicks = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 15));
};

/** The reference client reading what the server holds (never a rotor one). */
let observer: MongoClient | undefined;
export async function observe(): Promise<MongoClient> {
  if (!observer) {
    observer = new mongodb.MongoClient(testUri());
    await observer.connect();
  }
  return observer;
}
export async function stopObserving(dbs: readonly string[]): Promise<void> {
  if (!observer) return;
  for (const name of dbs) await observer.db(name).dropDatabase().catch(() => {});
  await observer.close();
  observer = undefined;
}

const dbs = new Map<TargetName, string>();
export const targetDb = (t: TargetName): string => {
  let name = dbs.get(t);
  if (!name) dbs.set(t, (name = dbName(`hostile_${t}`)));
  return name;
};
export const allDbs = (): string[] => [...dbs.values()];

async function storedUnder(db: string, prefix: string): Promise<string> {
  const o = (await observe()).db(db);
  const names = (await o.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => n === prefix || n.startsWith(`${prefix}_`) || n.startsWith(`${prefix}.`)).sort();
  const parts: string[] = [];
  for (const name of names) {
    const docs = await o.collection(name).find({}, { sort: { _id: 1 } }).toArray();
    // A GridFS file's uploadDate is the moment of each target's upload.
    const alike = (d: mongodb.Document): mongodb.Document => (name.endsWith('.files') && d.uploadDate instanceof Date ? { ...d, uploadDate: 'Date(*)' } : d);
    parts.push(`${name}: ${docs.length} ${show(docs.map((d) => alike(typeof d._id === 'object' && d._id instanceof mongodb.ObjectId ? { ...d, _id: 'ObjectId(*)' } : d)))}`);
  }
  return parts.join('; ') || 'nothing';
}

const COUNTERS = ['objects', 'forwarders', 'callbacks', 'abortListeners', 'pending'] as const;
/** Counters that hold per row; `objects` counts the target's long-lived client too, and is checked once it is closed (closeTargets). */
const ROW_COUNTERS = ['forwarders', 'callbacks', 'abortListeners', 'pending'] as const;
const ZERO: PoolStats = { workers: 0, objects: 0, forwarders: 0, callbacks: 0, abortListeners: 0, pending: 0 };

/** The counters that grew from `before` to `after`, as text ('' when none did). */
const grown = (before: PoolStats, after: PoolStats, counters: ReadonlyArray<(typeof COUNTERS)[number]>): string =>
  counters.filter((k) => after[k] > before[k]).map((k) => `${k} +${after[k] - before[k]}`).join(', ');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * The row counters that grew on `target` since `before`. What a handle owns (a function in a
 * cursor's filter) is released with the handle: counters that grew are read again after a GC, so
 * only what outlives every handle counts.
 */
async function grownAfterGc(target: Target, before: PoolStats): Promise<string> {
  if (!target.rotor) return '';
  let grew = grown(before, await target.rotor.poolStats(), ROW_COUNTERS);
  for (let i = 0; grew && i < 6; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 40));
    grew = grown(before, await target.rotor.poolStats(), ROW_COUNTERS);
  }
  return grew;
}

/** Runs `run` on `target` as row `prefix` and records how it went. */
export async function runRow(target: Target, prefix: string, run: (ctx: Ctx) => unknown, timeoutMS: number): Promise<Record_> {
  hostErrors.length = 0;
  const closers: Array<() => Promise<unknown>> = [];
  const ownRotors: RotorClasses[] = [];
  const connect = async (options: MongoClientOptions): Promise<MongoClient> => {
    const c = new target.m.MongoClient(testUri(), options);
    closers.push(() => c.close());
    await c.connect();
    return c;
  };
  const ownRotor = () => {
    const rotor = target.make();
    if (!rotor) return { m: mongodb, close: () => Promise.resolve() };
    ownRotors.push(rotor);
    closers.push(() => rotor.close());
    return { m: { ...mongodb, ...rotor } as unknown as typeof mongodb, close: () => rotor.close() };
  };
  if (!target.client) {
    target.client = new target.m.MongoClient(testUri());
    await target.client.connect();
  }
  const before = (await target.rotor?.poolStats()) ?? ZERO;
  rowDb = targetDb(target.name);
  let outcome: string;
  try {
    const db = target.client.db(targetDb(target.name));
    const ctx: Ctx = { m: target.m, target: target.name, client: target.client, db, coll: db.collection(prefix), prefix, connect, ownRotor };
    const value = await withTimeout(Promise.resolve().then(() => run(ctx)), timeoutMS, `${prefix} on ${target.name}:`);
    outcome = `ok ${show(value)}`;
  } catch (error) {
    outcome = `threw ${showThrown(error)}`;
  }
  for (const close of closers.reverse()) await Promise.resolve().then(close).catch((e: unknown) => hostErrors.push(`close failed ${showThrown(e)}`));
  closers.length = 0; // the row's clients go, so what they own can be collected before the counters are read
  // A row that lost its pool worker takes the target's client with it: the next row gets a new one.
  if (outcome.includes('WorkerLostError')) {
    const lost = target.client;
    target.client = undefined;
    await Promise.resolve(lost?.close()).catch(() => {});
  }
  await settleTicks();
  const host = [...hostErrors];
  const leftover = [await grownAfterGc(target, before)];
  for (const rotor of ownRotors) leftover.push(grown(ZERO, await rotor.poolStats().catch(() => ZERO), COUNTERS));
  return { outcome, stored: await storedUnder(targetDb(target.name), prefix), host, leftover: leftover.filter(Boolean).join(', ') };
}
