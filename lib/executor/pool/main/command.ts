// An async command, as steps (./steps.ts) both ways of waiting run: routed to a replica, answered
// by the cursor's buffer where the registry gives the member a role, otherwise sent to the worker,
// with the main thread's part before (insert ids) and after (bookkeeping).
import type { ClientRole } from '../../../registry/kinds.js';
import type { RemoteRef } from './remote-ref.js';
import { memberName, type Request } from '../protocol.js';
import { PoolClosedError, WorkerLostError } from './errors.js';
import { extractSignal, slotOfArgs } from './arguments.js';
import { cursorSteps, isCursorClass } from './cursor.js';
import { assignInsertIds, assignsIdsLater, insertedIdsAsCalled } from './inserts.js';
import type { Step, Steps, Waiter } from './steps.js';

/** The registry's ClientRole of `member` on `ref`'s class. */
function clientRole(ref: RemoteRef, member: string | symbol): ClientRole | undefined {
  const attr = ref.resolved.attributes.get(member);
  return attr?.kind === 'async' ? attr.client : undefined;
}

/** Whether `member` of `ref` releases its client (client.close()): it always succeeds, see closeClient. */
export function releasesClient(ref: RemoteRef, member: string | symbol): boolean {
  return clientRole(ref, member) === 'releases';
}

/** A command on a handle: on a client spanning several workers, the replica(s) it concerns. */
export function* command(target: RemoteRef, member: string | symbol, args: unknown[], w: Waiter): Steps<unknown> {
  if (releasesClient(target, member)) return yield* closeClient(target, member, args, w);
  target.slot.ensureAlive(target);
  if (!target.replicas) return yield* commandOn(target, member, args, w);
  // connect concerns every worker's driver client; other commands go to one worker: the one
  // holding a stateful argument (a session), else the next in turn.
  if (clientRole(target, member) === 'everyReplica') {
    yield { all: target.replicas.map((r) => commandOn(r, member, [...args], w)) };
    return target;
  }
  const pinned = slotOfArgs(args);
  return yield* commandOn((pinned && target.replicas.find((r) => r.slot === pinned)) || target.nextReplica(), member, args, w);
}

/** An async command on one worker's object. */
function* commandOn(ref: RemoteRef, member: string | symbol, args: unknown[], w: Waiter): Steps<unknown> {
  ref.slot.ensureAlive(ref);
  const name = memberName(member);
  if (isCursorClass(ref.resolved)) {
    const local = cursorSteps(ref, name, args, w);
    if (local) return yield* local;
  }
  // A client bulkWrite's ids come a tick after the call (its batch is built later in-process); sync: at once.
  if (assignsIdsLater(ref, name)) yield { settle: undefined };
  assignInsertIds(ref, name, args);
  const attr = ref.resolved.attributes.get(member);
  const signal = extractSignal(args, attr?.optionsAt);
  // A blocked thread cannot see a signal fire: it is checked before sending, the wait is bounded.
  if (signal?.aborted) throw signal.reason;
  const ask: Request = { op: 'invoke', id: ref.id, member: name, args: [] };
  const userFunctions = attr?.kind === 'user-callback';
  const result = yield { ask, ref, args, signal, boundArgs: args, userFunctions };
  return afterCommand(ref, member, args, result);
}

/** The main thread's bookkeeping once a command succeeded. */
function afterCommand(ref: RemoteRef, member: string | symbol, args: unknown[], result: unknown): unknown {
  const root = ref.root;
  const name = memberName(member);
  if (releasesClient(ref, member)) ref.slot.forgetClient(ref); // the worker dropped everything the client owned
  else if (root.resolved.client) ref.slot.hold(root, true); // connected (the driver connects on first use)
  if (ref.resolved.endedBy.has(name)) ref.ended = true;
  insertedIdsAsCalled(ref, name, args, result);
  return result;
}

/**
 * client.close() always succeeds: a worker that was lost, or a pool that closed, holds nothing of
 * the client any more (a client waiting to be rebuilt is simply not rebuilt).
 */
function* closeClient(ref: RemoteRef, member: string | symbol, args: unknown[], w: Waiter): Steps<undefined> {
  yield { all: (ref.replicas ?? [ref]).map((r) => closeOn(r, member, [...args], w)) };
  return undefined;
}

function* closeOn(r: RemoteRef, member: string | symbol, args: unknown[], w: Waiter): Steps<void> {
  if (r.lost || r.slot.isClosed || r.slot.awaitsRebuild(r)) return r.slot.forgetClient(r);
  try {
    yield* commandOn(r, member, args, w);
  } catch (error) {
    if (!(error instanceof WorkerLostError) && !(error instanceof PoolClosedError)) throw error;
    r.slot.forgetClient(r);
  }
}

export type { Step };
