// One REPL session over one connection string: a Node REPL whose scope holds a rotor client, whose
// printer knows BSON and cursors, whose completer knows the registry, and whose dot-commands switch
// the live client's framework and executor.
import { start, Recoverable, writer as replWriter, type REPLServer, type REPLEval } from 'node:repl';
import { inspect } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { Db, MongoClient, MongoClientOptions } from 'mongodb';
import * as driver from 'mongodb';
import * as rotorModule from '../index.js';
import { createRotor, EXECUTORS, FRAMEWORKS } from '../create-rotor.js';
import { stateOf, type HandleState } from '../proxy/factory.js';
import { createCompleter, type Completer } from './complete.js';
import { isSensitive, redact, secretsOf } from './credentials.js';
import { CursorPage, formatError, formatValue, Unpaged } from './format.js';
import { attachHistory } from './history.js';

/** Documents per printed cursor page. */
export const PAGE_SIZE = 20;
/** Executors rotor knows of, built or not (the pool executor may be missing from a build). */
const KNOWN_EXECUTORS = ['inline', 'pool'];

export interface RotorReplOptions {
  /** Connection string; never printed or saved as is. */
  uri: string;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Terminal mode: line editing, completion on Tab, history, prompt. */
  terminal: boolean;
  /** Piped input: no prompt is printed, and `onReady` paces the lines (see replCommand). */
  piped?: boolean;
  /** Called each time the REPL is ready for the next line of input. */
  onReady?: () => void;
  colors?: boolean;
  /** History file (terminal mode only); null: none. */
  historyPath?: string | null;
  framework?: string;
  executor?: string;
  clientOptions?: MongoClientOptions;
  /** Called once connected, before the first prompt (for a "connected to" line). */
  onConnected?: (mode: { framework: string; executor: string }) => void;
}

export interface RotorRepl {
  readonly server: REPLServer;
  /** The client in scope right now (dot-commands replace it). */
  readonly client: MongoClient;
  readonly mode: { framework: string; executor: string };
  /** Settles once the session has ended (Ctrl-D, .exit, end of input) and its client is closed. */
  readonly closed: Promise<void>;
  /** Ends the session. */
  close(): Promise<void>;
}

interface Mode {
  framework: string;
  executor: string;
}

/** A cursor handle, as far as the REPL uses one. */
interface CursorLike {
  clone(): CursorLike;
  map(fn: unknown): CursorLike;
  hasNext(): Promise<boolean>;
  next(): Promise<unknown>;
  close(): Promise<void>;
}

async function connect(uri: string, mode: Mode, options: MongoClientOptions | undefined): Promise<MongoClient> {
  const classes = createRotor({ framework: mode.framework as 'promise', executor: mode.executor as 'inline', strict: true });
  const client = new classes.MongoClient(uri, options) as unknown as MongoClient;
  try {
    await client.connect();
  } catch (err) {
    await Promise.resolve(client.close()).catch(() => {});
    throw err;
  }
  return client;
}

/** Checks a framework/executor name against what this build has; returns the problem, if any. */
function unavailable(what: 'framework' | 'executor', name: string): string | undefined {
  const table: Readonly<Record<string, unknown>> = what === 'framework' ? FRAMEWORKS : EXECUTORS;
  if (Object.hasOwn(table, name)) return undefined;
  if (what === 'executor' && KNOWN_EXECUTORS.includes(name)) return `executor '${name}' is not available in this build`;
  return `unknown ${what} '${name}'; expected one of: ${Object.keys(table).join(', ')}`;
}

/** BSON constructors under their printed names, callable with or without `new` (ObjectId('…')). */
function bsonHelpers(): Record<string, unknown> {
  const helper = (name: string, make: (...args: any[]) => unknown, cls: object): unknown => {
    const fn = { [name]: function (...args: unknown[]) { return make(...args); } }[name]!;
    Object.defineProperty(fn, 'prototype', { value: (cls as { prototype: object }).prototype });
    Object.setPrototypeOf(fn, cls); // statics: ObjectId.isValid(...)
    return fn;
  };
  return {
    ObjectId: helper('ObjectId', (v?: string) => new driver.ObjectId(v), driver.ObjectId),
    ISODate: helper('ISODate', (v?: string) => (v === undefined ? new Date() : new Date(v)), Date),
    Long: helper('Long', (v: string | number | bigint, unsigned?: boolean) => (typeof v === 'string' ? driver.Long.fromString(v, unsigned) : typeof v === 'bigint' ? driver.Long.fromBigInt(v, unsigned) : driver.Long.fromNumber(v, unsigned)), driver.Long),
    Decimal128: helper('Decimal128', (v: string) => driver.Decimal128.fromString(String(v)), driver.Decimal128),
    Int32: helper('Int32', (v: number) => new driver.Int32(v), driver.Int32),
    Double: helper('Double', (v: number) => new driver.Double(v), driver.Double),
    UUID: helper('UUID', (v?: string) => new driver.UUID(v), driver.UUID),
    Timestamp: helper('Timestamp', (v: { t: number; i: number }) => new driver.Timestamp(v), driver.Timestamp),
  };
}

const GUIDE = `In scope: client, db (the current database), rotor (the rotor module), use(name) — or \`use name\` —
  to switch database, and ObjectId(), ISODate(), Long(), Decimal128(), UUID() as printed. Top-level await works.
Collections: db.collection('users'). There is no db.users shorthand: an unknown name on a handle is a typo and throws.
Cursors print their first ${PAGE_SIZE} documents; type "it" for the next ones ("it" is reserved for this).
`;

export async function openRotorRepl(options: RotorReplOptions): Promise<RotorRepl> {
  const { uri, output } = options;
  let mode: Mode = { framework: options.framework ?? 'promise', executor: options.executor ?? 'inline' };
  for (const [what, name] of [['framework', mode.framework], ['executor', mode.executor]] as const) {
    const problem = unavailable(what, name);
    if (problem) throw new TypeError(problem);
  }
  let client = await connect(uri, mode, options.clientOptions);
  let db = client.db();
  options.onConnected?.({ ...mode });
  const colors = options.colors ?? false;
  const say = (text: string): void => void output.write(`${text}\n`);
  // Same form as errors the REPL reports itself (through the writer): "Uncaught Name: message".
  const sayError = (err: unknown): void => say(`Uncaught ${redact(formatError(err))}`);
  let timing = false;
  /** When the line being evaluated started (reported with the next prompt, after its result or error). */
  let evalStarted: number | undefined;
  /** The clone behind the last printed cursor page, for `it`. */
  let pending: CursorLike | undefined;
  const promptFor = (name: string): string => (options.terminal && !options.piped ? `${name}> ` : '');

  const secrets = secretsOf(uri);
  const writer = Object.assign((value: unknown) => formatValue(value, { colors, breakLength: columns(output), secrets }), {
    options: { ...inspect.defaultOptions, colors, showProxy: false },
  });
  // When the REPL reports a thrown error (formatted by our writer, on one line), it puts "Uncaught"
  // on a line of its own if the error is longer than the *default* writer's breakLength.
  replWriter.options.breakLength = Infinity;

  const globalsBefore = new Set(Reflect.ownKeys(globalThis));
  const server = start({
    prompt: promptFor(db.databaseName),
    // The process's own realm, like Node's REPL: values typed here and values from the driver share
    // Array, Map, Date, Promise... (the driver reads a sort Map from another realm wrongly, and
    // `instanceof` across realms is false).
    useGlobal: true,
    input: options.input,
    output,
    terminal: options.terminal,
    useColors: colors,
    ignoreUndefined: true,
    preview: false,
    writer,
    // @ts-expect-error historySize is a readline option the REPL passes through
    historySize: 1000,
  });
  const define = (name: string, value: unknown): void => {
    Object.defineProperty(server.context, name, { configurable: true, enumerable: true, writable: true, value });
  };
  const currentDbName = (): string => {
    const current = server.context.db as unknown;
    const state = stateOf(current);
    return state?.cls.isA.has('Db') ? (current as Db).databaseName : db.databaseName;
  };
  const use = (name: unknown): void => {
    if (typeof name !== 'string' || !name.trim()) throw new TypeError('use(name): the database name must be a non-empty string');
    db = client.db(name);
    define('db', db);
    server.setPrompt(promptFor(name));
    say(`switched to db ${name}`);
  };
  const helpers = bsonHelpers();
  /** Fills the REPL's scope: at start, and again after `.clear` resets it. */
  const populate = (): void => {
    define('client', client);
    define('db', db);
    define('rotor', rotorModule);
    define('use', use);
    for (const [name, value] of Object.entries(helpers)) define(name, value);
  };
  populate();
  server.on('reset', populate);
  const addedGlobals = Reflect.ownKeys(globalThis).filter((key) => !globalsBefore.has(key));

  // ---- cursors: the first page of a clone, so the user's cursor is left untouched
  const closePending = async (): Promise<void> => {
    const cursor = pending;
    pending = undefined;
    if (cursor) await Promise.resolve(cursor.close()).catch(() => {});
  };
  const nextPage = async (): Promise<CursorPage | undefined> => {
    const cursor = pending;
    if (!cursor) {
      say('no cursor to iterate');
      return undefined;
    }
    const documents: unknown[] = [];
    let more: boolean;
    try {
      while (documents.length < PAGE_SIZE && (await cursor.hasNext())) documents.push(await cursor.next());
      more = await cursor.hasNext();
    } catch (err) {
      await closePending();
      throw err;
    }
    if (!more) await closePending();
    return new CursorPage(documents, more);
  };
  const present = async (value: unknown): Promise<unknown> => {
    const state = stateOf(value);
    if (!state?.cls.isA.has('AbstractCursor')) return value;
    let copy: CursorLike;
    try {
      copy = (value as CursorLike).clone();
    } catch {
      return new Unpaged(value as object); // RunCommandCursor: the driver refuses to clone it
    }
    await closePending();
    // clone() keeps the query and its options but not map(): carry the transforms over.
    for (const transform of transformsOf(state)) copy.map(transform);
    pending = copy;
    return nextPage();
  };

  // ---- evaluation: the built-in evaluator (top-level await), then printing
  const builtinEval = server.eval;
  const USE = /^\s*use\s+([^\s;'"`()]+)\s*;?\s*$/;
  const evaluate: REPLEval = (code, ctx, file, cb) => {
    evalStarted = code.trim() ? performance.now() : undefined;
    const finish = (value: unknown): void => cb(null, value);
    const fail = (err: unknown): void => {
      sayError(err);
      finish(undefined);
    };
    if (/^\s*it\s*;?\s*$/.test(code)) return void nextPage().then(finish, fail);
    const useName = USE.exec(code)?.[1];
    if (useName) {
      try {
        use(useName);
      } catch (err) {
        return fail(err);
      }
      return finish(undefined);
    }
    builtinEval.call(server, code, ctx, file, (err, value) => {
      if (err) {
        if (err instanceof Recoverable) {
          evalStarted = undefined; // an unfinished statement: read another line (timed once complete)
          return cb(err, undefined);
        }
        return fail(err);
      }
      present(value).then(finish, fail);
    });
  };
  (server as { eval: REPLEval }).eval = evaluate;

  // ---- prompt: timing line first; piped input gets no prompt and is paced instead
  const displayPrompt = server.displayPrompt.bind(server);
  server.displayPrompt = (preserveCursor?: boolean) => {
    if (timing && evalStarted !== undefined) say(`time: ${(performance.now() - evalStarted).toFixed(1)} ms`);
    evalStarted = undefined;
    if (!options.piped) displayPrompt(preserveCursor);
    // Later, not now: the REPL may still be unwinding the previous line (its error path exits a domain).
    if (options.onReady) setImmediate(options.onReady);
  };

  // ---- completion
  const fallback = server.completer as Completer;
  (server as { completer: Completer }).completer = createCompleter({
    context: () => server.context,
    fallback: (line, cb) => fallback.call(server, line, cb),
    listCollections: async (target) => {
      const infos = await withTimeout((target as Db).listCollections({}, { nameOnly: true }).toArray(), 3_000);
      return infos.map((c) => c.name);
    },
  });

  // ---- history
  if (options.terminal && options.historyPath) {
    attachHistory(server, options.historyPath, (line) => isSensitive(line, uri), (msg) => process.stderr.write(`rotor: ${msg}\n`));
  }

  // ---- dot-commands
  const help = server.commands.help;
  if (help) {
    server.defineCommand('help', {
      help: help.help ?? 'Print this help message',
      action(this: REPLServer, rest: string) {
        say(GUIDE);
        help.action.call(this, rest);
      },
    });
  }
  const switchMode = async (change: Partial<Mode>): Promise<void> => {
    const next = { ...mode, ...change };
    for (const [what, name] of Object.entries(change) as Array<['framework' | 'executor', string]>) {
      const problem = unavailable(what, name);
      if (problem) return say(problem);
    }
    if (next.framework === mode.framework && next.executor === mode.executor) return say(describeMode(mode));
    const name = currentDbName();
    const nextClient = await connect(uri, next, options.clientOptions);
    await closePending();
    const old = client;
    client = nextClient;
    mode = next;
    db = client.db(name);
    define('client', client);
    define('db', db);
    say(describeMode(mode));
    await Promise.resolve(old.close()).catch((err: unknown) => sayError(err));
  };
  const modeCommand = (what: keyof Mode, choices: () => string[]) => ({
    help: `Show or switch the client's ${what} (${choices().join(' | ')}); reconnects, keeps the current db`,
    action(this: REPLServer, rest: string) {
      const name = rest.trim();
      const done = (): void => this.displayPrompt();
      if (!name) {
        say(describeMode(mode));
        return done();
      }
      switchMode({ [what]: name }).then(done, (err: unknown) => {
        sayError(err);
        done();
      });
    },
  });
  server.defineCommand('executor', modeCommand('executor', () => [...new Set([...KNOWN_EXECUTORS, ...Object.keys(EXECUTORS)])]));
  server.defineCommand('framework', modeCommand('framework', () => Object.keys(FRAMEWORKS)));
  server.defineCommand('timing', {
    help: 'Print each command\'s round-trip time (on | off)',
    action(this: REPLServer, rest: string) {
      const arg = rest.trim();
      if (arg === 'on' || arg === 'off') {
        timing = arg === 'on';
        say(`timing ${arg}`);
      } else say(arg ? `.timing takes on or off, not '${arg}'` : `timing is ${timing ? 'on' : 'off'}`);
      this.displayPrompt();
    },
  });

  // ---- errors the REPL would not see: promises nobody awaited
  const onRejection = (reason: unknown): void => {
    say(`Uncaught (in promise) ${redact(formatError(reason))}`);
  };
  process.on('unhandledRejection', onRejection);

  let shutdown: Promise<void> | undefined;
  const closed = new Promise<void>((resolve) => {
    server.once('exit', () => {
      shutdown ??= (async () => {
        await closePending();
        await withTimeout(Promise.resolve(client.close()), 10_000).catch(() => {});
        await new Promise((r) => setImmediate(r)); // operations cut off by close() report here, not as a crash
        process.removeListener('unhandledRejection', onRejection);
        // Leave the process's global scope as it was (the REPL and this session added to it).
        for (const key of addedGlobals) Reflect.deleteProperty(globalThis, key);
      })();
      void shutdown.then(resolve);
    });
  });

  return {
    server,
    get client() {
      return client;
    },
    get mode() {
      return { ...mode };
    },
    closed,
    close: async () => {
      server.close();
      await closed;
    },
  };
}

/**
 * The map() functions of a cursor, read where each executor keeps them: the driver cursor's
 * (internal) `transform` for in-process refs, the main-thread list of the pool executor's refs.
 */
function transformsOf(state: HandleState): Array<(doc: unknown) => unknown> {
  const ref = state.ref as { transform?: unknown; cursor?: { transforms?: unknown } };
  if (state.runtime.executor.inProcess) return typeof ref.transform === 'function' ? [ref.transform as (doc: unknown) => unknown] : [];
  const list = ref.cursor?.transforms;
  return Array.isArray(list) ? list.filter((t): t is (doc: unknown) => unknown => typeof t === 'function') : [];
}

export function describeMode(mode: Mode): string {
  return `framework ${mode.framework}, executor ${mode.executor}`;
}

function columns(output: NodeJS.WritableStream): number {
  const cols = (output as { columns?: number }).columns;
  return typeof cols === 'number' && cols > 20 ? cols : 100;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
