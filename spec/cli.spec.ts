import * as assert from 'uvu/assert';
import { runNode, type ChildRun } from './support/child.js';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ferretdbBinary } from '../lib/server/ferretdb.js';
import { dbName, suite, testUri } from './support/env.js';

const test = suite('rotor command');
const main = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
const packageJson = fileURLToPath(new URL('../../package.json', import.meta.url));

type Run = ChildRun;

/** Runs the command to completion (killed after `timeoutMS`: nothing may hang). */
function run(args: string[], options: { env?: NodeJS.ProcessEnv; script?: string; timeoutMS?: number } = {}): Promise<Run> {
  return runNode([options.script ?? main, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    timeoutMS: options.timeoutMS ?? 20_000,
    what: `rotor ${args.join(' ')}`,
  });
}

test('repl --framework sync runs a mongo-shell-style script: no await, values returned, cursors iterated with for...of', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-sync-script-'));
  try {
    const file = join(dir, 'script.js');
    writeFileSync(
      file,
      [
        `const users = client.db('${dbName('cli_sync')}').collection('users');`,
        "users.insertMany([{ name: 'ada' }, { name: 'grace' }]);",
        "print('count', users.find().toArray().length);",
        'for (const u of users.find().sort({ name: -1 })) print(u.name);',
        'users.drop();',
      ].join('\n'),
    );
    const r = await run(['repl', testUri(), '--framework', 'sync', '--quiet', file], { timeoutMS: 60_000 });
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, 'count 2\ngrace\nada\n');
    const refused = await run(['repl', testUri(), '--framework', 'sync', '--executor', 'inline', '--quiet', file], { timeoutMS: 60_000 });
    assert.is.not(refused.code, 0);
    assert.match(refused.stderr, /needs the pool executor/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the built bin starts with a node shebang', () => {
  assert.is(readFileSync(main, 'utf8').split('\n')[0], '#!/usr/bin/env node');
});

test('--help and -h print the usage on stdout, naming every command, exit 0', async () => {
  for (const flag of ['--help', '-h', 'help']) {
    const r = await run([flag]);
    assert.is(r.code, 0, flag);
    assert.is(r.stderr, '', flag);
    assert.match(r.stdout, /^Usage: rotor <command>/);
    for (const command of ['repl [uri]', 'server', 'bench [...]']) assert.ok(r.stdout.includes(command), `${flag}: ${command} missing`);
  }
});

test('--version prints the version from package.json', async () => {
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  for (const flag of ['--version', '-v']) {
    const r = await run([flag]);
    assert.is(r.code, 0);
    assert.is(r.stdout, `${version}\n`);
  }
});

test('an unknown command: a message naming it and the usage on stderr, exit 2', async () => {
  const r = await run(['frobnicate']);
  assert.is(r.code, 2);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^rotor: unknown command 'frobnicate'\n/);
  assert.ok(r.stderr.includes('Usage: rotor <command>'));
});

test('no command at all is a usage error too', async () => {
  const r = await run([]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /no command given/);
  assert.ok(r.stderr.includes('Usage: rotor <command>'));
});

test('bad options and arguments exit 2 with a message and the usage, before connecting anywhere', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--frobnicate'], /unknown option '--frobnicate'/],
    [['repl', '--nope'], /unknown option '--nope' for repl/],
    [['repl', 'mongodb://a/', 'mongodb://b/'], /'mongodb:\/\/b\/' is neither a script file nor a mongodb:\/\/ or mongodb\+srv:\/\/ connection string/],
    [['repl', 'localhost:27017'], /'localhost:27017' is neither a script file nor a mongodb:\/\/ or mongodb\+srv:\/\/ connection string/],
    [['repl', '--eval'], /--eval needs a value/],
    [['repl', 'mongodb://a/', '--data', '/tmp/d'], /--data is for the embedded server/],
    [['server', 'extra'], /server takes no arguments/],
  ];
  for (const [args, message] of cases) {
    const r = await run(args, { timeoutMS: 10_000 });
    assert.is(r.code, 2, args.join(' '));
    assert.is(r.stdout, '', args.join(' '));
    assert.match(r.stderr, message);
    assert.ok(r.stderr.includes('Usage: rotor <command>'), args.join(' '));
  }
});

test('repl --help and server --help describe the command, exit 0', async () => {
  const repl = await run(['repl', '--help']);
  assert.is(repl.code, 0);
  assert.match(repl.stdout, /^Usage: rotor repl \[uri\]/);
  assert.match(repl.stdout, /ROTOR_REPL_HISTORY/);
  const server = await run(['server', '--help']);
  assert.is(server.code, 0);
  assert.match(server.stdout, /^Usage: rotor server/);
});

test('server with MONGODB_URI set reports it and exits without starting anything', async () => {
  const r = await run(['server'], { env: { MONGODB_URI: 'mongodb://db.example:27017/' } });
  assert.is(r.code, 0);
  assert.is(r.stdout, 'using MONGODB_URI: mongodb://db.example:27017/\n');
});

if (!existsSync(ferretdbBinary())) {
  test.skip('server starts the embedded FerretDB and stops it on Ctrl-C', 'no FerretDB binary was built (MONGODB_URI run without Go)');
} else {
  test('server starts the embedded FerretDB and stops it on Ctrl-C', async () => {
    const child = spawn(process.execPath, [...process.execArgv, main, 'server'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MONGODB_URI: '' } });
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URI printed: ${stdout}`)), 30_000);
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes('Press Ctrl-C')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      assert.match(stdout, /^FerretDB listening: mongodb:\/\/127\.0\.0\.1:\d+\/\n/);
      child.kill('SIGINT');
      assert.is(await exited, 0);
      assert.match(stdout, /stopped\n$/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
}

test('bench runs dist/bench/run.js with the arguments and its exit status; absent, a clear message and exit 1', async () => {
  // A copy of the bin in a package of its own, so both cases can be checked whatever this build holds.
  const root = mkdtempSync(join(tmpdir(), 'rotor-cli-'));
  try {
    mkdirSync(join(root, 'dist', 'lib', 'cli'), { recursive: true });
    mkdirSync(join(root, 'dist', 'lib', 'util'), { recursive: true });
    const script = join(root, 'dist', 'lib', 'cli', 'main.js');
    copyFileSync(main, script);
    // The bin finds its package root with this helper (what it imports at load).
    copyFileSync(join(dirname(main), '..', 'util', 'package-root.js'), join(root, 'dist', 'lib', 'util', 'package-root.js'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'rotor', version: '9.8.7', type: 'module' }));

    const absent = await run(['bench', '--quick'], { script });
    assert.is(absent.code, 1);
    assert.match(absent.stderr, /benchmark is not available/);
    assert.ok(absent.stderr.includes(join(root, 'dist', 'bench', 'run.js')));

    mkdirSync(join(root, 'dist', 'bench'));
    writeFileSync(join(root, 'dist', 'bench', 'run.js'), 'console.log(JSON.stringify(process.argv.slice(2))); process.exit(3);\n');
    const present = await run(['bench', '--quick', 'insertOne'], { script });
    assert.is(present.code, 3);
    assert.is(present.stdout, '["--quick","insertOne"]\n');

    const version = await run(['--version'], { script });
    assert.is(version.stdout, '9.8.7\n', 'the version is read from the package.json next to the bin');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
