#!/usr/bin/env node
// The `rotor` command: repl, server, bench, --help, --version.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: dist/lib/cli/main.js → three folders up. */
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const USAGE = `Usage: rotor <command> [arguments]

Commands:
  repl [uri]    Interactive shell with a rotor client in scope (client, db, rotor, use(name)).
                Connects to uri, else to MONGODB_URI, else starts the embedded FerretDB (built
                with Go on first use) and stops it on exit. Piped stdin runs the lines as a script.
  server        Start the embedded FerretDB, print its URI, stop it on Ctrl-C.
  bench [...]   Run the benchmark (dist/bench/run.js); arguments are passed on.

Options:
  -h, --help     Show this help.
  -v, --version  Print rotor's version.

Environment: MONGODB_URI (server for repl/server), ROTOR_REPL_HISTORY (history file; empty: none),
NO_COLOR (plain REPL output).
`;

const REPL_USAGE = `Usage: rotor repl [uri]

  uri   mongodb:// or mongodb+srv:// connection string. Without it: MONGODB_URI, else the embedded
        FerretDB. Credentials in it are never printed or saved to history.

In the REPL: .help lists the commands (.executor, .framework, .timing, .exit); Ctrl-D exits.
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
      default:
        throw new UsageError(command.startsWith('-') ? `unknown option '${command}'` : `unknown command '${command}'`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`rotor: ${err.message}\n\n${USAGE}`);
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
  const option = args.find((a) => a.startsWith('-'));
  if (option) throw new UsageError(`unknown option '${option}' for repl`);
  if (args.length > 1) throw new UsageError('repl takes at most one argument, the connection string');
  const uri = args[0];
  if (uri !== undefined && !/^mongodb(\+srv)?:\/\//.test(uri)) {
    throw new UsageError('repl: the argument must be a mongodb:// or mongodb+srv:// connection string');
  }
  const { replCommand } = await import('../repl/command.js');
  return replCommand({ uri });
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
    process.stderr.write(`rotor: ${(err as Error).message}\n`);
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
    (err: Error) => {
      process.stderr.write(`rotor: ${err.message}\n`);
      process.exit(1);
    },
  );
}
