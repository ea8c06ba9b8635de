// What `import 'mongodb'` resolves to under rotor/register: everything the driver exports, with
// rotor's classes in place of the driver's (the generated module, one export per registered
// class), for the framework and executor named by the environment (see ./rotor.ts).
// `require('mongodb')` gets the same module (entry.cjs builds its exports from this one), so an
// app mixing both sees one set of classes.
import * as driverModule from 'mongodb';
import { classes as rotor } from './rotor.js';

export * from '../types/generated/register.js';

/** `import mongodb from 'mongodb'`: every export, rotor's classes in place of the driver's. */
const { runtime: _runtime, ...classes } = rotor;
export default { ...driverModule, ...classes };
