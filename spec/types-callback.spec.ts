// rotor/callback's types as legacy code uses them: callbacks on every kind of call with their
// parameters inferred from the driver's own signatures, and mistyped callbacks rejected.
import { suite } from 'uvu';
import { checkFixtures } from './support/typecheck.js';

const test = suite('types: rotor/callback');

test("legacy-style code compiles with its callbacks' parameters inferred; mistyped callbacks do not", () => {
  checkFixtures('rotor/callback', 'types-callback-legacy.ts', 'types-callback-wrong.ts');
});

test.run();
