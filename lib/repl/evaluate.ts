// How a statement runs. Every statement — a REPL line, a script file, --eval, load() — goes
// through Node's own evaluator (top-level await, declarations kept as globals) inside a Statement
// scope (./cancel.ts), and its outcome comes back here whichever way Node reports it: the eval
// callback, or the REPL's domain, where Node sends errors thrown synchronously or after an await.
// Ctrl-C settles the running statement at once (printing `interrupted`) and aborts what it started;
// a result that arrives later is dropped.
import { Recoverable, type REPLEval, type REPLServer } from 'node:repl';
import { runStatement, Statement } from './cancel.js';

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown } | { ok: false; recoverable: Recoverable };

export interface EvaluatorHooks {
  /** A statement's value, made printable (a cursor becomes its first page). */
  present(value: unknown): Promise<unknown>;
  /** A statement failed: report it (`file` is the name the code was evaluated under). */
  failed(error: unknown, file: string): void;
  /** An error thrown outside any statement (a callback, a timer). */
  stray(error: unknown): void;
  /** A statement was interrupted by Ctrl-C. */
  interrupted(): void;
  /** Shell commands (`it`, `show dbs`...): their printable value, or NOT_SHELL for plain code. */
  shell(code: string): Promise<unknown> | typeof NOT_SHELL;
  /** Rewrites code before evaluation (static imports); returns it unchanged when there is nothing to do. */
  rewrite(code: string): string;
}

export const NOT_SHELL = Symbol('not a shell command');

/** The error Node's evaluator throws when Ctrl-C ends a statement that held the thread. */
export const isInterruption = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED';

interface Running {
  statement: Statement;
  settled: boolean;
  /** Node's evaluator is awaiting the statement's top-level await (it owns a Ctrl-C handler then). */
  inNodeAwait: boolean;
  done: (value: unknown) => void;
}

export class Evaluator {
  /** Who receives the next error the REPL's domain reports (innermost evaluation last). */
  private readonly receivers: Array<(error: unknown) => void> = [];
  private running: Running | undefined;

  constructor(
    private readonly server: REPLServer,
    private readonly builtinEval: REPLEval,
    private readonly hooks: EvaluatorHooks,
  ) {
    const domain = (server as unknown as { _domain: NodeJS.EventEmitter })._domain;
    domain.removeAllListeners('error');
    domain.on('error', (error: unknown) => {
      const receiver = this.receivers.pop();
      if (receiver) receiver(error);
      else this.hooks.stray(error);
    });
  }

  /** A statement is running (its output is the REPL's own). */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Whether Node's evaluator holds a Ctrl-C handler of its own right now (see the session's SIGINT). */
  get nodeAwaiting(): boolean {
    return this.running?.inNodeAwait ?? false;
  }

  /** Evaluates `code` as Node's REPL would, under `file`; settles with how it went. */
  evaluateSource(code: string, file: string, onSync?: () => void): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      let answered = false;
      const receiver = (error: unknown): void => answer({ ok: false, error });
      const answer = (outcome: Outcome): void => {
        if (answered) return;
        answered = true;
        const at = this.receivers.lastIndexOf(receiver);
        if (at >= 0) this.receivers.splice(at, 1);
        resolve(outcome);
      };
      this.receivers.push(receiver);
      this.builtinEval.call(this.server, code, this.server.context, file, (err, value) => {
        if (err instanceof Recoverable) answer({ ok: false, recoverable: err });
        else if (err) answer({ ok: false, error: err });
        else answer({ ok: true, value });
      });
      if (!answered) onSync?.();
    });
  }

  /** The REPL's eval: shell commands, then code, printed through `present`. */
  readonly replEval: REPLEval = (code, _context, file, cb) => {
    const statement = new Statement();
    const running: Running = {
      statement,
      settled: false,
      inNodeAwait: false,
      done: (value) => {
        if (running.settled) return;
        running.settled = true;
        try {
          cb(null, value); // the REPL prints the value: still this statement's output
        } finally {
          if (this.running === running) this.running = undefined;
        }
      },
    };
    const fail = (error: unknown, where: string): void => {
      if (running.settled) return;
      if (isInterruption(error)) {
        // Ctrl-C ended a statement blocked in a sync call (Node's SIGINT watchdog): as any interrupt.
        statement.interrupt();
        this.hooks.interrupted();
        return running.done(undefined);
      }
      this.hooks.failed(error, where);
      running.done(undefined);
    };
    this.running = running;
    runStatement(statement, () => {
      let shell: Promise<unknown> | typeof NOT_SHELL;
      try {
        shell = this.hooks.shell(code);
      } catch (error) {
        return fail(error, file);
      }
      if (shell !== NOT_SHELL) {
        shell.then((value) => running.done(value), (error: unknown) => fail(error, file));
        return;
      }
      void this.evaluateSource(this.hooks.rewrite(code), file, () => (running.inNodeAwait = true)).then(async (outcome) => {
        running.inNodeAwait = false;
        if (running.settled) return;
        if ('recoverable' in outcome) {
          // An unfinished statement: the REPL reads another line and evaluates the whole again.
          running.settled = true;
          this.running = undefined;
          return cb(outcome.recoverable, undefined);
        }
        if (!outcome.ok) return fail(outcome.error, file);
        try {
          // mongosh's implicit await, for the statement's own value (a Promise framework's future).
          const value = outcome.value instanceof Promise ? await runStatement(statement, () => outcome.value as Promise<unknown>) : outcome.value;
          if (running.settled) return;
          running.done(await runStatement(statement, () => this.hooks.present(value)));
        } catch (error) {
          fail(error, file);
        }
      });
    });
  };

  /** Ctrl-C: interrupts the running statement, if any; returns whether there was one. */
  interrupt(): boolean {
    const running = this.running;
    if (!running) return false;
    running.statement.interrupt();
    this.hooks.interrupted();
    running.done(undefined);
    return true;
  }

  /** Runs a whole script (a file, --eval) as one statement; rejects with its first uncaught error. */
  async runScript(code: string, file: string): Promise<unknown> {
    const statement = new Statement();
    statement.pending = new Set();
    const outcome = await runStatement(statement, () => this.evaluateSource(this.hooks.rewrite(code), file));
    // Calls the script started and did not await finish before it counts as done (their failures
    // reach the session's unhandled-rejection report, with the script's line in their stack).
    while (statement.pending.size) await Promise.all(statement.pending);
    if ('recoverable' in outcome) throw new SyntaxError(`${file}: unexpected end of input`);
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
}
