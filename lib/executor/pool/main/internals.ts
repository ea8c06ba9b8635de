// Pool internals only rotor's own code reaches (fault specs, spec scripts; the blocking view finds
// its pool by them): kept off the public objects, and exported by no entry point.
import type { Worker } from 'node:worker_threads';
import type { SlotStats } from './stats.js';

/** Key of a WorkerSlot's getter for its worker thread. */
export const THREAD = Symbol('rotor.pool.thread');

interface Threaded {
  readonly [THREAD]: Worker | undefined;
  stats(): Promise<SlotStats>;
}

const slotsOf = new WeakMap<object, readonly Threaded[]>();

/** Each pool executor's worker slots (the array it grows as it starts workers). */
export function registerSlots(executor: object, slots: readonly Threaded[]): void {
  slotsOf.set(executor, slots);
}

/** The worker slots of a pool executor, or of a view made with Object.create over one (the blocking executor). */
export function poolSlots(executor: object): readonly Threaded[] | undefined {
  for (let e: object | null = executor; e !== null; e = Object.getPrototypeOf(e) as object | null) {
    const slots = slotsOf.get(e);
    if (slots) return slots;
  }
  return undefined;
}

/** A slot's worker thread, while it runs. */
export function workerThread(slot: Threaded): Worker | undefined {
  return slot[THREAD];
}
