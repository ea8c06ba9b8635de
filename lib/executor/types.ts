// The executor interface: where driver objects live and how calls reach them. The inline executor
// holds driver objects themselves; the pool executor holds references to objects in a worker. The
// Proxy factory and the registry only ever talk to this interface.
import type { ClassName } from '../registry/kinds.js';

/** What a handle points at: the driver object (inline) or an executor-specific reference. */
export type Ref = object;

export interface Executor {
  readonly name: string;
  /** True when refs are the driver objects themselves (so `instanceof` driver classes holds). */
  readonly inProcess: boolean;
  /**
   * Calls an async driver method; a synchronous throw becomes a rejection. A Promise, or, from a
   * blocking executor, an already-settled thenable (framework/settled.ts) whose `then` runs at once.
   */
  invoke(ref: Ref, member: string | symbol, args: unknown[]): PromiseLike<unknown>;
  /** Calls a synchronous driver method and returns its value. */
  call(ref: Ref, member: string | symbol, args: unknown[]): unknown;
  /** A cursor-chaining call: its result is the same object, so an executor may apply it later, in order. */
  chain(ref: Ref, member: string | symbol, args: unknown[]): void;
  /** A synchronous factory: returns the ref of the new object, declared to be of class `cls`. */
  factory(ref: Ref, member: string | symbol, args: unknown[], cls: ClassName): Ref;
  /** EventEmitter methods (on, off, emit, listenerCount...). */
  listen(ref: Ref, member: string | symbol, args: unknown[]): unknown;
  /** Reads a property. */
  read(ref: Ref, member: string | symbol): unknown;
  /** Assigns a property. */
  write(ref: Ref, member: string | symbol, value: unknown): void;
  /**
   * Reads a member the registry does not list (duck typing, driver internals): the value, or
   * `undefined` when the object has no such member. Never throws a rotor error (inline: a throwing
   * driver getter throws as it would bare).
   */
  probe(ref: Ref, member: string | symbol): unknown;
  /**
   * The same read as a handle answers it: driver objects in the value become handles through
   * `wrap`, and a driver method comes back bound to its object (`probed` caches the bound function).
   */
  expose(ref: Ref, member: string | symbol, wrap: (value: unknown) => unknown, probed: () => Map<PropertyKey, readonly [unknown, unknown]>): unknown;
  /** What a handle is to the BSON serializer when it sits in a document (in-process: the driver object). */
  bsonValue?(ref: Ref): unknown;
  /** Assigns a member the registry does not list (an app's own flag on a driver object); `probe` reads it back. */
  assign(ref: Ref, member: string | symbol, value: unknown): void;
  /** `new Class(...args)` for a driver class. */
  construct(cls: ClassName, driverClass: new (...args: any[]) => object, args: unknown[]): Ref;
  /** Starts `for await` over a cursor, change stream or download stream. */
  iterate(ref: Ref, member: string | symbol): AsyncIterator<unknown>;
  /** `for...of` over a cursor, batch by batch: only blocking executors (the sync framework's) have it. */
  iterateSync?(ref: Ref): Iterator<unknown>;
  /** The inspect label of a ref whose driver object is elsewhere (in-process executors use the registry's label directly). */
  label?(ref: Ref): string;
  /** The class of one of this executor's refs (executors whose refs are not driver objects). */
  classOf?(ref: object): import('../registry/resolve.js').ResolvedClass | undefined;
  /**
   * Whether a cursor read would fetch a batch now (nothing buffered where this executor takes
   * documents from): executors that buffer batches themselves answer it (the pool); without it,
   * the cursor's own count member does. Asked only when interceptors are on.
   */
  wouldFetch?(ref: Ref): boolean;
  /** The driver class's prototype for a ref, for getPrototypeOf; undefined where refs are not driver objects. */
  prototypeOf(ref: Ref): object | null | undefined;
}
