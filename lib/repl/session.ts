// One REPL session over one connection string: a Node REPL whose scope holds a rotor client, whose
// printer knows BSON and cursors, whose completer knows the registry, whose statements Ctrl-C
// cancels, and whose dot-commands switch the live client's framework and executor. The parts live
// in files of their own; this one wires them together.
import { withTimeout } from '../util/timeout.js';
import { start, writer as replWriter, type REPLServer } from 'node:repl';
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { inspect } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { Db, MongoClient, MongoClientOptions } from 'mongodb';
import { stateOf } from '../proxy/factory.js';
import { holdKeysWhileBusy, keepPromptBelowAsyncOutput } from './async-output.js';
import { createCompleter, type Completer } from './complete.js';
import { isSensitive, redact, secretsOf } from './credentials.js';
import { defineDotCommands } from './dot-commands.js';
import { Evaluator, NOT_SHELL } from './evaluate.js';
import { CursorPage, formatError, formatResult, formatValue } from './format.js';
import { toExtendedJson, type JsonMode } from './json-output.js';
import { attachHistory } from './history.js';
import { clientOptionsFor, connect, describeMode, exportedClasses, rotorFor, unavailable, type Mode, settleMode } from './modes.js';
import { CursorPager } from './pages.js';
import { bsonHelpers, printHelpers, shellGlobals } from './scope.js';
import { FRAMEWORKS } from '../create-rotor.js';
import { guide, handleHelp, shellCommand } from './shell.js';
import { show } from './show.js';
import { rehome } from './rehome.js';
import { rewriteStaticImports } from './static-import.js';
import { redeclarable, shellLines } from './top-level.js';

/** The scope's name of the runner of a script's shell command lines. */
const SHELL_RUNNER = '__rotorShell';

export { describeMode } from './modes.js';

/** Documents per printed cursor page. */
export const PAGE_SIZE = 20;

export interface RotorReplOptions {
  /** Connection string; never printed or saved as is. */
  uri: string;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Terminal mode: line editing, completion on Tab, history, prompt, Ctrl-C interrupts. */
  terminal: boolean;
  /** Piped input: no prompt is printed, and `onReady` paces the lines (see command.ts). */
  piped?: boolean;
  /** Called each time the REPL is ready for the next line; `continuing`: inside an unfinished statement. */
  onReady?: (continuing: boolean) => void;
  colors?: boolean;
  /** History file (terminal mode only); null: none. */
  historyPath?: string | null;
  framework?: string;
  executor?: string;
  clientOptions?: MongoClientOptions;
  /** Called once connected, before the first prompt (for a "connected to" line). */
  onConnected?: (mode: Mode) => void;
  /** How a failed statement is reported (default: `Uncaught <error>` on the output). */
  reportError?: (text: string, error: unknown, file: string) => void;
  /** Bindings added to the scope (exports of --import modules and .rotorrc.mjs). */
  extraScope?: () => Record<string, unknown>;
}

export interface RotorRepl {
  readonly server: REPLServer;
  /** The client in scope right now (dot-commands replace it). */
  readonly client: MongoClient;
  readonly mode: Mode;
  readonly uri: string;
  /** Settles once the session has ended (Ctrl-D, .exit, exit, end of input) and its clients are closed. */
  readonly closed: Promise<void>;
  /** The exit status `exit(n)`/`quit(n)` asked for (0 otherwise). */
  readonly exitCode: number;
  /** Runs a script (a file's text, --eval) in the session; rejects with its first uncaught error. */
  runScript(code: string, file: string): Promise<unknown>;
  /** Prints a value as the REPL prints results. */
  format(value: unknown): string;
  /**
   * A statement's value as the REPL prints it: a Promise awaited, a cursor's first page (every
   * document under `json`), Extended JSON under `json`; undefined for nothing to print.
   */
  present(value: unknown, json?: JsonMode): Promise<string | undefined>;
  /** Adds bindings to the scope (kept across .clear). */
  addToScope(bindings: Record<string, unknown>): void;
  /** Ends the session. */
  close(): Promise<void>;
}

export async function openRotorRepl(options: RotorReplOptions): Promise<RotorRepl> {
  const { uri, output } = options;
  const requested = { framework: options.framework ?? 'promise', ...(options.executor ? { executor: options.executor } : {}) };
  for (const [what, name] of Object.entries(requested) as Array<['framework' | 'executor', string]>) {
    const problem = unavailable(what, name);
    if (problem) throw new TypeError(problem);
  }
  const settled = settleMode({ framework: 'promise', executor: 'inline' }, requested);
  if (typeof settled === 'string') throw new TypeError(settled);
  let mode: Mode = settled;
  // Int64 stays Long('5'), as the shell prints it (a number would hide the type and lose precision).
  const clientOptions = clientOptionsFor(uri, { promoteLongs: false, ...options.clientOptions });
  let client = await connect(uri, mode, clientOptions);
  /** Every client the session made: a switch keeps the previous ones, so handles held in variables keep working. */
  const clients = [client];
  let db = client.db();
  options.onConnected?.({ ...mode });
  const colors = options.colors ?? false;
  const secrets = secretsOf(uri);
  const format = (value: unknown): string => formatValue(value, { colors, breakLength: columns(output), secrets });
  let write = (text: string): void => void output.write(text);
  const say = (text: string): void => write(`${text}\n`);
  const reportError = options.reportError ?? ((text: string) => say(`Uncaught ${text}`));
  const describeError = (err: unknown): string => redact(formatError(err));
  let timing = false;
  let exitCode = 0;
  /** When the line being evaluated started (reported with the next prompt, after its result or error). */
  let evalStarted: number | undefined;
  let continuing = false;
  /** Told when a statement is complete (history keeps a multi-line one as one entry). */
  let statementDone = (): void => {};
  const pager = new CursorPager(PAGE_SIZE);
  const promptFor = (name: string): string => (options.terminal && !options.piped ? `${name}> ` : '');

  const writer = Object.assign((value: unknown) => formatResult(value, { colors, breakLength: columns(output), secrets }), { options: { ...inspect.defaultOptions, colors, showProxy: false } });
  replWriter.options.breakLength = Infinity;

  const globalsBefore = new Set(Reflect.ownKeys(globalThis));
  const server = start({
    prompt: promptFor(db.databaseName),
    // The process's own realm, like Node's REPL: values typed here and values from the driver share
    // Array, Map, Date, Promise... (`instanceof` across realms is false).
    useGlobal: true,
    input: options.input,
    output,
    terminal: options.terminal,
    useColors: colors,
    ignoreUndefined: true,
    preview: false,
    // Ctrl-C reaches the REPL during a top-level await (Node queues it otherwise), and breaks loops.
    breakEvalOnSigint: options.terminal,
    writer,
    // @ts-expect-error historySize is a readline option the REPL passes through
    historySize: 1000,
  });
  const defineInScope = (name: string, value: unknown): void => {
    Object.defineProperty(server.context, name, { configurable: true, enumerable: true, writable: true, value });
  };
  const define = defineInScope;
  const currentDbName = (): string => {
    const current = server.context.db as unknown;
    return stateOf(current)?.cls.isA.has('Db') ? (current as Db).databaseName : db.databaseName;
  };
  const use = (name: unknown): void => {
    if (typeof name !== 'string' || !name.trim()) throw new TypeError('use(name): the database name must be a non-empty string');
    db = client.db(name);
    define('db', db);
    server.setPrompt(promptFor(name));
    say(`switched to db ${name}`);
  };
  let extra: Record<string, unknown> = {};
  const load = async (path: unknown): Promise<true> => {
    if (typeof path !== 'string') throw new TypeError('load(path): the path must be a string');
    const file = resolvePath(path);
    const outcome = await evaluator.evaluateSource(rewrite(scriptSource(readFileSync(file, 'utf8'))), file);
    if ('recoverable' in outcome) throw new SyntaxError(`${file}: unexpected end of input`);
    if (!outcome.ok) throw outcome.error;
    return true;
  };
  const exit = (code?: unknown): void => {
    exitCode = Number(code ?? 0) || 0;
    setImmediate(() => server.close());
  };
  // print() writes as the app would (console.log): from a timer, above the prompt.
  const helpers = {
    ...bsonHelpers(),
    ...printHelpers((text) => void output.write(text), format),
    ...shellGlobals(() => client, () => FRAMEWORKS[mode.framework]?.blocking === true),
  };
  /** Fills the REPL's scope: at start, after `.clear` resets it, after a mode switch. */
  /** The names populate() sets (the rest of the scope is the user's). */
  const populated = new Set<string>();
  const populate = (): void => {
    const define = (name: string, value: unknown): void => {
      populated.add(name);
      defineInScope(name, value);
    };
    for (const [name, value] of Object.entries(exportedClasses(mode))) define(name, value);
    define('rotor', rotorFor(mode));
    define('client', client);
    define('db', db);
    define('use', use);
    define('load', load);
    define('exit', exit);
    define('quit', exit);
    define('help', () => say(guide(PAGE_SIZE)));
    for (const [name, value] of Object.entries(helpers)) define(name, value);
    for (const [name, value] of Object.entries({ ...options.extraScope?.(), ...extra })) define(name, value);
    // What a script's `show dbs` line becomes (./top-level.ts): not enumerable, so not in completion.
    Object.defineProperty(server.context, SHELL_RUNNER, {
      configurable: true,
      value: (code: string) => {
        const result = shell(code);
        return result === NOT_SHELL ? undefined : result;
      },
    });
  };
  populate();
  server.on('reset', populate);
  const addedGlobals = Reflect.ownKeys(globalThis).filter((key) => !globalsBefore.has(key));

  const rewrite = (code: string): string => redeclarable(rewriteStaticImports(code) ?? code);
  /** Scripts (files, --eval, load()) take shell command lines too. */
  const scriptSource = (code: string): string => shellLines(code, SHELL_RUNNER);
  const shell = (code: string): Promise<unknown> | typeof NOT_SHELL => {
    const command = shellCommand(code, server.context);
    if (!command) return NOT_SHELL;
    switch (command.kind) {
      case 'it':
        return pager.next().then((page) => page ?? void say('no cursor to iterate'));
      case 'use':
        use(command.name);
        return Promise.resolve(undefined);
      case 'show':
        return show(command.what, client, db).then((text) => void (text && say(text)));
      case 'help':
        say(guide(PAGE_SIZE));
        return Promise.resolve(undefined);
      case 'exit':
        exit(command.code);
        return Promise.resolve(undefined);
      case 'handle-help':
        say(handleHelp(command.cls, command.label, columns(output)));
        return Promise.resolve(undefined);
    }
  };
  const builtinEval = server.eval;
  // Declared here, used by load() above: load runs only once the session is up.
  const evaluator = new Evaluator(server, builtinEval, {
    present: (value) => pager.present(value),
    failed: (error, file) => reportError(describeError(error), error, file),
    stray: (error) => reportError(describeError(error), error, ''),
    interrupted: () => say('interrupted'),
    shell,
    rewrite,
  });
  const replEval = evaluator.replEval;
  (server as { eval: typeof replEval }).eval = (code, context, file, cb) => {
    if (!continuing) evalStarted = code.trim() ? performance.now() : undefined;
    replEval.call(server, code, context, file, (err, value) => {
      continuing = err !== null && err !== undefined;
      if (!continuing) statementDone();
      cb(err, value);
    });
  };

  // Ctrl-C: interrupts a running statement; at the prompt, Node's own behaviour. Node's handler also
  // runs when its evaluator is awaiting: it ends that wait (and un-pauses the input) at once.
  const nodeSigint = server.listeners('SIGINT') as Array<() => void>;
  server.removeAllListeners('SIGINT');
  server.on('SIGINT', () => {
    const nodeAwaiting = evaluator.nodeAwaiting;
    if (!evaluator.interrupt() || nodeAwaiting) for (const listener of nodeSigint) listener.call(server);
  });

  // Output of callbacks and timers goes above the prompt, which is drawn again below it.
  let restoreOutput = (): void => {};
  let releaseKeys = (): void => {};
  if (options.terminal && !options.piped) {
    releaseKeys = holdKeysWhileBusy(server, () => evaluator.busy).release;
    const patched = keepPromptBelowAsyncOutput(server, output, () => evaluator.busy);
    write = patched.raw;
    restoreOutput = patched.restore;
  }

  // ---- prompt: timing line first; piped input gets no prompt and is paced instead
  const displayPrompt = server.displayPrompt.bind(server);
  server.displayPrompt = (preserveCursor?: boolean) => {
    if (timing && evalStarted !== undefined && !continuing) say(`time: ${(performance.now() - evalStarted).toFixed(1)} ms`);
    if (!continuing) evalStarted = undefined;
    if (!options.piped) displayPrompt(preserveCursor);
    setImmediate(releaseKeys);
    // Later, not now: the REPL may still be unwinding the previous line.
    if (options.onReady) setImmediate(options.onReady, continuing);
  };

  // ---- completion
  const fallback = server.completer as Completer;
  (server as { completer: Completer }).completer = createCompleter({
    context: () => server.context,
    fallback: (line, cb) => fallback.call(server as never, line, cb),
    listCollections: async (target) => {
      const infos = await withTimeout((target as Db).listCollections({}, { nameOnly: true }).toArray(), 3_000, 'listCollections');
      return infos.map((c) => c.name);
    },
    listDatabases: async () => {
      const { databases } = await withTimeout(client.db('admin').admin().listDatabases({ nameOnly: true }), 3_000, 'listDatabases');
      return databases.map((d) => d.name);
    },
  });

  // ---- history
  if (options.terminal && !options.piped) {
    const history = attachHistory(server, options.historyPath ?? null, (line) => isSensitive(line, uri), (msg) => process.stderr.write(`rotor: ${msg}\n`));
    statementDone = () => history.statementDone();
  }

  // ---- dot-commands
  const switchMode = async (change: Partial<Mode>): Promise<void> => {
    for (const [what, name] of Object.entries(change) as Array<['framework' | 'executor', string]>) {
      const problem = unavailable(what, name);
      if (problem) return say(problem);
    }
    const next = settleMode(mode, change);
    if (typeof next === 'string') return say(next);
    if (next.framework === mode.framework && next.executor === mode.executor) return say(describeMode(mode));
    const name = currentDbName();
    const nextClient = await connect(uri, next, clientOptions);
    await pager.release();
    clients.push(nextClient);
    const previous = client;
    client = nextClient;
    mode = next;
    db = client.db(name);
    populate();
    // The user's names follow the switch too (populate() set its own).
    const moved = rehome(server.context, previous, client, populated);
    say(describeMode(mode) + (moved.length ? `; now in this mode too: ${moved.join(', ')}` : ''));
  };
  defineDotCommands(server, { say, guide: () => guide(PAGE_SIZE), mode: () => mode, switchMode, describeError, timing: (on) => (on === undefined ? timing : (timing = on)) });

  // ---- errors the REPL would not see: promises nobody awaited
  const onRejection = (reason: unknown): void => reportError(`(in promise) ${describeError(reason)}`, reason, '');
  process.on('unhandledRejection', onRejection);

  let shutdown: Promise<void> | undefined;
  const closed = new Promise<void>((resolve) => {
    server.once('exit', () => {
      shutdown ??= (async () => {
        restoreOutput();
        await pager.release();
        await Promise.all(clients.map((c) => withTimeout(Promise.resolve(c.close()), 10_000).catch(() => {})));
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
    uri,
    closed,
    get exitCode() {
      return exitCode;
    },
    runScript: (code, file) => evaluator.runScript(scriptSource(code), file),
    format,
    async present(value, json) {
      const settled = value instanceof Promise ? ((await value) as unknown) : value;
      if (settled === undefined) return undefined;
      const shown = await pager.present(settled);
      if (!json) return formatResult(shown, { colors, breakLength: columns(output), secrets });
      if (!(shown instanceof CursorPage)) return toExtendedJson(shown, json);
      const documents = [...shown.documents];
      for (let page: CursorPage | undefined = shown; page?.more; ) {
        page = await pager.next();
        documents.push(...(page?.documents ?? []));
      }
      return toExtendedJson(documents, json);
    },
    addToScope(bindings) {
      extra = { ...extra, ...bindings };
      populate();
    },
    close: async () => {
      server.close();
      await closed;
    },
  };
}

function columns(output: NodeJS.WritableStream): number {
  const cols = (output as { columns?: number }).columns;
  return typeof cols === 'number' && cols > 20 ? cols : 100;
}

