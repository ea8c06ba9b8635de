// The rotor behind rotor/register, for the framework and executor named by the environment
// (ROTOR_FRAMEWORK: promise | callback | sync; ROTOR_EXECUTOR: inline | pool | ...; ROTOR_STRICT=1
// for strict handles: members outside the registry throw; ROTOR_TRACING=1, or the OTEL_* variables
// of an OpenTelemetry SDK, for a span per operation: lib/otel). entry.ts's generated class exports
// (lib/types/generated/register.ts) bind to these classes.
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { createRotor, EXECUTORS, FRAMEWORKS, sharedPoolExecutor, type RotorClasses } from '../create-rotor.js';
import { tracingWanted } from '../otel/env.js';

/** rotor/otel, loaded only when tracing is wanted (most processes never load it). */
const tracing = (): ReturnType<(typeof import('../otel/index.js'))['tracing']> =>
  (createRequire(import.meta.url)('../otel/index.js') as typeof import('../otel/index.js')).tracing();

function choose(variable: string, fallback: string, known: Readonly<Record<string, unknown>>, what: string): string {
  const value = process.env[variable]?.trim() || fallback;
  // `in` does not start anything (a pool executor is created on first read).
  if (!(value in known)) {
    throw new Error(`rotor/register: ${variable}='${value}' is not a rotor ${what}; available: ${Object.keys(known).join(', ')}`);
  }
  return value;
}

const framework = choose('ROTOR_FRAMEWORK', 'promise', FRAMEWORKS, 'framework');
// A blocking framework (sync) needs the driver off this thread: the pool is its default.
const executor = choose('ROTOR_EXECUTOR', FRAMEWORKS[framework]?.blocking ? 'pool' : 'inline', EXECUTORS, 'executor');
export const classes: RotorClasses = createRotor({
  framework: framework as 'promise',
  executor: executor as 'inline',
  strict: /^(1|true)$/i.test(process.env.ROTOR_STRICT?.trim() ?? ''),
  ...(tracingWanted() && isMainThread ? { use: [tracing()] } : {}),
});
// The app chose the pool for the whole process: its worker loads the driver while the rest of the
// app loads, from its import of 'mongodb' on (0.2-0.4 s otherwise spent in the first command). The main thread only:
// NODE_OPTIONS' --import runs in worker threads too, rotor's own included.
if (executor === 'pool' && isMainThread) sharedPoolExecutor().warm();
