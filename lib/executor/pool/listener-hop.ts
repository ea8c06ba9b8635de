// Listeners the driver waits for (the registry's awaitedEvents): a throw there aborts the operation before anything
// is sent, so forwarding it after the fact is too late. The worker's forwarder waits in the driver's emit for the main
// thread's listeners, then returns or throws as they did (./worker/index.ts posts, ./main/listener-hops.ts answers).
import type { MessagePort } from 'node:worker_threads';

/** Indexes of the hop channel's shared Int32Array. */
export const HOP_FLAG = {
  wake: 0, // bumped (and notified) by the main thread with each answer, and to wake the worker
  closed: 1, // set once the main thread closed the channel (the pool closed, or gave this worker up)
  pull: 2, // bumped when a listener made a blocking request the worker must answer while it waits
} as const;
export const HOP_FLAG_LENGTH = 3;

/** Main → worker, on the hop channel: what a listener threw, if it did. */
export interface HopAnswer {
  hop: number;
  threw?: {
    /** typeof-like: the worker throws a value of the same kind, so the driver treats it the same way. */
    kind: 'object' | 'function' | 'symbol' | 'primitive';
    error?: unknown; // the encoded value (an object's copy, a primitive itself); absent for functions and symbols
    kept?: number; // the main thread keeps what was thrown under this token: the caller gets that very value
    revoked?: true;
    description?: string; // a symbol's
  };
}
export type HopThrown = NonNullable<HopAnswer['threw']>;

/**
 * Worker → main. A call (`hop`): run the listeners of `event` on object `id`, then answer on the hop channel (the
 * first call carries it) of worker thread `w` (a call from a worker lost meanwhile is answered into its own, dead,
 * channel). A drop: the worker no longer holds its copies of these kept values.
 */
export type HopMessage =
  | { t: 'hop'; w: number; hop: number; id: number; event: string; args: unknown; channel?: { port: MessagePort; flag: SharedArrayBuffer } }
  | { t: 'hop'; drop: number[] };
