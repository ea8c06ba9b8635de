// A user function the driver calls in the worker (withSession's function, a `lookup` option...):
// it runs on the main thread, and its outcome goes back to the worker. The thread is either free
// (the function runs in a microtask and its Promise is awaited) or blocked in a sync call (it runs
// now, and must answer before returning). One function for both.
import { decode, type DecodeHooks, type EncodeHooks } from '../codec/index.js';
import type { KeptValues } from './kept-values.js';
import type { Request } from '../protocol.js';

export interface UserFunctionHost {
  readonly kept: KeptValues;
  readonly encodeHooks: EncodeHooks;
  readonly decodeHooks: DecodeHooks;
  /** A user function by id. */
  fn(id: number): ((...args: unknown[]) => unknown) | undefined;
  /** Whether the function belongs to a blocking request still waiting (it must be synchronous). */
  blocking(id: number): boolean;
}

type Outcome = { ok: unknown } | { error: unknown };

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';

/**
 * Runs function `fnId` for the worker's call `callId`; `send` posts the outcome. Blocked, it returns
 * the error that ends the blocking wait when the function took a Node-style callback (a `lookup`)
 * and returned without calling it: that callback could only run once this thread is free, and the
 * blocked call may wait for it (a 30 s connect timeout instead of an answer).
 */
export function runUserFunction(host: UserFunctionHost, send: (m: Request & { op: 'callback-result' }) => void, callId: number, fnId: number, args: unknown, blocked: boolean): Error | undefined {
  const reply = (outcome: Outcome): undefined => {
    host.kept.reply(send, callId, fnId, outcome, host.encodeHooks);
    return undefined;
  };
  const fn = host.fn(fnId);
  if (!fn) return reply({ error: new TypeError('rotor: the callback for this operation is gone (its operation already settled)') });
  if (!blocked) {
    Promise.resolve()
      .then(() => fn(...(decode(args, host.decodeHooks) as unknown[])))
      .then(
        (value) => reply({ ok: value }),
        (error: unknown) => reply({ error }),
      )
      // Nothing of a reply can fail here (kept.reply falls back to a stand-in); a pool closed meanwhile has no port.
      .catch(() => {});
    return undefined;
  }
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
    return undefined;
  }
  Promise.resolve(value).catch(() => {}); // never awaited: its rejection is not the user's unhandled one
  return reply({
    error: new TypeError('rotor sync framework: the function given to a blocking call returned a Promise; it must be synchronous (the thread is blocked until the call returns, so the Promise could never settle)'),
  });
}
