// The mongoose check's logic without mongoose: TAP parsing, the --grep pattern, and how retries
// separate flakes from rotor-induced failures (with a scripted runner in place of mocha).
import * as assert from 'uvu/assert';
import { check, countsOf, differences, grepFor, parseOptions, parseTap, retryDifferences, type FileRun, type Mode, type Runner, type Status } from './support/mongoose-check.js';
import { suite } from './support/env.js';

const test = suite('mongoose check');

const TAP = `1..4
ok 1 Model saves
not ok 2 Model atomic subdocument saving
  1 == 5
  AssertionError [ERR_ASSERTION]: 1 == 5
ok 3 Model a skipped one # SKIP -
ok 4 Query (gh-123) uses $in [a, b]?
# tests 4
# pass 2
# fail 1
`;

const run = (entries: Record<string, Status>): FileRun => ({ tests: new Map(Object.entries(entries).map(([t, status]) => [t, { status }])), count: Object.keys(entries).length, wallMS: 1 });

test('parseTap reads titles, statuses, the first failure line and the test count', () => {
  const { tests, count, lines } = parseTap(TAP);
  assert.is(count, 4);
  assert.equal(lines, { pass: 2, fail: 1, skip: 1 });
  assert.equal(tests.get('Model saves'), { status: 'pass' });
  assert.equal(tests.get('Model atomic subdocument saving'), { status: 'fail', detail: '1 == 5' });
  assert.equal(tests.get('Model a skipped one'), { status: 'skip' });
  assert.equal(tests.get('Query (gh-123) uses $in [a, b]?'), { status: 'pass' });
  assert.is(parseTap('Error: something went wrong before any test\n').count, 0);
});

test('grepFor matches exactly the one title, regex characters escaped', () => {
  const title = 'Query (gh-123) uses $in [a, b]? a.b*c+ {x} | y / z \\';
  const re = new RegExp(grepFor(title));
  assert.ok(re.test(title));
  assert.not.ok(re.test(`${title} and more`));
  assert.not.ok(re.test(`Model ${title}`));
  assert.not.ok(new RegExp(grepFor('a.c')).test('abc'));
});

test('differences: passing bare and not passing through rotor (failed, skipped or never ran)', () => {
  const bare = run({ a: 'pass', b: 'pass', c: 'pass', d: 'fail', e: 'pass' });
  const rotor = run({ a: 'pass', b: 'fail', c: 'skip', d: 'pass' });
  assert.equal(differences(bare, rotor), ['b', 'c', 'e']);
});

/** A runner answering from a script: for (mode, alone?) the statuses of successive runs of each title. */
function scripted(script: Record<string, Partial<Record<`${Mode} ${'alone' | 'file'}`, Status[] | 'absent'>>>): { runner: Runner; calls: string[] } {
  const calls: string[] = [];
  const counters = new Map<string, number>();
  const runner: Runner = (mode, _file, grep) => {
    const how = grep === undefined ? 'file' : 'alone';
    calls.push(`${mode} ${how}`);
    const tests = new Map<string, { status: Status }>();
    for (const [title, byRun] of Object.entries(script)) {
      if (grep !== undefined && !new RegExp(grep).test(title)) continue;
      const statuses = byRun[`${mode} ${how}`];
      if (statuses === 'absent') continue;
      const key = `${title} ${mode} ${how}`;
      const n = counters.get(key) ?? 0;
      counters.set(key, n + 1);
      tests.set(title, { status: statuses?.[Math.min(n, statuses.length - 1)] ?? 'pass' });
    }
    return Promise.resolve({ tests, count: tests.size, wallMS: 1 });
  };
  return { runner, calls };
}

test('retries: a pass through rotor on any retry is a flake; stops at the first pass', async () => {
  const { runner, calls } = scripted({ t: { 'pool alone': ['fail', 'pass', 'fail'] } });
  const v = await retryDifferences('pool', 'model', ['t'], 3, runner);
  assert.equal(v.get('t'), { kind: 'flaky', reason: 'passed through rotor alone on retry 2' });
  assert.equal(calls, ['pool alone', 'pool alone']);
});

test('retries: failing every rotor retry and passing every bare retry is rotor-induced', async () => {
  const { runner, calls } = scripted({ t: { 'pool alone': ['fail'], 'bare alone': ['pass'] } });
  const v = await retryDifferences('pool', 'model', ['t'], 3, runner);
  assert.is(v.get('t')?.kind, 'rotor-induced');
  assert.equal(calls, ['pool alone', 'pool alone', 'pool alone', 'bare alone', 'bare alone', 'bare alone']);
});

test('retries: a test failing bare alone (it needs the tests before it) is retried with its whole file', async () => {
  const needsFile = scripted({ t: { 'inline alone': ['fail'], 'bare alone': ['fail'], 'inline file': ['fail', 'pass'] } });
  const v = await retryDifferences('inline', 'model', ['t'], 3, needsFile.runner);
  assert.equal(v.get('t'), { kind: 'flaky', reason: 'passed through rotor on whole-file retry 2' });
  assert.equal(needsFile.calls, ['inline alone', 'inline alone', 'inline alone', 'bare alone', 'inline file', 'inline file']);

  const consistent = scripted({ t: { 'inline alone': ['fail'], 'bare alone': ['fail'], 'inline file': ['fail'], 'bare file': ['pass'] } });
  assert.is((await retryDifferences('inline', 'model', ['t'], 2, consistent.runner)).get('t')?.kind, 'rotor-induced');

  const bareFlaky = scripted({ t: { 'inline alone': ['fail'], 'bare alone': ['fail'], 'inline file': ['fail'], 'bare file': ['pass', 'fail'] } });
  assert.equal((await retryDifferences('inline', 'model', ['t'], 3, bareFlaky.runner)).get('t'), { kind: 'flaky', reason: 'failed bare too on whole-file retry 2' });
});

test('retries: a title --grep cannot select (mocha dropped a #) goes to whole-file retries, shared by the file', async () => {
  const { runner, calls } = scripted({ a: { 'pool alone': 'absent', 'pool file': ['fail'], 'bare file': ['pass'] }, b: { 'pool alone': 'absent', 'pool file': ['pass'] } });
  const v = await retryDifferences('pool', 'model', ['a', 'b'], 2, runner);
  assert.is(v.get('a')?.kind, 'rotor-induced');
  assert.is(v.get('b')?.kind, 'flaky');
  assert.equal(calls, ['pool alone', 'pool alone', 'pool file', 'pool file', 'bare file', 'bare file']);
});

test('counts for the test command: one pass per clean mode, one failure per rotor-induced test, one skip when skipped', () => {
  assert.equal(countsOf({ skipped: 'no network', files: {}, modes: {}, retryMS: 0 }), { passed: 0, failed: 0, skipped: 1 });
  const clean = { differences: 2, flaky: [{ test: 'x', reason: 'r' }], rotorInduced: [] };
  const broken = { differences: 2, flaky: [], rotorInduced: [{ test: 'a', reason: 'r' }, { test: 'b', reason: 'r' }] };
  assert.equal(countsOf({ files: {}, modes: { inline: clean, pool: broken }, retryMS: 0 }), { passed: 1, failed: 2, skipped: 0 });
});

test('skips, saying why, when the third-party folder is absent', async () => {
  const report = await check({ ...parseOptions(['--thirdparty', '/nonexistent/thirdparty']), scratch: undefined }, 'mongodb://127.0.0.1:1/');
  assert.is(report.skipped, '/nonexistent/thirdparty (mongoose and mongoose-suite.sh) is absent');
  assert.equal(countsOf(report), { passed: 0, failed: 0, skipped: 1 });
});

test('options: modes, files and retries are checked', () => {
  const o = parseOptions(['--modes', 'inline', '--files', 'model,query', '--retries', '2']);
  assert.equal([o.modes, o.files, o.retries], [['inline'], ['model', 'query'], 2]);
  assert.equal(parseOptions([]).modes, ['inline', 'pool']);
  assert.throws(() => parseOptions(['--modes', 'sync']), /unknown mode sync/);
  assert.throws(() => parseOptions(['--retries', '0']), /positive integer/);
});
test.run();
