// The one deadline helper: a promise raced against a timer that is always cleared, so a settled
// operation never keeps the process alive and a hung one fails with a message naming it.

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** `promise`, or a TimeoutError `${what} timed out after ${ms} ms` if it has not settled by then. */
export function withTimeout<T>(promise: PromiseLike<T>, ms: number, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
