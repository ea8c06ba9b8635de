// createRotor({ framework, executor }): a custom pairing, e.g. createRotor({ framework: 'callback' }).
import { inlineExecutor } from './executor/inline.js';
import type { Executor } from './executor/types.js';
import { callbackFramework } from './framework/callback.js';
import { promiseFramework } from './framework/promise.js';
import type { Framework } from './framework/types.js';
import type { ClassName } from './registry/kinds.js';
import { createRuntime, type RotorClass, type Runtime } from './runtime.js';

export interface RotorOptions {
  /** 'promise' (default), 'callback', or a Framework object of your own. */
  framework?: 'promise' | 'callback' | Framework;
  /** 'inline' (default): the driver runs in this thread. */
  executor?: 'inline' | Executor;
}

export const FRAMEWORKS: Readonly<Record<string, Framework>> = { promise: promiseFramework, callback: callbackFramework };
export const EXECUTORS: Readonly<Record<string, Executor>> = { inline: inlineExecutor };

export type RotorClasses = { readonly [K in ClassName]: RotorClass } & { readonly runtime: Runtime };

export function createRotor(options: RotorOptions = {}): RotorClasses {
  const framework = pick('framework', options.framework ?? 'promise', FRAMEWORKS);
  const executor = pick('executor', options.executor ?? 'inline', EXECUTORS);
  framework.checkContext();
  const runtime = createRuntime(framework, executor);
  return Object.freeze({ ...runtime.classes, runtime }) as unknown as RotorClasses;
}

function pick<T>(what: string, value: string | T, known: Readonly<Record<string, T>>): T {
  if (typeof value !== 'string') return value;
  const found = known[value];
  if (!found) throw new TypeError(`unknown rotor ${what} '${value}'; expected one of: ${Object.keys(known).join(', ')}`);
  return found;
}
