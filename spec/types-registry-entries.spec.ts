// "Adding a driver class is an edit to the registry alone", end to end: a copy of lib/ gets one more
// class table (the driver's ReadPreference, which rotor does not wrap) in lib/registry and nothing
// else; `npm run build` on the copy regenerates the entries, and the built rotor, rotor/callback and
// rotor/register (ESM and CommonJS) export the new class, typed as the driver's, and make working
// handles of it. The pool executor too, with no edit of its own: its worker allows the new members,
// its codec refuses the class as a value, and the class crosses the worker boundary both ways as a
// handle. Slow (a full build of the copy), so it runs with the types specs.
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { driverMajor } from './support/env.js';
import { root, scratch } from './support/typecheck.js';

const test = suite('types: a class added to the registry alone reaches every entry');

/** Replaces `anchor` (which must occur once) in a file of the copy. */
function edit(dir: string, file: string, anchor: string, replacement: string): void {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  assert.is(text.split(anchor).length, 2, `${file} has one '${anchor.trim()}'`);
  writeFileSync(path, text.replace(anchor, replacement));
}

const TABLE = `
/** Added by spec/types-registry-entries.spec.ts. */
export const ReadPreference: AgnosticClass = {
  name: 'ReadPreference',
  exported: true,
  attributes: { mode: FixedProperty(), isValid: DelegateMethod(), secondaryOk: DelegateMethod() },
};

export const CLASSES`;

/** Uses the new class's types through rotor and rotor/callback: compiled with the copy. */
const USAGE = `import { ReadPreference } from './index.js';
import { ReadPreference as CallbackReadPreference } from './callback.js';
const preference: ReadPreference = new ReadPreference('secondary');
const mode: string = preference.mode;
const valid: boolean = new CallbackReadPreference('primary').isValid();
export const used = [mode, valid];
`;

/** Run by node in the copy: prints what each entry exports and what its handles do. */
const CHECK = `
import { createRequire } from 'node:module';
import * as driver from 'mongodb';
const entries = {
  rotor: await import('./dist/lib/index.js'),
  callback: await import('./dist/lib/callback.js'),
  registerESM: await import('./dist/lib/register/entry.js'),
  registerCJS: createRequire(import.meta.url)('./dist/lib/register/entry.cjs'),
};
const out = {};
for (const [name, entry] of Object.entries(entries)) {
  const RP = entry.ReadPreference;
  const handle = new RP('secondary');
  out[name] = {
    own: typeof RP === 'function' && RP !== driver.ReadPreference,
    instance: handle instanceof RP,
    mode: handle.mode,
    valid: handle.isValid(),
    secondaryOk: handle.secondaryOk(),
    // ESM entries' default export is the namespace-like object; CommonJS exports have no default (as the driver's).
    inDefault: entry.default === undefined ? null : entry.default.ReadPreference === RP,
  };
}

// The pool: handles made in the worker, one passed in (find's readPreference option) and the
// worker's object coming back as a handle (the cursor reads it from its driver object). No I/O.
const pool = entries.rotor.createRotor({ executor: 'pool', workers: 1 });
const RP = pool.ReadPreference;
const handle = new RP('secondary');
const client = new pool.MongoClient('mongodb://127.0.0.1:1/');
const back = client.db('x').collection('c').find({}, { readPreference: handle }).readPreference;
const codec = await import('./dist/lib/executor/pool/codec/index.js');
let refused = '';
try {
  codec.encode(new driver.ReadPreference('primary'), { refOf: () => undefined });
} catch (error) {
  refused = error.message;
}
const poolSeen = { mode: handle.mode, valid: handle.isValid(), back: back instanceof RP && back !== undefined, backMode: back.mode, refused };
await client.close();
await pool.close();
console.log(JSON.stringify({ entries: out, pool: poolSeen }));
`;

test('a ReadPreference table in a copy of lib/registry: built, exported and working from every entry', () => {
  const dir = scratch('registry-class', driverMajor() === 6 ? 'mongodb6' : 'mongodb'); // the copy builds against this run's driver
  try {
    cpSync(join(root, 'lib'), join(dir, 'lib'), { recursive: true });
    rmSync(join(dir, 'lib', 'types', 'generated'), { recursive: true, force: true }); // the copy's build makes its own
    cpSync(join(root, 'package.json'), join(dir, 'package.json'));
    cpSync(join(root, 'scripts'), join(dir, 'scripts'), { recursive: true }); // the build's last step (the worker bundle)
    const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as { include: string[] };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ ...tsconfig, include: ['lib/**/*.ts'] }, null, 2));

    // The whole change: the class's name and its table, in lib/registry.
    edit(dir, 'lib/registry/kinds.ts', "  | 'ClientEncryption';", "  | 'ClientEncryption'\n  | 'ReadPreference';");
    edit(dir, 'lib/registry/classes.ts', '\nexport const CLASSES', TABLE);
    edit(dir, 'lib/registry/classes.ts', '  ClientEncryption,\n};', '  ClientEncryption,\n  ReadPreference,\n};');
    // ...and a member that returns one says so, as any wrapped result does.
    edit(dir, 'lib/registry/classes.ts', '    readPreference: ReadOnlyProperty(),', "    readPreference: ReadOnlyProperty('ReadPreference'),");
    writeFileSync(join(dir, 'lib', 'registry-usage.ts'), USAGE);

    const env = { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}` };
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: dir, env, encoding: 'utf8', timeout: 600_000 });
    assert.is(build.status, 0, `build of the copy:\n${build.stdout}${build.stderr}`);
    for (const generated of ['promise', 'sync', 'register']) {
      assert.match(readFileSync(join(dir, 'lib', 'types', 'generated', `${generated}.ts`), 'utf8'), /^export const ReadPreference = classes\.ReadPreference\b/m, `${generated} entry`);
    }
    assert.match(readFileSync(join(dir, 'lib', 'types', 'generated', 'promise.ts'), 'utf8'), /^export type ReadPreference = driver\.ReadPreference;$/m);

    writeFileSync(join(dir, 'check.mjs'), CHECK);
    const run = spawnSync(process.execPath, ['check.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.is(run.status, 0, run.stderr);
    const seen = JSON.parse(run.stdout) as { entries: Record<string, unknown>; pool: Record<string, unknown> };
    assert.equal(Object.keys(seen.entries), ['rotor', 'callback', 'registerESM', 'registerCJS']);
    for (const [entry, result] of Object.entries(seen.entries)) {
      const inDefault = entry === 'registerCJS' ? null : true;
      assert.equal(result, { own: true, instance: true, mode: 'secondary', valid: true, secondaryOk: true, inDefault }, entry);
    }
    const { refused, ...pool } = seen.pool;
    assert.equal(pool, { mode: 'secondary', valid: true, back: true, backMode: 'secondary' }, 'pool executor');
    assert.match(String(refused), /\(ReadPreference: a driver object crosses only as a handle\)$/, 'the pool codec refuses it as a value');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
