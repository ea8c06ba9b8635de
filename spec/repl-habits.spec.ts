// REPL v3: a mongosh user's habits, row by row (spec/support/repl-habits.ts), through piped stdin,
// --eval, script files and a pseudo-terminal (`script -q`, util-linux: no native module needed);
// plus the parts of "no silent wrong answer" that are rotor's own logic, checked in process.
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { runNode, type ChildRun } from './support/child.js';
import { dbName, suite, testUri } from './support/env.js';
import { HABITS, habitsMarkdown, type Habit } from './support/repl-habits.js';
import { packageRoot } from '../lib/util/package-root.js';
import { shellProjection } from '../lib/repl/projection.js';
import { redeclarable, shellLines, joinLines } from '../lib/repl/top-level.js';
import { checkNotRefused, hostsOf } from '../lib/repl/refused.js';
import { toExtendedJson } from '../lib/repl/json-output.js';
import { Long } from 'mongodb';
import { createRotor } from '../lib/create-rotor.js';

const test = suite('repl habits');
const main = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
const DB = dbName('repl_habits');
let scratch = '';
test.before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'rotor-repl-habits-'));
});
test.after(async () => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  const client = new MongoClient(testUri());
  try {
    for (const name of [DB, `other_${DB}`]) await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
});

const env = (): NodeJS.ProcessEnv => ({ ...process.env, NO_COLOR: '1', ROTOR_REPL_HISTORY: '' });
const fill = (text: string): string => text.split('$DB').join(DB);
function matches(h: Habit, output: string): boolean {
  if (typeof h.rotor === 'string') return output.includes(fill(h.rotor));
  return new RegExp(h.rotor.source.split('\\$DB').join(DB), h.rotor.flags).test(output);
}
function rotor(args: string[], stdin?: string): Promise<ChildRun> {
  return runNode([main, 'repl', testUri(), '--quiet', ...args], { env: env(), timeoutMS: 60_000, what: `rotor repl ${args.join(' ')}`, ...(stdin !== undefined ? { stdin } : {}) });
}

/** Each row's output; rows that do not match are returned with it. */
type Failure = { row: number; habit: Habit; output: string };
const failures: Failure[] = [];
const check = (h: Habit, output: string): void => {
  if (!matches(h, output)) failures.push({ row: HABITS.indexOf(h) + 1, habit: h, output });
};

test('the compatibility table has at least 60 rows, every input mode, and README shows exactly it', () => {
  assert.ok(HABITS.length >= 60, `${HABITS.length} rows`);
  for (const via of ['stdin', 'eval', 'script', 'pty']) assert.ok(HABITS.some((h) => (h.via ?? 'stdin') === via), via);
  const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
  assert.ok(readme.includes(habitsMarkdown()), 'README.md holds the table of spec/support/repl-habits.ts (print it with habitsMarkdown())');
});

test('piped stdin: every stdin row in one session, in order', async () => {
  const rows = HABITS.filter((h) => (h.via ?? 'stdin') === 'stdin');
  const lines = [`use('${DB}')`];
  const ranges: Array<[first: number, last: number]> = [];
  for (const [i, h] of rows.entries()) {
    lines.push(`print('#row ${i}')`);
    const first = lines.length + 1;
    lines.push(...fill(h.input).split('\n'));
    ranges.push([first, lines.length]);
  }
  const r = await rotor([], `${lines.join('\n')}\n`);
  const segments = r.stdout.split(/^#row (\d+)\n/m);
  const out = new Map<number, string>();
  for (let k = 1; k < segments.length; k += 2) out.set(Number(segments[k]), segments[k + 1]!);
  // stderr: `stdin:LINE: …` starts a row's error; the lines after it that start otherwise continue it.
  const errs = new Map<number, string[]>();
  let current: number | undefined;
  for (const line of r.stderr.split('\n')) {
    const n = /^stdin:(\d+): /.exec(line)?.[1];
    if (n !== undefined) current = ranges.findIndex(([first, last]) => Number(n) >= first && Number(n) <= last);
    else if (line.startsWith('DeprecationWarning:')) continue;
    if (current !== undefined) errs.set(current, [...(errs.get(current) ?? []), line]);
  }
  for (const [i, h] of rows.entries()) check(h, [out.get(i) ?? '', ...(errs.get(i) ?? [])].join('\n'));
  for (const what of ['insert', 'update', 'remove']) assert.ok(r.stderr.includes(`DeprecationWarning: Collection.${what}() is deprecated.`), `${what}: mongosh's deprecation line`);
});

test('--eval and script files: every row in a process of its own', async () => {
  for (const h of HABITS.filter((x) => x.via === 'eval' || x.via === 'script')) {
    let r: ChildRun;
    if (h.via === 'eval') r = await rotor([...(h.args ?? []), '--eval', `use('${DB}')`, '--eval', fill(h.input)]);
    else {
      const file = join(scratch, 'script.js');
      writeFileSync(file, `use('${DB}')\n${fill(h.input)}\n`);
      r = await rotor([...(h.args ?? []), file]);
    }
    check(h, `${r.stdout}\n${r.stderr.split(scratch + '/').join('')}`);
  }
});

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** `rotor repl` on a pseudo-terminal (util-linux `script`), driven line by line. */
async function terminal(): Promise<{ type(line: string, until: RegExp | string): Promise<string>; write(data: string): void; close(): Promise<void>; text(): string }> {
  const command = [process.execPath, main, 'repl', testUri(), '--quiet'].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  // Not TERM=dumb: Node's line editor then has no history (↑) at all.
  const child = spawn('script', ['-q', '-c', command, '/dev/null'], { env: { ...env(), TERM: 'xterm' } });
  let text = '';
  // The text as a reader sees it: without the terminal's escape sequences and carriage returns.
  child.stdout.on('data', (d: Buffer) => (text += d.toString().replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, ''))); // eslint-disable-line no-control-regex -- terminal escapes
  const wait = async (done: () => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`pty: timed out waiting for ${what}: ${JSON.stringify(text.slice(-400))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  await wait(() => /> $/.test(text), 'the first prompt');
  return {
    text: () => text,
    write: (data) => void child.stdin.write(data),
    async type(line, until) {
      const from = text.length;
      child.stdin.write(`${line}\r`);
      const seen = (): boolean => {
        const after = text.slice(from);
        return typeof until === 'string' ? after.includes(until) : until.test(after);
      };
      await wait(seen, String(until));
      return text.slice(from);
    },
    async close() {
      child.stdin.write('\x04');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

if (hasScript) {
  test('terminal: rows typed on a pseudo-terminal; Ctrl-C ends a blocked sync call', async () => {
    const t = await terminal();
    try {
      await t.type(`use ${DB}`, `switched to db ${DB}`);
      for (const h of HABITS.filter((x) => x.via === 'pty')) {
        const from = t.text().length;
        const lines = fill(h.input).split('\n');
        for (const line of lines.slice(0, -1)) await t.type(line, /(>|\.\.\.) $/);
        try {
          await t.type(lines.at(-1)!, /\n[\w-]+> $/);
        } catch {
          /* checked below */
        }
        check(h, t.text().slice(from));
      }
      // A statement blocked in a sync call: Ctrl-C gives the prompt back, and says so.
      await t.type(`const slow = new rotor.MongoClient('mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=60000'); 'made'`, '\nmade');
      const from = t.text().length;
      await new Promise((r) => setTimeout(r, 100));
      t.write(`slow.db('x').command({ ping: 1 })\r`);
      await new Promise((r) => setTimeout(r, 1_000));
      const before = Date.now();
      await t.type('\x03', 'interrupted');
      assert.ok(t.text().slice(from).includes('interrupted'), t.text().slice(from));
      assert.ok(Date.now() - before < 5_000);
      await t.type('6 * 7', '\n42');
    } finally {
      await t.close();
    }
  });
} else {
  test.skip('terminal: rows typed on a pseudo-terminal', 'util-linux `script` is not installed: no pseudo-terminal without a native module');
}

test('every row of the table gives what it says (a failing row is listed here, never hidden)', () => {
  const report = failures.map((f) => `row ${f.row} (${f.habit.via ?? 'stdin'}) ${JSON.stringify(f.habit.input)}\n  expected ${String(f.habit.rotor)}\n  got ${JSON.stringify(f.output.slice(0, 600))}`);
  assert.is(report.join('\n'), '', `${failures.length} row(s) differ`);
});

// ------------------------------------------------------------------------------------------------
// rotor's own logic behind the rows

test('find(filter, projection): an object holding no find option is the projection; options stay options; a mix is refused', () => {
  assert.equal(shellProjection('find', [{}, { _id: 0 }], 1), [{}, { projection: { _id: 0 } }]);
  assert.equal(shellProjection('find', [{}, { name: 1 }, { limit: 1 }], 1), [{}, { limit: 1, projection: { name: 1 } }]);
  assert.equal(shellProjection('find', [{}, { limit: 1, sort: { a: 1 } }], 1), [{}, { limit: 1, sort: { a: 1 } }], 'the driver\'s options object');
  assert.equal(shellProjection('find', [{}], 1), [{}]);
  assert.throws(() => shellProjection('find', [{}, { _id: 0, limit: 1 }], 1), /mixes find options \(limit\) with fields \(_id\)/);
});

test('top-level const/let/class become var bindings; nothing inside strings, templates, comments, regexes or blocks does', () => {
  assert.is(redeclarable('const x = 1'), 'var x = 1');
  assert.is(redeclarable('let a = 1; let [b] = [2]\nconst { c } = d'), 'var a = 1; var [b] = [2]\nvar { c } = d');
  assert.is(redeclarable('class A { m() { const z = 1 } }\nA'), 'var A = class A { m() { const z = 1 } };\nA');
  assert.is(redeclarable("for (let i = 0; i < 2; i++) { const y = i }"), 'for (let i = 0; i < 2; i++) { const y = i }');
  assert.is(redeclarable("'const x' + `${'}'} let y` // const z\n/const w/.test(s)"), "'const x' + `${'}'} let y` // const z\n/const w/.test(s)");
  assert.is(redeclarable('let = 5'), 'let = 5', '`let` as a name');
  assert.is(redeclarable('x.let\nconst k = 1'), 'x.let\nvar k = 1');
});

test('script lines: use/show become calls on the same line; other lines are left alone', () => {
  assert.is(shellLines('use foo\nprint(1)\n  show dbs;\nconst use = 1', 'run'), 'use("foo");\nprint(1)\n  await run("show dbs");\nconst use = 1');
  assert.is(shellLines('f(`\nuse foo\n`)', 'run'), 'f(`\nuse foo\n`)', 'inside a template literal');
  assert.is(joinLines(['[1, // one', '2]']), '[1, /* one */ 2]');
});

test('a refused connection is known in well under a second; a listening one is not refused', async () => {
  assert.equal(hostsOf('mongodb://u:p@a:1,[::1]:2/db?x=1'), [{ host: 'a', port: 1 }, { host: '::1', port: 2 }]);
  assert.equal(hostsOf('mongodb+srv://c.example.net/'), []);
  const started = Date.now();
  const refused = await checkNotRefused('mongodb://127.0.0.1:9/').then(() => 'accepted', (e: Error) => e.message);
  assert.match(refused, /connection refused by 127\.0\.0\.1:9/);
  assert.ok(Date.now() - started < 1_000, `${Date.now() - started} ms`);
  await checkNotRefused(testUri());
});

test("the vocabulary is the REPL's only: an app's handles, strict or not, have no db.users nor db.getName()", async () => {
  for (const strict of [false, true]) {
    const classes = createRotor({ strict });
    const client = new classes.MongoClient(testUri()) as unknown as { db(): Record<string, unknown>; close(): Promise<void> };
    const db = client.db();
    try {
      if (strict) {
        assert.throws(() => db.users, /Db has no attribute 'users'/);
        assert.throws(() => db.getName, /Db has no attribute 'getName'/);
      } else {
        assert.is(db.users, undefined, 'as the bare driver: absent');
        assert.is(db.getName, undefined);
      }
    } finally {
      await client.close();
    }
  }
});

test('--json relaxed keeps a Long beyond 2^53 exact; canonical as EJSON', () => {
  const value = { n: Long.fromString('9007199254740993'), m: Long.fromNumber(5) };
  assert.equal(JSON.parse(toExtendedJson(value, 'relaxed')), { n: { $numberLong: '9007199254740993' }, m: 5 });
  assert.equal(JSON.parse(toExtendedJson(value, 'canonical')), { n: { $numberLong: '9007199254740993' }, m: { $numberLong: '5' } });
});

test.run();
