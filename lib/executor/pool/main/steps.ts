// One request path for both ways of waiting. What an operation does on the main thread (route it, check
// the cursor's buffer, set insert ids, send, bookkeeping after the reply) is written once, as a generator
// of steps, run by `runAsync` (promise and callback frameworks) or `runSync` (the sync framework).
import { newAbortId, type Request } from '../protocol.js';
import type { RemoteRef } from './remote-ref.js';
import { BlockingTimeoutError } from './errors.js';
import { boundFor } from './blocking-bound.js';

/** One request to `ref`'s worker; the step receives the reply (or the error is thrown into it). */
export interface Ask {
  readonly ask: Request;
  readonly ref: RemoteRef;
  readonly args: unknown[] | undefined;
  /** Async waiting only: aborting it rejects the request at once (a blocked thread cannot see it fire). */
  readonly signal?: AbortSignal | undefined;
  /** Sync waiting only: the operation's own arguments, which may extend its bound (their timeoutMS). */
  readonly boundArgs?: readonly unknown[];
  /** The operation calls user functions back (withSession): a longer bound when blocking. */
  readonly userFunctions?: boolean;
}

/** What an `await` does in the async path: the value, settled; under sync the value itself. */
export interface Settle {
  readonly settle: unknown;
}

/** Several step lists at once (every replica of a spanning client): awaited together, or run in turn when blocking. */
export interface All {
  readonly all: ReadonlyArray<Steps<unknown>>;
}

export type Step = Ask | Settle | All;
export type Steps<T> = Generator<Step, T, unknown>;

/** How a run waits: the steps may ask (read-ahead is for waiters that do not block the thread). */
export interface Waiter {
  readonly blocking: boolean;
}

export const ASYNC: Waiter = { blocking: false };
export const BLOCKING: Waiter = { blocking: true };

/** Runs `steps`, awaiting each request: the promise and callback frameworks' way. */
export async function runAsync<T>(steps: Steps<T>): Promise<T> {
  let step = steps.next();
  while (!step.done) {
    const s = step.value;
    let input: unknown;
    try {
      input = 'ask' in s ? s.ref.slot.outcome(await s.ref.slot.ask(s.ask, s.args, s.signal)) : 'all' in s ? await Promise.all(s.all.map(runAsync)) : await s.settle;
    } catch (error) {
      step = steps.throw(error);
      continue;
    }
    step = steps.next(input);
  }
  return step.value;
}

/** Runs `steps`, blocking the thread for each request: the sync framework's way. */
export function runSync<T>(steps: Steps<T>): T {
  let step = steps.next();
  while (!step.done) {
    const s = step.value;
    let input: unknown;
    try {
      input = 'ask' in s ? blockFor(s) : 'all' in s ? s.all.map(runSync) : s.settle;
    } catch (error) {
      step = steps.throw(error);
      continue;
    }
    step = steps.next(input);
  }
  return step.value;
}

/** A blocking request, bounded by what the operation's client allows. */
function blockFor(s: Ask): unknown {
  const name = 'member' in s.ask ? s.ask.member : s.ask.op === 'nextBatch' ? 'next' : s.ask.op;
  // The worker gives the operation a stand-in signal (never aborted: this thread is blocked).
  if (s.signal && s.ask.op === 'invoke') s.ask.abortId = newAbortId();
  return s.ref.slot.requestSync(s.ask, s.args, {
    boundMs: boundFor(s.ref, s.boundArgs ?? [], s.userFunctions ?? false),
    command: true,
    onTimeout: (ms) =>
      new BlockingTimeoutError(
        `rotor sync: ${s.ref.cls}.${name} got no answer within ${ms} ms, the bound derived from its client's timeouts ` +
          '(timeoutMS, or serverSelectionTimeoutMS + connectTimeoutMS + socketTimeoutMS; without them, ROTOR_SYNC_CEILING_MS)',
      ),
  });
}
