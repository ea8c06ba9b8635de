// Issue #21, item 7's last part: listeners the driver waits for. In-process the driver emits
// `commandStarted` (and `connectionCheckOutStarted`) synchronously inside the operation, before the
// command is written; a listener's throw rejects the operation and nothing is sent. The pool's worker
// now waits in that emit until the main thread ran the listener (lib/executor/pool/listener-hop.ts),
// so a vetoed insert stores nothing there too, and the caller gets the listener's very error. Every
// case runs on the bare driver first: its outcome is the expected value for inline, pool (promise and
// callback frameworks) and rotor/sync. Nothing here is a timing assertion except hang guards.
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as driver from 'mongodb';
import { createRotor } from '../lib/index.js';
import { poolModules } from '../lib/create-rotor.js';
import { PoolClosedError, WorkerLostError } from '../lib/executor/pool/main/errors.js';
import { runNode } from './support/child.js';
import { dbName, suite, testUri } from './support/env.js';

const test = suite('pool listeners the driver waits for');
const dist = resolve(fileURLToPath(import.meta.url), '..', '..');

type Name = 'bare' | 'inline' | 'pool' | 'pool-callback' | 'sync';
const NAMES: Name[] = ['bare', 'inline', 'pool', 'pool-callback', 'sync'];
type Callback = (error: unknown, result?: unknown) => void;
interface Flavour {
  name: Name;
  MongoClient: typeof driver.MongoClient;
  /**
   * Runs a command the flavour's way: the callback framework with a trailing callback (the call
   * returns undefined), sync returning its value (a throw is the command's error), others awaited.
   */
  call(command: (callback?: Callback) => unknown): Promise<unknown>;
  stats(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

function flavour(name: Name): Flavour {
  const awaited = (command: (callback?: Callback) => unknown): Promise<unknown> => Promise.resolve().then(() => command());
  if (name === 'bare') return { name, MongoClient: driver.MongoClient, call: awaited, stats: () => Promise.resolve({}), close: async () => {} };
  const rotor = createRotor(
    name === 'inline' ? {} : name === 'sync' ? { framework: 'sync', workers: 1 } : name === 'pool-callback' ? { framework: 'callback', executor: 'pool', workers: 1 } : { executor: 'pool', workers: 1 },
  );
  const viaCallback = (command: (callback?: Callback) => unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what the command failed with, as it is
      const returned = command((error, result) => (error === null || error === undefined ? resolve(result) : reject(error)));
      if (returned !== undefined) reject(new Error('the callback framework returned a value for a call with a callback'));
    });
  return {
    name,
    MongoClient: rotor.MongoClient as unknown as typeof driver.MongoClient,
    call: name === 'pool-callback' ? viaCallback : awaited,
    stats: async () => {
      const { workers: _workers, ...counters } = await rotor.poolStats();
      return counters;
    },
    close: () => rotor.close(),
  };
}

/** What reached the process as an uncaught exception or unhandled rejection. */
const host: unknown[] = [];
const onUncaught = (error: unknown): void => void host.push(error);

/** The server's own view, through the bare driver. */
let observer: driver.MongoClient;
const stored = (db: string, name = 'c'): Promise<number> => observer.db(db).collection(name).countDocuments();

interface Run {
  f: Flavour;
  client: driver.MongoClient;
  coll: driver.Collection<any>;
  db: string;
}

/**
 * Runs `use` on each flavour (bare first) with a monitored client and a fresh database; records what
 * it returns, what reached the process meanwhile, and the pool's counters once the client closed.
 */
async function eachFlavour<T>(use: (r: Run) => Promise<T>, names: Name[] = NAMES, options: driver.MongoClientOptions = { monitorCommands: true }): Promise<Map<Name, { result: T; host: unknown[]; left: Record<string, number> }>> {
  const out = new Map<Name, { result: T; host: unknown[]; left: Record<string, number> }>();
  for (const name of names) {
    const f = flavour(name);
    const client = new f.MongoClient(testUri(), options);
    const db = dbName(`listeners-${name}`);
    host.length = 0;
    try {
      const result = await use({ f, client, coll: client.db(db).collection('c'), db });
      await new Promise((r) => setTimeout(r, 30)); // a late uncaught error would land now
      await client.close();
      const left = Object.fromEntries(Object.entries(await f.stats()).filter(([, v]) => v !== 0));
      out.set(name, { result, host: [...host], left });
    } finally {
      await client.close();
      await observer.db(db).dropDatabase();
      await f.close();
    }
  }
  return out;
}

/** Every flavour's record equals the bare driver's; the host saw nothing, counters are back to zero. */
function sameAsBare<T>(results: Map<Name, { result: T; host: unknown[]; left: Record<string, number> }>, expected: T): void {
  assert.equal(results.get('bare')!.result, expected, 'the bare driver itself');
  for (const [name, r] of results) {
    assert.equal(r.result, expected, `${name} differs from the bare driver`);
    assert.equal(r.host, [], `${name}: something reached the process`);
    assert.equal(r.left, {}, `${name}: poolStats() not back to zero after close`);
  }
}

/** How a call settled: `ok`, or whether the error is `thrown` itself, and what it is. */
async function settle(f: Flavour, thrown: unknown, command: (callback?: Callback) => unknown): Promise<string> {
  try {
    await f.call(command);
    return 'ok';
  } catch (error) {
    if (error === thrown) return 'threw the same value';
    const cls = typeof error === 'object' && error !== null ? (error as Error).constructor.name : typeof error;
    return `threw ${cls}: ${(error as Error | undefined)?.message ?? String(error)}`;
  }
}

class VetoError extends Error {
  override name = 'VetoError';
}

test.before(async () => {
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  observer = new driver.MongoClient(testUri());
  await observer.connect();
});
test.after(async () => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  await observer.close();
  rmSync(scratch, { recursive: true, force: true });
});

test('a commandStarted listener that throws on an insert: the caller gets its very error, the server holds nothing, the host lives, counters back to zero', async () => {
  const results = await eachFlavour(async ({ f, client, coll, db }) => {
    const thrown = new VetoError('veto');
    client.on('commandStarted', (event: driver.CommandStartedEvent) => {
      if (event.commandName === 'insert') throw thrown;
    });
    const one = await settle(f, thrown, (cb) => coll.insertOne({ a: 1 }, cb as never));
    const many = await settle(f, thrown, (cb) => coll.insertMany([{ a: 2 }, { a: 3 }], cb as never));
    const read = await settle(f, thrown, (cb) => (coll.find({}) as unknown as { toArray(cb?: Callback): unknown }).toArray(cb));
    return { one, many, read, stored: await stored(db) };
  });
  // insertMany: the driver builds a MongoBulkWriteError from what the listener threw (and, for an
  // error whose `name` is an own field, fails doing so with a TypeError): whatever it gives, the same.
  const bare = results.get('bare')!.result;
  assert.ok(bare.many.startsWith('threw '), bare.many);
  sameAsBare(results, { one: 'threw the same value', many: bare.many, read: 'ok', stored: 0 });
});

test('a listener that throws once: that insert is refused before sending, the next one is stored', async () => {
  const results = await eachFlavour(async ({ f, client, coll, db }) => {
    const thrown = new VetoError('once');
    let armed = true;
    client.on('commandStarted', (event: driver.CommandStartedEvent) => {
      if (armed && event.commandName === 'insert') {
        armed = false;
        throw thrown;
      }
    });
    const first = await settle(f, thrown, (cb) => coll.insertOne({ _id: 1 }, cb as never));
    const second = await settle(f, thrown, (cb) => coll.insertOne({ _id: 2 }, cb as never));
    return { first, second, ids: (await observer.db(db).collection('c').find().toArray()).map((d) => d._id as unknown) };
  });
  sameAsBare(results, { first: 'threw the same value', second: 'ok', ids: [2] });
});

test('a connectionCheckOutStarted listener that throws: refused before a connection is used; a string comes back as that string', async () => {
  const results = await eachFlavour(async ({ f, client, coll, db }) => {
    await coll.countDocuments(); // connected: the throw concerns the insert's checkout only
    const outcomes: string[] = [];
    for (const thrown of [new VetoError('checkout'), 'a string', 42]) {
      const listener = (): never => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- what an app's listener may throw
        throw thrown;
      };
      client.on('connectionCheckOutStarted', listener);
      outcomes.push(await settle(f, thrown, (cb) => coll.insertOne({ a: 1 }, cb as never)));
      client.off('connectionCheckOutStarted', listener);
    }
    return { outcomes, stored: await stored(db) };
  });
  sameAsBare(results, { outcomes: ['threw the same value', 'threw the same value', 'threw the same value'], stored: 0 });
});

test('what else a listener may throw: non-errors become what the driver makes of them, objects with an identity come back as themselves', async () => {
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const named = { name: 'PlainVeto', message: 'a plain object with a name' };
  const fn = function vetoFunction(): void {};
  const sym = Symbol('veto');
  const results = await eachFlavour(async ({ f, client, coll, db }) => {
    const out: Record<string, string> = {};
    // (Not `undefined`: a Node callback cannot tell a thrown undefined from success, with the driver's legacy callbacks as here.)
    for (const [label, thrown] of Object.entries({ string: 'str', number: 0, named, revoked, fn, sym })) {
      for (const event of ['commandStarted', 'connectionCheckOutStarted']) {
        const listener = (e: { commandName?: string }): void => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- the hostile case under test
          if (e.commandName === undefined || e.commandName === 'insert') throw thrown;
        };
        client.on(event as 'commandStarted', listener);
        out[`${label} from ${event}`] = (await settle(f, thrown, (cb) => coll.insertOne({ a: 1 }, cb as never))).replace(/'[a-zA-Z]+' on a proxy/, "'…' on a proxy");
        client.off(event as 'commandStarted', listener);
      }
    }
    return { out, stored: await stored(db) };
  });
  const bare = results.get('bare')!.result;
  sameAsBare(results, bare);
  assert.is(bare.stored, 0);
  assert.is(bare.out['string from commandStarted'], 'threw MongoRuntimeError: An unexpected error type: string');
  assert.is(bare.out['named from commandStarted'], 'threw the same value');
  assert.is(bare.out['sym from connectionCheckOutStarted'], 'threw the same value');
});

test('rotor/sync: the thread blocked in insertOne runs the listener the worker waits for (no deadlock), in order, and throws its very error', async () => {
  const rotor = createRotor({ framework: 'sync', workers: 1 });
  const client = new (rotor.MongoClient as unknown as typeof driver.MongoClient)(testUri(), { monitorCommands: true });
  const db = dbName('listeners-sync-order');
  try {
    const coll = client.db(db).collection<{ _id: number }>('c');
    const order: string[] = [];
    const thrown = new VetoError('sync veto');
    let veto = false;
    client.on('connectionCheckOutStarted', () => order.push('checkOutStarted'));
    client.on('connectionCheckedOut', () => order.push('checkedOut'));
    client.on('commandStarted', (e) => {
      order.push(`started ${e.commandName}`);
      if (veto && e.commandName === 'insert') throw thrown;
    });
    // Neither call is awaited: rotor/sync returns the value, so the listener ran while this thread was blocked.
    const inserted = coll.insertOne({ _id: 1 }) as unknown as driver.InsertOneResult;
    order.push('returned');
    assert.equal(inserted.insertedId, 1);
    assert.equal(order, ['checkOutStarted', 'checkedOut', 'started insert', 'returned']);
    veto = true;
    let caught: unknown;
    try {
      void coll.insertOne({ _id: 2 });
    } catch (error) {
      caught = error;
    }
    assert.is(caught, thrown);
    assert.is(await stored(db), 1);
  } finally {
    void client.close();
    await observer.db(db).dropDatabase();
    await rotor.close();
  }
});

test('a listener added, then removed, costs nothing: no hop while nobody listens; a listener of an event the driver does not wait for makes none either', async () => {
  for (const name of ['pool', 'sync'] as const) {
    const f = flavour(name);
    const client = new f.MongoClient(testUri(), { monitorCommands: true });
    const db = dbName(`listeners-cost-${name}`);
    try {
      const coll = client.db(db).collection('c');
      await coll.insertOne({ a: 0 });
      const listener = (): void => {};
      client.on('commandStarted', listener);
      let before = poolModules().listenerHopsServed();
      await coll.insertOne({ a: 1 });
      assert.ok(poolModules().listenerHopsServed() > before, `${name}: a listener of commandStarted is served synchronously`);
      client.off('commandStarted', listener);
      before = poolModules().listenerHopsServed();
      await coll.insertOne({ a: 2 });
      await coll.find().toArray();
      assert.is(poolModules().listenerHopsServed(), before, `${name}: hops made after the listener was removed`);
      client.on('commandSucceeded', listener);
      await coll.insertOne({ a: 3 });
      assert.is(poolModules().listenerHopsServed(), before, `${name}: commandSucceeded is forwarded, not waited for`);
      client.off('commandSucceeded', listener);
    } finally {
      await client.close();
      await observer.db(db).dropDatabase();
      await f.close();
    }
  }
});

test('hostile listeners: async (its rejection is unhandled, the insert stored), once (removes itself), making calls of its own', async () => {
  const results = await eachFlavour(async ({ f, client, coll, db }) => {
    const rejected = new VetoError('async veto');
    const asyncListener = (e: driver.CommandStartedEvent): Promise<void> => (e.commandName === 'insert' ? Promise.reject(rejected) : Promise.resolve());
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- an async listener: the case under test
    client.on('commandStarted', asyncListener);
    const asyncOutcome = await settle(f, rejected, (cb) => coll.insertOne({ _id: 'async' }, cb as never));
    await new Promise((r) => setTimeout(r, 30));
    const unhandled = host.splice(0).map((e) => e === rejected);
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the same listener
    client.off('commandStarted', asyncListener);

    const once = new VetoError('once');
    client.once('commandStarted', () => {
      throw once;
    });
    const onceOutcome = await settle(f, once, (cb) => coll.insertOne({ _id: 'once-1' }, cb as never));
    const afterOnce = await settle(f, once, (cb) => coll.insertOne({ _id: 'once-2' }, cb as never));

    // A listener that starts a command of its own (not waiting for it) and reads a bulk operation
    // (a blocking request in the pool: the waiting worker answers it inside the emit).
    let started: Promise<unknown> | undefined;
    const calling = (e: driver.CommandStartedEvent): void => {
      if (e.commandName !== 'insert' || started) return;
      void coll.initializeOrderedBulkOp();
      started = Promise.resolve(f.name === 'sync' ? null : coll.countDocuments());
    };
    client.on('commandStarted', calling);
    const callingOutcome = await settle(f, undefined, (cb) => coll.insertOne({ _id: 'calling' }, cb as never));
    await started;
    client.off('commandStarted', calling);
    const ids = (await observer.db(db).collection('c').find().sort({ _id: 1 }).toArray()).map((d) => String(d._id));
    return { asyncOutcome, unhandled, onceOutcome, afterOnce, callingOutcome, ids };
  });
  sameAsBare(results, { asyncOutcome: 'ok', unhandled: [true], onceOutcome: 'threw the same value', afterOnce: 'ok', callingOutcome: 'ok', ids: ['async', 'calling', 'once-2'] });
});

test('two clients on one pool, and 50 concurrent inserts under a throwing listener: each rejects with the very error, nothing stored, the other client untouched', async () => {
  const results = await eachFlavour(
    async ({ f, client, coll, db }) => {
      const other = new f.MongoClient(testUri(), { monitorCommands: true });
      try {
        const otherColl = other.db(db).collection('other');
        let otherHeard = 0;
        other.on('commandStarted', () => otherHeard++);
        const thrown = new VetoError('all of them');
        client.on('commandStarted', (e: driver.CommandStartedEvent) => {
          if (e.commandName === 'insert') throw thrown;
        });
        const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => settle(f, thrown, (cb) => coll.insertOne({ i }, cb as never))));
        await otherColl.insertOne({ fine: true });
        return { same: outcomes.filter((o) => o === 'threw the same value').length, stored: await stored(db), otherStored: await stored(db, 'other'), otherHeard: otherHeard > 0 };
      } finally {
        await other.close();
      }
    },
  );
  sameAsBare(results, { same: 50, stored: 0, otherStored: 1, otherHeard: true });
});

test('the pool closed while a listener runs: the command rejects (PoolClosedError or WorkerLostError), nothing hangs, the host lives', async () => {
  for (const framework of ['promise', 'sync'] as const) {
    const rotor = createRotor({ framework, executor: 'pool', workers: 1 });
    const client = new (rotor.MongoClient as unknown as typeof driver.MongoClient)(testUri(), { monitorCommands: true });
    const db = dbName(`listeners-closed-${framework}`);
    host.length = 0;
    try {
      const coll = client.db(db).collection('c');
      await coll.countDocuments();
      let closing: Promise<void> | undefined;
      client.on('commandStarted', (e) => {
        if (e.commandName === 'insert') closing ??= rotor.close();
      });
      let caught: unknown;
      try {
        await coll.insertOne({ a: 1 });
      } catch (error) {
        caught = error;
      }
      await closing;
      assert.ok(caught instanceof PoolClosedError || caught instanceof WorkerLostError, `${framework}: ${String(caught)}`);
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(host, [], `${framework}: something reached the process`);
      // The worker was stopped in the driver's emit, before it wrote the command.
      assert.is(await stored(db), 0, framework);
    } finally {
      await Promise.resolve(client.close()).catch(() => {});
      await observer.db(db).dropDatabase();
      await rotor.close();
    }
  }
});

const scratch = mkdtempSync(join(tmpdir(), 'rotor-listeners-'));
test('process.exit() inside a listener the worker waits for: the process ends with that code, as with the driver', async () => {
  for (const setup of ['null', "{ executor: 'pool' }", "{ framework: 'sync' }"]) {
    const file = join(scratch, `exit-${setup.replace(/\W/g, '')}.mjs`);
    writeFileSync(
      file,
      `const driver = await import(${JSON.stringify(import.meta.resolve('mongodb'))});
      import { createRotor } from ${JSON.stringify(join(dist, 'lib', 'index.js'))};
      const setup = ${setup};
      const { MongoClient } = setup ? createRotor(setup) : driver;
      const client = new MongoClient(${JSON.stringify(testUri())}, { monitorCommands: true });
      client.on('commandStarted', (e) => { if (e.commandName === 'insert') process.exit(7); });
      await client.db(${JSON.stringify(dbName('listeners-exit'))}).collection('c').insertOne({ a: 1 });
      console.log('not reached');`,
    );
    const run = await runNode([file], { env: process.env, timeoutMS: 30_000, what: `exit ${setup}` });
    assert.is(run.code, 7, `${setup}: ${run.stdout}${run.stderr}`);
    assert.not.match(run.stdout, /not reached/);
  }
});

test.run();
