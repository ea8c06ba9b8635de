// The state behind each handle (the Proxy's target) and how to recognise a handle.
import type { ResolvedClass } from '../registry/resolve.js';
import type { Ref } from '../executor/types.js';
import type { Runtime } from '../runtime-types.js';
import type { Subclass } from './subclass.js';

export interface HandleState {
  readonly cls: ResolvedClass;
  readonly ref: Ref;
  readonly runtime: Runtime;
  proxy: object;
  /** Methods bound to this handle, made on first access so later reads allocate nothing. */
  methods: Map<PropertyKey, unknown> | undefined;
  /** Driver functions read outside the registry: [the driver's function, it bound to the driver object]. */
  probed?: Map<PropertyKey, readonly [unknown, unknown]>;
  /** Set when the handle was made by a subclass's constructor (`class MyClient extends MongoClient`). */
  sub?: Subclass;
  // With interceptors (lib/intercept) only:
  /** The client's first host, taken from the handle's maker. */
  server?: Server;
  /** The member that made this handle (a cursor's `find`). */
  origin?: string;
  /** Batch fetches intercepted so far (cursors). */
  fetches?: number;
  /** Database and collection names, read once from the registry's namespace member. */
  names?: { readonly database: string | undefined; readonly collection: string | undefined };
}

/** A server as tracing names it: host and port of the connection string (no credentials). */
export interface Server {
  readonly address: string;
  readonly port: number | undefined;
}

/**
 * A handle answers this key with its state: how handles passed back into the driver are unwrapped
 * and how `instanceof` recognises them. (A symbol read instead of a WeakMap: WeakMap entries keyed
 * by Proxies cost ~0.8 µs each to create and tax every GC.)
 */
export const STATE = Symbol('rotor.handle');

export function stateOf(value: unknown): HandleState | undefined {
  return typeof value === 'object' && value !== null ? ((value as Record<symbol, HandleState | undefined>)[STATE] ?? undefined) : undefined;
}
