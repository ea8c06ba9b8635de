// rotor/callback's types as legacy code uses them: callbacks on every kind of call with their
// parameters inferred from the driver's own signatures, and mistyped callbacks rejected.
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { root, scratch, tsc } from './support/typecheck.js';

const test = suite('types: rotor/callback');
const fixtures = join(root, 'spec', 'fixtures');
const OPTIONS = ['--noEmit', '--strict', '--module', 'nodenext', '--target', 'es2022', '--types', 'node', '--skipLibCheck'];

test('legacy-style code compiles with its callbacks\' parameters inferred; mistyped callbacks do not', () => {
  const dir = scratch('callback-types');
  try {
    copyFileSync(join(fixtures, 'types-callback-legacy.ts'), join(dir, 'legacy.ts'));
    copyFileSync(join(fixtures, 'types-callback-wrong.ts'), join(dir, 'wrong.ts'));
    const good = tsc(dir, [...OPTIONS, 'legacy.ts']);
    assert.is(good.output, '', 'legacy.ts must compile against rotor/callback');
    const bad = tsc(dir, [...OPTIONS, 'wrong.ts']);
    const source = readFileSync(join(dir, 'wrong.ts'), 'utf8').split('\n');
    const marked = source.flatMap((line, i) => (line.includes('// WRONG') ? [i + 1] : []));
    const failing = new Set(bad.diagnostics.map((d) => d.line));
    assert.ok(marked.length >= 9);
    assert.equal(marked.filter((l) => !failing.has(l)), [], 'every WRONG line fails to compile');
    assert.equal([...failing].filter((l) => !marked.includes(l)), [], 'no other line fails');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
