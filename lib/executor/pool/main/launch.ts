// How the pool's worker thread is started from what the app's process was started with: its node
// flags (the ones a worker thread takes) and its environment (shared, live); and starting one early,
// before the app loads (rotor/register on the pool), for the first slot to adopt.
import { fileURLToPath } from 'node:url';
import { SHARE_ENV, Worker, type ResourceLimits } from 'node:worker_threads';
import { Tinypool } from 'tinypool';

/**
 * Marks rotor's own pool worker in its workerData (read by rotor/register, lib/register/register.cts,
 * which stays out of it). Not an environment variable: the worker shares the app's environment.
 */
export const POOL_WORKER_MARK = 'rotorPoolWorker';

/**
 * The environment the worker sees: the process's own, shared, so what the app sets after import
 * (`dotenv.config()`, MONGODB_LOG_*, AWS_* credentials) is what the driver reads there at each call.
 */
export const WORKER_ENV: typeof SHARE_ENV = SHARE_ENV;

/**
 * Options about the main entry's string input (`node --input-type=module -e`): a worker takes them,
 * but one started from a file fails to load with them.
 */
const STRING_INPUT_ONLY = /^--input-type(=|$)/;

/** The flags Node refused for a worker, found once per process (see withWorkerFlags). */
let takenFlags: string[] | undefined;

/**
 * A flag with its separate value (`--title x`): the worker takes or leaves both. execArgv holds only
 * node's options, so an entry not starting with '-' is the value of the one before.
 */
export function flagGroups(execArgv: readonly string[]): string[][] {
  const groups: string[][] = [];
  for (const arg of execArgv) {
    const last = groups.at(-1);
    if (last && !arg.startsWith('-') && last.length === 1) last.push(arg);
    else groups.push([arg]);
  }
  return groups;
}

/** The process's flags a worker may inherit before asking Node: all but string-input ones. */
export function candidateFlags(execArgv: readonly string[]): string[] {
  return flagGroups(execArgv)
    .filter((g) => !STRING_INPUT_ONLY.test(g[0]!))
    .flat();
}

const refusedByWorkers = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'ERR_WORKER_INVALID_EXEC_ARGV';

/**
 * Whether Node lets a worker thread take this flag. Node refuses per-process options (`--title`,
 * `--abort-on-uncaught-exception`) and V8 options (`--max-old-space-size`, `--expose-gc`,
 * `--stack-trace-limit`): V8's are process-wide, so the worker runs under them anyway (its heap
 * limit is the one --max-old-space-size sets); the others concern the process, not a thread.
 * Asking Node keeps the rule its own, flag by flag, across versions.
 */
function workerTakes(group: string[]): boolean {
  try {
    const probe = new Worker('', { eval: true, execArgv: group, env: WORKER_ENV, stdout: true, stderr: true });
    probe.unref();
    void probe.terminate();
    return true;
  } catch (error) {
    if (refusedByWorkers(error)) return false;
    throw error;
  }
}

/**
 * Starts a worker (through `start`) with the process's flags that a worker takes. First with all of
 * them (no probe: the usual case costs nothing); if Node refuses some, each flag is asked about
 * once (refused ones throw before any thread starts) and the answer kept for the process.
 */
export function withWorkerFlags<T>(start: (execArgv: string[]) => T): T {
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

/**
 * The worker's resourceLimits when the pool was given none: the heap limit the process was started
 * with (--max-old-space-size, on the command line or in NODE_OPTIONS), which a worker may not take
 * as a flag. V8's flag applies to every isolate anyway; stating it as the worker's limit keeps
 * `worker.resourceLimits` true, should a Node version stop letting the flag win.
 */
export function heapLimitsFromFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = startupNodeOptions): { maxOldGenerationSizeMb: number } | undefined {
  let mb: number | undefined;
  // NODE_OPTIONS first: the command line wins over it, as in node.
  for (const group of flagGroups([...nodeOptions.split(/\s+/).filter(Boolean), ...execArgv])) {
    const match = OLD_SPACE.exec(group[0]!);
    const value = Number(match?.[1] ?? group[1]);
    if (match && Number.isFinite(value) && value > 0) mb = value;
  }
  return mb === undefined ? undefined : { maxOldGenerationSizeMb: mb };
}

/** tinypool running one rotor pool worker (./worker.ts) under the process's flags and environment. */
export function startWorkerPool(limits: ResourceLimits | undefined): Tinypool {
  return withWorkerFlags(
    (execArgv) =>
      new Tinypool({
        filename: fileURLToPath(new URL('../worker/index.js', import.meta.url)),
        minThreads: 1,
        maxThreads: 1,
        // Never park the idle worker in Atomics.wait: it would freeze heartbeats, connection-pool
        // maintenance and change-stream events between requests.
        useAtomics: false,
        idleTimeout: Number.POSITIVE_INFINITY,
        execArgv,
        // tinypool's type says an object; its thread runtime hands `env` to the Worker as it is.
        env: WORKER_ENV as unknown as Record<string, string>,
        // rotor/register, preloaded by NODE_OPTIONS in every thread, stays out of rotor's own worker.
        workerData: { [POOL_WORKER_MARK]: true },
        ...(limits ? { resourceLimits: limits } : {}),
      }),
  );
}

type Thread = { thread: Worker };
let early: { pool: Tinypool; exited: boolean } | undefined;

/**
 * Starts a worker now, for the first pool slot to adopt (takeEarlyWorker). rotor/register calls it
 * before the app loads: the worker then loads the driver while this thread does, instead of after
 * (it otherwise starts once rotor's modules, and the driver, have loaded here).
 */
export function startEarlyWorker(): void {
  if (early) return;
  const pool = startWorkerPool(heapLimitsFromFlags());
  const started = { pool, exited: false };
  // Until a slot adopts it, a death is only noted (the slot then starts its own).
  pool.on('error', () => {});
  const thread = (pool.threads[0] as unknown as Thread | undefined)?.thread;
  thread?.unref(); // an app that never uses the pool still exits
  thread?.once('exit', () => {
    started.exited = true;
  });
  early = started;
}

/** The early worker, once, if it is still alive (a slot whose pool has no resourceLimits of its own adopts it). */
export function takeEarlyWorker(): Tinypool | undefined {
  const taken = early;
  early = undefined;
  if (taken && !taken.exited) return taken.pool;
  void taken?.pool.destroy().catch(() => {});
  return undefined;
}
