#!/usr/bin/env node
// The `rotor` command: repl, server, bench, run, register-flag, --help, --version.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../util/package-root.js';

export const USAGE = `Usage: rotor <command> [arguments]

Commands:
  repl [uri] [file.js...]
                Interactive shell with a rotor client in scope (client, db, rotor, use name, show
                dbs, help). Connects to uri, else to MONGODB_URI, else starts the embedded FerretDB
                (built with Go on first use) and stops it on exit. Files and --eval run as scripts;
                piped stdin runs the lines as a script. \`rotor repl --help\` for its options.
  server        Start the embedded FerretDB, print its URI, stop it on Ctrl-C.
  bench [...]   Run the benchmark (dist/bench/run.js); arguments are passed on.
  run [node options] app.js [args...]
                Run node with rotor/register preloaded by absolute path, in NODE_OPTIONS too: the
                app and every node process it starts, from any folder, get rotor's classes for
                'mongodb' (ROTOR_FRAMEWORK, ROTOR_EXECUTOR choose framework and executor).
  register-flag Print the --import=<file URL> flag that preloads rotor/register from any folder
                (for NODE_OPTIONS).

Options:
  -h, --help     Show this help.
  -v, --version  Print rotor's version.

Environment: MONGODB_URI (server for repl/server), ROTOR_DATA (embedded server's data folder),
ROTOR_REPL_HISTORY (history file; empty: none), NO_COLOR (plain REPL output).
`;

const REPL_USAGE = `Usage: rotor repl [uri] [file.js...] [options]

  uri              mongodb:// or mongodb+srv:// connection string. Without it: MONGODB_URI, else the
                   embedded FerretDB. Credentials in it are never printed or saved to history.
  file.js...       Scripts run in order in the session (top-level await works), then it ends; the
                   first uncaught error stops them: file:line on stderr, exit status 1.
  --eval CODE      Run CODE (before any file) and print its value; repeatable.
  --quiet          No banner lines.
  --import MODULE  Import an app module first: its exports join the scope, and its
                   \`import 'mongodb'\` gets the session's classes and server; repeatable.
                   A .rotorrc.mjs in the working directory is imported the same way.
  --data DIR       Keep the embedded server's data in DIR between sessions (also ROTOR_DATA);
                   default: a fresh temporary folder, removed at exit.
  --json[=MODE]     Print --eval values as Extended JSON: relaxed (the default) or canonical.
  --framework NAME Start in this framework: sync (the default where the pool is built: a call's
                   value is the value, as in mongosh), promise (values need await) or callback.
  --executor NAME  Start on this executor (inline | pool).

Piped stdin runs line by line, goes on after an error (stdin:line on stderr) and exits 1 if any
statement failed. In the REPL: help lists the shell commands, .help the dot-commands (.executor,
.framework, .timing, .exit); Ctrl-C interrupts the running statement; Ctrl-D exits.
History: ~/.rotor_repl_history (ROTOR_REPL_HISTORY overrides; empty disables it).
`;

const SERVER_USAGE = `Usage: rotor server

Starts the embedded FerretDB on a free 127.0.0.1 port and prints its URI; Ctrl-C stops it and removes
its data. With MONGODB_URI set, prints that instead and exits.
`;

export function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

class UsageError extends Error {}

/** `user:password@host` with no scheme at all (a connection string typed without one). */
const BARE_USERINFO = /(^|[\s'"`=])[^\s/?#@'"`:]+:[^\s/?#@'"`]+@(?=[^\s@'"`])/g;
/**
 * What the command prints about its arguments and failures: any of them may be a mistyped
 * connection string. Loaded on a failure only: --help, --version and bench load nothing else.
 */
async function redactArgs(text: string): Promise<string> {
  const { redact } = await import('../util/redact.js');
  return redact(text).replace(BARE_USERINFO, '$1<credentials>@');
}

const isHelp = (arg: string | undefined): boolean => arg === '-h' || arg === '--help';

/** Runs the command line `argv` (without node and script); resolves with the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        throw new UsageError('no command given');
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE);
        return 0;
      case '-v':
      case '--version':
        process.stdout.write(`${version()}\n`);
        return 0;
      case 'repl':
        return await repl(rest);
      case 'server':
        return await server(rest);
      case 'bench':
        return await bench(rest);
      case 'run': {
        if (rest.length === 0 || isHelp(rest[0])) throw new UsageError('run needs a script: rotor run [node options] app.js [args...]');
        const { runCommand } = await import('./run.js');
        return await runCommand(rest);
      }
      case 'register-flag': {
        const { registerFlag } = await import('./run.js');
        process.stdout.write(`${registerFlag()}\n`);
        return 0;
      }
      default:
        throw new UsageError(command.startsWith('-') ? `unknown option '${command}'` : `unknown command '${command}'`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`rotor: ${await redactArgs(err.message)}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}

async function repl(args: string[]): Promise<number> {
  if (args.some(isHelp)) {
    process.stdout.write(REPL_USAGE);
    return 0;
  }
  const { replCommand } = await import('../repl/command.js');
  return replCommand(parseReplArgs(args));
}

/** `repl` arguments: a connection string first (optional), script files, options anywhere. */
export function parseReplArgs(args: string[]): { uri?: string; files: string[]; evals: string[]; imports: string[]; quiet: boolean; dataDir?: string; framework?: string; executor?: string; json?: 'canonical' | 'relaxed' } {
  const parsed: ReturnType<typeof parseReplArgs> = { files: [], evals: [], imports: [], quiet: false };
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new UsageError(`repl: ${flag} needs a value`);
      return v;
    };
    if (flag === '--eval' || flag === '-e') parsed.evals.push(value());
    else if (flag === '--import') parsed.imports.push(value());
    else if (flag === '--data') parsed.dataDir = value();
    else if (flag === '--framework') parsed.framework = value();
    else if (flag === '--executor') parsed.executor = value();
    else if (flag === '--quiet' || flag === '-q') parsed.quiet = true;
    else if (flag === '--json') parsed.json = jsonMode(inline ?? 'relaxed');
    else if (flag.startsWith('-')) throw new UsageError(`unknown option '${flag}' for repl`);
    else positional.push(arg);
  }
  if (positional[0] !== undefined && /^mongodb(\+srv)?:\/\//.test(positional[0])) parsed.uri = positional.shift();
  for (const file of positional) {
    // A URL, `host:port`, or `user:password@host` (a connection string missing its scheme) is no file.
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file) || /^[^/.]*:\d+/.test(file) || /^[^/@]*:[^/@]*@/.test(file)) {
      throw new UsageError(`repl: '${file}' is neither a script file nor a mongodb:// or mongodb+srv:// connection string (which comes first)`);
    }
    parsed.files.push(file);
  }
  if (parsed.uri && parsed.dataDir) throw new UsageError('repl: --data is for the embedded server; it cannot go with a connection string');
  return parsed;
}

function jsonMode(mode: string): 'canonical' | 'relaxed' {
  if (mode === 'canonical' || mode === 'relaxed') return mode;
  throw new UsageError(`repl: --json takes canonical or relaxed, not '${mode}'`);
}

async function server(args: string[]): Promise<number> {
  if (args.some(isHelp)) {
    process.stdout.write(SERVER_USAGE);
    return 0;
  }
  if (args.length) throw new UsageError(`server takes no arguments (got '${args[0]}')`);
  const { serverCommand } = await import('../server/cli.js');
  try {
    await serverCommand();
  } catch (err) {
    process.stderr.write(`rotor: ${await redactArgs((err as Error).message)}\n`);
    return 1;
  }
  return 0;
}

function bench(args: string[]): Promise<number> {
  const script = join(packageRoot, 'dist', 'bench', 'run.js');
  if (!existsSync(script)) {
    process.stderr.write(
      `rotor: the benchmark is not available: ${script} does not exist (it is built from bench/run.ts in a source checkout by \`npm run build\`).\n`,
    );
    return Promise.resolve(1);
  }
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit' });
    child.on('error', (err) => {
      process.stderr.write(`rotor: could not run the benchmark: ${err.message}\n`);
      resolvePromise(1);
    });
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal ? 1 : 0)));
  });
}

function invokedDirectly(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // Normally nothing is left and the process ends here; should a handle linger, do not hang on it.
      setTimeout(() => process.exit(code), 3_000).unref();
    },
    async (err: Error) => {
      process.stderr.write(`rotor: ${await redactArgs(err.message).catch(() => '(an error whose message could not be redacted)')}\n`);
      process.exit(1);
    },
  );
}
