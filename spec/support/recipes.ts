// The interceptor recipes of README § Interceptors › Recipes, verbatim (spec/integration/recipes.spec.ts
// runs each on every target). Written with next().then(...), so they run under every framework.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Interceptor } from '../../lib/intercept/types.js';

/** Slow-operation log: every operation (not the factory calls) slower than `ms`. */
export const slowLog = (ms: number, log: (line: string) => void = console.warn): Interceptor =>
  function slowLog(call, next) {
    if (call.kind === 'factory') return next();
    const started = performance.now();
    const done = (): void => {
      const took = performance.now() - started;
      if (took >= ms) log(`slow: ${call.className}.${call.member} on ${call.database}.${call.collection} took ${took.toFixed(1)} ms`);
    };
    return next().then(
      (value) => (done(), value),
      (error: unknown) => {
        done();
        throw error;
      },
    );
  };

/** Safety belt: deleteMany({}) / updateMany({}, ...) are refused, unless run inside allowEmptyFilter(). */
const allowed = new AsyncLocalStorage<boolean>();
export const allowEmptyFilter = <T>(run: () => T): T => allowed.run(true, run);
export const safetyBelt: Interceptor = function safetyBelt(call, next) {
  const everything = (call.member === 'deleteMany' || call.member === 'updateMany') && isEmpty(call.args[0]);
  if (everything && !allowed.getStore()) {
    throw new Error(`safety belt: ${call.member} with an empty filter on ${call.database}.${call.collection} would touch every document; wrap it in allowEmptyFilter(() => ...) if you mean it`);
  }
  return next();
};
const isEmpty = (filter: unknown): boolean => filter === undefined || filter === null || (typeof filter === 'object' && Object.keys(filter).length === 0);

/** Retry: an operation whose error carries RetryableWriteError or TransientTransactionError runs again (up to `times`). */
export const retryLabeled = (times = 1): Interceptor =>
  function retryLabeled(call, next) {
    if (call.kind === 'factory') return next();
    const attempt = (left: number): PromiseLike<unknown> =>
      next().then(undefined, (error: unknown) => {
        const labeled = (label: string): boolean => (error as { hasErrorLabel?: (l: string) => boolean } | null)?.hasErrorLabel?.(label) === true;
        if (left > 0 && (labeled('RetryableWriteError') || labeled('TransientTransactionError'))) return attempt(left - 1);
        throw error;
      });
    return attempt(times);
  };

/** Per-request metadata: the request id of the caller's AsyncLocalStorage, as the command's `comment` (visible in the server's logs and profiler). */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();
/** Where each command takes its options (the argument index). */
const OPTIONS_AT: Readonly<Record<string, number>> = {
  find: 1, findOne: 1, aggregate: 1, countDocuments: 1, distinct: 2, insertOne: 1, insertMany: 1,
  deleteOne: 1, deleteMany: 1, updateOne: 2, updateMany: 2, replaceOne: 2,
  findOneAndUpdate: 2, findOneAndReplace: 2, findOneAndDelete: 1, bulkWrite: 1,
};
export const requestComment: Interceptor = function requestComment(call, next) {
  const request = requestContext.getStore();
  const at = OPTIONS_AT[call.member];
  if (!request || at === undefined || call.className !== 'Collection') return next();
  const args = [...call.args];
  while (args.length < at) args.push(undefined);
  args[at] = { ...(args[at] as object | undefined), comment: `request ${request.requestId}` };
  return next(args);
};
