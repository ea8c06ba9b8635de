// REPL v2: Ctrl-C, mongosh habits, scripts and --eval, app modules, modes, --data.
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runNode, type ChildRun } from './support/child.js';
import { dbName, suite, testUri } from './support/env.js';
import { ferretdbBinary } from '../lib/server/ferretdb.js';
import { parseReplArgs } from '../lib/cli/main.js';
import { abortable, runStatement, Statement } from '../lib/repl/cancel.js';
import type { Executor, Ref } from '../lib/executor/types.js';
import type { ClassName } from '../lib/registry/kinds.js';
import { resolveClass } from '../lib/registry/resolve.js';
import { rewriteStaticImports } from '../lib/repl/static-import.js';
import { openRotorRepl, type RotorRepl } from '../lib/repl/session.js';

const test = suite('repl shell');
const main = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
let scratch = '';
test.before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'rotor-repl-shell-'));
});
test.after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function rotor(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ChildRun> {
  const env = { ...process.env, NO_COLOR: '1', ROTOR_REPL_HISTORY: '', ...options.env };
  return runNode([main, 'repl', ...args], {
    env,
    timeoutMS: 30_000,
    what: `rotor repl ${args.join(' ')}`,
    ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
}

async function until(condition: () => boolean, what: string, timeoutMS = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Terminal {
  session: RotorRepl;
  input: PassThrough;
  text: () => string;
  /** Types a line; waits for `expect` to appear after it. */
  type(line: string, expect: string, timeoutMS?: number): Promise<void>;
}

async function terminal(): Promise<Terminal> {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => (text += d.toString()));
  const session = await openRotorRepl({ uri: testUri(), input, output, terminal: true, historyPath: null });
  return {
    session,
    input,
    text: () => text,
    async type(line, expect, timeoutMS = 10_000) {
      const from = text.length;
      input.write(`${line}\r`);
      await until(() => text.slice(from).includes(expect), `'${expect}' after ${line}`, timeoutMS);
    },
  };
}

// ------------------------------------------------------------------------------------------------
// Ctrl-C

test('Ctrl-C during a statement: `interrupted`, a ready prompt, and the driver operation it started is aborted', async () => {
  const t = await terminal();
  try {
    // A client whose server selection would wait a minute: only the statement's signal can end it.
    await t.type(`const slow = new rotor.MongoClient('mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=60000'); 'made'`, "'made'");
    const before = t.text().length;
    t.input.write(`globalThis.op = slow.db('x').command({ ping: 1 }); await op\r`);
    await new Promise((r) => setTimeout(r, 300));
    t.input.write('\x03');
    await until(() => t.text().slice(before).includes('interrupted'), '`interrupted`', 5_000);
    await t.type('1 + 1', '2', 5_000); // the prompt is ready: not queued behind the operation
    await t.type(`await op.then(() => 'settled', (e) => e.name + ': ' + e.message)`, 'interrupted (Ctrl-C)', 5_000);
    const waited = t.text().length;
    t.input.write('await new Promise((r) => setTimeout(r, 60000))\r');
    await new Promise((r) => setTimeout(r, 200));
    t.input.write('\x03');
    await until(() => t.text().slice(waited).includes('interrupted'), 'a plain await to be interrupted', 5_000);
    await t.type(`'ready'`, "'ready'", 5_000);
    await t.type(`await slow.close(); 'closed'`, "'closed'");
  } finally {
    await t.session.close();
  }
});

test('Ctrl-C at an empty prompt behaves as in Node: a hint, then a second one ends the session', async () => {
  const t = await terminal();
  t.input.write('\x03');
  await until(() => t.text().includes('(To exit, press Ctrl+C again or Ctrl+D or type .exit)'), 'the hint');
  t.input.write('\x03');
  await Promise.race([t.session.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('not closed')), 10_000))]);
});

test('output of a callback lands above the prompt, which is drawn again with the line being typed', async () => {
  const t = await terminal();
  try {
    await t.type(`setTimeout(() => print('late news'), 300); 'scheduled'`, "'scheduled'");
    t.input.write('db.coll');
    await until(() => t.text().includes('late news'), 'the late output');
    // eslint-disable-next-line no-control-regex -- ESC: the terminal's escape sequences are what is checked
    await until(() => /late news\n(?:\x1b\[[0-9;]*[A-Za-z]|\r)*[\w-]+> db\.coll/.test(t.text()), `the prompt redrawn below it: ${JSON.stringify(t.text().slice(-120))}`);
    assert.ok(t.text().includes('\r\x1b[Klate news'), 'the prompt line was cleared first');
  } finally {
    await t.session.close();
  }
});

// ------------------------------------------------------------------------------------------------
// mongosh habits

test('show dbs/collections, help, handle help, print/printjson, load(), it, exit — piped', async () => {
  const name = dbName('repl_shell');
  const script = join(scratch, 'load-me.js');
  writeFileSync(script, `const loaded = await db.collection('a').countDocuments();\nprint('loaded', loaded);\n`);
  const r = await rotor(
    [testUri(), '--quiet'],
    {
      stdin: [
        `use ${name}`,
        `await db.collection('a').insertMany([{ n: Long('5'), k: MaxKey() }, { n: 2 }].slice(0, 1).map((d) => ({ n: d.n })))`,
        'show collections',
        'show dbs',
        "db.collection('a').help",
        'client.help()',
        'help',
        "print('x', { y: 1 }); printjson({ z: Long('7') })",
        `await load(${JSON.stringify(script)})`,
        'loaded',
        `db.collection('a').find({}, { projection: { _id: 0 } })`,
        'printjson(MaxKey())',
        'await db.dropDatabase()',
        'exit',
        "print('not reached')",
      ].join('\n'),
    },
  );
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '', 'quiet: no banner');
  const out = r.stdout;
  assert.ok(out.includes(`switched to db ${name}\n`), out);
  assert.match(out, /\nacknowledged|insertedCount: 1/);
  assert.match(out, /\na\n/, 'show collections');
  assert.match(out, new RegExp(`\\n${name}\\s+\\d+\\.\\d\\d (B|KiB|MiB)`), 'show dbs lists the database with its size');
  assert.match(out, /db\.collection\('a'\) is a Collection; its members by kind/);
  assert.match(out, /factories \(return a handle at once\):\n\s+aggregate, find,/);
  assert.match(out, /client is a MongoClient/);
  assert.match(out, /show dbs\s+databases with their size on disk/, 'help lists the habits');
  assert.ok(out.includes("x { y: 1 }\n{ z: Long('7') }\n"), out);
  assert.ok(out.includes('loaded 1\ntrue\n1\n'), 'load() ran the file with top-level await; its bindings joined the scope');
  assert.ok(out.includes("{ n: Long('5') }"), 'the REPL client keeps Int64 as Long');
  assert.ok(out.includes('MaxKey()\n'), out);
  assert.not.ok(out.includes('not reached'));
});

test('an exhausted cursor prints as such (its query is not run again); bulk-write errors show every writeError', async () => {
  const name = dbName('repl_exhausted');
  const r = await rotor([testUri(), '--quiet'], {
    stdin: [
      `use ${name}`,
      `await db.collection('e').insertMany([{ _id: 1 }, { _id: 2 }])`,
      `const c = db.collection('e').find().sort({ _id: 1 }); await c.next()`,
      'c',
      `await db.collection('e').insertOne({ _id: 3 })`,
      'c',
      `await db.collection('e').insertMany([{ _id: 1 }, { _id: 2 }, { _id: 4 }], { ordered: false })`,
      `db.collection()`,
      'await db.dropDatabase()',
    ].join('\n'),
  });
  assert.is(r.code, 1, 'statements failed');
  const out = r.stdout.split('\n');
  const first = out.indexOf('{ _id: 1 }');
  assert.ok(first >= 0, r.stdout);
  assert.equal(out.slice(first + 1, first + 4), ['[', '  { _id: 2 }', ']'], 'a started cursor pages from where it is');
  assert.ok(r.stdout.includes('[]  (exhausted cursor'), 'then prints as exhausted, without re-running (which would show _id 3)');
  assert.match(r.stderr, /stdin:7: MongoBulkWriteError\S*: [^\n]*\n\s+writeErrors\[0\]: [^\n]*\(code 11000\)\n\s+writeErrors\[1\]: [^\n]*\(code 11000\)/);
  assert.match(r.stderr, /stdin:8: TypeError: [^\n]*collection/, 'db.collection() without a name is an error');
});

// ------------------------------------------------------------------------------------------------
// Scripts

test('scripts: files and --eval stop at the first uncaught error with file:line on stderr and exit 1', async () => {
  const good = join(scratch, 'good.js');
  const bad = join(scratch, 'bad.js');
  const after = join(scratch, 'after.js');
  writeFileSync(good, `const fromGood = await db.command({ ping: 1 });\nprint('good ran', fromGood.ok);\n`);
  writeFileSync(bad, `print('bad starts');\n\nundefinedFunction();\nprint('not reached');\n`);
  writeFileSync(after, `print('after ran');\n`);
  const ok = await rotor([testUri(), '--quiet', '--eval', '40 + 2', good]);
  assert.is(ok.code, 0, ok.stderr);
  assert.is(ok.stdout, '42\ngood ran 1\n');
  const failed = await rotor([testUri(), '--quiet', good, bad, after]);
  assert.is(failed.code, 1);
  assert.is(failed.stdout, 'good ran 1\nbad starts\n');
  assert.match(failed.stderr, new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: ReferenceError: undefinedFunction is not defined\\n$`));
  const evalFails = await rotor([testUri(), '--quiet', '--eval', 'await db.collection("x").usres()']);
  assert.is(evalFails.code, 1);
  assert.match(evalFails.stderr, /^--eval(:1)?: TypeError: Collection has no attribute 'usres'/);
});

test('piped stdin goes on after an error and exits 1; exits 0 when every statement succeeded', async () => {
  const failing = await rotor([testUri(), '--quiet'], { stdin: `1 + 1\nnope()\n'still here'\n` });
  assert.is(failing.code, 1);
  assert.is(failing.stdout, '2\nstill here\n', 'a top-level string prints as its text, as in mongosh');
  assert.is(failing.stderr, 'stdin:2: ReferenceError: nope is not defined\n');
  const passing = await rotor([testUri(), '--quiet'], { stdin: `const o = {\n  a: 1,\n}\no.a\n` });
  assert.is(passing.code, 0, passing.stderr);
  assert.is(passing.stdout, '1\n');
});

test('an unreachable server fails fast with a clear message (short server selection timeout)', async () => {
  const r = await rotor(['mongodb://127.0.0.1:9/', '--eval', '1']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /^rotor: connecting to mongodb:\/\/127\.0\.0\.1:9\/\n/);
  assert.match(r.stderr, /rotor: cannot connect to mongodb:\/\/127\.0\.0\.1:9\/: .*(ECONNREFUSED|timed out|connection refused)/);
});

// ------------------------------------------------------------------------------------------------
// Modes and the app's own code

test('after .executor/.framework switches, rotor classes in scope follow and held handles keep working', async () => {
  const name = dbName('repl_modes2');
  const r = await rotor([testUri(), '--quiet', '--framework', 'promise'], {
    stdin: [
      `use ${name}`,
      `const held = db.collection('h'); await held.insertOne({ _id: 1 })`,
      '.framework callback',
      'rotor.mode',
      `GridFSBucket === rotor.GridFSBucket`,
      `new GridFSBucket(db).find().toArray((err, files) => print('callback', err ?? files.length))`,
      'await new Promise((r) => setTimeout(r, 300))',
      'await held.countDocuments()',
      '.framework promise',
      'await db.dropDatabase()',
    ].join('\n'),
  });
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes("{ framework: 'callback', executor: 'inline' }"), r.stdout);
  assert.ok(r.stdout.includes('true\n'), 'GridFSBucket in scope is the current mode\'s');
  assert.ok(r.stdout.includes('callback 0\n'), 'a callback through rotor.* in callback mode is called');
  assert.ok(r.stdout.includes('\n1\n'), 'a handle made before the switch still works');
});

test('--import and .rotorrc.mjs: exports join the scope, their `mongodb` is the session\'s; static import lines work', async () => {
  const name = dbName('repl_app');
  const app = join(scratch, 'app');
  mkdirSync(join(app, 'src'), { recursive: true });
  writeFileSync(
    join(app, 'src', 'db.mjs'),
    [
      "import { MongoClient } from 'mongodb';",
      "const client = new MongoClient('mongodb://app-config.invalid:27017/');",
      `export const users = client.db('${name}').collection('users');`,
      'export async function addUser(name) { return (await users.insertOne({ name })).acknowledged; }',
      'export const isRotor = typeof MongoClient.prototype === "object" && !("then" in users);',
    ].join('\n'),
  );
  writeFileSync(join(app, '.rotorrc.mjs'), `export const greeting = 'from rc';\n`);
  writeFileSync(join(app, 'helper.mjs'), `export default function twice(x) { return 2 * x; }\nexport const three = 3;\n`);
  const r = await rotor([testUri(), '--quiet', '--import', './src/db.mjs'], {
    stdin: ['greeting', `await addUser('ada')`, `await users.countDocuments()`, `import twice, { three } from './helper.mjs'`, 'twice(three)', `await client.db('${name}').dropDatabase()`].join('\n'),
    cwd: app,
  });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `from rc\ntrue\n1\n6\n{ ok: 1, dropped: '${name}' }\n`);
});

test('--data keeps the embedded server\'s data between sessions', async () => {
  if (!existsSync(ferretdbBinary())) return;
  const data = join(scratch, 'data');
  const env = { MONGODB_URI: '' };
  const first = await rotor(['--data', data, '--quiet', '--eval', `(await db.collection('kept').insertOne({ _id: 'x' })).acknowledged`], { env });
  assert.is(first.code, 0, first.stderr);
  assert.ok(existsSync(data), 'the folder is kept');
  const second = await rotor(['--quiet', '--eval', `await db.collection('kept').countDocuments()`], { env: { ...env, ROTOR_DATA: data } });
  assert.is(second.code, 0, second.stderr);
  assert.is(second.stdout, '1\n');
});

// ------------------------------------------------------------------------------------------------
// Pieces

test('repl arguments: uri first, files, repeatable --eval and --import, --quiet, --data', () => {
  assert.equal(parseReplArgs(['mongodb://h/', 'a.js', '--eval', '1', '-e', '2', '--import=./x.js', '--quiet', 'b.js']), {
    uri: 'mongodb://h/',
    files: ['a.js', 'b.js'],
    evals: ['1', '2'],
    imports: ['./x.js'],
    quiet: true,
  });
  assert.equal(parseReplArgs(['--data', '/d']).dataDir, '/d');
  assert.throws(() => parseReplArgs(['a.js', 'mongodb://h/']), /connection string \(which comes first\)/);
  assert.throws(() => parseReplArgs(['--eval']), /needs a value/);
});

test('static import lines become dynamic imports', () => {
  assert.is(rewriteStaticImports(`import x from 'y'`), `var { default: x } = await import("y");\n`);
  assert.is(rewriteStaticImports(`import { a, b as c } from "y";`), `var { a, b: c } = await import("y");\n`);
  assert.is(rewriteStaticImports(`import * as ns from 'y'`), `var ns = await import("y");\n`);
  assert.is(rewriteStaticImports(`import 'y'`), `await import("y");\n`);
  assert.is(rewriteStaticImports(`import('y')`), undefined);
});

test("Ctrl-C's executor goes by registry data: the signal to factories of classes that keep it, cursors closed by their 'close' role", () => {
  // A stand-in executor whose refs name their class: records what reaches it.
  const calls: Array<{ op: string; member: string; args: unknown[] }> = [];
  const refOf = (cls: ClassName): Ref => ({ cls });
  const base = {
    name: 'record',
    inProcess: false,
    classOf: (ref: object) => resolveClass((ref as { cls: ClassName }).cls),
    invoke: (_ref: Ref, member: string | symbol, args: unknown[]) => (calls.push({ op: 'invoke', member: String(member), args }), Promise.resolve()),
    factory: (_ref: Ref, member: string | symbol, args: unknown[]) => (calls.push({ op: 'factory', member: String(member), args }), {}),
  } as unknown as Executor;
  const executor = abortable(base);
  const statement = new Statement();
  const signalOf = (args: unknown[], i: number): unknown => (args[i] as { signal?: unknown } | undefined)?.signal;
  runStatement(statement, () => {
    executor.factory(refOf('Collection'), 'find', [{}], 'FindCursor');
    executor.factory(refOf('Db'), 'collection', ['c'], 'Collection');
    executor.factory(refOf('Collection'), 'watch', [[]], 'ChangeStream');
    void executor.invoke(refOf('FindCursor'), 'next', []);
    void executor.invoke(refOf('ChangeStream'), 'tryNext', []);
    void executor.invoke(refOf('Collection'), 'insertOne', [{}]);
    void executor.invoke(refOf('Collection'), 'updateOne', [{ signal: 1 }, { $set: { signal: 2 } }]);
    void executor.invoke(refOf('Collection'), 'estimatedDocumentCount', []);
  });
  const [find, collection, watch, next, tryNext, insert, update, count] = calls;
  assert.is(signalOf(find!.args, 1), statement.controller.signal, 'find: a FindCursor keeps the signal for its getMores');
  assert.equal(collection!.args, ['c'], 'db.collection: a Collection does not keep a signal');
  assert.equal(watch!.args, [[]], 'watch: a ChangeStream does not keep a signal');
  assert.equal([next!.args, tryNext!.args], [[], []]);
  assert.is(signalOf(insert!.args, 1), statement.controller.signal, 'a command gets the signal in its options');
  assert.equal(update!.args.slice(0, 2), [{ signal: 1 }, { $set: { signal: 2 } }], "updateOne: a filter's or update's `signal` field is data");
  assert.is(signalOf(update!.args, 2), statement.controller.signal, "updateOne: the signal goes in its options, the registry's optionsAt 2");
  assert.is(signalOf(count!.args, 0), statement.controller.signal, 'estimatedDocumentCount: options first');
  assert.is(statement.cursors.size, 2, 'the cursor and the change stream read in the statement are closed on Ctrl-C, not the collection');
  calls.length = 0;
  statement.interrupt();
  assert.equal(calls.map((c) => `${c.op} ${c.member}`), ['invoke close', 'invoke close']);
  calls.length = 0;
  executor.factory(refOf('Collection'), 'find', [{}], 'FindCursor');
  assert.equal(calls[0]!.args, [{}], 'outside a statement nothing is added');
});

test.run();
