// Pool internals that only rotor's own code reaches (fault specs, spec scripts; the blocking view
// recognises a pool by them): kept off the public objects, and exported by no entry point.
import type { Worker } from 'node:worker_threads';
import type { SlotStats } from './stats.js';
/** Key of a WorkerSlot's getter for its worker thread (a symbol: not part of the slot's surface). */
export const THREAD = Symbol('rotor.pool.thread');

/** A worker slot, as the fault specs reach it. */
export interface Threaded {
  readonly [THREAD]: Worker | undefined;
  stats(): Promise<SlotStats>;
}

/** Each pool executor's worker slots (the array the executor grows as it starts workers). */
const slotsOf = new WeakMap<object, readonly Threaded[]>();

export function registerSlots(executor: object, slots: readonly Threaded[]): void {
  slotsOf.set(executor, slots);
}

/**
 * The worker slots a pool executor has started; undefined for any other executor. A view made
 * with Object.create over a pool (the blocking executor) answers its pool's.
 */
export function poolSlots(executor: object): readonly Threaded[] | undefined {
  for (let e: object | null = executor; e !== null; e = Object.getPrototypeOf(e) as object | null) {
    const slots = slotsOf.get(e);
    if (slots) return slots;
  }
  return undefined;
}

/** A slot's worker thread, while it runs (fault specs terminate it). */
export function workerThread(slot: Threaded): Worker | undefined {
  return slot[THREAD];
}
