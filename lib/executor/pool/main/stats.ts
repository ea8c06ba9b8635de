// The pool's counters (poolStats(), the specs' leak checks, the bench): each slot's, and their sum.

export interface SlotStats {
  /** Driver objects the worker holds for live handles. */
  objects: number;
  /** Event listeners forwarding to the main thread. */
  forwarders: number;
  /** User functions (callbacks, transforms) the worker may still call. */
  callbacks: number;
  /** AbortSignal listeners: of commands in flight, and of open cursors made with a signal. */
  abortListeners: number;
  /** Commands in flight, and calls of user functions the worker still waits on. */
  pending: number;
}

/** The slots' counters summed over a pool's workers, and how many are live. */
export interface PoolStats extends SlotStats {
  workers: number;
}

export function sumStats(workers: number, each: readonly SlotStats[]): PoolStats {
  const total: PoolStats = { workers, objects: 0, forwarders: 0, callbacks: 0, abortListeners: 0, pending: 0 };
  for (const s of each) for (const key of Object.keys(s) as Array<keyof SlotStats>) total[key] += s[key];
  return total;
}
