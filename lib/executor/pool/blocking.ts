// The pool executor's blocking view, the sync framework's executor: the same pool, the same refs,
// but invoke() waits on the calling thread (slot.requestSync: Atomics.wait in short slices, which
// notices a dead worker) and returns an already-settled result (../../framework/settled.ts) that
// the sync framework unwraps. Everything else is the pool executor's own: creation and chaining
// were already synchronous, and `for await` keeps its async path.
import type { Executor } from '../types.js';
import type { Framework } from '../../framework/types.js';
import { Settled } from '../../framework/settled.js';
import { memberName, type Request } from './protocol.js';
import { RemoteRef } from './remote-ref.js';
import { afterInvoke, asRef, beforeInvoke, extractSignal, slotOfArgs, type PoolExecutor } from './index.js';
import { BlockingTimeoutError, PoolClosedError, WorkerLostError } from './errors.js';
import { isPoolStream } from './main/gridfs.js';
import { isCursorClass } from './main/cursor.js';
import { cursorInvokeSync, cursorIterateSync, REMOTE, type BlockingRequest } from './main/cursor-sync.js';
import { boundFor } from './blocking-bound.js';
import { poolSlots } from './internals.js';
import { newAbortId } from './slot.js';

export interface BlockingExecutor extends PoolExecutor {
  /** The pool executor this view blocks on. */
  readonly base: PoolExecutor;
  iterateSync(ref: object): Iterator<unknown>;
}

const isPool = (e: Executor): e is PoolExecutor => typeof (e as Partial<PoolExecutor>).stats === 'function' && poolSlots(e) !== undefined;
const isBlocking = (e: Executor): e is BlockingExecutor => (e as Partial<BlockingExecutor>).base !== undefined && typeof (e as Partial<BlockingExecutor>).iterateSync === 'function';

/** One view per pool, so every sync rotor on the shared pool shares it. */
const views = new WeakMap<PoolExecutor, BlockingExecutor>();

/**
 * The executor a framework runs with: a blocking framework gets the blocking view of a pool
 * executor (and refuses any other executor); other frameworks get the pool itself back.
 */
export function executorFor(framework: Framework, executor: Executor): Executor {
  if (!framework.blocking) return isBlocking(executor) ? executor.base : executor;
  if (isBlocking(executor)) return executor;
  if (!isPool(executor)) {
    throw new TypeError(
      `rotor: the '${framework.name}' framework needs the pool executor (executor: 'pool', its default), not '${executor.name}': ` +
        'it blocks the calling thread until the driver answers, and with this executor the driver runs on that same thread, so every call would deadlock',
    );
  }
  let view = views.get(executor);
  if (!view) views.set(executor, (view = blockingView(executor)));
  return view;
}

function blockingView(base: PoolExecutor): BlockingExecutor {
  // Inherits every member of the pool executor (stats, close...); overrides the blocking ones.
  const view = Object.create(base) as BlockingExecutor;
  return Object.assign(view, {
    base,
    invoke(refObject: object, member: string | symbol, args: unknown[]) {
      // GridFS streams are Node streams on this thread: their methods keep returning Promises.
      if (isPoolStream(refObject)) return base.invoke(refObject, member, args);
      return Settled.from(() => invokeSync(refObject, member, args)) as unknown as Promise<unknown>;
    },
    iterateSync(refObject: object): Iterator<unknown> {
      const ref = asRef(refObject);
      if (!isCursorClass(ref.resolved)) throw new TypeError(`${ref.cls} is not iterable with for...of`);
      return cursorIterateSync(ref, requester(ref, 'next'));
    },
  });
}

function invokeSync(refObject: object, member: string | symbol, args: unknown[]): unknown {
  if (refObject instanceof RemoteRef && refObject.cls === 'MongoClient' && memberName(member) === 'close') return closeClientSync(refObject, member, args);
  const target = asRef(refObject);
  if (!target.replicas) return invokeOne(target, member, args);
  const name = memberName(member);
  // As the async path: connect concerns every worker's driver client; other commands go to one.
  if (target.cls === 'MongoClient' && name === 'connect') {
    for (const r of target.replicas) invokeOne(r, member, [...args]);
    return target;
  }
  const pinned = slotOfArgs(args);
  return invokeOne((pinned && target.replicas.find((r) => r.slot === pinned)) || target.nextReplica(), member, args);
}

/** client.close() always returns, as in the async path: a lost worker holds nothing of the client. */
function closeClientSync(ref: RemoteRef, member: string | symbol, args: unknown[]): undefined {
  for (const r of ref.replicas ?? [ref]) {
    if (r.lost || r.slot.isClosed || r.slot.awaitsRebuild(r)) {
      r.slot.forgetClient(r);
      continue;
    }
    try {
      invokeOne(r, member, [...args]);
    } catch (error) {
      if (!(error instanceof WorkerLostError) && !(error instanceof PoolClosedError)) throw error;
      r.slot.forgetClient(r);
    }
  }
  return undefined;
}

/** A blocking request to `ref`'s worker, bounded by what the operation's client allows. */
function requester(ref: RemoteRef, name: string, args: unknown[] = [], userFunctions = false): BlockingRequest {
  return (m: Request, sent: unknown[] | undefined) => {
    const boundMs = boundFor(ref, args, userFunctions);
    return ref.slot.requestSync(m, sent, {
      boundMs,
      transientFunctions: true,
      deliverOrdered: true,
      onTimeout: (ms) =>
        new BlockingTimeoutError(
          `rotor sync: ${ref.cls}.${name} got no answer within ${ms} ms, the bound derived from its client's timeouts ` +
            '(timeoutMS, or serverSelectionTimeoutMS + connectTimeoutMS + socketTimeoutMS; without them, ROTOR_SYNC_CEILING_MS)',
        ),
    });
  };
}

function invokeOne(ref: RemoteRef, member: string | symbol, args: unknown[]): unknown {
  ref.slot.ensureAlive(ref);
  const name = memberName(member);
  const userFunctions = ref.resolved.attributes.get(member)?.kind === 'user-callback';
  const request = requester(ref, name, args, userFunctions);
  if (isCursorClass(ref.resolved)) {
    const local = cursorInvokeSync(ref, name, args, request);
    if (local !== REMOTE) return local;
  }
  beforeInvoke(ref, name, args);
  // A signal cannot fire while this thread is blocked: it is checked before the call; the wait is
  // bounded by the client's timeouts instead.
  const signal = extractSignal(args);
  if (signal?.aborted) throw signal.reason;
  const m: Request = { op: 'invoke', id: ref.id, member: name, args: [] };
  if (signal) (m as { abortId?: number }).abortId = newAbortId(); // the worker gives the operation a stand-in signal, never aborted
  return afterInvoke(ref, name, args, request(m, args));
}
