// Drop-in where apps really run (issue #22): node flags on the command line and in NODE_OPTIONS,
// and environment variables set after the driver was imported. Each case runs in a child process
// (spec/fixtures/pool-flags-app.mjs, env-after-import.mjs) and is compared with the same run
// without flags, or with the bare driver.
import * as assert from 'uvu/assert';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { candidateFlags, flagGroups, heapLimitsFromFlags } from '../lib/executor/pool/main/launch.js';
import { runNode, type ChildRun } from './support/child.js';
import { suite, testUri } from './support/env.js';

const test = suite('drop-in: node flags and late environment');
const dist = resolve(fileURLToPath(import.meta.url), '..', '..');
const fixtures = join(dist, '..', 'spec', 'fixtures');
const registerESM = join(dist, 'lib', 'register', 'index.js');
const TIMEOUT_MS = 60_000;

/** The flags apps are started with; each must leave the pool working. */
const FLAGS = [
  '--max-old-space-size=512',
  '--expose-gc',
  '--stack-size=2000',
  '--stack-trace-limit=50',
  '--enable-source-maps',
  '--inspect=127.0.0.1:0',
  '--title=rotor-flags',
];

/** The child's environment: the test server, no rotor choice inherited from the runner. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, MONGODB_URI: testUri(), ROTOR_FRAMEWORK: '', ROTOR_EXECUTOR: '', NODE_OPTIONS: '', ...extra };
}

const lines = (run: ChildRun): string[] => run.stdout.split('\n').filter(Boolean);
const ok = (run: ChildRun, what: string): void => assert.is(run.code, 0, `${what} failed:\n${run.stderr}\n${run.stdout}`);

const app = (flags: string[], extra: Record<string, string> = {}): Promise<ChildRun> =>
  runNode([...flags, join(fixtures, 'pool-flags-app.mjs')], { env: env(extra), timeoutMS: TIMEOUT_MS, what: `pool-flags-app.mjs ${flags.join(' ')}` });

let plain: Promise<ChildRun> | undefined;
/** The app without flags: what every flagged run must print (but the heap line). */
async function expected(): Promise<string[]> {
  const run = await (plain ??= app([]));
  ok(run, 'the app without flags');
  return lines(run).slice(0, -1);
}

function assertSameAsPlain(run: ChildRun, want: string[], heapMb: number | undefined, what: string): void {
  ok(run, what);
  const got = lines(run);
  assert.equal(got.slice(0, -1), want, `${what}: the pool answered differently`);
  if (heapMb !== undefined) assert.is(got.at(-1), `worker heap limit: ${heapMb}`, `${what}: the worker's resourceLimits`);
}

for (const flag of FLAGS) {
  const heap = heapLimitsFromFlags([flag], '')?.maxOldGenerationSizeMb;
  test(`node ${flag}: the pool starts, survives losing its worker, and rotor/sync answers`, async () => {
    assertSameAsPlain(await app([flag]), await expected(), heap, `node ${flag}`);
  });
  const name = flag.split('=')[0]!;
  if (!process.allowedNodeEnvironmentFlags.has(name)) {
    test.skip(`NODE_OPTIONS=${flag}`, `node does not allow ${name} in NODE_OPTIONS`);
    continue;
  }
  test(`NODE_OPTIONS=${flag}: the same`, async () => {
    assertSameAsPlain(await app([], { NODE_OPTIONS: flag }), await expected(), heap, `NODE_OPTIONS=${flag}`);
  });
}

test('a heap limit set by the user (pool resourceLimits) is kept; the flags\' is the default', () => {
  assert.equal(heapLimitsFromFlags(['--max-old-space-size=4096'], ''), { maxOldGenerationSizeMb: 4096 });
  assert.equal(heapLimitsFromFlags(['--max_old_space_size', '300'], '--max-old-space-size=100'), { maxOldGenerationSizeMb: 300 }, 'the command line wins over NODE_OPTIONS');
  assert.equal(heapLimitsFromFlags([], '--max-old-space-size=100 --expose-gc'), { maxOldGenerationSizeMb: 100 });
  assert.is(heapLimitsFromFlags(['--expose-gc'], ''), undefined);
});

test('a flag keeps its separate value; string-input options stay out of the worker', () => {
  assert.equal(flagGroups(['--title', 'x', '--expose-gc', '-e', 'code']), [['--title', 'x'], ['--expose-gc'], ['-e', 'code']]);
  assert.equal(candidateFlags(['--input-type', 'module', '--conditions=x', '--input-type=module', '--expose-gc']), ['--conditions=x', '--expose-gc']);
  // rotor/register stays out of rotor's worker (it would only load there to step aside), in every spelling.
  const registerCJS = join(dist, 'lib', 'register', 'register.cjs');
  const other = join(fixtures, 'worker-driver-load.cjs');
  for (const spelling of [['--import', registerESM], [`--import=${pathToFileURL(registerESM).href}`], ['-r', registerCJS], [`--require=${registerCJS}`], ['--import', 'rotor/register']]) {
    assert.equal(candidateFlags(['--expose-gc', ...spelling, '--require', other]), ['--expose-gc', '--require', other], spelling.join(' '));
  }
  assert.equal(candidateFlags(['--import', './not-there.mjs']), ['--import', './not-there.mjs'], 'an unresolvable preload is kept: the worker fails on it as the app would');
});

/** The fault spec itself under every flag at once: on the command line, then in NODE_OPTIONS. */
async function faultSpecs(flags: string[], nodeOptions: string): Promise<void> {
  const run = await runNode([...flags, join(dist, 'spec', 'support', 'run-specs.js'), 'pool-faults'], {
    env: { ...process.env, ROTOR_TEST_URI: testUri(), ROTOR_TEST_COUNTS: '', NODE_OPTIONS: nodeOptions },
    timeoutMS: 240_000,
    what: 'the pool fault specs',
  });
  const closing = lines(run).at(-1) ?? '';
  assert.match(closing, /^\d+ passed, 0 failed/, `pool-faults under ${flags.join(' ') || `NODE_OPTIONS=${nodeOptions}`}:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`);
  assert.is(run.code, 0);
}

test('the pool fault specs pass with all these flags on the command line', () => faultSpecs(FLAGS, ''));

test('the pool fault specs pass with them in NODE_OPTIONS', () =>
  faultSpecs([], FLAGS.filter((f) => process.allowedNodeEnvironmentFlags.has(f.split('=')[0]!)).join(' ')));

test('rotor/register with ROTOR_EXECUTOR=pool under all the flags: the app runs (it died at import before)', async () => {
  const run = await runNode([...FLAGS, '--import', registerESM, join(fixtures, 'env-after-import.mjs')], { env: env({ ROTOR_EXECUTOR: 'pool' }), timeoutMS: TIMEOUT_MS, what: 'register under flags' });
  ok(run, 'the app under rotor/register and the flags');
  assert.is(lines(run).at(-1), 'done');
});

// -- environment set after import ------------------------------------------------------------------

/** The driver's command log lines for `ping` that the app printed. */
const pingLogs = (run: ChildRun): number => lines(run).filter((l) => l.includes("commandName: 'ping'")).length;

const registered: Array<{ label: string; env: Record<string, string> }> = [
  { label: 'inline', env: { ROTOR_EXECUTOR: 'inline' } },
  { label: 'pool', env: { ROTOR_EXECUTOR: 'pool' } },
  { label: 'sync (pool)', env: { ROTOR_FRAMEWORK: 'sync' } },
];

for (const { label, env: extra } of registered) {
  test(`MONGODB_LOG_* set after import reach the driver (and their removal too), ${label}: as many log lines as the bare driver`, async () => {
    const script = join(fixtures, 'env-after-import.mjs');
    const bare = await runNode([script], { env: env(), timeoutMS: TIMEOUT_MS, what: 'bare env-after-import' });
    ok(bare, 'the bare app');
    assert.is(pingLogs(bare), 2, 'the bare driver logs the started and succeeded ping once (the second client, after the variable was deleted, logs nothing)');
    const run = await runNode(['--import', registerESM, script], { env: env(extra), timeoutMS: TIMEOUT_MS, what: `env-after-import ${label}` });
    ok(run, `the app under rotor/register ${label}`);
    assert.is(pingLogs(run), pingLogs(bare), `${label}: the driver did not see the variables the app set after import`);
  });
}

test.run();
