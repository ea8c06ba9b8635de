import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { startServer } from '../lib/server/harness.js';
import { ensureFerretDB, ferretdbBinary } from '../lib/server/ferretdb.js';
import { dbName, driverMajor, suite, testUri } from './support/env.js';

const test = suite('server harness');
const owner = fileURLToPath(new URL('./support/owner.js', import.meta.url));
const embeddedAvailable = existsSync(ferretdbBinary());

/** A live process (zombies awaiting their reaper count as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

async function waitGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

interface Owned { pid: number; dataDir: string; uri: string }

function startOwner(mode: string): Promise<{ info: Owned; exit: Promise<number | string> }> {
  const child = spawn(process.execPath, [owner, mode], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MONGODB_URI: '' } });
  const exit = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ info: JSON.parse(out.split('\n')[0]!) as Owned, exit });
    });
    child.on('exit', () => reject(new Error(`owner exited before starting a server: ${out}`)));
  });
}

test('the run server answers ping and round-trips a document with the bare driver', async () => {
  const client = new MongoClient(testUri());
  try {
    assert.equal((await client.db('admin').command({ ping: 1 })).ok, 1);
    const coll = client.db(dbName('server')).collection<{ _id: number; name: string }>('roundtrip');
    await coll.insertOne({ _id: 1, name: 'rotor' });
    assert.equal(await coll.findOne({ _id: 1 }), { _id: 1, name: 'rotor' });
    await coll.drop();
  } finally {
    await client.close();
  }
});

test('this run imports the driver major it says it does (mongodb 6 via the loader hook)', () => {
  const resolved = import.meta.resolve('mongodb');
  assert.is(resolved.includes('/node_modules/mongodb6/'), driverMajor() === 6, resolved);
});

test('MONGODB_URI is honoured: nothing starts, the URI is returned as is', async () => {
  const server = await startServer({ env: { MONGODB_URI: 'mongodb://db.example:27017/?replicaSet=rs0' } });
  assert.is(server.kind, 'external');
  assert.is(server.uri, 'mongodb://db.example:27017/?replicaSet=rs0');
  assert.is(server.pid, undefined);
  await server.stop();
});

test('the test command handed this run the MONGODB_URI server when one was set', () => {
  if (process.env.MONGODB_URI) assert.is(testUri(), process.env.MONGODB_URI);
  else assert.match(testUri(), /^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
});

test('neither MONGODB_URI nor Go: one error naming both ways out', () => {
  const cache = mkdtempSync(join(tmpdir(), 'rotor-nogo-'));
  try {
    const script = `import('${new URL('../lib/server/harness.js', import.meta.url).href}').then(m => m.startServer({ env: {} })).then(() => console.log('started'), e => console.log('ERR ' + e.message))`;
    const r = spawnSync(process.execPath, ['-e', script], { env: { PATH: '/nonexistent', ROTOR_CACHE_DIR: cache }, encoding: 'utf8' });
    assert.match(r.stdout, /^ERR /);
    assert.match(r.stdout, /MONGODB_URI/);
    assert.match(r.stdout, /install Go/);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

if (!embeddedAvailable) {
  test.skip('embedded start/ping/stop', 'no FerretDB binary was built (MONGODB_URI run without Go)');
  test.skip('owner exits: no orphan, no folder', 'no FerretDB binary was built (MONGODB_URI run without Go)');
} else {
  test('embedded: start, ping, stop leaves no process and no folder', async () => {
    const server = await startServer({ env: {} });
    assert.is(server.kind, 'ferretdb');
    assert.ok(server.pid && alive(server.pid));
    assert.ok(existsSync(server.dataDir!));
    const client = new MongoClient(server.uri);
    assert.equal((await client.db('admin').command({ ping: 1 })).ok, 1);
    await client.close();
    await server.stop();
    await server.stop(); // idempotent
    assert.ok(await waitGone(server.pid), 'FerretDB process still running after stop()');
    assert.not.ok(existsSync(server.dataDir!), 'data folder left behind');
  });

  test('stop() after the server died on its own resolves and cleans up (it threw a ReferenceError)', async () => {
    const server = await startServer({ env: {} });
    process.kill(server.pid!, 'SIGKILL');
    assert.ok(await waitGone(server.pid!), 'FerretDB process still running after SIGKILL');
    await new Promise((r) => setTimeout(r, 100)); // the harness sees the exit
    await server.stop();
    assert.not.ok(existsSync(server.dataDir!), 'data folder left behind');
  });

  test('ensureFerretDB builds v1.24.2 into an empty cache folder with visible progress', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'rotor-build-'));
    const saved = process.env.ROTOR_CACHE_DIR;
    process.env.ROTOR_CACHE_DIR = cache;
    try {
      const messages: string[] = [];
      const binary = await ensureFerretDB((m) => messages.push(m));
      assert.is(binary, join(cache, 'ferretdb', 'v1.24.2', 'bin', 'ferretdb'));
      assert.match(messages[0] ?? '', /building FerretDB v1\.24\.2/);
      const version = spawnSync(binary, ['--version'], { encoding: 'utf8' });
      assert.match(version.stdout, /version: v1\.24\.2/);
      assert.is(await ensureFerretDB(() => assert.unreachable('rebuilt an installed binary')), binary);
    } finally {
      if (saved === undefined) delete process.env.ROTOR_CACHE_DIR;
      else process.env.ROTOR_CACHE_DIR = saved;
      rmSync(cache, { recursive: true, force: true });
    }
  });

  for (const [mode, signal] of [['wait', 'SIGTERM'], ['wait', 'SIGINT'], ['crash', null], ['exit', null]] as const) {
    test(`owner ${signal ?? mode}: no orphan server, no leftover folder`, async () => {
      const { info, exit } = await startOwner(mode);
      assert.ok(alive(info.pid));
      if (signal) process.kill(childPidOf(info), signal);
      await exit;
      assert.ok(await waitGone(info.pid), `FerretDB ${info.pid} outlived its owner (${signal ?? mode})`);
      assert.not.ok(existsSync(info.dataDir), `folder ${info.dataDir} left behind`);
    });
  }
}

/** The owner process is FerretDB's parent. */
function childPidOf(info: Owned): number {
  const stat = readFileSync(`/proc/${info.pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

test.run();
