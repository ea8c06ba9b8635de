// rotor/sync: the sync framework over the pool executor. The same handles, blocking: every async
// command returns its result (or throws the driver's error) before returning, while the driver runs
// in a pool worker thread and this thread waits on Atomics.wait. Cursors are iterable with
// `for...of`; withSession/withTransaction take synchronous functions. For scripts, CLIs, config
// loaders and plugins that must stay synchronous; never for a server's request handler.
import * as driverModule from 'mongodb';
import { CLASS_NAMES } from './registry/resolve.js';
import { classes as rotor } from './types/sync-rotor.js';

// Everything `mongodb` exports, and one export per registered class in place of the driver's
// (generated from lib/registry at build time: lib/types/generate/entries.ts).
export * from './types/generated/sync.js';

export { createRotor, closeSharedPool } from './create-rotor.js';
export { WorkerLostError, PoolClosedError, BlockingTimeoutError } from './executor/pool/errors.js';

/** The runtime behind this entry point (framework and executor). */
export const runtime = rotor.runtime;

// TODO(types, issue #13): the generated class exports are typed as the driver's (Promise-returning)
// classes, a placeholder. Generate them from the sync declarations instead (the generator's "sync"
// mode: each `Promise<T>` member returns `T`, cursors add `[Symbol.iterator]`), as lib/callback.ts
// does with the callback mode, then enable spec/types/sync-types.sample.ts.

/** `import mongodb from 'rotor/sync'`: every export, rotor's classes in place of the driver's. */
const defaultExport: typeof driverModule = { ...driverModule, ...Object.fromEntries(CLASS_NAMES.map((name) => [name, rotor[name]])) };
export default defaultExport;
