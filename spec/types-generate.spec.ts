// The generator (lib/types/generate) run on the driver of this run (mongodb 7, or 6 through the
// mongodb6 alias): callback and sync modes both produce modules that compile against that
// driver's declarations, legacy-style code compiles against the callback one, the output follows
// the registry, and generating twice gives the same text.
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveClass, CLASS_NAMES } from '../lib/registry/resolve.js';
import { driverMajor } from './support/env.js';
import { CHECK_OPTIONS, root, scratch, tsc } from './support/typecheck.js';

const test = suite('types: the declaration generator');
const driverPackage = driverMajor() === 6 ? 'mongodb6' : 'mongodb';

function generate(mode: string, out: string): string {
  const cli = join(root, 'dist', 'lib', 'types', 'generate', 'cli.js');
  const r = spawnSync(process.execPath, [cli, '--mode', mode, '--driver', driverPackage, '--out', out], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return readFileSync(out, 'utf8');
}

test(`callback and sync modes generate from ${driverPackage}'s declarations and compile against them`, () => {
  const dir = scratch('generate', driverPackage);
  try {
    const callback = generate('callback', join(dir, 'callback.ts'));
    assert.is(generate('callback', join(dir, 'again.ts')), callback, 'generating is deterministic');
    const sync = generate('sync', join(dir, 'sync.ts'));
    assert.match(callback, new RegExp(`from mongodb@${driverMajor()}\\.`));
    // Every async member the registry lists and the driver declares has a callback form.
    for (const name of CLASS_NAMES) {
      for (const [member, attr] of resolveClass(name).attributes) {
        const start = callback.search(new RegExp(`export interface ${name}\\b`));
        if (attr.kind !== 'async' || typeof member !== 'string' || start === -1) continue;
        const block = callback.slice(start, callback.indexOf('\nexport ', start + 1));
        if (!block.includes(`    ${member}(`) && !block.includes(`    ${member}<`)) continue; // not in this driver's typings
        // Its callback forms precede its last (promise) signature; signatures may span lines.
        const first = block.search(new RegExp(`\\n    ${member}[<(]`));
        const own = block.slice(first, block.lastIndexOf(`\n    ${member}`));
        assert.match(own, /callback: \(error: Error \| undefined, result: /, `${name}.${member} has a callback form`);
      }
    }
    const legacy = readFileSync(join(root, 'spec', 'fixtures', 'types-callback-legacy.ts'), 'utf8').replace("from 'rotor/callback'", "from './callback.js'");
    writeFileSync(join(dir, 'legacy.ts'), legacy);
    writeFileSync(
      join(dir, 'sync-usage.ts'),
      `import { MongoClient, type ClientSession, type WithId } from './sync.js';
interface User { name: string }
export function use(client: MongoClient): string[] {
  const users = client.db('app').collection<User>('users');
  const one: WithId<User> | null = users.findOne({ name: 'a' });
  const n: number = users.countDocuments({});
  const names: string[] = users.distinct('name');
  const docs: WithId<User>[] = users.find().toArray();
  const next: WithId<User> | null = users.find().sort({ name: 1 }).next();
  return [String(one?.name), String(n), ...names, ...docs.map((d) => d.name), String(next?.name)];
}
export function inSession(client: MongoClient): number {
  const ended: ReturnType<ClientSession['endSession']> = client.startSession().endSession();
  console.log(ended);
  return client.withSession((session) => session.withTransaction(() => client.db().collection('c').countDocuments({}, { session })));
}
`,
    );
    writeFileSync(
      join(dir, 'sync-wrong.ts'),
      `import { MongoClient } from './sync.js';\nexport const p: Promise<number> = ({} as MongoClient).db().collection('c').countDocuments();\n` +
        `({} as MongoClient).withSession(async () => 1);\n`,
    );
    const r = tsc(dir, [...CHECK_OPTIONS, 'callback.ts', 'sync.ts', 'legacy.ts', 'sync-usage.ts']);
    assert.is(r.output, '', 'generated modules and their usage compile');
    const wrong = tsc(dir, [...CHECK_OPTIONS, 'sync-wrong.ts']);
    assert.equal(wrong.diagnostics.map((d) => [d.line, d.text.slice(0, 6)]), [[2, 'TS2322'], [3, 'TS2322']], wrong.output);
    assert.ok(sync.includes('findOne(): driver.WithId<TSchema> | null;'), 'sync mode returns T for Promise<T>');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
