// rotor/register: an unmodified app written against 'mongodb' (spec/fixtures/dropin-app.*) prints
// the same lines with and without the hook, as ESM (--import) and CommonJS (--require), on every
// executor; only its "hook:" line says rotor answered.
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EXECUTORS } from '../lib/create-rotor.js';
import { keepsDriver, resolveHook } from '../lib/register/hooks.cjs';
import { isDriverEntry } from '../lib/register/driver-entry.cjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { importGraph } from './support/import-graph.js';
import { dbName, suite, testUri } from './support/env.js';

const test = suite('rotor/register (drop-in)');
const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const fixtures = join(root, 'spec', 'fixtures');
const registerESM = join(root, 'dist', 'lib', 'register', 'index.js');
const registerCJS = join(root, 'dist', 'lib', 'register', 'register.cjs');
const APP_TIMEOUT_MS = 45_000;

interface Run {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Runs a fixture app in a child process (no inherited loader flags: it resolves 'mongodb' like any app). */
function runApp(app: string, preload: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [...preload, join(fixtures, app), dbName(`dropin_${app}`)], {
      cwd: root,
      env: { ...process.env, MONGODB_URI: testUri(), ROTOR_FRAMEWORK: '', ROTOR_EXECUTOR: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), APP_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal === 'SIGKILL' ? `killed after ${APP_TIMEOUT_MS} ms (did not exit)` : String(signal)), stdout, stderr });
    });
  });
}

function split(run: Run): { hook: string | undefined; lines: string[] } {
  const all = run.stdout.split('\n').filter(Boolean);
  return { hook: all.find((l) => l.startsWith('hook:')), lines: all.filter((l) => !l.startsWith('hook:')) };
}

const baseline = new Map<string, Promise<Run>>();
/** The app without the hook: the driver itself (once per app). */
function bareRun(app: string): Promise<Run> {
  let p = baseline.get(app);
  if (!p) baseline.set(app, (p = runApp(app, [])));
  return p;
}

async function assertDropIn(app: string, preload: string[], env: Record<string, string>): Promise<void> {
  const bare = await bareRun(app);
  assert.is(bare.code, 0, `the app fails without the hook:\n${bare.stderr}`);
  const hooked = await runApp(app, preload, env);
  assert.is(hooked.code, 0, `the app fails with the hook:\n${hooked.stderr}\n${hooked.stdout}`);
  const b = split(bare);
  const h = split(hooked);
  assert.is(b.hook, 'hook: driver');
  assert.is(h.hook, 'hook: rotor', 'the hook did not take effect: the app got the driver');
  assert.ok(b.lines.includes('done'), 'the app did not finish');
  assert.equal(h.lines, b.lines, 'the app printed something different under rotor');
}

const executors = Object.keys(EXECUTORS);
const apps = [
  { app: 'dropin-app.mjs', flag: '--import', hook: registerESM, label: 'ESM app, --import rotor/register' },
  { app: 'dropin-app.cjs', flag: '--require', hook: registerCJS, label: 'CommonJS app, --require rotor/register' },
];

for (const { app, flag, hook, label } of apps) {
  for (const executor of ['inline', 'pool']) {
    if (!executors.includes(executor)) {
      test.skip(`${label}, ROTOR_EXECUTOR=${executor}`, `no '${executor}' executor in this build (EXECUTORS: ${executors.join(', ')})`);
      continue;
    }
    test(`${label}, ROTOR_EXECUTOR=${executor}: same output as the driver`, () => assertDropIn(app, [flag, hook], { ROTOR_EXECUTOR: executor }));
  }
}

test('ROTOR_FRAMEWORK=callback (without callbacks an app gets Promises): same output', () =>
  assertDropIn('dropin-app.mjs', ['--import', registerESM], { ROTOR_FRAMEWORK: 'callback' }));

test('ROTOR_FRAMEWORK=sync: the await-based app gives the same output (awaiting a value is the value)', () =>
  assertDropIn('dropin-app.mjs', ['--import', registerESM], { ROTOR_FRAMEWORK: 'sync' }));

test('ROTOR_FRAMEWORK=sync: a synchronous app (no await) runs on the pool and exits', async () => {
  const run = await runApp('dropin-sync-app.mjs', ['--import', registerESM], { ROTOR_FRAMEWORK: 'sync' });
  assert.is(run.code, 0, `the sync app failed:\n${run.stderr}\n${run.stdout}`);
  assert.equal(run.stdout.split('\n').filter(Boolean), [
    'hook: rotor',
    'insertMany 3',
    'updateOne 1',
    'findOne {"name":"alan","born":1912,"field":"computing"}',
    'count 2',
    'for...of ["ada","grace","alan"]',
    'toArray length 3',
    'withSession 3',
    'duplicate true 11000',
    'done',
  ]);
});

test('ROTOR_EXECUTOR=pool: the worker starts when the app imports the driver, and an app that never uses it still exits', async () => {
  const pool = await runApp('register-warm.mjs', ['--import', registerESM], { ROTOR_EXECUTOR: 'pool' });
  assert.is(pool.code, 0, `the app did not exit cleanly:\n${pool.stderr}`);
  assert.equal(pool.stdout.trim(), 'worker started: true');
  const inline = await runApp('register-warm.mjs', ['--import', registerESM], { ROTOR_EXECUTOR: 'inline' });
  assert.is(inline.code, 0, inline.stderr);
  assert.equal(inline.stdout.trim(), 'worker started: false', 'no worker for an inline app');
});

test('ROTOR_EXECUTOR=pool: a run that never touches the driver exits without waiting for the early worker to load it', async () => {
  const mark = join(mkdtempSync(join(tmpdir(), 'rotor-early-')), 'mark');
  writeFileSync(mark, '');
  const run = await runApp('no-driver-app.mjs', ['--require', join(fixtures, 'worker-driver-load.cjs'), '--import', registerESM], { ROTOR_EXECUTOR: 'pool', WORKER_DRIVER: 'slow', SLOW_DRIVER_MARK: mark });
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stdout.trim(), 'done');
  // The worker's driver was held up 3 s: had the process waited for its worker, the note would be there.
  assert.is(readFileSync(mark, 'utf8'), '', 'the process waited for its worker to load the driver');
  rmSync(dirname(mark), { recursive: true, force: true });
});

test("the hook installs itself in the app's worker threads, not in rotor's pool worker (no loader thread there)", async () => {
  const run = await runApp('register-workers.mjs', ['--import', registerESM], {});
  assert.is(run.code, 0, run.stderr);
  assert.equal(run.stdout.trim().split('\n'), ['app worker: true', 'pool worker: false']);
});

test('either flag installs both hooks: --import for a CommonJS app, --require for an ES module app', async () => {
  await assertDropIn('dropin-app.cjs', ['--import', registerESM], {});
  await assertDropIn('dropin-app.mjs', ['--require', registerCJS], {});
});

test('an unknown executor or framework fails at import with the names of the available ones', async () => {
  const badExecutor = await runApp('dropin-app.mjs', ['--import', registerESM], { ROTOR_EXECUTOR: 'threads' });
  assert.is.not(badExecutor.code, 0);
  assert.match(badExecutor.stderr, `rotor/register: ROTOR_EXECUTOR='threads' is not a rotor executor; available: ${executors.join(', ')}`);
  const badFramework = await runApp('dropin-app.cjs', ['--require', registerCJS], { ROTOR_FRAMEWORK: 'rxjs' });
  assert.is.not(badFramework.code, 0);
  assert.match(badFramework.stderr, "rotor/register: ROTOR_FRAMEWORK='rxjs' is not a rotor framework; available: promise, callback, sync");
});

test('ROTOR_STRICT=1 gives strict handles (a name outside the registry throws); unset, it reads undefined', () => {
  const app = "import { MongoClient } from 'mongodb'; const db = new MongoClient(process.env.MONGODB_URI).db('x'); try { console.log(String(db.usres)); } catch (e) { console.log(e.message); }";
  for (const [strict, expected] of [
    ['1', "Db has no attribute 'usres'"],
    ['', 'undefined'],
  ] as const) {
    const env = { ...process.env, MONGODB_URI: testUri(), ROTOR_FRAMEWORK: '', ROTOR_EXECUTOR: '', ROTOR_STRICT: strict };
    const r = spawnSync(process.execPath, ['--import', registerESM, '--input-type=module', '-e', app], { cwd: root, env, encoding: 'utf8', timeout: APP_TIMEOUT_MS });
    assert.is(r.stdout.trim(), expected, r.stderr);
  }
});

test('any resolution landing on a driver entry file gets rotor: absolute path or URL, any node_modules copy, import and require', () => {
  const probe = "console.log(require('node:util').inspect(new m.MongoClient('mongodb://127.0.0.1:1')).startsWith('MongoClient <') ? 'rotor' : 'driver')";
  const run = (args: string[], env: Record<string, string>): string => {
    const r = spawnSync(process.execPath, ['--import', registerESM, ...args], { cwd: root, env: { ...process.env, ROTOR_FRAMEWORK: '', ROTOR_EXECUTOR: '', ...env }, encoding: 'utf8', timeout: APP_TIMEOUT_MS });
    return r.stdout.trim() || r.stderr;
  };
  for (const copy of ['mongodb', 'mongodb6']) {
    const file = join(root, 'node_modules', copy, 'lib', 'index.js');
    assert.ok(isDriverEntry(file), `${copy}'s entry is a driver entry`);
    const esm = `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); const m = await import(process.env.DRIVER); ${probe}`;
    assert.is(run(['--input-type=module', '-e', esm], { DRIVER: pathToFileURL(file).href }), 'rotor', `import of ${copy}'s entry by URL`);
    assert.is(run(['-e', `const m = require(process.env.DRIVER); ${probe}`], { DRIVER: file }), 'rotor', `require of ${copy}'s entry by path`);
  }
  assert.not.ok(isDriverEntry(join(root, 'node_modules', 'mongodb', 'lib', 'bson.js')), 'another file of the driver');
  assert.not.ok(isDriverEntry(join(root, 'node_modules', 'mongodb-legacy', 'src', 'index.js')), 'a package wrapping the driver');
  assert.is(run(['-e', "console.log(typeof require('mongodb/lib/bson.js').BSON)"], {}), 'object', 'a deep import of the driver stays the driver\'s');
});

test("rotor's own imports and the driver's are never redirected", () => {
  const lib = new URL('../lib/', import.meta.url).href;
  assert.ok(keepsDriver(`${lib}runtime.js`, lib));
  assert.ok(keepsDriver(`${lib}register/entry.js`, lib));
  assert.ok(keepsDriver('file:///app/node_modules/mongodb/lib/index.js', lib));
  assert.not.ok(keepsDriver('file:///app/server.mjs', lib));
  assert.not.ok(keepsDriver('file:///app/node_modules/mongodb-legacy/index.js', lib));
  assert.ok(keepsDriver(pathToFileURL(join(root, 'node_modules', 'mongodb6', 'lib', 'operations', 'drop.js')).href, lib), 'the driver under an npm alias folder');
});

test("Node >= 22.15 resolve hook (module.registerHooks): another copy's entry resolves to the driver rotor wraps, except for rotor and the drivers", () => {
  const libDir = join(root, 'dist', 'lib');
  const driverPath = join(root, 'node_modules', 'mongodb', 'lib', 'index.js');
  const hook = resolveHook(driverPath, libDir);
  const copy = pathToFileURL(join(root, 'node_modules', 'mongodb6', 'lib', 'index.js')).href;
  const other = pathToFileURL(join(root, 'node_modules', 'mongodb6', 'lib', 'bson.js')).href;
  const next = (url: string) => () => ({ url, format: 'commonjs' });
  const app = pathToFileURL(join(root, 'app.mjs')).href;
  assert.equal(hook('mongodb6', { parentURL: app }, next(copy)), { url: pathToFileURL(driverPath).href, format: 'commonjs', shortCircuit: true });
  assert.equal(hook('x', { parentURL: app }, next(other)), { url: other, format: 'commonjs' }, 'another file of a copy');
  assert.equal(hook('x', { parentURL: app }, next(pathToFileURL(driverPath).href)).url, pathToFileURL(driverPath).href, 'the copy rotor wraps: its cache entry is rotor already');
  assert.equal(hook('..', { parentURL: pathToFileURL(join(root, 'node_modules', 'mongodb6', 'lib', 'operations', 'drop.js')).href }, next(copy)).url, copy, "the copy's own require('..')");
  assert.equal(hook('mongodb6', { parentURL: pathToFileURL(join(libDir, 'runtime.js')).href }, next(copy)).url, copy, "rotor's own");
  assert.equal(hook('node:fs', { parentURL: app }, next('node:fs')).url, 'node:fs');
});

test("rotor's modules never import 'mongodb' (they take lib/driver.ts): the app's `import 'mongodb'` must be the first to create the driver's ES module", () => {
  const lib = join(root, 'dist', 'lib');
  const graph = importGraph(lib);
  // What rotor/register loads, the pool's modules (loaded on first need) and its worker included.
  const reached = new Set<string>();
  const visit = (file: string): void => {
    if (reached.has(file) || !graph.has(file)) return; // a module file of lib (not a folder some require names)
    reached.add(file);
    for (const next of graph.get(file) ?? []) visit(next);
  };
  for (const root of ['register/register.cjs', 'register/entry.cjs', 'executor/pool/index.js', 'executor/pool/blocking.js', 'executor/pool/worker/entry.js', 'executor/pool/worker/index.js']) visit(root);
  assert.ok(reached.has('driver.js') && reached.has('runtime.js') && reached.has('executor/pool/codec/index.js'), [...reached].join(' '));
  const code = (file: string): string =>
    readFileSync(join(lib, file), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
  const direct = [...reached].filter((file) => /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\(\s*)['"]mongodb['"]/.test(code(file)));
  assert.equal(direct, []);
});

test.run();
