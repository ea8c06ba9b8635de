// Starting the pool's worker thread as the app's process was started: its node flags (those a worker takes) and its
// environment (shared, live: what the app sets after import, dotenv or AWS_* credentials, is what the driver reads);
// and starting one early, before the app loads (rotor/register, rotor/sync), for the first slot to adopt.
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARE_ENV, Worker, type ResourceLimits } from 'node:worker_threads';
import { Tinypool } from 'tinypool';
import type { PoolWorkerData } from '../protocol.js';

/** Marks rotor's own worker in its workerData, for rotor/register (preloaded in every thread) to stay out of it. */
export const POOL_WORKER_MARK = 'rotorPoolWorker';

/** Each pool's "the worker's code ran" mark: a thread not running after it did has stopped, not "not started yet". */
const startedMarks = new WeakMap<Tinypool, Int32Array>();

/** Whether the pool's worker ever ran its code (read while this thread is blocked: no event needed). */
export function workerEverRan(pool: Tinypool): boolean {
  const mark = startedMarks.get(pool);
  return mark !== undefined && Atomics.load(mark, 0) === 1;
}

/** The flags a worker takes, found once per process (see withWorkerFlags). */
let takenFlags: string[] | undefined;

/** Each flag with its separate value (`--title x`): execArgv holds node's options only, so a non-option is a value. */
export function flagGroups(execArgv: readonly string[]): string[][] {
  const groups: string[][] = [];
  for (const arg of execArgv) {
    const last = groups.at(-1);
    if (last && !arg.startsWith('-') && last.length === 1) last.push(arg);
    else groups.push([arg]);
  }
  return groups;
}

/** rotor/register's entry files (ES module, CommonJS). */
const REGISTER_ENTRIES = ['index.js', 'register.cjs'].map((file) => fileURLToPath(new URL(`../../../register/${file}`, import.meta.url)));
const PRELOAD = /^(?:--import|--require|-r)(?:=(.*))?$/;

/** Whether a flag group preloads rotor/register (by name, path or URL, resolved from the working directory as Node does). */
function preloadsRegister(group: readonly string[]): boolean {
  const match = PRELOAD.exec(group[0]!);
  const value = match?.[1] ?? (match ? group[1] : undefined);
  if (value === undefined) return false;
  try {
    const file = value.startsWith('file:') ? realpathSync(fileURLToPath(value)) : createRequire(join(process.cwd(), 'noop.js')).resolve(value);
    return REGISTER_ENTRIES.includes(file);
  } catch {
    return false; // not resolvable from here: the worker resolves it as the app did
  }
}

/**
 * The process's flags a worker may inherit: all but `--input-type` (string input only: a worker from a file fails with
 * it) and rotor/register's preload (it stays out of rotor's own worker: loading it there would only slow the start).
 */
export function candidateFlags(execArgv: readonly string[]): string[] {
  return flagGroups(execArgv).filter((g) => !/^--input-type(=|$)/.test(g[0]!) && !preloadsRegister(g)).flat();
}

const refusedByWorkers = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'ERR_WORKER_INVALID_EXEC_ARGV';

/** Whether Node lets a worker take this flag (not `--title`, nor V8's, process-wide): asking keeps Node's rule. */
function workerTakes(group: string[]): boolean {
  try {
    const probe = new Worker('', { eval: true, execArgv: group, env: SHARE_ENV, stdout: true, stderr: true });
    probe.unref();
    void probe.terminate();
    return true;
  } catch (error) {
    if (refusedByWorkers(error)) return false;
    throw error;
  }
}

/** Starts a worker with all the candidate flags; if Node refuses some, each is asked about once, for the process. */
function withWorkerFlags<T>(start: (execArgv: string[]) => T): T {
  if (takenFlags) return start(takenFlags);
  const candidates = candidateFlags(process.execArgv);
  try {
    const started = start(candidates);
    takenFlags = candidates;
    return started;
  } catch (error) {
    if (!refusedByWorkers(error)) throw error;
    takenFlags = flagGroups(candidates).filter(workerTakes).flat();
    return start(takenFlags);
  }
}

/** NODE_OPTIONS as the process started with it (the app may change the variable later, for its children). */
const startupNodeOptions = process.env.NODE_OPTIONS ?? '';
const OLD_SPACE = /^--max[-_]old[-_]space[-_]size(?:=(\d+))?$/;

/** The worker's resourceLimits when the pool has none: the process's --max-old-space-size (command line over NODE_OPTIONS), which a worker may not take as a flag. */
export function heapLimitsFromFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = startupNodeOptions): { maxOldGenerationSizeMb: number } | undefined {
  let mb: number | undefined;
  for (const group of flagGroups([...nodeOptions.split(/\s+/).filter(Boolean), ...execArgv])) {
    const match = OLD_SPACE.exec(group[0]!);
    const value = Number(match?.[1] ?? group[1]);
    if (match && Number.isFinite(value) && value > 0) mb = value;
  }
  return mb === undefined ? undefined : { maxOldGenerationSizeMb: mb };
}

/** tinypool running one rotor pool worker (../worker/entry.ts) under the process's flags and environment. */
export function startWorkerPool(limits: ResourceLimits | undefined): Tinypool {
  const data: PoolWorkerData = { [POOL_WORKER_MARK]: true, started: new SharedArrayBuffer(4) };
  const pool = withWorkerFlags(
    (execArgv) =>
      new Tinypool({
        filename: fileURLToPath(new URL('../worker/entry.js', import.meta.url)),
        minThreads: 1,
        maxThreads: 1,
        // Never park the idle worker in Atomics.wait: it would freeze heartbeats, pool maintenance and change streams.
        useAtomics: false,
        idleTimeout: Number.POSITIVE_INFINITY,
        execArgv,
        env: SHARE_ENV as unknown as Record<string, string>, // typed an object; handed to the Worker as it is
        workerData: data,
        ...(limits ? { resourceLimits: limits } : {}),
      }),
  );
  startedMarks.set(pool, new Int32Array(data.started));
  return pool;
}

let early: { pool: Tinypool; exited: boolean } | undefined;

/** Starts a worker now, to load the driver while this thread loads the app (see takeEarlyWorker). */
export function startEarlyWorker(): void {
  if (early) return;
  const started = { pool: startWorkerPool(heapLimitsFromFlags()), exited: false };
  started.pool.on('error', () => {}); // a death before a slot adopts it is only noted: the slot starts its own
  const thread = (started.pool.threads[0] as unknown as { thread: Worker } | undefined)?.thread;
  thread?.unref(); // an app that never uses the pool still exits
  thread?.once('exit', () => (started.exited = true));
  early = started;
}

/** The early worker, once, if it is still alive (for a slot whose pool has no resourceLimits of its own). */
export function takeEarlyWorker(): Tinypool | undefined {
  const taken = early;
  early = undefined;
  if (taken && !taken.exited) return taken.pool;
  void taken?.pool.destroy().catch(() => {});
  return undefined;
}
