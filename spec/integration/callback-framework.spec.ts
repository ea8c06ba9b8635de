// The callback framework (rotor/callback): a trailing `(err, result)` function is called exactly once
// and the call returns undefined; without one, a Promise. Function arguments that belong to the method
// (forEach's iterator, withSession's executor, map's transform, event listeners) are never taken as
// the completion callback. A callback that throws surfaces as an uncaught exception, once.
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import * as mongodb from 'mongodb';
import type { Db, Document, MongoClient } from 'mongodb';
import { dbName, suite, testUri } from '../support/env.js';
import { connectTarget, targets } from '../support/targets.js';

/** Test documents use plain `_id` values (numbers, strings), not only ObjectIds. */
interface Doc extends Document {
  _id?: number | string;
}

type Loose = Record<string | symbol, any>;

interface Settled {
  /** What the method call itself returned. */
  returned: unknown;
  error: unknown;
  result: unknown;
  /** How many times the callback has been called so far. */
  calls: () => number;
}

/**
 * Starts an operation with a completion callback; resolves one macrotask after the first call, so a
 * second call made in the same turn (a double-settle bug) is counted too.
 */
function viaCallback(start: (callback: (error: unknown, result?: unknown) => void) => unknown): Promise<Settled> {
  let calls = 0;
  return new Promise((resolve) => {
    let first: { error: unknown; result: unknown } | undefined;
    // A let, not a const: the setImmediate below reads it even when start() throws (no TDZ error).
    // eslint-disable-next-line prefer-const -- see above
    let returned: unknown;
    const callback = (error: unknown, result?: unknown): void => {
      calls++;
      if (first) return;
      first = { error, result };
      setImmediate(() => resolve({ returned, ...first!, calls: () => calls }));
    };
    returned = start(callback);
  });
}

/** Runs a node child with the same loader flags as this process; collects its output. */
function runChild(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 45_000,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const callbackModuleUrl = new URL('../../lib/callback.js', import.meta.url).href;

for (const target of targets.filter((t) => t.framework === 'callback')) {
  const test = suite(`callback framework [${target.name}]`);
  const name = dbName(`callback_${target.name}`);
  let client: MongoClient;
  let db: Db;

  connectTarget(test, target, name, (c, d) => {
    client = c;
    db = d;
  });

  test('insertOne(doc, cb) returns undefined and calls back once with the result', async () => {
    const coll = db.collection<Doc>('insert_cb') as unknown as Loose;
    const settled = await viaCallback((cb) => coll.insertOne({ _id: 1, v: 'cb' }, cb));
    assert.is(settled.returned, undefined);
    assert.is(settled.calls(), 1);
    assert.not.ok(settled.error);
    assert.is((settled.result as { insertedId: unknown }).insertedId, 1);
    assert.equal(await db.collection<Doc>('insert_cb').findOne({ _id: 1 }), { _id: 1, v: 'cb' });
  });

  test('findOne(filter, options, cb): the callback follows the options', async () => {
    await db.collection<Doc>('find_one_cb').insertOne({ _id: 1, a: 1, b: 2 });
    const coll = db.collection<Doc>('find_one_cb') as unknown as Loose;
    const settled = await viaCallback((cb) => coll.findOne({ _id: 1 }, { projection: { _id: 0, b: 1 } }, cb));
    assert.is(settled.returned, undefined);
    assert.is(settled.calls(), 1);
    assert.not.ok(settled.error);
    assert.equal(settled.result, { b: 2 });
  });

  test('a server error arrives as the first argument (duplicate key), once, with no result', async () => {
    await db.collection<Doc>('dup_cb').insertOne({ _id: 1 });
    const coll = db.collection<Doc>('dup_cb') as unknown as Loose;
    const settled = await viaCallback((cb) => coll.insertOne({ _id: 1 }, cb));
    assert.is(settled.returned, undefined);
    assert.is(settled.calls(), 1);
    assert.instance(settled.error, target.rotor.MongoServerError);
    assert.instance(settled.error, mongodb.MongoServerError);
    assert.is((settled.error as { code?: unknown }).code, 11000);
    assert.is(settled.result, undefined);
  });

  test('a driver validation error arrives as the first argument too', async () => {
    const coll = db.collection<Doc>('invalid_cb') as unknown as Loose;
    const settled = await viaCallback((cb) => coll.updateOne({}, { notAnOperator: 1 }, cb));
    assert.is(settled.returned, undefined);
    assert.is(settled.calls(), 1);
    assert.instance(settled.error, target.rotor.MongoInvalidArgumentError);
  });

  test('cursor.toArray(cb)', async () => {
    await db.collection<Doc>('to_array_cb').insertMany([{ _id: 1 }, { _id: 2 }]);
    const cursor = db.collection<Doc>('to_array_cb').find().sort({ _id: 1 }) as unknown as Loose;
    const settled = await viaCallback((cb) => cursor.toArray(cb));
    assert.is(settled.returned, undefined);
    assert.is(settled.calls(), 1);
    assert.not.ok(settled.error);
    assert.equal(settled.result, [{ _id: 1 }, { _id: 2 }]);
  });

  test('cursor.forEach(iterator, cb): the iterator sees every document, cb runs once at the end', async () => {
    await db.collection<Doc>('for_each_cb').insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
    const cursor = db.collection<Doc>('for_each_cb').find().sort({ _id: 1 }) as unknown as Loose;
    const seen: unknown[] = [];
    let seenAtCallback = -1;
    const settled = await viaCallback((cb) =>
      cursor.forEach(
        (doc: { _id: unknown }) => {
          seen.push(doc._id);
        },
        (error: unknown, result?: unknown) => {
          seenAtCallback = seen.length;
          cb(error, result);
        },
      ),
    );
    assert.is(settled.returned, undefined);
    assert.is(settled.calls(), 1);
    assert.not.ok(settled.error);
    assert.equal(seen, [1, 2, 3]);
    assert.is(seenAtCallback, 3);
  });

  test('cursor.forEach(iterator) without a callback returns a Promise (the iterator is not the callback)', async () => {
    await db.collection<Doc>('for_each_promise').insertMany([{ _id: 1 }, { _id: 2 }]);
    const seen: unknown[] = [];
    const returned = (db.collection<Doc>('for_each_promise').find().sort({ _id: 1 }) as unknown as Loose).forEach((doc: { _id: unknown }) => {
      seen.push(doc._id);
    });
    assert.instance(returned, Promise);
    await returned;
    assert.equal(seen, [1, 2]);
  });

  test('without a callback an async method returns a Promise', async () => {
    const coll = db.collection<Doc>('promise_cb');
    const returned = coll.insertOne({ _id: 1 });
    assert.instance(returned, Promise);
    assert.is((await returned).insertedId, 1);
    const found = coll.findOne({ _id: 1 });
    assert.instance(found, Promise);
    assert.equal(await found, { _id: 1 });
  });

  test('withSession(fn, cb): fn gets a session handle; cb gets its result once', async () => {
    const settled = await viaCallback((cb) =>
      (client as unknown as Loose).withSession(async (session: unknown) => {
        assert.ok(session instanceof target.rotor.ClientSession, 'withSession handed over a non-handle');
        await db.collection<Doc>('with_session_cb').insertOne({ _id: 1 }, { session: session });
        return 'fn result';
      }, cb),
    );
    assert.is(settled.returned, undefined);
    assert.is(settled.calls(), 1);
    assert.not.ok(settled.error);
    assert.is(settled.result, 'fn result');
  });

  test('withSession(fn) alone returns a Promise: fn is not taken as the callback', async () => {
    let ran = false;
    // eslint-disable-next-line @typescript-eslint/require-await -- the user's function is async on purpose (the case under test)
    const returned = client.withSession(async () => {
      ran = true;
      return 5;
    });
    assert.instance(returned, Promise);
    assert.is(await returned, 5);
    assert.ok(ran);
  });

  test('cursor.map(fn) is not an async method: it returns the cursor, fn is the transform', async () => {
    await db.collection<Doc>('map_cb').insertMany([{ _id: 1 }, { _id: 2 }]);
    const cursor = db.collection<Doc>('map_cb').find().sort({ _id: 1 });
    const mapped = cursor.map((d) => (d._id as number) * 2);
    assert.ok(mapped, 'map returned nothing');
    assert.instance(mapped, target.rotor.FindCursor);
    assert.equal(await mapped.toArray(), [2, 4]);
  });

  test('client.on(event, listener): the listener is not a completion callback', async () => {
    const monitored = new target.rotor.MongoClient(testUri(), { monitorCommands: true });
    try {
      const names: string[] = [];
      const returned = monitored.on('commandStarted', (event) => names.push(event.commandName));
      assert.is.not(returned, undefined);
      await monitored.db(name).command({ ping: 1 });
      assert.ok(names.includes('ping'), `commandStarted listener saw: ${names.join(', ')}`);
    } finally {
      await monitored.close();
    }
  });

  test('connect(cb) and close(cb) on a second client', async () => {
    const other = new target.rotor.MongoClient(testUri()) as unknown as Loose;
    const connected = await viaCallback((cb) => other.connect(cb));
    assert.is(connected.returned, undefined);
    assert.is(connected.calls(), 1);
    assert.not.ok(connected.error);
    const closed = await viaCallback((cb) => other.close(cb));
    assert.is(closed.returned, undefined);
    assert.is(closed.calls(), 1);
    assert.not.ok(closed.error);
  });

  test('static MongoClient.connect(uri, cb) calls back once with a client handle', async () => {
    const settled = await viaCallback((cb) => (target.rotor.MongoClient as unknown as Loose).connect(testUri(), cb));
    const connected = settled.result as MongoClient | undefined;
    try {
      assert.is(settled.returned, undefined);
      assert.is(settled.calls(), 1);
      assert.not.ok(settled.error);
      assert.instance(connected, target.rotor.MongoClient);
    } finally {
      await connected?.close();
    }
  });

  test('cursor.next(cb) and cursor.hasNext(cb)', async () => {
    await db.collection<Doc>('next_cb').insertOne({ _id: 1 });
    const cursor = db.collection<Doc>('next_cb').find() as unknown as Loose;
    const first = await viaCallback((cb) => cursor.next(cb));
    assert.is(first.returned, undefined);
    assert.is(first.calls(), 1);
    assert.equal(first.result, { _id: 1 });
    const more = await viaCallback((cb) => cursor.hasNext(cb));
    assert.is(more.calls(), 1);
    assert.is(more.result, false);
  });

  test('a callback that throws: uncaught exception, callback called once (child process)', async () => {
    const childDb = dbName('callback_child');
    const script = `
      const { MongoClient } = await import(${JSON.stringify(callbackModuleUrl)});
      let calls = 0;
      let uncaught = 0;
      let rejections = 0;
      const client = new MongoClient(process.env.ROTOR_CHILD_URI);
      const db = client.db(process.env.ROTOR_CHILD_DB);
      async function finish() {
        // Server round trips: a second (buggy) settle of the callback would have happened by now.
        await db.command({ ping: 1 });
        await db.command({ ping: 1 });
        await new Promise((resolve) => setImmediate(resolve));
        process.stdout.write(JSON.stringify({ calls, uncaught, rejections }) + '\\n');
        await db.dropDatabase();
        await client.close();
      }
      process.on('unhandledRejection', (reason) => {
        rejections++;
        process.stderr.write('unhandled rejection: ' + (reason && reason.message) + '\\n');
      });
      process.on('uncaughtException', (error) => {
        uncaught++;
        process.stderr.write('uncaught: ' + error.message + '\\n');
        if (uncaught === 1) finish().catch((e) => { process.stderr.write('finish failed: ' + e.message + '\\n'); process.exitCode = 2; });
      });
      const returned = db.collection('cb').insertOne({ x: 1 }, () => {
        calls++;
        throw new Error('boom from a user callback');
      });
      if (returned !== undefined) process.stderr.write('insertOne with a callback returned ' + typeof returned + '\\n');
    `;
    const { code, stdout, stderr } = await runChild(script, { ROTOR_CHILD_URI: testUri(), ROTOR_CHILD_DB: childDb });
    const output = `(exit ${code}) stdout: ${stdout} stderr: ${stderr}`;
    assert.ok(stderr.includes('uncaught: boom from a user callback'), `the throw did not surface as an uncaught exception ${output}`);
    assert.not.ok(stderr.includes('unhandled rejection'), `the throw became an unhandled rejection ${output}`);
    assert.not.ok(stderr.includes('returned'), output);
    const line = stdout.trim().split('\n').pop() ?? '';
    let counts: { calls: number; uncaught: number; rejections: number } | undefined;
    try {
      counts = JSON.parse(line) as typeof counts;
    } catch {
      assert.unreachable(`child printed no counts (exit ${code}); stdout: ${stdout}; stderr: ${stderr}`);
    }
    assert.equal(counts, { calls: 1, uncaught: 1, rejections: 0 }, output);
    assert.is(code, 0, output);
  });

  test('a callback that throws with no handler installed crashes the process with that error (child process)', async () => {
    const childDb = dbName('callback_crash');
    const script = `
      const { MongoClient } = await import(${JSON.stringify(callbackModuleUrl)});
      const client = new MongoClient(process.env.ROTOR_CHILD_URI);
      let calls = 0;
      client.db(process.env.ROTOR_CHILD_DB).command({ ping: 1 }, () => {
        calls++;
        process.stdout.write('calls=' + calls + '\\n');
        throw new Error('crash from a user callback');
      });
    `;
    const { code, stdout, stderr } = await runChild(script, { ROTOR_CHILD_URI: testUri(), ROTOR_CHILD_DB: childDb });
    const output = `(exit ${code}) stdout: ${stdout} stderr: ${stderr}`;
    assert.is.not(code, 0, `the child should die of the uncaught exception ${output}`);
    assert.ok(stderr.includes('crash from a user callback'), output);
    assert.equal(stdout.trim().split('\n'), ['calls=1'], output);
  });

  test.run();
}
