// Test runners (issue #22): a small vitest suite and a small jest suite written against the driver
// (spec/fixtures/runners/) run as the README shows, inline and on the pool, and must pass with the
// test file holding rotor's classes; run without rotor first, the same suite gets the driver's (so
// the check tells them apart). vitest and jest are installed at test time (spec/support/test-runners.ts).
import * as assert from 'uvu/assert';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot as root } from '../lib/util/package-root.js';
import { runNode } from './support/child.js';
import { dbName, suite, testUri } from './support/env.js';
import { installRunner, RUNNERS, type RunnerName } from './support/test-runners.js';

const test = suite('drop-in: vitest and jest');
const fixtures = join(root, 'spec', 'fixtures', 'runners');
const registerCJS = join(root, 'dist', 'lib', 'register', 'register.cjs');

interface Got {
  hook: string;
  prototypeParent: string;
}

/** What a rotor class's prototype sits on: the driver's class inline, nothing of the driver on the pool. */
const PARENT = { bare: 'TypedEventEmitter', inline: 'MongoClient', pool: 'Object' } as const;
type Mode = keyof typeof PARENT;

/** A project folder as a user's: the suite, its config, and `mongodb` and `rotor` installed (links). */
function project(dir: string, runner: RunnerName): string {
  const at = mkdtempSync(join(dir, 'suite-'));
  mkdirSync(join(at, 'node_modules'));
  symlinkSync(join(root, 'node_modules', 'mongodb'), join(at, 'node_modules', 'mongodb'), 'dir');
  symlinkSync(root, join(at, 'node_modules', 'rotor'), 'dir');
  if (runner === 'vitest') copyFileSync(join(fixtures, 'rotor.test.mjs'), join(at, 'rotor.test.mjs'));
  else copyFileSync(join(fixtures, 'rotor.test.cjs'), join(at, 'rotor.test.cjs'));
  return at;
}

/** The README's jest setup: jest's own registry maps `mongodb` to rotor/register/jest. */
const JEST_CONFIG = "module.exports = { testMatch: ['**/*.test.cjs'], moduleNameMapper: { '^mongodb$': require.resolve('rotor/register/jest') } };\n";

async function runSuite(runner: RunnerName, dir: string, mode: Mode): Promise<Got> {
  const at = project(dir, runner);
  const out = join(at, 'got.json');
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MONGODB_URI: testUri(),
      ROTOR_RUNNER_DB: dbName(`runner_${runner}_${mode}`),
      ROTOR_RUNNER_OUT: out,
      ROTOR_FRAMEWORK: '',
      ROTOR_EXECUTOR: mode === 'bare' ? '' : mode,
      NODE_OPTIONS: '',
    };
    let args: string[];
    if (runner === 'vitest') {
      // The README's vitest setup: rotor/register by absolute path in NODE_OPTIONS, which vitest's
      // workers inherit.
      if (mode !== 'bare') env.NODE_OPTIONS = `--import=${registerCJS}`;
      args = [join(dir, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', at];
    } else {
      if (mode !== 'bare') writeFileSync(join(at, 'jest.config.cjs'), JEST_CONFIG);
      args = [join(dir, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--rootDir', at, ...(mode === 'bare' ? ['--testMatch', '**/*.test.cjs'] : [])];
    }
    const run = await runNode(args, { env, cwd: at, timeoutMS: 120_000, what: `${runner} (${mode})` });
    assert.is(run.code, 0, `${runner} (${mode}) failed:\n${run.stdout}\n${run.stderr}`);
    return JSON.parse(readFileSync(out, 'utf8')) as Got;
  } finally {
    rmSync(at, { recursive: true, force: true });
  }
}

for (const runner of Object.keys(RUNNERS) as RunnerName[]) {
  const installed = installRunner(runner);
  if ('unavailable' in installed) {
    test.skip(`${runner}: a suite under rotor, inline and on the pool`, installed.unavailable);
    continue;
  }
  test(`${runner} ${RUNNERS[runner]}: the suite passes and its test file gets rotor's classes, inline and on the pool`, async () => {
    const bare = await runSuite(runner, installed.dir, 'bare');
    assert.equal(bare, { hook: 'driver', prototypeParent: PARENT.bare }, 'without rotor the suite has the driver');
    for (const mode of ['inline', 'pool'] as const) {
      const got = await runSuite(runner, installed.dir, mode);
      assert.equal(got, { hook: 'rotor', prototypeParent: PARENT[mode] }, `${runner} (${mode}): the test file did not get rotor's ${mode} classes`);
    }
  });
}

test.run();
