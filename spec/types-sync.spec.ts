// rotor/sync's types as synchronous code uses them: results are values (each Promise<T> member
// returns T), cursors iterate with for...of, user functions are synchronous; mistyped code is rejected.
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { root, scratch, tsc } from './support/typecheck.js';

const test = suite('types: rotor/sync');
const fixtures = join(root, 'spec', 'fixtures');
const OPTIONS = ['--noEmit', '--strict', '--module', 'nodenext', '--target', 'es2022', '--types', 'node', '--skipLibCheck'];

test('typical synchronous code compiles with values for results; mistyped code does not', () => {
  const dir = scratch('sync-types');
  try {
    copyFileSync(join(fixtures, 'types-sync-sample.ts'), join(dir, 'sample.ts'));
    copyFileSync(join(fixtures, 'types-sync-wrong.ts'), join(dir, 'wrong.ts'));
    const good = tsc(dir, [...OPTIONS, 'sample.ts']);
    assert.is(good.output, '', 'sample.ts must compile against rotor/sync');
    const bad = tsc(dir, [...OPTIONS, 'wrong.ts']);
    const source = readFileSync(join(dir, 'wrong.ts'), 'utf8').split('\n');
    const marked = source.flatMap((line, i) => (line.includes('// WRONG') ? [i + 1] : []));
    const failing = new Set(bad.diagnostics.map((d) => d.line));
    assert.ok(marked.length >= 9);
    assert.equal(marked.filter((l) => !failing.has(l)), [], 'every WRONG line fails to compile');
    assert.equal([...failing].filter((l) => !marked.includes(l)), [], `no other line fails:\n${bad.output}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
