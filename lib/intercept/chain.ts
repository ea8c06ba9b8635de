// Runs a call through its interceptors, outermost first. Futures are Promises (mode 'async': the
// promise and callback frameworks) or Settled, whose then() runs at once ('settled': the sync
// framework; 'factory': synchronous factory calls such as find() under the other frameworks), so
// every framework gets its own future type out of the same interceptors.
import { Settled } from '../framework/settled.js';
import { InterceptorError, type Call, type Interceptor } from './types.js';

/** A future of either mode. */
type Future = PromiseLike<unknown>;

/** The call's description without its arguments (each interceptor sees the arguments it was given). */
export type CallBase = Omit<Call, 'args'>;

const isThenable = (v: unknown): v is Future => (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as Future).then === 'function';
const ignore = (): void => {};

/**
 * 'factory' is 'settled' with one leniency, so that `async` interceptors work under the promise and
 * callback frameworks: a Promise returned after calling next() synchronously leaves the call
 * next()'s outcome (nobody can wait for the Promise: the factory call returns at once).
 */
export type ChainMode = 'async' | 'settled' | 'factory';

export function runChain(interceptors: readonly Interceptor[], base: CallBase, args: unknown[], mode: ChainMode, invoke: (args: unknown[]) => Future): Future {
  const immediate = mode !== 'async';
  const settle = (v: unknown): Future => (immediate ? Settled.of(v) : Promise.resolve(v));
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- whatever was thrown, passed on as it is
  const fail = (e: unknown): Future => (immediate ? Settled.failed(e) : Promise.reject(e));
  const what = `${base.className}.${base.member}`;
  /** The innermost call answered with a Promise even in immediate mode (GridFS stream members stay asynchronous). */
  let innerAsync = false;

  const step = (i: number, stepArgs: unknown[]): Future => {
    if (i === interceptors.length) {
      const f = invoke(stepArgs);
      if (immediate && !(f instanceof Settled)) innerAsync = true;
      return f;
    }
    const interceptor = interceptors[i]!;
    const who = `interceptor ${interceptor.name ? `'${interceptor.name}'` : `use[${i}]`}`;
    let calls = 0;
    let last: Future | undefined;
    let failed = false;
    const twice = (state: string): InterceptorError =>
      new InterceptorError(`rotor: ${who} called next() a second time for ${what} ${state}; next() may be called again only to retry after it failed`);
    const run = (nextArgs: readonly unknown[] | undefined): Future => {
      try {
        return step(i + 1, nextArgs ? [...nextArgs] : stepArgs);
      } catch (error) {
        return fail(error);
      }
    };
    const next = (nextArgs?: readonly unknown[]): Future => {
      if (nextArgs !== undefined && !Array.isArray(nextArgs)) throw new InterceptorError(`rotor: ${who} called next() with ${typeof nextArgs} for ${what}: pass an array of arguments, or nothing`);
      calls++;
      if (immediate) {
        // Settled futures: the first call's outcome is known at once.
        if (calls > 1 && !failed) throw twice('after the first had succeeded');
        return (last = run(nextArgs).then(
          (v) => ((failed = false), v),
          (e: unknown) => {
            failed = true;
            throw e;
          },
        ));
      }
      // Promises: the first call hands back the driver's Promise itself (no wrapper: V8's async stack
      // trace, which follows a single await per Promise, keeps the app's frames); a later call waits
      // for the one before and runs only if it failed (a retry).
      const previous = last;
      const outcome = previous === undefined ? run(nextArgs) : retry(previous, () => run(nextArgs), () => twice('after the first had succeeded'));
      return (last = outcome);
    };
    const noResult = (): InterceptorError =>
      new InterceptorError(
        calls === 0
          ? `rotor: ${who} returned without calling next() and without a result for ${what}: return next() (or next(args)) to go on, a value or a thenable to answer instead, or throw to fail the call`
          : `rotor: ${who} called next() but returned undefined for ${what}: return next()'s result`,
      );
    const description: Call = Object.freeze({ ...base, args: Object.freeze([...stepArgs]) });
    // An interceptor that throws, or answers with a value, after calling next() dropped next()'s
    // Promise: its failure must not become an unhandled rejection. (Only then: a second reaction on
    // a Promise the chain awaits would cut V8's async stack trace, which follows a single await.)
    const dropped = (): void => {
      if (!immediate && last !== undefined) (last as Promise<unknown>).catch(ignore);
    };
    let result: unknown;
    try {
      result = interceptor(description, next);
    } catch (error) {
      dropped();
      return fail(error);
    }
    if (!isThenable(result)) dropped();
    if (result === undefined) return fail(noResult());
    if (!isThenable(result)) return settle(result);
    if (immediate && !(result instanceof Settled) && !innerAsync) {
      Promise.resolve(result).catch(ignore);
      if (mode === 'factory' && calls === 1 && last instanceof Settled) return last;
      return fail(
        new InterceptorError(
          `rotor: ${who} answered ${what} with a Promise, but this call is synchronous (${base.kind === 'factory' ? 'a factory call' : `the ${base.framework} framework`}): ` +
            'here next() returns an already-settled thenable; chain it with next().then(...) instead of await, and return values, not Promises',
        ),
      );
    }
    const checked = (v: unknown): unknown => {
      if (v === undefined && calls === 0) throw noResult();
      return v;
    };
    // Any thenable an interceptor returns (a framework's own, one written by hand) is adopted as a Promise would adopt it.
    if (result instanceof Settled) return result.then(checked);
    // next() was called already, so the undefined check cannot apply: the Promise is handed on as is (no extra stack frame).
    if (calls > 0 && result instanceof Promise) return result;
    return awaitedThen(result, checked);
  };
  return step(0, args);
}

// Async mode awaits rather than chains .then(): V8's async stack traces follow awaits only, so an
// error from the driver keeps the app's frames above the call (mongoose's own tests check this).
async function retry(previous: Future, run: () => Future, refused: () => Error): Promise<unknown> {
  const failedBefore = await Promise.resolve(previous).then(
    () => false,
    () => true,
  );
  if (!failedBefore) throw refused();
  return run();
}

async function awaitedThen(result: Future, checked: (v: unknown) => unknown): Promise<unknown> {
  return checked(await result);
}
