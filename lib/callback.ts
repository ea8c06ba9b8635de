// rotor/callback: the callback framework over the inline executor (the mongodb-legacy convention):
// a trailing function gets (err, result) exactly once; without one, a Promise is returned.
//
// Everything `mongodb` exports, with the registry's classes replaced by rotor's. Their types are
// generated at build time from the driver's own declarations (lib/types/generate): each async
// member keeps the driver's overloads and gains callback forms, and every handle type extends the
// driver's class, so handles go wherever the driver's types are expected.
import { classes } from './types/callback-rotor.js';

export * from './types/generated/callback.js';
export { createRotor } from './create-rotor.js';
export type { Callback } from './framework/types.js';
export { InterceptorError, type Interceptor, type Call, type Next, type CursorFetch } from './intercept/types.js';

/** The runtime behind this entry point (framework and executor). */
export const runtime = classes.runtime;

/**
 * `import mongodb from 'rotor/callback'` is a namespace, as `import mongodb from 'mongodb'` is the
 * driver's: every driver export with rotor's classes in their place, `mongodb.Db` a type too.
 */
export * as default from './types/generated/callback.js';
