// rotor/sync: the sync framework over the pool executor. The same handles, blocking: every async
// command returns its result (or throws the driver's error) before returning, while the driver runs
// in a pool worker thread and this thread waits on Atomics.wait. Cursors are iterable with
// `for...of`; withSession/withTransaction take synchronous functions. For scripts, CLIs, config
// loaders and plugins that must stay synchronous; never for a server's request handler.
// First: the pool's worker starts loading the driver while this thread does
// (./executor/pool/main/early-start.ts). ES modules link their whole graph before running any, so
// rotor's own modules are required as this module and ./types/generated/sync.ts run, not imported:
// the worker starts before they load.
import './executor/pool/main/early-start.js';
import * as driverModule from 'mongodb';
import { createRequire } from 'node:module';
import type * as CreateRotor from './create-rotor.js';
import type * as Registry from './registry/resolve.js';
import type * as SyncRotor from './types/sync-rotor.js';

// Everything `mongodb` exports, and one export per registered class in place of the driver's, typed
// by the generator's sync mode (each `Promise<T>` member returns `T`; lib/types/generate/modes.ts).
export * from './types/generated/sync.js';

export { WorkerLostError, PoolClosedError, BlockingTimeoutError } from './executor/pool/main/errors.js';
export { InterceptorError, type Interceptor, type Call, type Next, type CursorFetch } from './intercept/types.js';

const load = createRequire(import.meta.url);
const { classes: rotor } = load('./types/sync-rotor.js') as typeof SyncRotor;
const { CLASS_NAMES } = load('./registry/resolve.js') as typeof Registry;
const { createRotor, closeSharedPool } = load('./create-rotor.js') as typeof CreateRotor;
export { createRotor, closeSharedPool };

/** The runtime behind this entry point (framework and executor). */
export const runtime = rotor.runtime;

/** `import mongodb from 'rotor/sync'`: every export, rotor's classes in place of the driver's. */
const defaultExport: typeof driverModule = { ...driverModule, ...Object.fromEntries(CLASS_NAMES.map((name) => [name, rotor[name]])) };
export default defaultExport;
