// Printing cursors a page at a time. A cursor nobody has read yet is previewed through a clone, so
// the user's cursor is left untouched; a cursor already read from is paged from itself (a clone
// would re-run its query and print documents already consumed), and an exhausted or closed one
// prints as such instead of running its query again.
import { stateOf, type HandleState } from '../proxy/factory.js';
import { CursorPage, Unpaged } from './format.js';

/** A cursor handle, as far as the REPL uses one. */
interface CursorLike {
  clone(): CursorLike;
  map(fn: unknown): CursorLike;
  hasNext(): Promise<boolean>;
  next(): Promise<unknown>;
  close(): Promise<void>;
  readonly id: unknown;
  readonly closed: boolean;
  readonly killed: boolean;
}

export class CursorPager {
  /** The cursor behind the last printed page, for `it`; `owned` when it is our clone. */
  private pending: { cursor: CursorLike; owned: boolean } | undefined;

  constructor(private readonly pageSize: number) {}

  /** What to print for `value`: a page when it is a cursor, the value itself otherwise. */
  async present(value: unknown): Promise<unknown> {
    const state = stateOf(value);
    if (!state || !isPaged(state)) return value;
    const cursor = value as CursorLike;
    await this.release();
    if (cursor.closed || cursor.killed) return new CursorPage([], false, 'exhausted');
    if (cursor.id !== undefined && cursor.id !== null) {
      this.pending = { cursor, owned: false };
      return this.next();
    }
    let copy: CursorLike;
    try {
      copy = cursor.clone();
    } catch {
      return new Unpaged(cursor); // RunCommandCursor: the driver refuses to clone it
    }
    // clone() keeps the query and its options but not map(): carry the transforms over.
    for (const transform of transformsOf(state)) copy.map(transform);
    this.pending = { cursor: copy, owned: true };
    return this.next();
  }

  /** `it`: the next page, or undefined (after saying so) when there is none. */
  async next(): Promise<CursorPage | undefined> {
    const pending = this.pending;
    if (!pending) return undefined;
    const documents: unknown[] = [];
    let more: boolean;
    try {
      while (documents.length < this.pageSize && (await pending.cursor.hasNext())) documents.push(await pending.cursor.next());
      more = await pending.cursor.hasNext();
    } catch (err) {
      await this.release();
      throw err;
    }
    if (!more) await this.release();
    return new CursorPage(documents, more);
  }

  /** Forgets the pending cursor, closing it when it is our clone. */
  async release(): Promise<void> {
    const pending = this.pending;
    this.pending = undefined;
    if (pending?.owned) await Promise.resolve(pending.cursor.close()).catch(() => {});
  }
}

/**
 * A cursor that comes to an end (its class has a member with the registry's 'drain' role, toArray):
 * paged. A change stream waits for the next change instead, so it prints as itself.
 */
function isPaged(state: HandleState): boolean {
  return state.cls.buffers.has('drain');
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
