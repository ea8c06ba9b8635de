// User functions the driver calls in the worker (withSession's function, a `lookup` option...) run
// here. What they hand back (a result, a thrown value) is kept here under a token the worker's copy
// carries back, so the caller receives that very value, as in-process.
import { types } from 'node:util';
import { attempt } from '../../../util/attempt.js';
import { decode, encode, encodeError, type EncodeHooks } from '../codec/index.js';
import type { Request } from '../protocol.js';
import type { ObjectsHost, RemoteObjects, UserFunction } from './objects.js';

/** What the worker's calls into this thread need of their slot (WorkerSlot; ./listener-hops.ts too). */
export interface InboxHost extends Pick<ObjectsHost, 'postNow' | 'port'> {
  readonly kept: KeptValues;
  readonly objects: Pick<RemoteObjects, 'refOf' | 'encodeHooks' | 'decodeHooks' | 'functions' | 'blockingFunctions'>;
}
type CallbackResult = Extract<Request, { op: 'callback-result' }>;
type Outcome = { ok: unknown } | { error: unknown };

/** A primitive structured clone copies exactly: no identity to keep. */
const crossesExactly = (value: unknown): boolean =>
  value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol');

/** Functions inside what a user function returns get no callback id (id 0, not callable): the caller gets the value itself. */
const NOT_CALLABLE = (): number => 0;

export class KeptValues {
  private nextToken = 1;
  private readonly values = new Map<number, { fn: number; value: unknown }>();

  /** The value kept under `token`, boxed (`undefined` is a value too), once; nothing when none is. */
  take(token: number | undefined): { value: unknown } | undefined {
    const kept = token === undefined ? undefined : this.values.get(token);
    if (!kept) return undefined;
    this.values.delete(token!);
    return { value: kept.value };
  }

  /** Drops what the functions' calls handed back that never came back (their request settled). */
  forget(fnIds: readonly number[]): void {
    if (this.values.size === 0) return;
    const ids = new Set(fnIds);
    for (const [token, kept] of this.values) if (ids.has(kept.fn)) this.values.delete(token);
  }

  /** Posts the outcome of the worker's call of user function `fn`, encoded for the driver, kept here if it has an identity. */
  reply(post: (m: CallbackResult) => void, callId: number, fn: number, outcome: Outcome, hooks: EncodeHooks): void {
    const failed = 'error' in outcome;
    const value = failed ? outcome.error : outcome.ok;
    const head: Omit<CallbackResult, 'ok' | 'error'> = { op: 'callback-result', callId };
    // A thrown primitive is kept too: the worker would rebuild it as an Error.
    if (failed || !crossesExactly(value)) this.values.set((head.kept = this.nextToken++), { fn, value });
    // A revoked Proxy crosses as one: the driver's look at it (withTransaction's `instanceof`) throws as in-process.
    if (isRevokedProxy(value)) head.revoked = true;
    const standIn = (): CallbackResult => (failed ? { ...head, error: encodeError(new Error(describe(value))) } : { ...head, ok: {} });
    let message: CallbackResult;
    try {
      if (typeof value === 'function' || typeof value === 'symbol') throw new TypeError('never crosses');
      message = failed ? { ...head, error: encodeError(value) } : { ...head, ok: encode(value, { ...hooks, functionRef: NOT_CALLABLE }) };
    } catch {
      message = standIn();
    }
    try {
      post(message);
    } catch {
      post(standIn()); // structured clone refused it (a Proxy)
    }
  }
}

function isRevokedProxy(value: unknown): boolean {
  if (!types.isProxy(value)) return false;
  try {
    Reflect.getPrototypeOf(value as object);
    return false;
  } catch (error) {
    return error instanceof TypeError && /revoked/.test(error.message);
  }
}

const describe = (value: unknown): string => attempt(() => (value instanceof Error ? value.message : String(value)), 'a value that cannot be shown');

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';

/**
 * Runs the user function the worker calls: in a microtask, or now if this thread is `blocked` in a sync call.
 * Blocked, returns the error that ends the wait when the function took a Node-style callback (a `lookup`) and
 * returned without calling it: a later callback could only run once this thread is free (a 30 s timeout).
 */
export function runUserFunction(host: InboxHost, call: { callId: number; fn: number; args: unknown }, blocked: boolean): Error | undefined {
  const { callId, fn: fnId, args } = call;
  const reply = (outcome: Outcome): undefined =>
    void host.kept.reply(blocked ? (m) => host.port()?.postMessage(m) : (m) => host.postNow(m), callId, fnId, outcome, host.objects.encodeHooks);
  // A reply cannot fail (a stand-in at worst); a pool closed meanwhile has no port.
  const later = (value: unknown): undefined =>
    void Promise.resolve(value).then((v) => reply({ ok: v }), (error: unknown) => reply({ error })).catch(() => {});
  const fn = host.objects.functions.get(fnId);
  if (!fn) return reply({ error: new TypeError('rotor: the callback for this operation is gone (its operation already settled)') });
  if (!blocked) return later(Promise.resolve().then(() => fn(...(decode(args, host.objects.decodeHooks) as unknown[]))));
  const decoded = decode(args, host.objects.decodeHooks) as unknown[];
  const last = decoded.length - 1;
  const callback = typeof decoded[last] === 'function' ? (decoded[last] as UserFunction) : undefined;
  let calledBack = false;
  if (callback) {
    decoded[last] = (...a: unknown[]) => {
      calledBack = true;
      return callback(...a);
    };
  }
  let value: unknown;
  let thenable: boolean;
  try {
    value = fn(...decoded);
    thenable = isThenable(value); // reading `then` may throw (a revoked Proxy), as the driver's `await` would
  } catch (error) {
    return reply({ error });
  }
  if (callback && !calledBack && !thenable) {
    reply({ ok: value });
    return new TypeError(
      `rotor sync framework: the function option ${fn.name ? `'${fn.name}' ` : ''}returned without calling its callback; ` +
        'under rotor/sync it must call back before returning (a callback made later, e.g. from an asynchronous DNS lookup, ' +
        'could only run once this blocked call returns)',
    );
  }
  if (!thenable) return reply({ ok: value });
  // Another (asynchronous) request's function, called here because this thread was blocked: it answers once the thread is free.
  if (!host.objects.blockingFunctions.has(fnId)) return later(value);
  Promise.resolve(value).catch(() => {}); // never awaited: its rejection is not the user's unhandled one
  return reply({
    error: new TypeError(
      'rotor sync framework: the function given to a blocking call returned a Promise; it must be synchronous ' +
        '(the thread is blocked until the call returns, so the Promise could never settle)',
    ),
  });
}
