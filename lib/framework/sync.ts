// The sync framework: no future at all, the value itself. Paired with a blocking executor (the pool
// executor's blocking view, lib/executor/pool/blocking.ts), whose invoke() has already waited for
// the worker's answer: chainFuture hands back the result, or throws the driver's error.
import { Settled } from './settled.js';
import type { Framework } from './types.js';

export const syncFramework: Framework = {
  name: 'sync',
  blocking: true,
  takeCallback: () => undefined,
  chainFuture(operation) {
    if (operation instanceof Settled) return operation.unwrap();
    // A member that stays asynchronous (the methods of GridFS streams, which are Node streams on
    // this thread): its Promise is handed back as is.
    return operation;
  },
  checkContext() {
    if (typeof Atomics?.wait !== 'function' || typeof SharedArrayBuffer !== 'function') {
      throw new TypeError('rotor sync framework: this JavaScript environment cannot block a thread (Atomics.wait and SharedArrayBuffer are required)');
    }
  },
  platformInfo: () => 'rotor sync',
};
