// The sync framework over the pool executor, made once: rotor/sync's generated class exports
// (lib/types/generated/sync.ts) bind each constructor to these classes.
import { createRotor } from '../create-rotor.js';

export const classes = createRotor({ framework: 'sync', executor: 'pool' });
