import * as assert from 'uvu/assert';
import { runNode, type ChildRun } from './support/child.js';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { Decimal128, Long, ObjectId, UUID } from 'mongodb';
import { EXECUTORS } from '../lib/create-rotor.js';
import { resolveClass } from '../lib/registry/resolve.js';
import { ferretdbBinary } from '../lib/server/ferretdb.js';
import { analyze, tailHasCall, tokenize } from '../lib/repl/complete.js';
import { shellNames } from '../lib/repl/shell-members.js';
import { isSensitive, redact, secretsOf } from '../lib/repl/credentials.js';
import { CursorPage, formatValue } from '../lib/repl/format.js';
import { runStatement, Statement } from '../lib/repl/cancel.js';
import { openRotorRepl, type RotorRepl } from '../lib/repl/session.js';
import { dbName, suite, testUri } from './support/env.js';

const test = suite('repl');
const main = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
// Folders in the shared temporary folder are made when they are needed, not at import: every spec
// file is imported before the first suite runs, and a folder made then sat in /tmp for the minutes
// the other suites take (under coverage, on a loaded machine) before its first use.
let scratch = '';
/** Where the child REPLs would save history (they are piped, so they save none). */
let historyFile = '';
test.before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'rotor-repl-spec-'));
  historyFile = join(scratch, 'history');
});

type Run = ChildRun;

function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', ROTOR_REPL_HISTORY: historyFile, ...extra };
}

/** `rotor repl <args>` with `lines` piped in; killed (and failed) after `timeoutMS`. */
function repl(args: string[], lines: string[], env: NodeJS.ProcessEnv = {}, timeoutMS = 30_000): Promise<Run> {
  return runNode([main, 'repl', ...args], { env: childEnv(env), stdin: lines.map((l) => `${l}\n`).join(''), timeoutMS, what: 'the REPL' });
}

/** stdout without blank lines, for order checks. */
const linesOf = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

// ------------------------------------------------------------------------------------------------
// Piped stdin: the REPL as a script runner.

test('piped: insert and find print BSON naturally, an error does not end the session (stdin:line on stderr), exit 1 at EOF', async () => {
  const name = dbName('repl_piped');
  const r = await repl(
    [testUri()],
    [
      `use('${name}')`,
      `await db.collection('people').insertOne({ name: 'ada', born: new Date('1815-12-10T00:00:00Z'), n: Long('9007199254740993') })`,
      `db.collection('people').find({}, { projection: { _id: 0 } })`,
      `await db.collection('people').findOne({ name: 'ada' })`,
      'db.colection',
      `await db.collection('people').countDocuments()`,
      `await client.db('${name}').dropDatabase()`,
    ],
  );
  assert.is(r.code, 1, 'a statement failed: exit 1 at the end');
  assert.ok(r.stderr.includes(`rotor: connecting to ${redact(testUri())}`), r.stderr);
  const out = linesOf(r.stdout);
  assert.is(out[0], `switched to db ${name}`);
  assert.match(r.stdout, /\{ acknowledged: true, insertedId: ObjectId\('[0-9a-f]{24}'\) \}/);
  assert.match(r.stdout, /name: 'ada',\s+born: ISODate\('1815-12-10T00:00:00\.000Z'\),\s+n: Long\('9007199254740993'\)/);
  assert.match(r.stdout, /_id: ObjectId\('[0-9a-f]{24}'\),\s+name: 'ada'/, 'findOne prints the document');
  assert.ok(r.stderr.includes("stdin:5: TypeError: Db has no attribute 'colection'; did you mean 'collection'? (for a collection of that name, use db.getCollection('colection'))"), r.stderr);
  assert.is(out.at(-2), '1', 'the command after the error ran');
  assert.not.match(r.stdout, /^\s+at /m, 'no stack trace');
  assert.is(out.at(-1), `{ ok: 1, dropped: '${name}' }`, 'dropDatabase ran last (printed as mongosh prints it)');
});

test('piped: a cursor prints a first page of 20 and a hint, "it" the next page, and the user\'s cursor is untouched', async () => {
  const name = dbName('repl_cursor');
  const r = await repl(
    [testUri()],
    [
      `use('${name}')`,
      `await db.collection('n').insertMany(Array.from({ length: 25 }, (_, i) => ({ _id: i })))`,
      `const c = db.collection('n').find().sort({ _id: 1 })`,
      'c',
      'it',
      'it',
      'await c.next()',
      `db.collection('n').find({ _id: { $lt: 3 } }).sort({ _id: 1 }).map((d) => d._id * 10)`,
      `await db.dropDatabase()`,
    ],
  );
  assert.is(r.code, 0, r.stderr);
  const out = linesOf(r.stdout);
  const first = out.indexOf('  { _id: 0 },');
  assert.ok(first > 0, r.stdout);
  assert.equal(
    out.slice(first, first + 21),
    [...Array.from({ length: 19 }, (_, i) => `  { _id: ${i} },`), '  { _id: 19 }', ']'],
  );
  assert.is(out[first + 21], 'Type "it" for more');
  assert.equal(out.slice(first + 22, first + 29), ['[', '  { _id: 20 },', '  { _id: 21 },', '  { _id: 22 },', '  { _id: 23 },', '  { _id: 24 }', ']']);
  assert.is(out[first + 29], 'no cursor to iterate', 'the last page said nothing more was waiting');
  assert.is(out[first + 30], '{ _id: 0 }', 'printing and "it" did not advance the user\'s cursor');
  assert.equal(out.slice(first + 31, first + 36), ['[', '  0,', '  10,', '  20', ']'], 'map() applies to the printed page');
});

test('piped: cursors print the same page, map() included, under every executor this build has', async () => {
  const name = dbName('repl_executors');
  const executors = Object.keys(EXECUTORS);
  const r = await repl(
    [testUri(), '--framework', 'promise'],
    [
      `use('${name}')`,
      `await db.collection('m').insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }])`,
      ...executors.flatMap((executor) => [`.executor ${executor}`, `db.collection('m').find().sort({ _id: -1 }).map((d) => d._id + 0.5)`]),
      `await db.dropDatabase()`,
    ],
  );
  assert.is(r.code, 0, r.stderr);
  const out = linesOf(r.stdout);
  for (const executor of executors) {
    const i = out.indexOf(`framework promise, executor ${executor}`);
    assert.ok(i > 0, `no switch to ${executor}:\n${r.stdout}`);
    assert.equal(out.slice(i + 1, i + 6), ['[', '  3.5,', '  2.5,', '  1.5', ']'], executor);
  }
});

test('piped: use(), .timing on|off, .framework callback, .executor — the session goes on after each', async () => {
  const name = dbName('repl_modes');
  const poolBuilt = Object.hasOwn(EXECUTORS, 'pool');
  const executor = poolBuilt ? 'pool' : 'inline';
  const r = await repl(
    [testUri(), '--framework', 'promise'],
    [
      `use('${name}')`,
      '.timing on',
      `await db.collection('t').countDocuments()`,
      '.timing off',
      '1 + 1',
      '.framework callback',
      'db.databaseName',
      `typeof db.collection('t').countDocuments((err, n) => console.log('callback got', err ?? n))`,
      'await new Promise((r) => setTimeout(r, 300))',
      '.executor pool',
      '.executor nope',
      '.framework promise',
      `const counting = db.collection('t').countDocuments(); counting instanceof Promise`,
      'await counting',
      '.executor',
      `use other_${name}`,
      'db.databaseName',
    ],
  );
  assert.is(r.code, 0, r.stderr);
  const pool = poolBuilt ? 'framework callback, executor pool' : "executor 'pool' is not available in this build";
  assert.equal(linesOf(r.stdout), [
    `switched to db ${name}`,
    'timing on',
    '0',
    linesOf(r.stdout)[3]!,
    'timing off',
    '2',
    'framework callback, executor inline',
    name,
    'undefined',
    'callback got 0',
    pool,
    `unknown executor 'nope'; expected one of: ${Object.keys(EXECUTORS).join(', ')}`,
    `framework promise, executor ${executor}`,
    'true',
    '0',
    `framework promise, executor ${executor}`,
    `switched to db other_${name}`,
    `other_${name}`,
  ]);
  assert.match(linesOf(r.stdout)[3]!, /^time: \d+\.\d ms$/, 'the timed command is followed by its round-trip time');
});

/** A live process (zombies awaiting their reaper count as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, timeoutMS = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Processes whose parent is `pid`, with their command name. */
function childrenOf(pid: number): Array<{ pid: number; comm: string }> {
  const found: Array<{ pid: number; comm: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push({ pid: Number(entry), comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) });
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

if (!existsSync(ferretdbBinary())) {
  test.skip('no URI, no MONGODB_URI: the embedded server is started and stopped with the session', 'no FerretDB binary was built (MONGODB_URI run without Go)');
} else {
  test('no URI, no MONGODB_URI: the embedded server is started, used, and stopped with the session', async () => {
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [...process.execArgv, main, 'repl'], { stdio: 'pipe', env: childEnv({ MONGODB_URI: '' }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await until(() => stderr.includes('rotor: connected;') || child.exitCode !== null, 60_000, 'the REPL to connect');
      assert.match(stderr, /rotor: started the embedded FerretDB v1\.24\.2/);
      assert.match(stderr, /rotor: connecting to mongodb:\/\/127\.0\.0\.1:\d+\/\n/);
      const ferretdb = childrenOf(child.pid!).find((p) => p.comm === 'ferretdb');
      assert.ok(ferretdb, 'no FerretDB child process');
      const dataDir = /--state-dir=(\S+)/.exec(readFileSync(`/proc/${ferretdb.pid}/cmdline`, 'utf8').replaceAll('\0', ' '))?.[1];
      assert.ok(dataDir && existsSync(dataDir), 'no data folder');
      child.stdin.end(`await db.collection('x').insertOne({ a: 1 })\n`);
      assert.is(await exited, 0, stderr);
      assert.match(stdout, /^\{ acknowledged: true, insertedId: ObjectId\('[0-9a-f]{24}'\) \}\n$/);
      await until(() => !alive(ferretdb.pid), 5_000, `FerretDB ${ferretdb.pid} to stop`);
      assert.not.ok(existsSync(dataDir), `data folder ${dataDir} left behind`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
}

// ------------------------------------------------------------------------------------------------
// Credentials.

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

test('credentials: a URI password is never printed, even when the connection fails', async () => {
  rmSync(historyFile, { force: true });
  const port = await closedPort();
  const uri = `mongodb://rotor_user:s3cr3t-pw@127.0.0.1:${port}/?serverSelectionTimeoutMS=300&connectTimeoutMS=300`;
  const r = await repl([uri], ['1 + 1']);
  assert.is(r.code, 1);
  assert.ok(r.stderr.includes(`rotor: cannot connect to mongodb://<credentials>@127.0.0.1:${port}/`), r.stderr);
  assert.ok(r.stderr.includes(`rotor: connecting to mongodb://<credentials>@127.0.0.1:${port}/`), 'said at once where it connects');
  for (const [where, text] of [['stdout', r.stdout], ['stderr', r.stderr]]) {
    assert.not.ok(text!.includes('s3cr3t'), `${where} shows the password: ${text}`);
    assert.not.ok(text!.includes('rotor_user'), `${where} shows the user: ${text}`);
  }
  assert.not.ok(existsSync(historyFile) && readFileSync(historyFile, 'utf8').includes('s3cr3t'), 'history holds the password');
});

test('credentials: connected with a user and password, nothing the session prints shows them', async () => {
  // PLAIN over $external: FerretDB accepts it without checking; a real server may refuse it, and the
  // refusal must not show the password either.
  const uri = `${testUri().replace(/^(mongodb(?:\+srv)?:\/\/)(?:[^@/]*@)?/, '$1rotor_user:s3cr3t-pw@')}${testUri().includes('?') ? '&' : '?'}authMechanism=PLAIN&authSource=%24external`;
  const r = await repl([uri, '--framework', 'promise'], ['client', 'client.options.credentials', '.framework callback', 'db.colection', 'client.options.credentials.password']);
  for (const [where, text] of [['stdout', r.stdout], ['stderr', r.stderr]]) {
    assert.not.ok(text!.includes('s3cr3t'), `${where} shows the password: ${text}`);
  }
  if (r.stderr.includes('rotor: connected;')) {
    assert.is(r.code, 1, 'db.colection failed: piped input exits 1');
    assert.match(r.stderr, /rotor: connecting to mongodb(\+srv)?:\/\/<credentials>@/);
    assert.match(r.stdout, /^MongoClient <[^>]+>\n/);
    assert.ok(r.stdout.includes('framework callback, executor inline'), r.stdout);
    assert.match(r.stdout, /MongoCredentials \{\n\s+username: 'rotor_user',\n\s+password: '<redacted>'/);
    assert.ok(linesOf(r.stdout).at(-1) === '<redacted>', r.stdout);
  } else {
    assert.match(r.stderr, /rotor: cannot connect to mongodb(\+srv)?:\/\/<credentials>@/);
  }
});

test('credentials: redact, secretsOf and isSensitive', () => {
  assert.is(redact('to mongodb://u:p%40ss@h1:1,h2:2/db?x=1 and mongodb+srv://u@c.example'), 'to mongodb://<credentials>@h1:1,h2:2/db?x=1 and mongodb+srv://<credentials>@c.example/');
  assert.is(redact('mongodb://h/?tlsCertificateKeyFilePassword=kf&authMechanismProperties=AWS_SESSION_TOKEN:tok'), 'mongodb://h/?tlsCertificateKeyFilePassword=<credentials>&authMechanismProperties=AWS_SESSION_TOKEN%3A<credentials>');
  assert.is(redact('see http://u:pw@proxy.example/'), 'see http://<credentials>@proxy.example/');
  assert.ok(secretsOf('mongodb://u:p%40ss@h/').includes('p@ss'));
  assert.ok(secretsOf('mongodb://h/?tlsCertificateKeyFilePassword=kf').includes('kf'));
  assert.ok(isSensitive('connect("mongodb://h/?tlsCertificateKeyFilePassword=kf")', ''), 'a query-string secret keeps a line out of history');
  assert.equal(secretsOf('mongodb://u@h/'), []);
  const uri = 'mongodb://u:pw123@h/';
  assert.ok(isSensitive("new MongoClient('mongodb://x:y@z')", ''));
  assert.ok(isSensitive(`connect('${uri}')`, uri));
  assert.ok(isSensitive("auth: { password: 'pw123' }", uri));
  assert.not.ok(isSensitive("db.collection('users').find({ email: 'a@b' })", uri));
  assert.not.ok(isSensitive("new MongoClient('mongodb://h/')", uri));
});

// ------------------------------------------------------------------------------------------------
// In process, through a fake terminal: completion, history, Ctrl-D.

interface Terminal {
  session: RotorRepl;
  input: PassThrough;
  output: () => string;
  /** Waits until the output gains `text` after what was there when the call was made. */
  type(line: string, expect: string): Promise<void>;
}

async function openTerminal(historyPath: string | null): Promise<Terminal> {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => (text += d.toString()));
  const session = await openRotorRepl({ uri: testUri(), input, output, terminal: true, historyPath, clientOptions: { serverSelectionTimeoutMS: 5_000 } });
  return {
    session,
    input,
    output: () => text,
    async type(line, expect) {
      const from = text.length;
      input.write(`${line}\r`);
      await until(() => text.slice(from).includes(`\n${expect}`), 10_000, `'${expect}' after typing ${line}`);
    },
  };
}

function complete(session: RotorRepl, line: string): Promise<[string[], string]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`completion of ${line} did not answer`)), 10_000);
    const done = (err?: Error | null, result?: [string[], string]): void => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(result!);
    };
    (session.server.completer)(line, done);
  });
}

test('completion: handle members from the registry, collection names from the server, nothing run', async () => {
  const name = dbName('repl_complete');
  const t = await openTerminal(null);
  const { session } = t;
  try {
    await session.client.db(name).collection('people_c').insertOne({ a: 1 });
    await t.type(`use('${name}')`, `switched to db ${name}`);
    assert.equal(await complete(session, 'db.'), [[...resolveClass('Db').names, ...shellNames('Db')], ''], 'registry members, then the shell helpers');
    assert.equal(await complete(session, 'db.people_c.insertO'), [['insertOne'], 'insertO'], 'db.<name> is a collection');
    assert.equal(await complete(session, 'db.getSib'), [['getSiblingDB'], 'getSib']);
    assert.equal(await complete(session, 'db.coll'), [['collection', 'collections'], 'coll']);
    assert.equal(await complete(session, 'client.w'), [resolveClass('MongoClient').names.filter((n) => n.startsWith('w')), 'w']);
    assert.equal(await complete(session, "db.collection('people_c').find({ a: ')' }).so"), [['sort'], 'so']);
    const [aggregation] = await complete(session, "db.collection('people_c').aggregate([]).ma");
    assert.equal(aggregation, resolveClass('AggregationCursor').names.filter((n) => n.startsWith('ma')));
    assert.ok(aggregation.includes('match'), 'aggregate() is known to give an AggregationCursor');
    assert.equal(await complete(session, "db.collection('peo"), [["people_c')"], 'peo'], 'one match: the call is closed');
    assert.equal(await complete(session, `client.db('${name}').collection('peo`), [["people_c')"], 'peo'], 'through client.db(literal)');
    const [dbs] = await complete(session, `use ${name.slice(0, -2)}`);
    assert.ok(dbs.includes(name), `use completes database names: ${dbs.join(', ')}`);
    assert.equal(await complete(session, 'db.comand.'), [[], '']);
    await t.type(`const cc = db.collection('people_c'); 'cc ready'`, 'cc ready\n');
    assert.equal(await complete(session, 'cc.insertO'), [['insertOne'], 'insertO']);
    const [fallback] = await complete(session, 'Math.ma');
    assert.ok(fallback.some((c) => c.endsWith('max')), 'plain JavaScript still completes through Node');

    // Completing after calls must not run them: these would drop the collection.
    await complete(session, "db.collection('people_c').drop().");
    await complete(session, "(db.collection('people_c').drop()).");
    await complete(session, "[db.collection('people_c').drop()][0].");
    await new Promise((r) => setTimeout(r, 200));
    assert.is(await session.client.db(name).collection('people_c').countDocuments(), 1, 'a completion ran drop()');

    // Tab on the terminal completes the line in place.
    t.input.write("db.collection('peo\t");
    await until(() => session.server.line === "db.collection('people_c')", 10_000, 'Tab to complete the collection name');
    t.input.write('.countDoc\t');
    await until(() => session.server.line === "db.collection('people_c').countDocuments", 10_000, 'Tab to complete countDocuments');
    t.input.write('()\r');
    await until(() => t.output().endsWith(`1\n${name}> `) || /\n1\n/.test(t.output()), 10_000, 'the completed command to run');
  } finally {
    await session.client.db(name).dropDatabase();
    await session.close();
  }
});

test('history: kept across sessions in the history file, lines with credentials never saved; Ctrl-D ends the session', async () => {
  // A folder of this test's own, made now and removed when it ends: the history file depends on
  // no folder made long before, nor on another test.
  const dir = mkdtempSync(join(tmpdir(), 'rotor-repl-history-'));
  const path = join(dir, 'terminal-history');
  let second: Terminal | undefined;
  try {
    const first = await openTerminal(path);
    try {
      await first.type('40 + 2', '42');
      await first.type(`const u = 'mongodb://someone:hunter2@db.example/'; 'set'`, 'set\n');
      await first.type(`'ok' + 'ay'`, 'okay\n');
      assert.not.ok((first.session.server as unknown as { history: string[] }).history.some((l) => l.includes('hunter2')), 'kept in memory');
    } finally {
      await first.session.close();
    }
    assert.ok(existsSync(dir), `${dir} was removed while the test ran, by something outside it: the history had nowhere to go`);
    const saved = readFileSync(path, 'utf8');
    assert.is(saved, `40 + 2\n'ok' + 'ay'\n`);

    second = await openTerminal(path);
    const history = (second.session.server as unknown as { history: string[] }).history;
    assert.equal(history.slice(0, 2), [`'ok' + 'ay'`, '40 + 2'], 'the previous session\'s lines, newest first');
    second.input.write('\x04'); // Ctrl-D
    await second.session.closed;
    assert.is(second.session.client.db('admin').databaseName, 'admin');
  } finally {
    await second?.session.close(); // settled already after Ctrl-D; ends the session if an assertion failed first
    rmSync(dir, { recursive: true, force: true });
  }
});

// ------------------------------------------------------------------------------------------------
// Printing.

test('format: BSON values print as ObjectId(), ISODate(), Long(), Decimal128(), UUID(); util.inspect is left as it was', () => {
  const hex = '65a1b2c3d4e5f60718293a4b';
  const text = formatValue(
    {
      _id: new ObjectId(hex),
      at: new Date(0),
      bad: new Date(Number.NaN),
      big: Long.fromString('9007199254740993'),
      ubig: Long.fromString('5', true),
      price: Decimal128.fromString('1.50'),
      id: new UUID('0e2a5b4e-3b1c-4a8e-9f00-1c2d3e4f5a6b'),
      nested: [{ deep: { deeper: { deepest: { at: new Date(1) } } } }],
    },
    { colors: false },
  );
  for (const form of [
    `_id: ObjectId('${hex}')`,
    "at: ISODate('1970-01-01T00:00:00.000Z')",
    'bad: Invalid Date',
    "big: Long('9007199254740993')",
    "ubig: Long('5', true)",
    "price: Decimal128('1.50')",
    "id: UUID('0e2a5b4e-3b1c-4a8e-9f00-1c2d3e4f5a6b')",
    "deepest: { at: ISODate('1970-01-01T00:00:00.001Z') }",
  ]) {
    assert.ok(text.includes(form), `${form} not in:\n${text}`);
  }
  assert.is(inspect(new ObjectId(hex)), `new ObjectId('${hex}')`);
  assert.is(Object.getOwnPropertyDescriptor(Date.prototype, inspect.custom), undefined);
  assert.is(inspect(new Date(0)), '1970-01-01T00:00:00.000Z');
});

test('format: cursor pages, errors, and futures nobody awaited', () => {
  const opts = { colors: false };
  assert.is(formatValue(new CursorPage([{ a: 1 }, { a: 2 }], true), opts), '[\n  { a: 1 },\n  { a: 2 }\n]\nType "it" for more');
  assert.is(formatValue(new CursorPage([], false), opts), '[]');
  assert.is(formatValue(new TypeError("Db has no attribute 'usres'"), opts), "TypeError: Db has no attribute 'usres' (for a collection, use db.collection('usres'))");
  assert.is(formatValue(new TypeError("Collection has no attribute 'insertOen'; did you mean 'insertOne'?"), opts), "TypeError: Collection has no attribute 'insertOen'; did you mean 'insertOne'?");
  const serverError = Object.assign(new Error('E11000 duplicate key'), { name: 'MongoServerError', codeName: 'DuplicateKey' });
  assert.is(formatValue(serverError, opts), 'MongoServerError[DuplicateKey]: E11000 duplicate key');
  assert.is(formatValue(new Error('cannot reach mongodb://u:pw@h/'), opts), 'Error: cannot reach mongodb://<credentials>@h/');
  assert.is(formatValue({ user: 'u', password: "pw'1" }, { ...opts, secrets: ["pw'1"] }), "{ user: 'u', password: '<redacted>' }");
  // Made inside a statement, as the REPL's are: async_hooks' symbols (the Statement store) are not printed.
  const pending = runStatement(new Statement(), () => new Promise(() => {}));
  assert.is(formatValue(pending, opts), 'Promise { <pending> }');
  assert.is(formatValue({ p: runStatement(new Statement(), () => Promise.resolve(Long.fromString('5'))) }, opts), "{ p: Promise { Long('5') } }");
});

test('completion analysis: the chain before the cursor, strings and brackets included', () => {
  assert.equal(analyze("db.collection('a.b').find({ x: ')' }).so"), {
    kind: 'member',
    chain: [
      { name: 'db', call: false },
      { name: 'collection', call: true, arg: 'a.b' },
      { name: 'find', call: true },
    ],
    prefix: 'so',
  });
  assert.equal(analyze('x = db.'), { kind: 'member', chain: [{ name: 'db', call: false }], prefix: '' });
  assert.equal(analyze("db.collection(\"us"), { kind: 'collection', chain: [{ name: 'db', call: false }], prefix: 'us' });
  assert.is(analyze('db.coll '), null);
  assert.is(analyze('f().x'), null, 'a call on a plain function is not followed');
  assert.is(analyze('a?.b'), null);
  assert.ok(tailHasCall(tokenize('(a.b()).')));
  assert.ok(tailHasCall(tokenize('[a.drop()][0].')));
  assert.not.ok(tailHasCall(tokenize('f(a.b')));
  assert.not.ok(tailHasCall(tokenize('Math.ma')));
});

test.after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test.run();
