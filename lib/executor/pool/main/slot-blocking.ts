// A blocking request's wait, on the main thread (see WorkerSlot.requestSync): the thread sleeps on
// Atomics.wait over the slot's flag, reads the worker's answer from the blocking channel, runs the
// user functions the worker calls back meanwhile, and notices a worker that died.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { decode, decodeThrown } from '../codec/index.js';
import { WorkerLostError } from './errors.js';
import type { Request, SyncReply, WorkerMessage } from '../protocol.js';
import type { HopMessage } from '../listener-hop.js';
import { runUserFunction, type UserFunctionHost } from './user-functions.js';

/** A blocking request never waits longer than this for a live worker (a worker answers them without I/O). */
export const SYNC_CEILING_MS = 10_000;
/** While blocked, the worker's liveness is checked this often. */
const LIVENESS_SLICE_MS = 20;

/** How a blocking request waits (see requestSync). */
export interface SyncWait {
  /** How long the worker may take to answer, in ms (default SYNC_CEILING_MS). */
  boundMs?: number;
  /** The error thrown when the bound passes (default: WorkerLostError). */
  onTimeout?: (boundMs: number) => Error;
  /** The request's functions (user callbacks) are forgotten once it is answered. */
  transientFunctions?: boolean;
  /** Handle what arrived before the answer on the ordered channel (events) before returning. */
  deliverOrdered?: boolean;
}

/** What the wait needs of its slot. */
export interface BlockingHost extends UserFunctionHost {
  readonly flag: Int32Array;
  /** Bumped each time the worker is lost. */
  generation(): number;
  syncPort(): MessagePort | undefined;
  /** The ordered channel. */
  port(): MessagePort | undefined;
  workerStopped(): boolean;
  /** The worker is lost (the current generation). */
  lose(cause: Error): void;
  onMessage(message: WorkerMessage): void;
  /** A listener the driver waits for: served here too, or the worker and this thread would wait for each other. */
  hop(m: HopMessage): void;
}


export function awaitSync(host: BlockingHost, m: Request, r: number, wait: SyncWait | undefined): unknown {
  const syncPort = host.syncPort()!;
  const generation = host.generation();
  const bound = wait?.boundMs ?? SYNC_CEILING_MS;
  let deadline = Date.now() + bound;
  const what = `${m.op}${'member' in m ? ` ${m.member}` : ''}`;
  for (;;) {
    // A nested blocking call (from a callback) may have seen this worker die.
    if (host.generation() !== generation) throw new WorkerLostError(`rotor pool worker lost during ${what}`);
    const seen = Atomics.load(host.flag, 0);
    const got = receiveMessageOnPort(syncPort)?.message as SyncReply | undefined;
    if (got) {
      if ('t' in got) {
        // Time the user's function takes here is not the worker's: it does not count against the bound.
        const started = Date.now();
        const stuck = got.t === 'hop' ? void host.hop(got) : runUserFunction(host, (m) => host.port()?.postMessage(m), got.callId, got.fn, got.args, true);
        deadline += Date.now() - started;
        if (stuck) throw stuck;
        continue;
      }
      if (got.r !== r) continue; // the late answer to a request that already gave up
      if (wait?.deliverOrdered) drainOrdered(host);
      // (A thrown primitive comes back as itself, as in-process.)
      if ('error' in got) throw host.kept.has(got.kept) ? host.kept.take(got.kept, () => undefined) : decodeThrown(got.error, new Error().stack, host.decodeHooks);
      return host.kept.take(got.kept, () => decode(got.ok, host.decodeHooks));
    }
    if (Atomics.wait(host.flag, 0, seen, LIVENESS_SLICE_MS) !== 'timed-out') continue;
    if (host.workerStopped()) {
      host.lose(new Error(`the worker stopped during ${m.op}`));
      throw new WorkerLostError(`rotor pool worker lost during ${what} (it may or may not have taken effect on the server)`);
    }
    if (Date.now() > deadline) {
      throw wait?.onTimeout ? wait.onTimeout(bound) : new WorkerLostError(`rotor pool worker did not answer ${m.op} within ${SYNC_CEILING_MS} ms`);
    }
  }
}

/**
 * What the worker posted on the ordered channel before answering a blocking command (its command
 * monitoring events, replies to other requests) is handled now, so listeners run before the
 * blocking call returns, as they do with the driver in-process. A listener's throw surfaces as
 * an uncaught exception, as it would from the port's own delivery.
 */
function drainOrdered(host: BlockingHost): void {
  const port = host.port();
  if (!port) return;
  for (let got = receiveMessageOnPort(port); got; got = receiveMessageOnPort(port)) {
    try {
      host.onMessage(got.message as WorkerMessage);
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  }
}
