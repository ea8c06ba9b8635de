// The pool executor's own errors: what a caller sees when the worker, not the server, failed.

/** The worker hosting the driver object died (out of memory, terminated, failed to start). */
export class WorkerLostError extends Error {
  override name = 'WorkerLostError';
}

/** The pool was closed (`rotor.close()`, closeSharedPool()): nothing more can run on it. */
export class PoolClosedError extends Error {
  override name = 'PoolClosedError';
  constructor(what: string) {
    super(`rotor pool is closed: ${what} cannot run (create a new rotor, or a client with its own pool)`);
  }
}

/** A blocking call got no answer within its bound (see ./blocking-bound.ts); the operation may still complete in the worker. */
export class BlockingTimeoutError extends Error {
  override name = 'BlockingTimeoutError';
}
