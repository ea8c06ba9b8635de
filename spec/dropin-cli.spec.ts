// Children and CLIs (issue #22): rotor/register by absolute path reaches node processes that run
// in other folders, through `rotor run` or the flag `rotor register-flag` prints for NODE_OPTIONS.
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withRegister } from '../lib/cli/run.js';
import { packageRoot as root } from '../lib/util/package-root.js';
import { runNode } from './support/child.js';
import { suite } from './support/env.js';

const test = suite('drop-in: children and CLIs');
const cli = join(root, 'dist', 'lib', 'cli', 'main.js');
const app = join(root, 'spec', 'fixtures', 'spawn-in-folder.mjs');
const folder = mkdtempSync(join(tmpdir(), 'rotor-cli-child-'));
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ ...process.env, ROTOR_FRAMEWORK: '', ROTOR_EXECUTOR: '', NODE_OPTIONS: '', ...extra });
const lines = (s: string): string[] => s.split('\n').filter(Boolean);

test('`rotor run app.js`, started from a temp folder: the app and its child in that folder get rotor', async () => {
  const run = await runNode([cli, 'run', app, folder], { env: env(), cwd: folder, timeoutMS: 30_000, what: 'rotor run' });
  assert.is(run.code, 0, run.stderr);
  assert.equal(lines(run.stdout), ['app: rotor', 'child: rotor']);
});

test('NODE_OPTIONS with the flag `rotor register-flag` prints: the same, from any folder', async () => {
  const printed = await runNode([cli, 'register-flag'], { env: env(), cwd: folder, timeoutMS: 30_000, what: 'rotor register-flag' });
  const flag = printed.stdout.trim();
  assert.match(flag, /^--import=file:\/\/\/\S+register\.cjs$/);
  const run = await runNode([app, folder], { env: env({ NODE_OPTIONS: flag }), cwd: folder, timeoutMS: 30_000, what: 'app with the flag' });
  assert.is(run.code, 0, run.stderr);
  assert.equal(lines(run.stdout), ['app: rotor', 'child: rotor']);
});

test("what the absolute form is for: NODE_OPTIONS=--import=rotor/register fails in a folder where 'rotor' does not resolve", async () => {
  // From the project (where rotor resolves to itself) the app gets rotor; its child in the temp folder fails.
  const run = await runNode([app, folder], { env: env({ NODE_OPTIONS: '--import=rotor/register' }), cwd: root, timeoutMS: 30_000, what: 'app with the bare specifier' });
  assert.equal(lines(run.stdout), ['app: rotor', 'child: failed: ERR_MODULE_NOT_FOUND']);
});

test('`rotor run` passes the exit status on, and keeps the user\'s NODE_OPTIONS', async () => {
  const run = await runNode([cli, 'run', app, folder], { env: env({ APP_EXIT_CODE: '3' }), cwd: folder, timeoutMS: 30_000, what: 'rotor run (exit 3)' });
  assert.is(run.code, 3);
  assert.is(withRegister('--max-old-space-size=512'), `--max-old-space-size=512 ${withRegister('')}`);
  assert.is(withRegister(withRegister('--expose-gc')), withRegister('--expose-gc'), 'added once');
  const usage = await runNode([cli, 'run'], { env: env(), timeoutMS: 30_000, what: 'rotor run (no script)' });
  assert.is(usage.code, 2);
  assert.match(usage.stderr, 'rotor: run needs a script');
});

test.after(() => rmSync(folder, { recursive: true, force: true }));
test.run();
