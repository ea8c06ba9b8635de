// The executor interface: where driver objects live and how calls reach them. The inline executor
// holds driver objects themselves; a pool executor holds references to objects in a worker. The
// Proxy factory and the registry only ever talk to this interface.

/** What a handle points at: the driver object (inline) or an executor-specific reference. */
export type Ref = object;

export interface Executor {
  readonly name: string;
  /** True when refs are the driver objects themselves (so `instanceof` driver classes holds). */
  readonly inProcess: boolean;
  /** Calls an async driver method; always returns a promise (a synchronous throw becomes a rejection). */
  invoke(ref: Ref, member: string | symbol, args: unknown[]): Promise<unknown>;
  /** Calls a synchronous driver method. */
  invokeSync(ref: Ref, member: string | symbol, args: unknown[]): unknown;
  /** Reads a property. */
  read(ref: Ref, member: string | symbol): unknown;
  /** Assigns a property. */
  write(ref: Ref, member: string | symbol, value: unknown): void;
  /** `new Class(...args)` for a driver class. */
  construct(driverClass: new (...args: any[]) => object, args: unknown[]): Ref;
  /** The driver class's prototype for a ref, for getPrototypeOf (in-process executors only). */
  prototypeOf(ref: Ref): object | null;
}
