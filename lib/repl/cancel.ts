// Ctrl-C cancels what a statement started. Each statement runs inside an AsyncLocalStorage scope
// holding its AbortController; the REPL's runtimes use an executor that wraps the real one (inline
// or pool) and adds that signal to the options of every driver call made in the scope — also from
// promises and timers the statement created — so aborting the controller aborts them (the driver
// honours `{ signal }` in server selection, connection checkout and the wire). Cursors a statement
// reads but did not open (a cursor variable of an earlier line) are closed instead.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Executor, Ref } from '../executor/types.js';
import { driverClassOf } from '../registry/driver-classes.js';
import type { ClassName } from '../registry/kinds.js';
import { resolveClass } from '../registry/resolve.js';
import { packageRoot } from '../util/package-root.js';

export class Statement {
  readonly controller = new AbortController();
  /** Cursors read in this statement, closed when it is interrupted. */
  readonly cursors = new Set<() => void>();
  /**
   * A script's driver operations still running (set for scripts only): the script's end waits for
   * them, so a call nobody awaited still completes before the client closes, and one that fails
   * names its line (the call's site is added to its error's stack).
   */
  pending: Set<Promise<unknown>> | undefined;

  interrupt(): void {
    if (this.controller.signal.aborted) return;
    this.controller.abort(new Error('interrupted (Ctrl-C)'));
    for (const close of this.cursors) close();
    this.cursors.clear();
  }
}

const scope = new AsyncLocalStorage<Statement>();

/** Runs `fn` as the statement `statement`: driver calls made from it, now or later, carry its signal. */
export function runStatement<T>(statement: Statement, fn: () => T): T {
  return scope.run(statement, fn);
}

/** The executor the REPL's runtimes use: `base`, with the running statement's signal added. */
export function abortable(base: Executor): Executor {
  const executor: Executor = Object.create(base) as Executor;
  return Object.assign(executor, {
    invoke(ref: Ref, member: string | symbol, args: unknown[]): PromiseLike<unknown> {
      const statement = scope.getStore();
      if (statement) {
        const close = closeMember(base, ref);
        if (close !== undefined && member !== close) {
          statement.cursors.add(() => void base.invoke(ref, close, []).then(undefined, () => {}));
        }
        args = withSignal(base, ref, member, args, statement.controller.signal);
      }
      const op = base.invoke(ref, member, args);
      return statement?.pending && op instanceof Promise ? tracked(statement.pending, op) : op;
    },
    factory(ref: Ref, member: string | symbol, args: unknown[], cls: ClassName): Ref {
      const statement = scope.getStore();
      // Only for a result that carries the signal into its later reads (the driver keeps it on a cursor).
      if (statement && resolveClass(cls).keepsSignal) {
        args = withSignal(base, ref, member, args, statement.controller.signal);
      }
      return base.factory(ref, member, args, cls);
    },
  });
}

/** `op`, kept in `pending` until it settles; its error's stack gains the frame that called it. */
function tracked(pending: Set<Promise<unknown>>, op: Promise<unknown>): Promise<unknown> {
  const site = new Error('called from');
  const watched = op.then(undefined, (error: unknown) => {
    const frame = site.stack?.split('\n').slice(1).find((line) => !line.includes(packageRoot) && !line.includes('node:') && !line.includes('node_modules'));
    if (frame && error instanceof Error && typeof error.stack === 'string' && !error.stack.includes(frame)) error.stack += `\n${frame}`;
    throw error;
  });
  // Settles with the operation, leaving `watched` unhandled for the caller to handle (or not).
  const settled: Promise<unknown> = op.then(
    (): boolean => pending.delete(settled),
    (): boolean => pending.delete(settled),
  );
  pending.add(settled);
  return watched;
}

/** A cursor's (or change stream's) member with the registry's 'close' role; undefined for other objects. */
function closeMember(base: Executor, ref: Ref): string | undefined {
  return (base.classOf?.(ref) ?? driverClassOf(ref))?.buffers.get('close');
}

/** `args` with `{ signal }` in the member's options argument (the registry's `optionsAt`), when it has one and it is free. */
function withSignal(base: Executor, ref: Ref, member: string | symbol, args: unknown[], signal: AbortSignal): unknown[] {
  if (args.some((a) => typeof a === 'function')) return args;
  const index = (base.classOf?.(ref) ?? driverClassOf(ref))?.attributes.get(member)?.optionsAt;
  if (index === undefined || index < args.length - 1) return args;
  const given = args[index];
  if (given === undefined || given === null) {
    const copy = args.slice();
    copy[index] = { signal };
    return copy;
  }
  if (!isPlainObject(given) || 'signal' in given) return args;
  const copy = args.slice();
  copy[index] = { ...given, signal };
  return copy;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === Object.prototype || proto === null;
}
