// Listeners the driver waits for. In-process the driver emits some events synchronously inside an
// operation, before the command is written to the socket, and a listener's throw aborts that
// operation: the command is never sent. Forwarded after the fact, such a listener would run once the
// worker had sent the command (a write made, then reported failed). For these events, while the main
// thread has listeners, the worker's forwarder waits in the driver's emit for the main thread to run
// them (one synchronous hop: ./worker-listener-hop.ts posts, ./main/listener-hops.ts answers), then
// returns or throws as the listener did, so the driver in the worker does exactly what it does
// in-process. Events nobody listens to have no forwarder: they cost nothing.
import type { MessagePort } from 'node:worker_threads';
import type { ClassName } from '../../registry/kinds.js';

/**
 * Per class, the events emitted before I/O inside an operation whose listener's throw the driver
 * propagates into that operation (mongodb 6.x and 7.x alike):
 * - `commandStarted`: Connection.sendCommand emits it (through the pool, server and topology relays,
 *   all synchronous) before writing the command; a throw ends the command, which Server.command
 *   rejects through decorateCommandError (a throw without a `name` becomes MongoRuntimeError).
 * - `connectionCheckOutStarted`: ConnectionPool.checkOut emits it first thing; a throw rejects the
 *   checkout, so Server.command rejects with it as thrown, before any connection is used.
 * Not here: events emitted after the reply (`commandSucceeded`, `commandFailed`,
 * `connectionCheckedIn`: the command was sent either way, so forwarding them keeps rule 1), and events
 * the driver emits outside any operation's promise chain (`connectionCheckedOut` and
 * `connectionCreated` come from a queued processWaitQueue, heartbeats and SDAM events from monitors),
 * whose throw no operation sees in-process either.
 */
const WAITED: ReadonlyMap<ClassName, ReadonlySet<string>> = new Map([['MongoClient', new Set(['commandStarted', 'connectionCheckOutStarted'])]]);

/** Whether the worker waits for the main thread's listeners of `event` on a `cls` object. */
export function waitsForListeners(cls: ClassName, event: string): boolean {
  return WAITED.get(cls)?.has(event) === true;
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
  /** A symbol's description. */
  description?: string;
}

/** Main → worker, on the hop channel. */
export interface HopAnswer {
  hop: number;
  threw?: HopThrown;
}

/**
 * Worker → main. A call (`hop`): run the listeners of `event` on object `id`, then answer on the hop
 * channel; the worker's first call carries the channel. A drop: the worker no longer holds its copies
 * of these kept values (the main thread forgets the originals).
 */
export type HopMessage =
  /** `w`: the worker thread's id, whose channel the answer goes to (a call from a worker lost meanwhile is answered into its own, dead, channel). */
  | { t: 'hop'; w: number; hop: number; id: number; event: string; args: unknown; channel?: { port: MessagePort; flag: SharedArrayBuffer } }
  | { t: 'hop'; drop: number[] };
