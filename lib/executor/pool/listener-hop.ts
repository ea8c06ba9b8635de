// Listeners the driver waits for (the registry's awaitedEvents): a throw there aborts the operation before anything
// is sent, so forwarding it after the fact is too late. The worker's forwarder waits in the driver's emit for the main
// thread's listeners, then returns or throws as they did (./worker/listener-hop.ts posts, ./main/listener-hops.ts answers).
import type { MessagePort } from 'node:worker_threads';
import type { ClassName } from '../../registry/kinds.js';
import { resolveClass } from '../../registry/resolve.js';

export function waitsForListeners(cls: ClassName, event: string): boolean {
  return resolveClass(cls).awaitedEvents.has(event);
}

/** How often a waiting worker looks at its closed flag (the main thread wakes it at once otherwise). */
export const HOP_SLICE_MS = 20;

/** Indexes of the hop channel's shared Int32Array. */
export const HOP_FLAG = {
  /** Bumped (and notified) by the main thread with each answer, and to wake the worker. */
  wake: 0,
  /** Set once the main thread closed the channel (the pool closed, or gave this worker up). */
  closed: 1,
  /** Bumped when a listener made a blocking request the worker must answer while it waits. */
  pull: 2,
} as const;
export const HOP_FLAG_LENGTH = 3;

/** What a listener threw, as it reaches the worker's forwarder. */
export interface HopThrown {
  /** typeof-like: the worker throws a value of the same kind, so the driver treats it the same way. */
  kind: 'object' | 'function' | 'symbol' | 'primitive';
  /** The encoded value (an object's copy, a primitive itself); absent for functions and symbols. */
  error?: unknown;
  /** The main thread keeps what was thrown under this token: the caller gets that very value. */
  kept?: number;
  revoked?: true;
  description?: string;
}

/** Main → worker, on the hop channel. */
export interface HopAnswer {
  hop: number;
  threw?: HopThrown;
}

/**
 * Worker → main. A call (`hop`): run the listeners of `event` on object `id`, then answer on the hop channel (the
 * first call carries it). A drop: the worker no longer holds its copies of these kept values.
 */
export type HopMessage =
  /** `w`: the worker thread's id, whose channel the answer goes to (a call from a worker lost meanwhile is answered into its own, dead, channel). */
  | { t: 'hop'; w: number; hop: number; id: number; event: string; args: unknown; channel?: { port: MessagePort; flag: SharedArrayBuffer } }
  | { t: 'hop'; drop: number[] };
