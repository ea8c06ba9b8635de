// What a user function hands back (withSession's and withTransaction's result, or what it throws)
// is what the caller receives, the same object, as in-process: the main thread keeps it under a
// token, and the worker's copy carries that token back when the driver returns or rethrows it. A
// value that cannot cross at all (a cycle, a Proxy, a function) crosses as a stand-in, so the call
// still settles with the value.
import { types } from 'node:util';
import { encode, encodeError, type EncodeHooks } from '../codec/index.js';
import type { Request } from '../protocol.js';

type CallbackResult = Extract<Request, { op: 'callback-result' }>;

/** Crosses unchanged (no identity to keep): a primitive structured clone copies exactly. */
const crossesExactly = (value: unknown): boolean => value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol');

/**
 * Functions inside what a user function returns (dns.lookup's request object, returned by a
 * `lookup` arrow) get no callback id: an id would be counted in poolStats() until the pool closed,
 * and the caller gets the very value back anyway (kept). The worker's copy holds id 0, whose call
 * fails as a driver object's function does.
 */
const NOT_CALLABLE = (): number => 0;

export class KeptValues {
  private nextToken = 1;
  private readonly values = new Map<number, { fn: number; value: unknown }>();

  /** The value kept under `token` (once), or `fallback` when there is none. */
  take(token: number | undefined, fallback: () => unknown): unknown {
    const kept = token === undefined ? undefined : this.values.get(token);
    if (!kept) return fallback();
    this.values.delete(token!);
    return kept.value;
  }

  /** Whether a token names a kept value. */
  has(token: number | undefined): boolean {
    return token !== undefined && this.values.has(token);
  }

  /** Drops what the functions' calls handed back that never came back (their request settled). */
  forget(fnIds: readonly number[]): void {
    if (this.values.size === 0) return;
    const ids = new Set(fnIds);
    for (const [token, kept] of this.values) if (ids.has(kept.fn)) this.values.delete(token);
  }

  /**
   * The answer to the worker's call of user function `fn`: the value or thrown value, encoded for
   * the driver (it reads an error's labels to retry a transaction), and kept here when it has an
   * identity. Posted with `post`; a value structured clone refuses (a Proxy) crosses as a stand-in.
   */
  reply(post: (m: CallbackResult) => void, callId: number, fn: number, outcome: { ok: unknown } | { error: unknown }, hooks: EncodeHooks): void {
    const failed = 'error' in outcome;
    const value = failed ? outcome.error : outcome.ok;
    // A thrown primitive is kept too: the worker would rebuild it as an Error.
    const kept = failed || !crossesExactly(value) ? this.keep(fn, value) : undefined;
    // A revoked Proxy crosses as one: the driver's look at it (withTransaction's `instanceof`) throws as in-process.
    const withToken = { ...(kept === undefined ? {} : { kept }), ...(isRevokedProxy(value) ? { revoked: true as const } : {}) };
    const standIn = (): CallbackResult => (failed ? { op: 'callback-result', callId, error: encodeError(new Error(describe(value))), ...withToken } : { op: 'callback-result', callId, ok: {}, ...withToken });
    let message: CallbackResult;
    try {
      if (typeof value === 'function' || typeof value === 'symbol') throw new TypeError('never crosses');
      message = failed ? { op: 'callback-result', callId, error: encodeError(value), ...withToken } : { op: 'callback-result', callId, ok: encode(value, { ...hooks, functionRef: NOT_CALLABLE }), ...withToken };
    } catch {
      message = standIn();
    }
    try {
      post(message);
    } catch {
      post(standIn());
    }
  }

  private keep(fn: number, value: unknown): number {
    const token = this.nextToken++;
    this.values.set(token, { fn, value });
    return token;
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

function describe(value: unknown): string {
  try {
    return value instanceof Error ? value.message : String(value);
  } catch {
    return 'a value that cannot be shown';
  }
}
