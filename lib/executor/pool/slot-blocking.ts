// A blocking request's wait, on the main thread (see WorkerSlot.requestSync): the thread sleeps on
// Atomics.wait over the slot's flag, reads the worker's answer from the blocking channel, runs the
// user functions the worker calls back meanwhile, and notices a worker that died.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { decode, decodeThrown, type DecodeHooks, type EncodeHooks } from './codec/index.js';
import type { KeptValues } from './kept-values.js';
import { WorkerLostError } from './errors.js';
import type { Request, SyncReply, WorkerMessage } from './protocol.js';
import type { HopMessage } from './listener-hop.js';

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
export interface BlockingHost {
  readonly flag: Int32Array;
  readonly encodeHooks: EncodeHooks;
  readonly decodeHooks: DecodeHooks;
  readonly kept: KeptValues;
  /** Bumped each time the worker is lost. */
  generation(): number;
  syncPort(): MessagePort | undefined;
  /** The ordered channel. */
  port(): MessagePort | undefined;
  /** A user function by id. */
  fn(id: number): ((...args: unknown[]) => unknown) | undefined;
  /** Whether the function belongs to a blocking request still waiting (it must be synchronous). */
  blocking(id: number): boolean;
  workerStopped(): boolean;
  /** The worker is lost (the current generation). */
  lose(cause: Error): void;
  onMessage(message: WorkerMessage): void;
  /** A listener the driver waits for: served here too, or the worker and this thread would wait for each other. */
  hop(m: HopMessage): void;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';

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
        const stuck = got.t === 'hop' ? void host.hop(got) : runCallbackSync(host, got.callId, got.fn, got.args);
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

/**
 * A user function called back during a blocking request: runs now, its answer goes back in order.
 * Runs it; returns the error that ends the blocking wait when the function took a Node-style
 * callback (a `lookup`) and returned without calling it: its callback could only run once this
 * thread is free, and the blocked call may wait for it (a 30 s connect timeout instead of an answer).
 */
function runCallbackSync(host: BlockingHost, callId: number, fnId: number, args: unknown): Error | undefined {
  const reply = (outcome: { ok: unknown } | { error: unknown }): undefined => {
    host.kept.reply((m: Request & { op: 'callback-result' }) => host.port()?.postMessage(m), callId, fnId, outcome, host.encodeHooks);
    return undefined;
  };
  const fn = host.fn(fnId);
  if (!fn) return reply({ error: new TypeError('rotor: the callback for this operation is gone (its operation already settled)') });
  const decoded = decode(args, host.decodeHooks) as unknown[];
  const last = decoded.length - 1;
  const callback = typeof decoded[last] === 'function' ? (decoded[last] as (...a: unknown[]) => unknown) : undefined;
  let calledBack = false;
  if (callback) {
    decoded[last] = (...a: unknown[]) => {
      calledBack = true;
      return callback(...a);
    };
  }
  let value: unknown;
  try {
    value = fn(...decoded);
  } catch (error) {
    return reply({ error });
  }
  let thenable: boolean;
  try {
    thenable = isThenable(value);
  } catch (error) {
    // Reading `then` threw (a revoked Proxy): in-process the driver's `await` throws the same way.
    return reply({ error });
  }
  if (callback && !calledBack && !thenable) {
    reply({ ok: value });
    return new TypeError(
      `rotor sync framework: the function option ${fn.name ? `'${fn.name}' ` : ''}returned without calling its callback; under rotor/sync it must call back before returning (a callback made later, e.g. from an asynchronous DNS lookup, could only run once this blocked call returns)`,
    );
  }
  if (!thenable) return reply({ ok: value });
  if (!host.blocking(fnId)) {
    // Another (asynchronous) request's callback, routed here because this thread was blocked: it
    // settles once the thread is free again.
    Promise.resolve(value).then(
      (v) => reply({ ok: v }),
      (error: unknown) => reply({ error }),
    );
    return;
  }
  Promise.resolve(value).catch(() => {}); // never awaited: its rejection is not the user's unhandled one
  reply({
    error: new TypeError('rotor sync framework: the function given to a blocking call returned a Promise; it must be synchronous (the thread is blocked until the call returns, so the Promise could never settle)'),
  });
}
