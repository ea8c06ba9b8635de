// The callback framework over the inline executor, made once: rotor/callback's generated module
// (lib/types/generated/callback.ts) binds each of its typed constructors to these classes.
import { createRotor } from '../create-rotor.js';

export const classes = createRotor({ framework: 'callback', executor: 'inline' });
