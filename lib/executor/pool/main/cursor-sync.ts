// Cursors under the sync framework: the blocking counterparts of ./cursor.ts. Whole batches still
// cross from the worker, each in one blocking request; next()/toArray()/forEach() and `for...of`
// run here between batches, with the same local buffer and map() transforms as the async path.
import type { FetchRole } from '../../../registry/kinds.js';
import type { Request } from '../protocol.js';
import type { RemoteRef } from '../remote-ref.js';
import { checkReadable, closedWithClient, closeMember, commandRole, cursorState, notAnIterator, transform } from './cursor.js';

/** A blocking request to the cursor's worker, bounded as its client's commands are. */
export type BlockingRequest = (m: Request, args: unknown[] | undefined) => unknown;

/** Marks "the worker answers this member". */
export const REMOTE = Symbol('rotor.remote');

function fill(ref: RemoteRef, mode: FetchRole, request: BlockingRequest): boolean {
  if (closedWithClient(ref)) return false;
  ref.slot.ensureAlive(ref);
  if (ref.signal?.aborted) throw ref.signal.reason;
  const state = cursorState(ref);
  state.started = true;
  const batch = request({ op: 'nextBatch', id: ref.id, mode }, undefined) as unknown[];
  if (batch.length === 0 && mode === 'next') ref.ended = true; // exhausted: nothing left to lose with the worker
  for (const doc of batch) state.buffer.push(doc);
  return batch.length > 0;
}

function next(ref: RemoteRef, mode: FetchRole, request: BlockingRequest): unknown {
  const state = cursorState(ref);
  checkReadable(ref, state);
  if (state.buffer.length === 0 && !fill(ref, mode, request)) return null;
  return transform(state, state.buffer.shift());
}

/** The cursor members answered here, blocking; REMOTE for those the worker answers. */
export function cursorInvokeSync(ref: RemoteRef, member: string, args: unknown[], request: BlockingRequest): unknown {
  const state = cursorState(ref);
  const role = commandRole(ref, member);
  if (ref.signal?.aborted && role !== 'close') throw ref.signal.reason;
  switch (role) {
    case 'next':
    case 'tryNext':
      return next(ref, role, request);
    case 'hasNext':
      if (state.killed) return false;
      return state.buffer.length > 0 || fill(ref, 'next', request);
    case 'drain': {
      if (state.killed) return [];
      let rest: unknown[] = [];
      if (!closedWithClient(ref)) {
        ref.slot.ensureAlive(ref);
        state.started = true;
        rest = request({ op: 'invoke', id: ref.id, member, args: [] }, []) as unknown[];
        ref.ended = true;
      }
      return [...state.buffer.splice(0), ...rest].map((d) => transform(state, d));
    }
    case 'each': {
      // The iterator is a synchronous function here; `false` stops, as with the driver, and, as
      // the driver's for-await does, stopping early (false, a throw) closes the cursor.
      const refused = notAnIterator(args[0]);
      if (refused) throw refused;
      const iterator = args[0] as (doc: unknown) => unknown;
      const docs = cursorIterateSync(ref, request);
      for (const doc of { [Symbol.iterator]: () => docs }) if (iterator(doc) === false) break;
      return undefined;
    }
    case 'close': {
      state.closing = true;
      if (closedWithClient(ref)) return undefined;
      // Like the driver's, it leaves buffered documents readable when the server had nothing more;
      // a cursor it had to kill reads as exhausted (see CursorState.killed).
      request({ op: 'invoke', id: ref.id, member, args: [] }, []);
      ref.ended = true;
      const killed = ref.resolved.buffers.get('killed');
      if (killed !== undefined && request({ op: 'read', id: ref.id, member: killed }, undefined) === true) state.killed = true;
      return undefined;
    }
    case undefined: // no role: the worker answers
      return REMOTE;
  }
}

/** `for...of` over a cursor: one blocking request per batch; leaving early closes it, as `for await` does. */
export function cursorIterateSync(ref: RemoteRef, request: BlockingRequest): Iterator<unknown> {
  return (function* () {
    if (ref.signal?.aborted) throw ref.signal.reason;
    if (cursorState(ref).killed) return; // as the driver's: a killed cursor iterates nothing
    try {
      for (let doc = next(ref, 'next', request); doc !== null; doc = next(ref, 'next', request)) yield doc;
    } finally {
      cursorState(ref).buffer.length = 0;
      cursorState(ref).closing = true;
      const close = closeMember(ref);
      if (close !== undefined && !closedWithClient(ref) && !ref.ended) {
        try {
          request({ op: 'invoke', id: ref.id, member: close, args: [] }, []);
        } catch {
          /* closing is best effort, as for await's */
        }
      }
      ref.ended = true;
    }
  })();
}
