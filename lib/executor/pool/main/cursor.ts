// Cursors in the pool executor: whole batches cross from the worker; iteration between batches,
// map() transforms and forEach() run here on the main thread. Chained options (sort, limit...) were
// already sent, in order, ahead of the first fetch.
import { Readable } from 'node:stream';
import type { RemoteRef } from '../executor/pool/index.js';
import type { ResolvedClass } from '../registry/resolve.js';

export interface CursorState {
  buffer: unknown[];
  transforms: Array<(doc: unknown) => unknown>;
}

export function isCursorClass(cls: ResolvedClass): boolean {
  return cls.isA.has('AbstractCursor') || cls.name === 'ChangeStream';
}

function cursorState(ref: RemoteRef): CursorState {
  return (ref.cursor ??= { buffer: [], transforms: [] });
}

function transform(state: CursorState, doc: unknown): unknown {
  for (const t of state.transforms) doc = t(doc);
  return doc;
}

async function fill(ref: RemoteRef, mode: 'next' | 'tryNext'): Promise<boolean> {
  const batch = (await ref.slot.run({ op: 'nextBatch', id: ref.id, mode }, ref.signal)) as unknown[];
  cursorState(ref).buffer.push(...batch);
  return batch.length > 0;
}

async function next(ref: RemoteRef, mode: 'next' | 'tryNext'): Promise<unknown> {
  const state = cursorState(ref);
  if (state.buffer.length === 0 && !(await fill(ref, mode))) return null;
  return transform(state, state.buffer.shift());
}

/**
 * The cursor members answered on the main thread. Returns undefined for members the worker
 * answers (after local bookkeeping, e.g. `close` and `rewind` drop the local buffer).
 */
export function cursorInvoke(ref: RemoteRef, member: string, args: unknown[], sync = false): unknown {
  const state = cursorState(ref);
  if (!sync && ref.signal?.aborted && member !== 'close') return Promise.reject(ref.signal.reason);
  if (sync) {
    switch (member) {
      case 'bufferedCount':
        return state.buffer.length + (ref.slot.sync({ op: 'call', id: ref.id, member, args: [], sync: true }) as number);
      case 'readBufferedDocuments': {
        const n = typeof args[0] === 'number' ? args[0] : state.buffer.length;
        return state.buffer.splice(0, n).map((d) => transform(state, d));
      }
      case 'rewind':
        state.buffer.length = 0;
        return undefined;
      case 'stream':
        // A Node Readable over the same local iteration (documents arrive in whole batches).
        return Readable.from(cursorIterate(ref) as AsyncIterator<unknown> & AsyncIterable<unknown>, { objectMode: true });
      default:
        return undefined;
    }
  }
  switch (member) {
    case 'next':
    case 'tryNext':
      return next(ref, member);
    case 'hasNext':
      return state.buffer.length > 0 ? Promise.resolve(true) : fill(ref, 'next');
    case 'toArray':
      return (async () => {
        const rest = (await ref.slot.run({ op: 'invoke', id: ref.id, member: 'toArray', args: [] }, ref.signal)) as unknown[];
        return [...state.buffer.splice(0), ...rest].map((d) => transform(state, d));
      })();
    case 'forEach':
      return (async () => {
        const iterator = args[0] as (doc: unknown) => unknown;
        for (let doc = await next(ref, 'next'); doc !== null; doc = await next(ref, 'next')) {
          if ((await iterator(doc)) === false) break;
        }
      })();
    default:
      return undefined; // close() included: like the driver's, it leaves buffered documents readable
  }
}

/** `closed` means closed and drained, as in the driver: documents buffered here count. */
export function cursorRead(ref: RemoteRef, member: string, remote: () => unknown): unknown {
  if (member === 'closed') return (remote() as boolean) && cursorState(ref).buffer.length === 0;
  return remote();
}

/** `map(fn)` is kept here: the function runs on the main thread as documents are read. */
export function cursorChain(ref: RemoteRef, member: string, args: unknown[]): boolean {
  if (member !== 'map') return false;
  cursorState(ref).transforms.push(args[0] as (doc: unknown) => unknown);
  return true;
}

export function cursorIterate(ref: RemoteRef): AsyncIterator<unknown> {
  if (!isCursorClass(ref.resolved)) throw new TypeError(`${ref.cls}: async iteration is not available in the pool executor`);
  const iterator = (async function* () {
    try {
      for (let doc = await next(ref, 'next'); doc !== null; doc = await next(ref, 'next')) yield doc;
    } finally {
      // Leaving a for-await early closes the cursor, as the driver's own iterator does.
      cursorState(ref).buffer.length = 0;
      await ref.slot.run({ op: 'invoke', id: ref.id, member: 'close', args: [] }).catch(() => {});
    }
  })();
  return iterator;
}
