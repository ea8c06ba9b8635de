// rotor: the promise framework over the inline executor. Everything `mongodb` exports is exported
// here; the classes rotor wraps are replaced by rotor's, typed as the driver's own classes (the
// promise framework's API is the driver's API, so the driver's types are rotor's types).
import { classes } from './types/promise-rotor.js';

// Everything `mongodb` exports, and one export per registered class in place of the driver's
// (generated from lib/registry at build time: lib/types/generate/entries.ts).
export * from './types/generated/promise.js';

export { createRotor, closeSharedPool, FRAMEWORKS, EXECUTORS, type RotorOptions, type RotorClasses } from './create-rotor.js';
export type { Framework, Callback } from './framework/types.js';
export type { Executor } from './executor/types.js';
export { InterceptorError, type Interceptor, type Call, type Next, type CursorFetch } from './intercept/types.js';

/** The runtime behind this entry point (framework and executor). */
export const runtime = classes.runtime;

/**
 * `import mongodb from 'rotor'` is this module's namespace, as `import mongodb from 'mongodb'` is the
 * driver's: every export, rotor's classes in place of the driver's, `mongodb.Db` a type too.
 */
export * as default from './index.js';
