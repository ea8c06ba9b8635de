// Whether a worker thread is running, readable while this thread is blocked (the sync framework's
// waits). `worker.performance.eventLoopUtilization()` answers 0/0 until this thread's own event
// loop has handled the worker's 'online' message, which a synchronous script never lets it do: a
// dead worker and a busy one then look alike. The Worker's native handle answers at once: its loop
// idle time is ≥ 0 while the thread's environment exists, and -1 before it starts and once it has
// stopped (terminated, exited, out of memory). Node keeps that handle under an internal symbol;
// when a release does not, the public reading is used, with its blind spot.
import type { Worker } from 'node:worker_threads';

export type ThreadState = 'running' | 'not-running' | 'unknown';

interface NativeHandle {
  loopIdleTime(): number;
}

let handleKey: symbol | null | undefined;

function nativeHandle(worker: Worker): NativeHandle | undefined {
  if (handleKey === undefined) handleKey = Object.getOwnPropertySymbols(worker).find((s) => s.description === 'kHandle') ?? null;
  if (handleKey === null) return undefined;
  const handle = (worker as unknown as Record<symbol, unknown>)[handleKey];
  return handle && typeof (handle as NativeHandle).loopIdleTime === 'function' ? (handle as NativeHandle) : undefined;
}

/** 'not-running': not started yet, or stopped; 'unknown': the public reading's 0/0. */
export function threadState(worker: Worker): ThreadState {
  const handle = nativeHandle(worker);
  // The handle is dropped once this thread has processed the exit: the thread is gone.
  if (handleKey && !handle) return 'not-running';
  if (handle) return handle.loopIdleTime() >= 0 ? 'running' : 'not-running';
  const elu = worker.performance.eventLoopUtilization();
  if (elu.idle < 0) return 'not-running';
  return elu.idle === 0 && elu.active === 0 ? 'unknown' : 'running';
}
