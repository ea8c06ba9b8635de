// The entries read the registry: rotor, rotor/callback and rotor/register export rotor's class in
// place of the driver's for exactly the registered classes, and the entry generator emits one
// export per registered class and nothing else (spec/types-registry-entries.spec.ts adds a class to
// a copy of the registry and builds it end to end).
import * as assert from 'uvu/assert';
import * as driver from 'mongodb';
import { CLASS_NAMES } from '../lib/registry/resolve.js';
import { emitEntry } from '../lib/types/generate/entries.js';
import { suite } from './support/env.js';
import * as promiseEntry from '../lib/index.js';
import * as callbackEntry from '../lib/callback.js';
import * as registerEntry from '../lib/register/entry.js';

const test = suite('registry: entries');
const driverExports = driver as unknown as Record<string, unknown>;

/** The names an entry exports with a value of its own where the driver exports one too. */
function replaced(entry: Record<string, unknown>): string[] {
  return Object.keys(entry)
    .filter((name) => name !== 'default' && name in driverExports && entry[name] !== driverExports[name])
    .sort();
}

for (const [label, entry] of [
  ['rotor', promiseEntry],
  ['rotor/callback', callbackEntry],
  ['rotor/register (entry)', registerEntry],
] as const) {
  test(`${label} replaces exactly the registered classes`, () => {
    const exports = entry as unknown as Record<string, unknown>;
    for (const name of CLASS_NAMES) assert.type(exports[name], 'function', `${label} exports ${name}`);
    // A registered class the driver does not export at run time (found on instances only) is rotor's own export.
    const expected = CLASS_NAMES.filter((name) => name in driverExports).sort();
    assert.equal(replaced(exports), expected);
  });
}

test('the entry generator emits one export per registered class, in registry order', () => {
  const text = emitEntry({ runtime: './runtime.js' });
  const names = [...text.matchAll(/^export const (\w+) = classes\.(\w+);$/gm)].map((m) => {
    assert.is(m[1], m[2]);
    return m[1];
  });
  assert.equal(names, CLASS_NAMES);
  assert.match(text, /^export \* from 'mongodb';$/m);
  assert.match(text, /^import \{ classes \} from '\.\/runtime\.js';$/m);
});

test.run();
