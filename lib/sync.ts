// rotor/sync: the sync framework over the pool executor. The same handles, blocking: every async
// command returns its result (or throws the driver's error) before returning, while the driver runs
// in a pool worker thread and this thread waits on Atomics.wait. Cursors are iterable with
// `for...of`; withSession/withTransaction take synchronous functions. For scripts, CLIs, config
// loaders and plugins that must stay synchronous; never for a server's request handler.
// First: the pool's worker starts loading the driver while this thread does (./executor/pool/main/early-start.ts).
import './executor/pool/main/early-start.js';
import * as driverModule from 'mongodb';
import { CLASS_NAMES } from './registry/resolve.js';
import { classes as rotor } from './types/sync-rotor.js';

// Everything `mongodb` exports, and one export per registered class in place of the driver's, typed
// by the generator's sync mode (each `Promise<T>` member returns `T`; lib/types/generate/modes.ts).
export * from './types/generated/sync.js';

export { createRotor, closeSharedPool } from './create-rotor.js';
export { WorkerLostError, PoolClosedError, BlockingTimeoutError } from './executor/pool/main/errors.js';
export { InterceptorError, type Interceptor, type Call, type Next, type CursorFetch } from './intercept/types.js';

/** The runtime behind this entry point (framework and executor). */
export const runtime = rotor.runtime;

/** `import mongodb from 'rotor/sync'`: every export, rotor's classes in place of the driver's. */
const defaultExport: typeof driverModule = { ...driverModule, ...Object.fromEntries(CLASS_NAMES.map((name) => [name, rotor[name]])) };
export default defaultExport;
