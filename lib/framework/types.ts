// The framework interface: what a caller gets back. Mapped from Motor's framework modules; members
// without meaning in Node (get_event_loop, is_event_loop, coroutine, yieldable) are left out.

/** Node-style completion callback. */
export type Callback<T = unknown> = (error: Error | undefined | null, result?: T) => void;

export interface Framework {
  /** CLASS_PREFIX: names this framework in util.inspect and in the driver handshake. */
  readonly name: string;
  /**
   * The caller's thread waits for each operation (the sync framework): the runtime pairs such a
   * framework with a blocking executor (the pool executor's blocking view) and refuses executors
   * that run the driver on the blocked thread itself.
   */
  readonly blocking?: boolean;
  /**
   * Splits a trailing completion callback off `args` when this framework takes one (callback
   * style), leaving `args` without it. `userFunctions` counts function arguments that belong to the
   * method itself (withSession's executor) and must not be taken.
   */
  takeCallback(args: unknown[], userFunctions: number): Callback | undefined;
  /**
   * get_future + chain_future: what the caller receives for a started operation. Given a
   * `callback`, the framework settles it exactly once and returns undefined.
   */
  chainFuture<T>(operation: PromiseLike<T>, callback: Callback<T> | undefined): unknown;
  /** check_event_loop: throws when the framework cannot be used in this context. */
  checkContext(): void;
  /** platform_info: appended to the driver handshake's driverInfo.platform. */
  platformInfo(): string;
  /** pymongo_class_wrapper: adapts a driver class's static async member (MongoClient.connect). */
  wrapStatic?<T>(operation: PromiseLike<T>, callback: Callback<T> | undefined): unknown;
}
// add_future and chain_return_value collapse into chainFuture: a Promise already chains values.
// is_future and call_soon are left out too: nothing in rotor asks whether a value is a future or
// defers a call through the framework.
// run_on_executor belongs to the executor (lib/executor), which a runtime pairs with a framework.
