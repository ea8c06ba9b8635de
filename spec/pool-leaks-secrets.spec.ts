// Issue #21, items 13-16: a change stream's late 'error', AbortSignal listeners and poolStats(), and
// credentials in the CLI's messages and in console.dir / util.inspect of handles.
import * as assert from 'uvu/assert';
import { Console } from 'node:console';
import { getEventListeners, setMaxListeners } from 'node:events';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import * as driver from 'mongodb';
import { createRotor } from '../lib/index.js';
import { encode } from '../lib/executor/pool/codec/index.js';
import type { RemoteRef } from '../lib/executor/pool/main/remote-ref.js';
import { stateOf } from '../lib/proxy/state.js';
import { runNode } from './support/child.js';
import { dbName, suite, testUri } from './support/env.js';

const test = suite('pool leaks and secrets');
const cli = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));

type Client = driver.MongoClient;
const refOf = (handle: unknown): RemoteRef => stateOf(handle)!.ref as RemoteRef;

/** What the worker would post for an event of `handle` (rotor's own relay message, not a server reply). */
function relayEvent(handle: unknown, event: string, args: unknown[]): void {
  const ref = refOf(handle);
  (ref.slot as unknown as { onMessage(m: unknown): void }).onMessage({ t: 'event', id: ref.id, event, args: encode(args, { refOf: () => undefined }) });
}

test.skip(
  "13. (server) a change stream's 'error' after the app closed it is dropped, as the driver drops it",
  'FerretDB has no change streams (no replica set): the relay logic is covered by the next test',
);

test("13. the pool's change-stream relay drops an 'error' that arrives after the app's close(), and delivers one before it", async () => {
  const rotor = createRotor({ executor: 'pool', workers: 1 });
  const client = new rotor.MongoClient(testUri()) as unknown as Client;
  try {
    const coll = client.db(dbName('leaks')).collection('cs');
    // Before close(): an 'error' reaches the app's listener (the relay works).
    const open = coll.watch();
    const seen: string[] = [];
    open.on('error', (e: Error) => seen.push(e.message));
    relayEvent(open, 'error', [new driver.MongoServerError({ message: 'before close', code: 280 })]);
    assert.equal(seen, ['before close']);
    // agenda's pattern: close on 'close', no 'error' listener left; the worker's error crosses after close().
    const closed = coll.watch();
    closed.on('close', () => void closed.close().catch(() => {}));
    await closed.close();
    let threw: unknown;
    try {
      relayEvent(closed, 'error', [new driver.MongoServerError({ message: 'after close', code: 280 })]);
    } catch (error) {
      threw = error; // in an app: an uncaughtException from the worker port's message handler
    }
    await open.close();
    assert.is(threw, undefined, "an 'error' after close() was emitted with no listener");
  } finally {
    await client.close();
    await rotor.close();
  }
});

test('14. one AbortSignal on 200 cursors: no listener left after they end or client.close(), as bare; poolStats() counts them meanwhile', async () => {
  const run = async (MongoClient: typeof driver.MongoClient, stats?: () => Promise<{ abortListeners: number }>) => {
    const controller = new AbortController();
    setMaxListeners(300, controller.signal); // bare holds one per open cursor: no warning for that
    const client = new MongoClient(testUri());
    const coll = client.db(dbName('leaks')).collection('signal');
    await coll.insertMany(Array.from({ length: 3 }, (_, i) => ({ i })));
    const open: driver.FindCursor[] = [];
    for (let i = 0; i < 200; i++) {
      const cursor = coll.find({}, { signal: controller.signal, batchSize: 1 }); // open on the server after next()
      if (i % 2 === 0) await cursor.toArray();
      else {
        await cursor.next();
        open.push(cursor);
      }
    }
    await new Promise((r) => setTimeout(r, 300)); // the pool's read-ahead batches in flight have their own listener until they arrive
    const whileOpen = getEventListeners(controller.signal, 'abort').length;
    const counted = stats ? (await stats()).abortListeners : undefined;
    await client.close();
    return { whileOpen, counted, afterClose: getEventListeners(controller.signal, 'abort').length };
  };
  const bare = await run(driver.MongoClient);
  assert.is(bare.afterClose, 0);
  for (const executor of ['inline', 'pool'] as const) {
    const rotor = createRotor({ executor, workers: 1 });
    try {
      const got = await run(rotor.MongoClient as unknown as typeof driver.MongoClient, () => rotor.poolStats());
      assert.is(got.afterClose, bare.afterClose, `${executor}: listeners left after client.close()`);
      assert.ok(got.whileOpen <= bare.whileOpen, `${executor}: ${got.whileOpen} listeners on 100 open cursors (bare ${bare.whileOpen})`);
      if (executor === 'pool') {
        assert.is(got.counted, got.whileOpen, 'poolStats().abortListeners counts the open cursors');
        assert.is((await rotor.poolStats()).abortListeners, 0);
      }
    } finally {
      await rotor.close();
    }
  }
});

test("14. poolStats().pending counts a user function's call the worker still waits on", async () => {
  const rotor = createRotor({ executor: 'pool', workers: 1 });
  const client = new rotor.MongoClient(testUri()) as unknown as Client;
  let release: (() => void) | undefined;
  let running: Promise<void> | undefined;
  try {
    await client.db('admin').command({ ping: 1 });
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    running = client.withSession(async () => {
      entered();
      await new Promise<void>((r) => (release = r));
    });
    await inside;
    assert.is((await rotor.poolStats()).pending, 2, 'withSession itself, and its function call');
    release!();
    await running;
    assert.is((await rotor.poolStats()).pending, 0);
  } finally {
    release?.();
    await running?.catch(() => {});
    await client.close();
    await rotor.close();
  }
});

const SECRET = 'pw-s3cret-21';

test('15. the CLI never prints the password of a mistyped connection string', async () => {
  const cases: Array<{ args: string[]; env?: NodeJS.ProcessEnv }> = [
    { args: ['repl', `mongodbx://root:${SECRET}@127.0.0.1:1/`, '--quiet'] },
    { args: ['repl', `mongo://root:${SECRET}@127.0.0.1:1/`, '--quiet'] },
    { args: ['repl', `mongodb://127.0.0.1:1/`, `mongo://root:${SECRET}@127.0.0.1:1/`, '--quiet'] },
    { args: ['repl', `root:${SECRET}@127.0.0.1:1/db`, '--quiet'] },
    { args: ['repl', `http://root:${SECRET}@127.0.0.1:1/`, '--quiet'] },
    { args: ['repl', '--eval', '1', '--quiet'], env: { MONGODB_URI: `mongodbx://root:${SECRET}@127.0.0.1:1/` } },
    { args: ['repl', `mongodb://root:${SECRET}@127.0.0.1:1/?serverSelectionTimeoutMS=200`, '--quiet', '--eval', '1'] },
    { args: ['server', `mongodb://root:${SECRET}@127.0.0.1:1/`] },
  ];
  for (const c of cases) {
    const r = await runNode([cli, ...c.args], { env: { ...process.env, NO_COLOR: '1', ROTOR_REPL_HISTORY: '', ...c.env }, timeoutMS: 30_000, what: `rotor ${c.args[0]}` });
    const out = r.stdout + r.stderr;
    assert.ok(out.length > 0, `${c.args.join(' ')}: says something`);
    assert.not.match(out, SECRET, `${c.args.join(' ')} printed the password:\n${out}`);
  }
});

/** Every way an app prints a value: console.log/dir and util.inspect with the options that reach deepest. */
function printed(value: unknown): string[] {
  const outs: string[] = [];
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const console = new Console(sink);
  console.log(value);
  console.dir(value);
  console.dir(value, { depth: Infinity });
  console.dir(value, { depth: Infinity, showHidden: true });
  outs.push(text);
  for (const options of [{}, { depth: 5 }, { depth: Infinity }, { depth: Infinity, showHidden: true }, { depth: Infinity, showProxy: true, showHidden: true }, { depth: Infinity, customInspect: false, showHidden: true }]) {
    outs.push(inspect(value, options));
  }
  return outs;
}

test('16. console.dir / util.inspect of handles shows no credential at any depth (inline, pool)', async () => {
  const uri = testUri().replace('mongodb://', `mongodb://root:${SECRET}@`);
  for (const executor of ['inline', 'pool'] as const) {
    const rotor = createRotor({ executor, workers: 1 });
    const client = new rotor.MongoClient(uri) as unknown as Client;
    const other = new rotor.MongoClient(testUri(), { auth: { username: 'root', password: SECRET } }) as unknown as Client;
    try {
      const db = client.db(dbName('leaks'));
      const coll = db.collection('c');
      const handles = { client, other, db, coll, cursor: coll.find(), session: client.startSession(), nested: { deep: [{ client }] } };
      for (const [name, handle] of Object.entries(handles)) {
        for (const out of printed(handle)) assert.not.match(out, SECRET, `${executor} ${name}`);
      }
      assert.is(inspect(client), 'MongoClient <127.0.0.1:' + new URL(testUri()).port + '>', 'the label stays');
      await handles.session.endSession();
    } finally {
      await client.close();
      await other.close();
      await rotor.close();
    }
  }
});

test.run();
