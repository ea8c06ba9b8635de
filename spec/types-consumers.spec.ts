// Every kind of TypeScript project compiles against rotor the way a user gets it: the packed
// tarball (`npm pack`) installed with typescript, @types/node and mongodb into a temporary folder,
// then `tsc` with skipLibCheck off on one small program per setup (ESM and CommonJS; module node16,
// nodenext, commonjs/node10, bundler; with and without the DOM lib). Two setups also run the output.
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driverMajor } from './support/env.js';
import { root, tsc } from './support/typecheck.js';

const test = suite('types: consumer projects');

interface Setup {
  name: string;
  type: 'module' | 'commonjs';
  compilerOptions: Record<string, unknown>;
  /** Emit and run the program: `require('rotor')` / `import` must load what the types promise. */
  run?: boolean;
}

const NO_DOM = ['es2022'];
const DOM = ['es2022', 'dom'];
const SETUPS: Setup[] = [
  { name: 'esm-node16-nodom', type: 'module', compilerOptions: { module: 'node16', lib: NO_DOM }, run: true },
  { name: 'esm-nodenext-dom', type: 'module', compilerOptions: { module: 'nodenext', lib: DOM } },
  { name: 'cjs-node16-nodom', type: 'commonjs', compilerOptions: { module: 'node16', lib: NO_DOM }, run: true },
  { name: 'cjs-nodenext-dom', type: 'commonjs', compilerOptions: { module: 'nodenext', lib: DOM } },
  { name: 'cjs-commonjs-node10-nodom', type: 'commonjs', compilerOptions: { module: 'commonjs', moduleResolution: 'node10', lib: NO_DOM } },
  { name: 'cjs-commonjs-node10-dom', type: 'commonjs', compilerOptions: { module: 'commonjs', moduleResolution: 'node10', lib: DOM } },
  { name: 'esm-bundler-nodom', type: 'module', compilerOptions: { module: 'esnext', moduleResolution: 'bundler', lib: NO_DOM } },
  { name: 'esm-bundler-dom', type: 'module', compilerOptions: { module: 'preserve', moduleResolution: 'bundler', lib: DOM } },
];

/**
 * The program every setup compiles: the entries, named and default (namespace) imports, handles
 * given to the driver's types; rotor/sync through a type-only import (the runs stay free of its
 * worker pool): values for results, synchronous withSession/withTransaction functions whose result
 * is the call's, a sync session in `{ session }`, ReturnType<> of a session command.
 */
const PROGRAM = `import mongodb, { MongoClient, type Db } from 'rotor';
import legacy, { MongoClient as CallbackClient, GridFSBucket, type WithId } from 'rotor/callback';
import type * as driver from 'mongodb';
import type { ClientSession as SyncSession, Collection as SyncCollection, MongoClient as SyncClient, WithId as SyncWithId } from 'rotor/sync';

interface User { name: string }
export function blocking(client: SyncClient, users: SyncCollection<User>): number {
  const one: SyncWithId<User> | null = users.findOne({ name: 'ada' });
  for (const u of users.find()) console.log(u.name, one?.name);
  const n: number = client.withSession((session) => session.withTransaction(() => users.countDocuments({}, { session })));
  const ended: ReturnType<SyncSession['endSession']> = client.startSession().endSession();
  console.log(n, ended);
  return client.db('app').collection<User>('users').countDocuments({});
}
export function main(uri: string): void {
  const client = new MongoClient(uri);
  const db: mongodb.Db = client.db('app');
  const same: Db = db;
  const cdb: legacy.Db = new CallbackClient(uri).db('app');
  const bucket: driver.GridFSBucket = new GridFSBucket(cdb);
  cdb.collection<User>('users').findOne({ name: 'ada' }, (err, doc) => {
    const found: WithId<User> | null = doc;
    console.log(err?.message, found?.name, bucket, same);
  });
  void client.db('app').collection<User>('users').findOne().then((u) => u?.name);
}
console.log(typeof MongoClient, typeof mongodb.MongoClient, typeof legacy.GridFSBucket, mongodb.MongoClient === MongoClient);
`;

function sh(cmd: string, args: string[], cwd: string): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 600_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function versionOf(pkg: string): string {
  return (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Packs rotor and installs it as a user would, with its peer and typescript; from npm's cache when it can. */
function install(dir: string): void {
  const packed = sh('npm', ['pack', '--silent', '--pack-destination', dir], root);
  assert.is(packed.status, 0, `npm pack failed:\n${packed.output}`);
  const tarball = packed.output.trim().split('\n').pop()!;
  const deps = { rotor: `file:./${tarball}`, mongodb: versionOf('mongodb'), typescript: versionOf('typescript'), '@types/node': versionOf('@types/node') };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumers', private: true, dependencies: deps }));
  const flags = ['install', '--no-audit', '--no-fund', '--ignore-scripts'];
  let r = sh('npm', [...flags, '--offline'], dir);
  if (r.status !== 0) r = sh('npm', [...flags, '--prefer-offline'], dir);
  assert.is(r.status, 0, `npm install failed:\n${r.output}`);
}

function project(dir: string, setup: Setup, source: string): string {
  const at = join(dir, setup.name);
  mkdirSync(at, { recursive: true });
  writeFileSync(join(at, 'package.json'), JSON.stringify({ private: true, type: setup.type }));
  const compilerOptions = { strict: true, skipLibCheck: false, target: 'es2022', types: ['node'], esModuleInterop: true, outDir: 'out', noEmit: !setup.run, ...setup.compilerOptions };
  writeFileSync(join(at, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['index.ts'] }));
  writeFileSync(join(at, 'index.ts'), source);
  return at;
}

if (driverMajor() !== 7) {
  test.skip('every consumer setup compiles against the packed tarball', () => {});
  process.stdout.write('\n  skipped: consumer projects — the tarball installs mongodb 7 either way (the 7.x run checks them)\n');
} else {
  test('every consumer setup compiles against the packed tarball (and a wrong program does not)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rotor-consumers-'));
    try {
      install(dir);
      const failures: string[] = [];
      for (const setup of SETUPS) {
        const at = project(dir, setup, PROGRAM);
        const r = tsc(at, ['-p', '.']);
        process.stdout.write(`\n  ${setup.name}: ${r.diagnostics.length} errors`);
        if (r.status !== 0) {
          failures.push(`${setup.name}:\n${r.output}`);
          continue;
        }
        if (setup.run) {
          const ran = sh(process.execPath, [join(at, 'out', 'index.js')], at);
          if (ran.status !== 0 || !ran.output.includes('function function function true')) failures.push(`${setup.name} (run):\n${ran.output}`);
        }
      }
      process.stdout.write('\n');
      assert.equal(failures, []);
      // The control: the same setup rejects a program that misuses rotor's types (a handle for a
      // number; an async function given to rotor/sync's withSession, refused saying why).
      const misuse = `export const n: number = new MongoClient('mongodb://x');\nexport const p = (c: SyncClient) => c.withSession(async () => 1);\n`;
      const wrong = tsc(project(dir, { ...SETUPS[2]!, name: 'control-wrong' }, `${PROGRAM}\n${misuse}`), ['-p', '.']);
      assert.equal(wrong.diagnostics.map((d) => d.text.slice(0, 6)), ['TS2322', 'TS2322'], wrong.output);
      assert.match(wrong.output, /rotor\/sync: pass a synchronous function/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
