// What a runtime is (../runtime.ts makes them): the types the Proxy factory and handle state read,
// kept apart so the proxy's modules depend on no module that depends on them.
import type { Executor } from './executor/types.js';
import type { Framework } from './framework/types.js';
import type { Interceptor } from './intercept/types.js';
import type { ClassName } from './registry/kinds.js';
import type { ResolvedClass } from './registry/resolve.js';

/** A rotor class: `new` makes a handle; `instanceof` recognises handles of the class and subclasses. */
export type RotorClass = (new (...args: any[]) => object) & Record<string, unknown>;

export interface Runtime {
  readonly framework: Framework;
  readonly executor: Executor;
  /**
   * Strict handles throw on any member outside the registry (reads, assignments), with "did you
   * mean"; otherwise such members answer like the driver object (duck typing, internals, expandos).
   */
  readonly strict: boolean;
  /** Interceptors around every operation of this runtime's handles (lib/intercept); undefined: none, and no cost. */
  readonly interceptors: readonly Interceptor[] | undefined;
  /**
   * Strict runtimes only: answers a member outside the registry before it throws — the REPL's
   * mongosh helpers (`db.getName()`, `db.users`), lib/repl/shell-members.ts; undefined lets it throw.
   */
  shell?: (handle: object, name: string) => unknown;
  /** The handle already made for a driver object, if any: the same object always yields the same handle. */
  handleOf(ref: object): object | undefined;
  rememberHandle(ref: object, handle: object): void;
  readonly classes: Readonly<Record<string, RotorClass>>;
  /** The registered class of a driver object, or undefined for anything else (documents...). */
  classOf(value: object): ResolvedClass | undefined;
  resolved(name: ClassName): ResolvedClass;
  /** Another runtime for a client's own `{ rotor: { framework, executor, workers } }` option. */
  select?(options: Record<string, unknown>): Runtime;
}

