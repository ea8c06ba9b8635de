// Whether a worker thread runs, readable while this thread is blocked. `worker.performance.eventLoopUtilization()`
// reads 0/0 until this thread's loop handled the worker's 'online' message, which a synchronous script never lets it
// do (dead and busy look alike); Node's internal `kHandle` answers at once: loop idle time ≥ 0 while running, else -1.
import type { Worker } from 'node:worker_threads';

let handleKey: symbol | null | undefined;

/** 'not-running': not started yet, or stopped; 'unknown': the public reading's 0/0 (no native handle in this Node). */
export function threadState(worker: Worker): 'running' | 'not-running' | 'unknown' {
  if (handleKey === undefined) handleKey = Object.getOwnPropertySymbols(worker).find((s) => s.description === 'kHandle') ?? null;
  if (handleKey) {
    const handle = (worker as unknown as Record<symbol, { loopIdleTime?: () => number } | undefined>)[handleKey];
    // The handle is dropped once this thread has processed the exit.
    return typeof handle?.loopIdleTime === 'function' && handle.loopIdleTime() >= 0 ? 'running' : 'not-running';
  }
  const elu = worker.performance.eventLoopUtilization();
  if (elu.idle < 0) return 'not-running';
  return elu.idle === 0 && elu.active === 0 ? 'unknown' : 'running';
}
