// The runtime's own promises: frameworks, handshake, types, and wrapper logic the server can't show.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as driver from 'mongodb';
import * as rotor from '../../lib/index.js';
import { createRotor } from '../../lib/index.js';
import { stateOf } from '../../lib/proxy/state.js';
import { unwrapArgs, unwrapConstructorArgs } from '../../lib/proxy/unwrap.js';
import { HANDLE_OPTION_KEYS, HANDLE_OPTION_PATHS } from '../../lib/registry/resolve.js';
import { dbName, suite, testUri } from '../support/env.js';
import { Deferred } from '../support/thenable-framework.js';
import { thenableFramework } from '../support/thenable-framework.js';

const test = suite('core runtime');
const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..');

test('createRotor rejects an unknown framework or executor by name', () => {
  assert.throws(() => createRotor({ framework: 'tornado' as 'promise' }), /unknown rotor framework 'tornado'; expected one of: promise, callback/);
  assert.throws(() => createRotor({ executor: 'threads' as 'inline' }), /unknown rotor executor 'threads'/);
});

test("handles under the registry's option keys ({ session }, { keyVaultClient }) go back to the driver as driver objects", async () => {
  assert.equal([...HANDLE_OPTION_KEYS].sort(), ['keyVaultClient', 'session']);
  const inline = createRotor({ executor: 'inline' });
  const client = new inline.MongoClient('mongodb://127.0.0.1:1/') as unknown as driver.MongoClient;
  const session = client.startSession();
  try {
    const options = { session, keyVaultClient: client, comment: 'kept', other: client };
    const [unwrapped] = unwrapArgs([options]) as [Record<string, unknown>];
    assert.instance(unwrapped.session, driver.ClientSession);
    assert.ok(stateOf(unwrapped.session) === undefined, 'a driver session, not a handle');
    assert.instance(unwrapped.keyVaultClient, driver.MongoClient);
    assert.ok(stateOf(unwrapped.keyVaultClient) === undefined);
    assert.is(unwrapped.comment, 'kept');
    assert.is(unwrapped.other, client, 'other keys are data, left as they are');
    assert.is(options.session, session, "the caller's options are not changed");
  } finally {
    await session.endSession();
    await client.close();
  }
});

test("constructor options: handles at the registry's nested option paths (autoEncryption.keyVaultClient) are unwrapped too", async () => {
  assert.equal(HANDLE_OPTION_PATHS, [['autoEncryption', 'keyVaultClient']]);
  const inline = createRotor({ executor: 'inline' });
  const client = new inline.MongoClient('mongodb://127.0.0.1:1/') as unknown as driver.MongoClient;
  try {
    const autoEncryption = { keyVaultClient: client, keyVaultNamespace: 'kv.keys', other: client };
    const options = { autoEncryption, appName: 'kept', session: client.startSession() };
    const [uri, unwrapped] = unwrapConstructorArgs(['mongodb://x/', options]) as [string, { autoEncryption: Record<string, unknown>; appName: string; session: unknown }];
    assert.is(uri, 'mongodb://x/');
    assert.instance(unwrapped.autoEncryption.keyVaultClient, driver.MongoClient);
    assert.ok(stateOf(unwrapped.autoEncryption.keyVaultClient) === undefined, 'a driver client, not a handle');
    assert.is(unwrapped.autoEncryption.keyVaultNamespace, 'kv.keys');
    assert.is(unwrapped.autoEncryption.other, client, 'other nested keys are data, left as they are');
    assert.instance(unwrapped.session, driver.ClientSession, 'top-level option keys as for any call');
    assert.is(unwrapped.appName, 'kept');
    assert.is(options.autoEncryption, autoEncryption, "the caller's options are not changed");
    assert.is(autoEncryption.keyVaultClient, client);
    const plain = { autoEncryption: { keyVaultNamespace: 'kv.keys' } };
    assert.is(unwrapConstructorArgs([plain])[0], plain, 'options with no handle are passed as they are');
    await options.session.endSession();
  } finally {
    await client.close();
  }
});

test('rotor re-exports every mongodb export; non-async ones are the same objects', () => {
  for (const name of Object.keys(driver)) assert.ok(name in rotor, `rotor lacks export ${name}`);
  assert.is(rotor.ObjectId, driver.ObjectId);
  assert.is(rotor.MongoServerError, driver.MongoServerError);
  assert.is(rotor.ReadPreference, driver.ReadPreference);
  assert.is.not(rotor.MongoClient, driver.MongoClient);
});

test('the handshake names rotor, its framework and executor (platform_info)', async () => {
  const client = new rotor.MongoClient(testUri());
  try {
    await client.connect();
    const metadata = (await (client.options as unknown as { metadata: Promise<driver.Document> | driver.Document }).metadata);
    assert.match(String(metadata.driver.name), /rotor/);
    assert.match(String(metadata.platform), /rotor promise inline/);
  } finally {
    await client.close();
  }
});

test('a third framework plugs in: async commands return its own thenable', async () => {
  const custom = createRotor({ framework: thenableFramework });
  const client = new custom.MongoClient(testUri()) as unknown as driver.MongoClient;
  try {
    const pending = client.db(dbName('thenable')).command({ ping: 1 });
    assert.instance(pending, Deferred);
    assert.not.instance(pending, Promise);
    assert.equal((await pending).ok, 1);
  } finally {
    await client.close();
  }
});

test('MongoClient.connect (static) returns a connected rotor client', async () => {
  const client = await rotor.MongoClient.connect(testUri());
  try {
    assert.ok(client instanceof rotor.MongoClient);
    assert.equal((await client.db('admin').command({ ping: 1 })).ok, 1);
  } finally {
    await client.close();
  }
});

test('withTransaction hands the user function a session handle and passes its error through', async () => {
  // No server round trip: the driver starts the transaction locally, our function throws before
  // any command, and aborting a transaction that sent nothing is local too.
  const client = new rotor.MongoClient(testUri());
  const session = client.startSession();
  let seen: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/require-await -- a user's async function that fails (withTransaction takes a promise-returning one)
    await session.withTransaction(async (s) => {
      seen = s;
      throw new Error('user function failed');
    });
    assert.unreachable('withTransaction resolved');
  } catch (err) {
    assert.is((err as Error).message, 'user function failed');
  } finally {
    await session.endSession();
    await client.close();
  }
  assert.is(seen, session, 'the user function received the same session handle');
  assert.ok(seen instanceof rotor.ClientSession);
});

test('watch() returns a ChangeStream handle whose failures are the server\'s own', async () => {
  const client = new rotor.MongoClient(testUri());
  try {
    const hello = await client.db('admin').command({ hello: 1 });
    const stream = client.db(dbName('watch')).collection('c').watch();
    assert.ok(stream instanceof rotor.ChangeStream);
    assert.ok(stream instanceof driver.ChangeStream);
    if (!hello.setName) {
      // Standalone or FerretDB: the server refuses $changeStream; rotor passes the real error on.
      await stream.tryNext().then(
        () => assert.unreachable('a standalone server accepted a change stream'),
        (err: Error) => assert.instance(err, driver.MongoServerError),
      );
    }
    await stream.close();
    assert.is(stream.closed, true);
  } finally {
    await client.close();
  }
});

function compileSample(source: string, name: string): string {
  const dir = join(root, '.cache', 'types-sample');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, source);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node', file], { cwd: root, encoding: 'utf8' });
  rmSync(file, { force: true });
  return r.status === 0 ? '' : `${r.stdout}${r.stderr}`;
}

test('types: a program written against mongodb compiles unchanged with its import switched to rotor', () => {
  const sample = readFileSync(join(root, 'spec', 'fixtures', 'types-sample.ts'), 'utf8');
  assert.is(compileSample(sample, 'sample-mongodb.ts'), '', 'the sample must compile against mongodb itself');
  const switched = sample.replace("from 'mongodb'", "from 'rotor'");
  assert.is.not(switched, sample);
  assert.is(compileSample(switched, 'sample-rotor.ts'), '');
});

test('types: the callback entry offers callback overloads and keeps promises', () => {
  const sample = readFileSync(join(root, 'spec', 'fixtures', 'types-callback-sample.ts'), 'utf8');
  assert.is(compileSample(sample, 'sample-callback.ts'), '');
  const wrong = sample.replace("console.log(result?.insertedId.toHexString());", 'const n: number = result;');
  assert.match(compileSample(wrong, 'sample-callback-wrong.ts'), /error TS/, 'a mistyped callback result must not compile');
});

test.run();
