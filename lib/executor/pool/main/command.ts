// An async command, as steps (./steps.ts) both ways of waiting run: routed to a replica, answered
// by the cursor's buffer where the registry gives the member a role, otherwise sent to the worker,
// with the main thread's part before (insert ids) and after (bookkeeping). The member's registry
// entry is looked up once, here, and handed down.
import type { Attribute } from '../../../registry/kinds.js';
import type { RemoteRef } from './remote-ref.js';
import { memberName, type Request } from '../protocol.js';
import { PoolClosedError, WorkerLostError } from './errors.js';
import { extractSignal, slotOfArgs } from './arguments.js';
import { cursorSteps, isCursorClass } from './cursor.js';
import { assignInsertIds, idRoleOf, insertedIdsAsCalled } from './inserts.js';
import type { Steps, Waiter } from './steps.js';

/** Whether this registry entry releases its client (client.close()): it always succeeds, see closeClient. */
export const releasesClient = (attr: Attribute | undefined): boolean => attr?.kind === 'async' && attr.client === 'releases';

/** A command on a handle: on a client spanning several workers, the replica(s) it concerns. */
export function command(target: RemoteRef, member: string | symbol, args: unknown[], w: Waiter, attr = target.resolved.attributes.get(member)): Steps<unknown> {
  // The usual case is commandOn's steps themselves (no generator around them); a bad member throws in the steps.
  if (typeof member === 'string' && !target.replicas && !releasesClient(attr)) return commandOn(target, member, attr, args, w);
  return spanningCommand(target, member, args, w, attr);
}

/** The rest: a client's release (every replica), a symbol-keyed member, a client spanning workers. */
function* spanningCommand(target: RemoteRef, member: string | symbol, args: unknown[], w: Waiter, attr: Attribute | undefined): Steps<unknown> {
  const name = memberName(member);
  if (releasesClient(attr)) {
    yield { all: (target.replicas ?? [target]).map((r) => closeOn(r, name, attr, [...args], w)) };
    return undefined;
  }
  if (!target.replicas) return yield* commandOn(target, name, attr, args, w);
  target.slot.objects.ensureAlive(target);
  // connect concerns every worker's driver client; other commands go to one worker (see nextReplica).
  if (attr?.kind === 'async' && attr.client === 'everyReplica') {
    yield { all: target.replicas.map((r) => commandOn(r, name, attr, [...args], w)) };
    return target;
  }
  return yield* commandOn(target.nextReplica(slotOfArgs(args)), name, attr, args, w);
}

/** An async command on one worker's object. */
function* commandOn(ref: RemoteRef, name: string, attr: Attribute | undefined, args: unknown[], w: Waiter): Steps<unknown> {
  ref.slot.objects.ensureAlive(ref);
  if (isCursorClass(ref.resolved)) {
    const local = cursorSteps(ref, name, attr, args, w);
    if (local) return yield* local;
  }
  const ids = idRoleOf(attr);
  // A client bulkWrite's ids come a tick after the call (its batch is built later in-process); sync: at once.
  if (ids === 'clientWriteModels') yield { settle: undefined };
  assignInsertIds(ref, ids, args);
  const signal = extractSignal(args, attr?.optionsAt);
  // A blocked thread cannot see a signal fire: it is checked before sending, the wait is bounded.
  if (signal?.aborted) throw signal.reason;
  const ask: Request = { op: 'invoke', id: ref.id, member: name, args: [] };
  const result = yield { ask, ref, args, signal, boundArgs: args, userFunctions: attr?.kind === 'user-callback' };
  // Bookkeeping once it succeeded.
  if (releasesClient(attr)) ref.slot.objects.forgetClient(ref); // the worker dropped everything the client owned
  else if (ref.root.resolved.client) ref.slot.hold(ref.root, true); // connected (the driver connects on first use)
  if (ref.resolved.endedBy.has(name)) ref.ended = true;
  insertedIdsAsCalled(ids, args, result);
  return result;
}

/** client.close() always succeeds: a lost worker or closed pool holds nothing of the client (one awaiting rebuild is not rebuilt). */
function* closeOn(r: RemoteRef, name: string, attr: Attribute | undefined, args: unknown[], w: Waiter): Steps<void> {
  if (r.lost || r.slot.isClosed || r.slot.objects.awaitsRebuild(r)) return r.slot.objects.forgetClient(r);
  try {
    yield* commandOn(r, name, attr, args, w);
  } catch (error) {
    if (!(error instanceof WorkerLostError) && !(error instanceof PoolClosedError)) throw error;
    r.slot.objects.forgetClient(r);
  }
}
