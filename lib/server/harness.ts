// The server harness: MONGODB_URI when set, otherwise an embedded FerretDB on a free loopback port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { ensureFerretDB, ServerUnavailableError, tail } from './ferretdb.js';

export { ServerUnavailableError } from './ferretdb.js';

export interface RunningServer {
  /** Connection string for the driver. */
  readonly uri: string;
  /** 'external' when MONGODB_URI was used; nothing was started then. */
  readonly kind: 'external' | 'ferretdb';
  /** FerretDB's process id and data folder (embedded only). */
  readonly pid?: number;
  readonly dataDir?: string;
  /** Stops the server and removes its folder; idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where progress messages go (the first build takes minutes). Default: stderr. */
  progress?: (msg: string) => void;
  /** Environment to read MONGODB_URI from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds to wait for the first ping. */
  readyTimeoutMS?: number;
  /**
   * A data folder kept between runs (made if missing, never removed). Default: a fresh temporary
   * folder, removed when the server stops.
   */
  dataDir?: string;
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const env = options.env ?? process.env;
  if (env.MONGODB_URI) {
    return { uri: env.MONGODB_URI, kind: 'external', stop: async () => {} };
  }
  const binary = await ensureFerretDB(options.progress);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(binary, options.readyTimeoutMS ?? 20_000, options.dataDir);
    } catch (err) {
      lastError = err; // most likely a port taken between probe and bind: try another
    }
  }
  throw lastError;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Every embedded server this process owns, so exit paths can clean up synchronously. */
const owned = new Set<Owned>();

interface Owned {
  child: ChildProcess;
  dataDir: string;
  /** The folder is the caller's (--data): kept when the server stops. */
  keep: boolean;
}
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const s of owned) killNow(s);
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      for (const s of owned) killNow(s);
      // Other listeners (a REPL, a test runner) decide what a signal means; alone, we exit like Node would.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

function killNow(s: Owned): void {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  if (!s.keep) rmSync(s.dataDir, { recursive: true, force: true });
  owned.delete(s);
}

async function launch(binary: string, readyTimeoutMS: number, keptDir: string | undefined): Promise<RunningServer> {
  const port = await freePort();
  const keep = keptDir !== undefined;
  if (keep) mkdirSync(keptDir, { recursive: true });
  const dataDir = keptDir ?? mkdtempSync(join(tmpdir(), 'rotor-ferretdb-'));
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${dataDir}/`,
    `--state-dir=${dataDir}`,
    '--telemetry=disable',
    '--debug-addr=-',
    `--listen-addr=127.0.0.1:${port}`,
    '--log-level=warn',
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const remember = (d: Buffer): void => {
    log = tail(log + d.toString(), 60);
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);
  const entry: Owned = { child, dataDir, keep };
  owned.add(entry);
  installExitHooks();

  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) =>
      reject(new ServerUnavailableError(`FerretDB exited during start (code ${code}, signal ${signal}). Its log:\n${tail(log, 30)}`)),
    );
    child.once('error', (err) => reject(new ServerUnavailableError(`FerretDB could not start: ${err.message}`)));
  });
  exited.catch(() => {}); // observed below; silence the unhandled path after a successful start

  const uri = `mongodb://127.0.0.1:${port}/`;
  try {
    await Promise.race([waitForPing(uri, readyTimeoutMS, () => log), exited]);
  } catch (err) {
    killNow(entry);
    throw err;
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= new Promise<void>((resolve) => {
      // Made before done() can run: a server that already exited is done at once (no timer).
      const gone = child.exitCode !== null || child.signalCode !== null;
      const timer = gone ? undefined : setTimeout(() => child.kill('SIGKILL'), 5_000);
      const done = (): void => {
        clearTimeout(timer);
        if (!keep) rmSync(dataDir, { recursive: true, force: true });
        owned.delete(entry);
        resolve();
      };
      if (gone) return done();
      child.once('exit', done);
      child.kill('SIGTERM');
    }));
  return { uri, kind: 'ferretdb', pid: child.pid!, dataDir, stop };
}

async function waitForPing(uri: string, timeoutMS: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMS;
  let last: unknown;
  while (Date.now() < deadline) {
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.close();
    }
  }
  throw new ServerUnavailableError(
    `FerretDB did not answer ping within ${timeoutMS} ms (${(last as Error)?.message ?? 'no error'}). Its log:\n${tail(log(), 30)}`,
  );
}
