// `rotor repl [uri]`: find a server (the URI, MONGODB_URI, or the embedded FerretDB), open a REPL
// session on it, and stop what was started when the session ends.
import { PassThrough } from 'node:stream';
import { createInterface, type Interface } from 'node:readline';
import { closeSharedPool } from '../create-rotor.js';
import { startServer, type RunningServer } from '../server/harness.js';
import { FERRETDB_VERSION } from '../server/ferretdb.js';
import { redact } from './credentials.js';
import { defaultHistoryPath } from './history.js';
import { describeMode, openRotorRepl, type RotorRepl } from './session.js';

export interface ReplCommandOptions {
  uri?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs the REPL on this process's stdin/stdout; resolves with the exit status once everything is stopped. */
export async function replCommand(options: ReplCommandOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const status = (msg: string): void => void process.stderr.write(`${msg}\n`);
  let server: RunningServer | undefined;
  let uri = options.uri;
  if (!uri) {
    server = await startServer({ env, progress: status });
    uri = server.uri;
    if (server.kind === 'ferretdb') status(`rotor: started the embedded FerretDB ${FERRETDB_VERSION} (stopped when this REPL ends)`);
  }
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const gate = interactive ? undefined : new LineGate(process.stdin);
  let session: RotorRepl;
  try {
    session = await openRotorRepl({
      uri,
      input: gate?.input ?? process.stdin,
      output: process.stdout,
      terminal: interactive,
      piped: !interactive,
      onReady: gate ? () => gate.ready() : undefined,
      colors: interactive && !env.NO_COLOR,
      historyPath: defaultHistoryPath(env),
      onConnected: (mode) => {
        status(`rotor: connected to ${redact(uri!)}${server?.kind === 'external' ? ' (MONGODB_URI)' : ''}; ${describeMode(mode)}`);
        if (interactive) status('Type .help for help; Ctrl-D exits.');
      },
    });
    gate?.ready(); // the REPL's first prompt came before the gate was listening
  } catch (err) {
    status(`rotor: cannot connect to ${redact(uri)}: ${redact((err as Error).message)}`);
    gate?.close();
    await server?.stop();
    return 1;
  }
  await session.closed;
  await closeSharedPool().catch(() => {}); // `.executor pool` started workers: stop them with the session
  await server?.stop();
  return 0;
}

/**
 * Piped input, one line at a time: Node's REPL evaluates each line as it arrives, so lines after
 * an `await` would run before it settles (and end of input would close the session under it).
 * The gate hands the REPL its next line only once it is ready for one, and ends its input once
 * the source has ended and every line has been evaluated.
 */
class LineGate {
  readonly input = new PassThrough();
  private readonly lines: string[] = [];
  private waiting = false;
  private ended = false;
  private readonly reader: Interface;

  constructor(private readonly source: NodeJS.ReadableStream) {
    const rl = (this.reader = createInterface({ input: source, crlfDelay: Infinity, terminal: false }));
    rl.on('line', (line) => {
      this.lines.push(line);
      this.pump();
    });
    rl.on('close', () => {
      this.ended = true;
      this.pump();
    });
  }

  /** The REPL wants its next line. */
  ready(): void {
    this.waiting = true;
    this.pump();
  }

  /** Stops reading the source (the session could not start). */
  close(): void {
    this.reader.close();
    (this.source as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  }

  private pump(): void {
    if (!this.waiting) return;
    const line = this.lines.shift();
    if (line !== undefined) {
      this.waiting = false;
      this.input.write(`${line}\n`);
    } else if (this.ended && !this.input.writableEnded) {
      this.input.end();
    }
  }
}
