// A third framework, written in one small file to prove the framework interface is pluggable:
// every async command returns a `Deferred`, a thenable that is not a Promise.
import type { Callback, Framework } from '../../lib/framework/types.js';

export class Deferred<T> implements PromiseLike<T> {
  constructor(private readonly operation: Promise<T>) {}
  then<A = T, B = never>(onFulfilled?: ((value: T) => A | PromiseLike<A>) | null, onRejected?: ((reason: any) => B | PromiseLike<B>) | null): PromiseLike<A | B> {
    return new Deferred(this.operation.then(onFulfilled, onRejected));
  }
}

export const thenableFramework: Framework = {
  name: 'thenable',
  takeCallback: () => undefined,
  chainFuture: <T>(operation: Promise<T>, _callback: Callback<T> | undefined) => new Deferred(operation),
  checkContext: () => {},
  platformInfo: () => 'rotor thenable (spec)',
};
