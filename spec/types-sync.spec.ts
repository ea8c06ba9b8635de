// rotor/sync's types as synchronous code uses them: results are values (each Promise<T> member
// returns T), cursors iterate with for...of, user functions are synchronous; mistyped code is rejected.
import { suite } from 'uvu';
import { checkFixtures } from './support/typecheck.js';

const test = suite('types: rotor/sync');

test('typical synchronous code compiles with values for results; mistyped code does not', () => {
  checkFixtures('rotor/sync', 'types-sync-sample.ts', 'types-sync-wrong.ts');
});

test.run();
