// What `import 'mongodb'` gives the app's own modules loaded by a REPL session (--import,
// .rotorrc.mjs, `import` lines): the driver's exports, with the session's classes (./app-classes.ts)
// in place of the driver's, one export per registered class (generated from lib/registry).
import * as driver from 'mongodb';
import { CLASS_NAMES } from '../registry/resolve.js';
import { classes } from './app-classes.js';

export * from '../types/generated/repl-app.js';
export { SESSION_LINK, type SessionLink } from './app-classes.js';

export default { ...driver, ...Object.fromEntries(CLASS_NAMES.map((name) => [name, classes[name]])) };
