// `rotor repl [uri] [file.js...] [--eval code] [--quiet] [--import module] [--data dir]`: find a
// server (the URI, MONGODB_URI, or the embedded FerretDB), open a session on it, run scripts or an
// interactive/piped REPL, and stop what was started when it ends.
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { closeSharedPool, FRAMEWORKS, sharedPoolExecutor } from '../create-rotor.js';
import { startServer, type RunningServer } from '../server/harness.js';
import { FERRETDB_VERSION } from '../server/ferretdb.js';
import { appModulePaths, linkAppModules, loadAppModules } from './app-modules.js';
import { redact } from './credentials.js';
import { defaultHistoryPath } from './history.js';
import { LineGate } from './line-gate.js';
import type { JsonMode } from './json-output.js';
import { classesFor, defaultFramework } from './modes.js';
import { scriptErrorText } from './script-errors.js';
import { describeMode, openRotorRepl, type RotorRepl } from './session.js';

export interface ReplCommandOptions {
  uri?: string;
  env?: NodeJS.ProcessEnv;
  /** Script files, run in order; the session ends after them. */
  files?: string[];
  /** --eval code, run before the files; its value is printed. */
  evals?: string[];
  /** No banner lines (connecting to, connected, help hint). */
  quiet?: boolean;
  /** --import modules, whose exports join the scope. */
  imports?: string[];
  /** --data: the embedded server's data folder, kept between sessions. */
  dataDir?: string;
  /** --json: --eval values as Extended JSON. */
  json?: JsonMode;
  /** --framework / --executor: the session's starting mode. */
  framework?: string;
  executor?: string;
}

/** Runs the REPL on this process's stdin/stdout; resolves with the exit status once everything is stopped. */
export async function replCommand(options: ReplCommandOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const framework = options.framework ?? defaultFramework(options.executor);
  // The sync framework runs on the pool: its worker loads the driver while this thread finds the server.
  if (FRAMEWORKS[framework]?.blocking) sharedPoolExecutor().warm();
  const quiet = options.quiet ?? false;
  const status = (msg: string): void => void process.stderr.write(`${msg}\n`);
  const banner = (msg: string): void => void (quiet || status(msg));
  const scripted = Boolean(options.files?.length || options.evals?.length);
  let server: RunningServer | undefined;
  let uri = options.uri;
  if (!uri) {
    const dataDir = options.dataDir ?? (env.ROTOR_DATA || undefined);
    try {
      server = await startServer({ env, progress: status, ...(dataDir ? { dataDir } : {}) });
    } catch (err) {
      status(`rotor: ${(err as Error).message}`);
      return 1;
    }
    uri = server.uri;
    if (server.kind === 'ferretdb') banner(`rotor: started the embedded FerretDB ${FERRETDB_VERSION}${dataDir ? ` with its data in ${dataDir}` : ''} (stopped when this REPL ends)`);
  }
  banner(`rotor: connecting to ${redact(uri)}${server?.kind === 'external' ? ' (MONGODB_URI)' : ''}`);
  const interactive = !scripted && Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const piped = !scripted && !interactive;
  const gate = piped ? new LineGate(process.stdin) : undefined;
  let failures = 0;
  const reportError = (text: string, error: unknown, file: string): void => {
    if (interactive) return void process.stdout.write(`Uncaught ${text}\n`);
    failures++;
    // A failure outside a statement (a call a script did not await): at the script line that made it.
    if (scripted && !file) return status(scriptErrorText(error, scriptNames(options)));
    const where = gate ? `stdin:${gate.statementLine}` : file || 'rotor';
    status(`${where}: ${text}`);
  };
  const appPaths = appModulePaths(options.imports ?? []);
  let appScope: Record<string, unknown> = {};
  let session: RotorRepl;
  try {
    session = await openRotorRepl({
      uri,
      framework,
      ...(options.executor ? { executor: options.executor } : {}),
      input: gate?.input ?? (scripted ? new PassThrough() : process.stdin),
      output: process.stdout,
      terminal: interactive,
      piped: !interactive,
      onReady: gate ? (continuing) => gate.ready(continuing) : undefined,
      colors: interactive && !env.NO_COLOR,
      historyPath: defaultHistoryPath(env),
      reportError,
      extraScope: () => appScope,
      onConnected: (mode) => {
        banner(`rotor: connected; ${describeMode(mode)}`);
        if (interactive) banner('Type help for the shell commands, .help for the dot-commands; Ctrl-D exits.');
      },
    });
  } catch (err) {
    status(`rotor: cannot connect to ${redact(uri)}: ${redact((err as Error).message)}`);
    gate?.close();
    await closeSharedPool().catch(() => {}); // the sync framework's pool started workers: stop them too
    await server?.stop();
    return 1;
  }
  let code = 0;
  try {
    if (appPaths.length) {
      linkAppModules({ classes: () => classesFor(session.mode), uri, options: { promoteLongs: false } });
      appScope = await loadAppModules(appPaths);
      session.addToScope(appScope);
    }
  } catch (err) {
    status(scriptErrorText(err, appPaths));
    code = 1;
  }
  if (scripted && code === 0) code = await runScripts(session, options, status);
  if (scripted || code !== 0) void session.close();
  else gate?.ready(false); // the REPL's first prompt came before the gate was listening
  await session.closed;
  await closeSharedPool().catch(() => {}); // `.executor pool` started workers: stop them with the session
  await server?.stop();
  if (code !== 0) return code;
  if (session.exitCode !== 0) return session.exitCode;
  return failures > 0 ? 1 : 0;
}

/** The names scripts run under: --eval snippets, then files. */
function scriptNames(options: ReplCommandOptions): string[] {
  const evals = options.evals ?? [];
  return [...evals.map((_, i) => (evals.length > 1 ? `--eval[${i + 1}]` : '--eval')), ...(options.files ?? [])];
}

/** --eval snippets, then files, each stopping everything at its first uncaught error. */
async function runScripts(session: RotorRepl, options: ReplCommandOptions, status: (msg: string) => void): Promise<number> {
  const names = scriptNames(options);
  const evals = options.evals ?? [];
  const scripts = names.map((file, i) => ({ file, code: evals[i], print: i < evals.length }));
  for (const script of scripts) {
    try {
      const code = script.code ?? readFileSync(script.file, 'utf8');
      const value = await session.runScript(code, script.file);
      await new Promise((resolve) => setImmediate(resolve)); // a call it did not await and that failed is reported now
      const text = script.print ? await session.present(value, options.json) : undefined;
      if (text !== undefined) process.stdout.write(`${text}\n`);
    } catch (err) {
      status(scriptErrorText(err, [script.file]));
      return 1;
    }
    if (session.exitCode !== 0) return session.exitCode;
  }
  return 0;
}
