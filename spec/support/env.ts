// What every spec needs: the run's server URI, an isolated database name, suites with a timeout.
import * as uvu from 'uvu';
import { createRequire } from 'node:module';
import { withTimeout } from '../../lib/util/timeout.js';

/** URI of the server started once for the whole run by the test command (or MONGODB_URI). */
export function testUri(): string {
  const uri = process.env.ROTOR_TEST_URI ?? process.env.MONGODB_URI;
  if (!uri) throw new Error('ROTOR_TEST_URI is not set: run specs through `npm test`');
  return uri;
}

let counter = 0;
/** A database name unique to this run and spec, so specs never see each other's data. */
export function dbName(spec: string): string {
  return `rotor_${spec.replace(/[^a-zA-Z0-9]/g, '_')}_${process.pid}_${counter++}`.slice(0, 60);
}

/** Major version of the driver `import 'mongodb'` resolves to in this process. */
export function driverMajor(): number {
  return Number(process.env.ROTOR_TEST_DRIVER ?? '7');
}

const TIMEOUT_MS = Number(process.env.ROTOR_TEST_TIMEOUT_MS ?? 60_000);

type Handler<S> = (context: S & uvu.Context) => void | Promise<void>;
export interface Suite<S> {
  (name: string, handler: Handler<S>): void;
  only(name: string, handler: Handler<S>): void;
  /** Records a skipped test and prints why, so a skip is never silent. */
  skip(name: string, reason: string): void;
  before: uvu.Test<S>['before'];
  after: uvu.Test<S>['after'];
  run(): void;
}

/** A uvu suite whose tests fail (instead of hanging the run) after a timeout. */
export function suite<S extends object = Record<string, never>>(name: string, state?: S): Suite<S> {
  const inner = uvu.suite<S>(name, state);
  // `${name} › ${testName}: timed out after N ms`
  const timed =
    (testName: string, handler: Handler<S>): Handler<S> =>
    (ctx) =>
      withTimeout(
        Promise.resolve().then(() => handler(ctx)),
        TIMEOUT_MS,
        `${name} › ${testName}:`,
      );
  const s = ((testName: string, handler: Handler<S>) => inner(testName, timed(testName, handler))) as Suite<S>;
  s.only = (testName, handler) => inner.only(testName, timed(testName, handler));
  s.skip = (testName, reason) => {
    process.stdout.write(`\n  skipped: ${name} › ${testName} — ${reason}\n`);
    inner.skip(testName, () => {});
  };
  s.before = inner.before;
  s.after = inner.after;
  s.run = () => inner.run();
  return s;
}

export const require = createRequire(import.meta.url);
