// The runner's two kinds of failure and how a failure reads in the report. A RunnerError means the
// runner could not run something (it never satisfies expectError); an AssertionFailure means the
// test's expectation was not met.
import { TimeoutError } from '../util/timeout.js';

/** A runner-side problem (bad test file, unsupported feature): never satisfies expectError. */
export class RunnerError extends Error {
  override name = 'RunnerError';
}

/** A failed assertion of the test (as opposed to an unexpected error). */
export class AssertionFailure extends Error {
  override name = 'AssertionFailure';
}

/** `Name: message` for a thrown value; assertion and runner errors print their message only. */
export function describeError(err: unknown): string {
  if (err instanceof AssertionFailure || err instanceof TimeoutError) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** The failure located at `where` (`operation 2 find on collection0`), keeping its kind. */
export function prefixed(err: unknown, where: string): Error {
  if (err instanceof AssertionFailure || err instanceof RunnerError) {
    const copy = new (err.constructor as new (m: string) => Error)(`${where}: ${err.message}`);
    return copy;
  }
  return new AssertionFailure(`${where}: unexpected ${describeError(err)}`);
}
