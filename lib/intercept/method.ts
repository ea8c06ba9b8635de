// The one hook: the Proxy factory builds a registry member's method here instead of its plain one
// when the runtime has interceptors (so a runtime without them pays nothing, not even a check per
// call). Operations (async, user-callback), factory calls, and the cursor reads that fetch a batch
// go through the interceptor chain, on the caller's thread, in the caller's async context.
import { AsyncResource } from 'node:async_hooks';
import type { Attribute, ClassName } from '../registry/kinds.js';
import type { HandleState } from '../proxy/state.js';
import { stateOf } from '../proxy/state.js';
import { unwrapArgs } from '../proxy/unwrap.js';
import { wrapUserFunction } from '../special/user-callbacks.js';
import { Settled } from '../framework/settled.js';
import { runChain, type CallBase } from './chain.js';
import type { CursorFetch, InterceptedKind } from './types.js';
import { scopeOf } from './scope.js';

type Wrap = (value: unknown, declared?: ClassName) => unknown;
type Method = (...args: unknown[]) => unknown;

/** Whether a member of this kind goes through interceptors (the rest: properties, sync methods, events, chaining). */
export function isIntercepted(attr: Attribute): boolean {
  return attr.kind === 'async' || attr.kind === 'user-callback' || attr.kind === 'factory' || attr.kind === 'async-iterator';
}

/** The intercepted method of a registry member (isIntercepted(attr) holds); `wrap` makes handles of results. */
export function interceptedMethod(state: HandleState, name: string | symbol, attr: Attribute, wrap: Wrap): Method {
  const { runtime, ref } = state;
  const { framework, executor } = runtime;
  const member = String(name);
  switch (attr.kind) {
    case 'async':
    case 'user-callback': {
      const userFunctions = attr.kind === 'user-callback' ? 1 : 0;
      const role = attr.buffer;
      const invoke = (given: unknown[]): PromiseLike<unknown> => {
        const args = [...given]; // a retry gets the arguments as they were given, not as unwrapped here
        if (userFunctions) {
          bindUserFunction(args);
          wrapUserFunction(args, (v) => wrap(v));
        }
        let op: PromiseLike<unknown> = executor.invoke(ref, name, unwrapArgs(args));
        if (attr.wrap) op = op.then((v) => adopt(state, wrap(v, attr.wrap), member));
        return op;
      };
      // A read that takes a buffered document is no operation of its own: only the reads that fetch are.
      const readsOne = role === 'next' || role === 'tryNext' || role === 'hasNext';
      const wholeCursor = role === 'drain' || role === 'each';
      return (...args) => {
        const callback = framework.takeCallback(args, userFunctions);
        if (readsOne && !wouldFetch(state)) return framework.chainFuture(invoke(args), callback);
        const cursor = readsOne || wholeCursor ? fetchOf(state) : undefined;
        const op = runChain(runtime.interceptors!, base(state, member, attr.kind, cursor), args, framework.blocking ? 'settled' : 'async', invoke);
        return framework.chainFuture(op, callback);
      };
    }
    case 'factory': {
      const declared = attr.wrap;
      const invoke = (args: unknown[]): PromiseLike<unknown> =>
        Settled.from(() => adopt(state, wrap(executor.factory(ref, name, unwrapArgs([...args]), declared), declared), member));
      return (...args) => (runChain(runtime.interceptors!, base(state, member, 'factory', undefined), args, framework.blocking ? 'settled' : 'factory', invoke) as Settled).unwrap();
    }
    case 'async-iterator':
      return () => interceptSteps(state, executor.iterate(ref, name), false);
    case 'chain':
    case 'delegate':
    case 'event':
    case 'property':
      throw new TypeError(`rotor: members of kind '${attr.kind}' are not intercepted`);
  }
}

/** for await / for...of over a cursor: the steps that fetch a batch are intercepted, each as its own operation. */
export function interceptSteps<I extends Iterator<unknown> | AsyncIterator<unknown>>(state: HandleState, iterator: I, blocking: boolean): I {
  const member = state.cls.buffers.get('next') ?? 'next';
  const kind: InterceptedKind = blocking ? 'iterator' : 'async-iterator';
  const step = (): unknown => iterator.next();
  const steps = {
    next(): unknown {
      if (!wouldFetch(state)) return iterator.next();
      const invoke = blocking ? () => Settled.from(step) : () => Promise.resolve(step());
      const op = runChain(state.runtime.interceptors!, base(state, member, kind, fetchOf(state)), [], blocking ? 'settled' : 'async', invoke);
      return blocking ? (op as Settled).unwrap() : op;
    },
    return: (value?: unknown) => iterator.return?.(value) ?? (blocking ? { done: true, value } : Promise.resolve({ done: true, value })),
    [blocking ? Symbol.iterator : Symbol.asyncIterator]() {
      return this;
    },
  };
  if (iterator.throw) Object.assign(steps, { throw: (e: unknown) => iterator.throw!(e) });
  return steps as unknown as I;
}

function base(state: HandleState, member: string, kind: InterceptedKind, cursor: CursorFetch | undefined): CallBase {
  const scope = scopeOf(state);
  const { runtime } = state;
  return {
    className: state.cls.name,
    member,
    kind,
    database: scope.database,
    collection: scope.collection,
    server: scope.server,
    executor: runtime.executor.name,
    framework: runtime.framework.name,
    cursor,
  };
}

function fetchOf(state: HandleState): CursorFetch {
  const fetch = state.fetches ?? 0;
  state.fetches = fetch + 1;
  return { origin: state.origin, fetch };
}

/** Whether a cursor read must ask for a batch: the executor knows (the pool buffers batches itself), else the cursor's own count. */
function wouldFetch(state: HandleState): boolean {
  const { executor } = state.runtime;
  if (executor.wouldFetch) return executor.wouldFetch(state.ref);
  const count = state.cls.buffers.get('count');
  const closed = state.cls.buffers.get('closed');
  try {
    if (closed !== undefined && executor.read(state.ref, closed) === true) return false;
    return count === undefined || executor.call(state.ref, count, []) === 0;
  } catch {
    return true; // a driver without the count member (a mongodb 6 change stream): every read counts
  }
}

/** A handle made by this call takes its maker's server, and remembers the member that made it (a cursor's `find`). */
function adopt(parent: HandleState, value: unknown, member: string): unknown {
  const child = stateOf(value);
  if (child && child !== parent) {
    child.origin ??= member;
    if (parent.server && !child.server) child.server = parent.server;
  }
  return value;
}

/**
 * The user's function (withSession, withTransaction, forEach) runs in the async context of the
 * call, wherever the executor calls it from (the pool calls it from a worker's message).
 */
function bindUserFunction(args: unknown[]): void {
  const index = args.findIndex((a) => typeof a === 'function');
  if (index >= 0) args[index] = AsyncResource.bind(args[index] as Method);
}
