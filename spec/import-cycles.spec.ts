// No import cycles in lib/: checked on the compiled graph (dist/lib), where only value imports are
// left, and on the TypeScript sources, where type-only imports count too. Needs no server.
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { packageRoot } from '../lib/util/package-root.js';
import { cycles, cyclePath, importGraph, sourceImportGraph, type ImportGraph } from './support/import-graph.js';
import { suite } from './support/env.js';

const test = suite('import cycles');

/**
 * Known cycles, by name, each the set of modules (relative to dist/lib) it may span: an explicit
 * allow-list, to be removed by the proxy rewrite (issue #11). They load today only because every use
 * across these imports sits inside a function. (runtime.ts closes the same loop in the source, but
 * through `import type` only, so it is not part of the value cycle.) A cycle that leaves a listed
 * set, or any other cycle, fails; an entry whose cycle is gone fails too, so it gets deleted.
 */
const KNOWN_CYCLES: Readonly<Record<string, readonly string[]>> = {};

const graph = importGraph(join(packageRoot, 'dist', 'lib'));
const found = cycles(graph);

test('the cycle finder finds cycles (and only cycles) in a small graph', () => {
  const g: ImportGraph = new Map([
    ['a.js', ['b.js']],
    ['b.js', ['c.js']],
    ['c.js', ['a.js']],
    ['d.js', ['a.js', 'd.js']],
    ['e.js', ['a.js']],
  ]);
  assert.equal(cycles(g), [['a.js', 'b.js', 'c.js'], ['d.js']]);
  assert.is(cyclePath(g, ['a.js', 'b.js', 'c.js']), 'a.js → b.js → c.js → a.js');
  assert.is(cyclePath(g, ['d.js']), 'd.js → d.js');
  assert.equal(cycles(new Map([['a.js', ['b.js']], ['b.js', []]])), []);
});

test('the graph is read from the compiled lib/ (relative imports resolved)', () => {
  assert.ok(graph.size > 20, `only ${graph.size} modules under dist/lib`);
  assert.ok(graph.get('index.js')?.length, 'index.js imports nothing?');
  for (const [from, targets] of graph) for (const to of targets) assert.ok(graph.has(to) || !to.startsWith('..'), `${from} imports ${to}, outside dist/lib`);
});

test('no import cycle in lib/ beyond the named known ones', () => {
  const unknown = found.filter((c) => !Object.values(KNOWN_CYCLES).some((allowed) => c.every((m) => allowed.includes(m))));
  const described = unknown.map((c) => `${cyclePath(graph, c)} (modules: ${c.join(', ')})`);
  assert.equal(described, [], `import cycles in lib/:\n  ${described.join('\n  ')}`);
});

test('no import cycle in the lib/ sources, type-only imports counted', () => {
  const sources = sourceImportGraph(join(packageRoot, 'lib'));
  assert.ok(sources.size > 20, `only ${sources.size} sources under lib/`);
  const described = cycles(sources).map((c) => `${cyclePath(sources, c)} (modules: ${c.join(', ')})`);
  assert.equal(described, [], `import cycles among lib/ sources:\n  ${described.join('\n  ')}`);
});

test('every known cycle still exists (delete an entry once its cycle is gone)', () => {
  const gone = Object.entries(KNOWN_CYCLES)
    .filter(([, allowed]) => !found.some((c) => c.every((m) => allowed.includes(m))))
    .map(([name]) => name);
  assert.equal(gone, [], `no longer cycles, remove from KNOWN_CYCLES: ${gone.join(', ')}`);
});

test.run();
