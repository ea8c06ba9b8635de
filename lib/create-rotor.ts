// createRotor({ framework, executor }): a custom pairing, e.g. createRotor({ framework: 'callback' }).
import { inlineExecutor } from './executor/inline.js';
import { createPoolExecutor } from './executor/pool/index.js';
import type { Executor } from './executor/types.js';
import { callbackFramework } from './framework/callback.js';
import { promiseFramework } from './framework/promise.js';
import type { Framework } from './framework/types.js';
import type { ClassName } from './registry/kinds.js';
import { createRuntime, type RotorClass, type Runtime } from './runtime.js';

export interface RotorOptions {
  /** 'promise' (default), 'callback', or a Framework object of your own. */
  framework?: 'promise' | 'callback' | Framework;
  /** 'inline' (default): the driver runs in this thread; 'pool': in tinypool worker threads. */
  executor?: 'inline' | 'pool' | Executor;
  /** Worker threads for a pool executor of this rotor's own (default: the shared pool, ROTOR_POOL_WORKERS or 1). */
  workers?: number;
  /**
   * true: a member outside the registry throws on read or assignment (`db.usres` → TypeError, with
   * "did you mean"), as the REPL wants. Default false: such members answer like the driver object
   * (absent → undefined; driver internals and an app's own properties readable), as libraries expect.
   */
  strict?: boolean;
}

export const FRAMEWORKS: Readonly<Record<string, Framework>> = { promise: promiseFramework, callback: callbackFramework };

let sharedPool: ReturnType<typeof createPoolExecutor> | undefined;
/** The shared pool executor, started on first use. */
export function sharedPoolExecutor(): ReturnType<typeof createPoolExecutor> {
  return (sharedPool ??= createPoolExecutor({ workers: Number(process.env.ROTOR_POOL_WORKERS ?? 1) }));
}

/** Stops the shared pool's workers (a process with a live pool otherwise stays up). */
export async function closeSharedPool(): Promise<void> {
  const pool = sharedPool;
  sharedPool = undefined;
  await pool?.close();
}

export const EXECUTORS: Readonly<Record<string, Executor>> = Object.defineProperties({ inline: inlineExecutor } as Record<string, Executor>, {
  pool: { enumerable: true, get: sharedPoolExecutor },
});

export type RotorClasses = { readonly [K in ClassName]: RotorClass } & { readonly runtime: Runtime };

export function createRotor(options: RotorOptions = {}): RotorClasses {
  const framework = pick('framework', options.framework ?? 'promise', FRAMEWORKS);
  const executor =
    options.executor === 'pool' && options.workers !== undefined
      ? createPoolExecutor({ workers: options.workers })
      : pick('executor', options.executor ?? 'inline', EXECUTORS);
  framework.checkContext();
  const strict = options.strict ?? false;
  const runtime = createRuntime(framework, executor, { strict });
  const selected = new Map<string, Runtime>();
  runtime.select = (own) => {
    const key = JSON.stringify([own.framework ?? null, own.executor ?? null, own.workers ?? null]);
    let other = selected.get(key);
    if (!other) {
      other = createRotor({
        framework: (own.framework as RotorOptions['framework']) ?? framework,
        executor: (own.executor as RotorOptions['executor']) ?? executor,
        ...(own.workers !== undefined ? { workers: Number(own.workers) } : {}),
        strict,
      }).runtime;
      selected.set(key, other);
    }
    return other;
  };
  return Object.freeze({ ...runtime.classes, runtime }) as unknown as RotorClasses;
}

function pick<T>(what: string, value: string | T, known: Readonly<Record<string, T>>): T {
  if (typeof value !== 'string') return value;
  const found = known[value];
  if (!found) throw new TypeError(`unknown rotor ${what} '${value}'; expected one of: ${Object.keys(known).join(', ')}`);
  return found;
}
