// The promise framework over the inline executor, made once: rotor's generated class exports
// (lib/types/generated/promise.ts) bind each constructor to these classes.
import { createRotor } from '../create-rotor.js';

export const classes = createRotor({ framework: 'promise', executor: 'inline' });
