// createRotor({ framework, executor }): a custom pairing, e.g. createRotor({ framework: 'callback' }).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as PoolIndex from './executor/pool/index.js';
import type * as PoolBlocking from './executor/pool/blocking.js';
import { inlineExecutor } from './executor/inline.js';
import type { PoolExecutor, PoolStats } from './executor/pool/index.js';
import type { ResourceLimits } from 'node:worker_threads';
import type { Executor } from './executor/types.js';
import { callbackFramework } from './framework/callback.js';
import { promiseFramework } from './framework/promise.js';
import { syncFramework } from './framework/sync.js';
import type { Framework } from './framework/types.js';
import { bundleOr } from './util/bundle.js';
import type { ClassName } from './registry/kinds.js';
import { createRuntime, type RotorClass, type Runtime } from './runtime.js';
import { checkInterceptors, type Interceptor } from './intercept/types.js';

export interface RotorOptions {
  /** 'promise' (default), 'callback', 'sync' (blocking: the value itself), or a Framework object of your own. */
  framework?: 'promise' | 'callback' | 'sync' | Framework;
  /** 'inline' (default): the driver runs in this thread; 'pool': in tinypool worker threads (the default, and required, for 'sync'). */
  executor?: 'inline' | 'pool' | Executor;
  /** Worker threads for a pool executor of this rotor's own (default: the shared pool, ROTOR_POOL_WORKERS or 1). */
  workers?: number;
  /** Resource limits of this rotor's own pool workers (maxOldGenerationSizeMb...). */
  resourceLimits?: ResourceLimits;
  /**
   * true: a member outside the registry throws on read or assignment (`db.usres` → TypeError, with
   * "did you mean"), as the REPL wants. Default false: such members answer like the driver object
   * (absent → undefined; driver internals and an app's own properties readable), as libraries expect.
   */
  strict?: boolean;
  /**
   * Interceptors, outermost first: each is one function around every operation of this rotor's
   * handles (README "Interceptors"). A client's own `{ rotor: { use } }` adds to these, inside them.
   */
  use?: readonly Interceptor[];
}

export const FRAMEWORKS: Readonly<Record<string, Framework>> = { promise: promiseFramework, callback: callbackFramework, sync: syncFramework };

// The pool's modules (a third of rotor's, and tinypool) load on first need: an inline rotor never
// loads them. With require(): createRotor() and the executor getter are synchronous. It skips the
// app's ESM resolve hooks (module.register), so nothing in them may depend on one: they reach the
// driver through ./driver.ts (a require('mongodb'), already loaded by then), never by
// `import 'mongodb'` — under a hook mapping 'mongodb' to another copy (the 6.x run's), the pool's
// codec would otherwise hold other bson classes than the app's (ObjectIds stored as { buffer };
// spec in spec/pool.spec.ts, fresh process).
type PoolModules = typeof PoolIndex & typeof PoolBlocking;
let loadedPool: PoolModules | undefined;
/**
 * The pool's modules as this process runs them (the bundle or the modules: ./util/bundle.ts). rotor's
 * own tools (bench, specs) reach the pool's internals through it, so they meet the same classes and
 * counters as the executors createRotor makes.
 */
export function poolModules(): PoolModules {
  if (loadedPool) return loadedPool;
  const load = createRequire(import.meta.url);
  // One file (scripts/bundle-pool.mjs), but under coverage or after a tsc-only rebuild (./util/bundle.ts).
  const bundle = new URL('./executor/pool/bundle.js', import.meta.url);
  if (bundleOr(bundle, new URL('./executor/pool/index.js', import.meta.url)) === bundle) return (loadedPool = load(fileURLToPath(bundle)) as PoolModules);
  return (loadedPool = { ...(load('./executor/pool/index.js') as typeof PoolIndex), ...(load('./executor/pool/blocking.js') as typeof PoolBlocking) });
}

/** The executor a framework runs with (see executorFor in ./executor/pool/blocking.ts); without the pool's modules when no pool is involved. */
export function executorFor(framework: Framework, executor: Executor): Executor {
  const poolInvolved = framework.blocking || isPool(executor) || (executor as { base?: unknown }).base !== undefined;
  return poolInvolved ? poolModules().executorFor(framework, executor) : executor;
}

let sharedPool: PoolExecutor | undefined;
/** The shared pool executor, started on first use. */
export function sharedPoolExecutor(): PoolExecutor {
  if (sharedPool) return sharedPool;
  const variable = process.env.ROTOR_POOL_WORKERS?.trim() || '1';
  const workers = /^\d+$/.test(variable) ? Number(variable) : NaN;
  if (!(workers >= 1)) throw new Error(`rotor: ROTOR_POOL_WORKERS='${variable}' is not a number of worker threads (a whole number ≥ 1)`);
  return (sharedPool = poolModules().createPoolExecutor({ workers }));
}

/** Stops the shared pool's workers (a process with a live pool otherwise stays up). */
export async function closeSharedPool(): Promise<void> {
  const pool = sharedPool;
  sharedPool = undefined;
  await pool?.close();
}

export const EXECUTORS: Readonly<Record<string, Executor>> = Object.defineProperties({ inline: inlineExecutor }, {
  pool: { enumerable: true, get: sharedPoolExecutor },
});

export type RotorClasses = { readonly [K in ClassName]: RotorClass } & {
  readonly runtime: Runtime;
  /** The pool's counters, summed over its workers (zeros for an in-process executor). */
  poolStats(): Promise<PoolStats>;
  /** Stops this rotor's own pool workers (a rotor on the shared pool leaves it to closeSharedPool()). */
  close(): Promise<void>;
};

const NO_POOL: PoolStats = { workers: 0, objects: 0, forwarders: 0, callbacks: 0, abortListeners: 0, pending: 0 };
const isPool = (executor: Executor): executor is PoolExecutor => typeof (executor as Partial<PoolExecutor>).stats === 'function';

export function createRotor(options: RotorOptions = {}): RotorClasses {
  const framework = pick('framework', options.framework ?? 'promise', FRAMEWORKS);
  // A blocking framework (sync) runs on the pool by default: it cannot run with the driver on its own thread.
  const chosen = options.executor ?? (framework.blocking ? 'pool' : 'inline');
  const ownPool = chosen === 'pool' && (options.workers !== undefined || options.resourceLimits !== undefined);
  framework.checkContext();
  const executor = executorFor(
    framework,
    ownPool
      ? poolModules().createPoolExecutor({ ...(options.workers !== undefined ? { workers: options.workers } : {}), ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}) })
      : pick('executor', chosen, EXECUTORS),
  );
  const strict = options.strict ?? false;
  const interceptors = checkInterceptors(options.use, 'createRotor({ use })', framework.blocking);
  const runtime = createRuntime(framework, executor, { strict, ...(interceptors ? { interceptors } : {}) });
  const selected = new Map<string, Runtime>();
  // A client's own interceptors: one runtime per `use` array (an app reusing its options object reuses it).
  const selectedWith = new WeakMap<object, Map<string, Runtime>>();
  runtime.select = (own) => {
    const key = JSON.stringify([own.framework ?? null, own.executor ?? null, own.workers ?? null]);
    const ownUse = checkInterceptors(own.use, "MongoClient's { rotor: { use } }", pick('framework', (own.framework as RotorOptions['framework']) ?? framework, FRAMEWORKS).blocking);
    const cache = own.use === undefined ? selected : selectedWith.get(own.use as object) ?? new Map<string, Runtime>();
    if (own.use !== undefined) selectedWith.set(own.use as object, cache);
    let other = cache.get(key);
    if (!other) {
      const use = [...(interceptors ?? []), ...(ownUse ?? [])];
      other = createRotor({
        framework: (own.framework as RotorOptions['framework']) ?? framework,
        executor: (own.executor as RotorOptions['executor']) ?? executor,
        ...(own.workers !== undefined ? { workers: Number(own.workers) } : {}),
        strict,
        use,
      }).runtime;
      cache.set(key, other);
    }
    return other;
  };
  return Object.freeze({
    ...runtime.classes,
    runtime,
    poolStats: () => (isPool(executor) ? executor.stats() : Promise.resolve({ ...NO_POOL })),
    close: () => (ownPool && isPool(executor) ? executor.close() : Promise.resolve()),
  }) as unknown as RotorClasses;
}

function pick<T>(what: string, value: string | T, known: Readonly<Record<string, T>>): T {
  if (typeof value !== 'string') return value;
  const found = known[value];
  if (!found) throw new TypeError(`unknown rotor ${what} '${value}'; expected one of: ${Object.keys(known).join(', ')}`);
  return found;
}
