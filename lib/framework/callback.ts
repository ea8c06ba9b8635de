// Node callbacks, the mongodb-legacy convention: a trailing function gets (err, result) exactly once
// and the call returns undefined; without one, a Promise.
import type { Callback, Framework } from './types.js';

function countFunctions(args: unknown[]): number {
  let n = 0;
  for (const a of args) if (typeof a === 'function') n++;
  return n;
}

export const callbackFramework: Framework = {
  name: 'callback',
  takeCallback(args, userFunctions) {
    const last = args[args.length - 1];
    if (typeof last !== 'function') return undefined;
    if (userFunctions > 0 && countFunctions(args) <= userFunctions) return undefined;
    args.pop();
    return last as Callback;
  },
  chainFuture(operation, callback) {
    if (!callback) return operation;
    // nextTick: the callback runs outside the promise chain, so one that throws surfaces as an
    // uncaught exception (like Node's own callback APIs) and can never be called a second time.
    operation.then(
      (result) => process.nextTick(callback, undefined, result),
      (error: Error) => process.nextTick(callback, error),
    );
    return undefined;
  },
  checkContext: () => {},
  platformInfo: () => 'rotor callback',
};
