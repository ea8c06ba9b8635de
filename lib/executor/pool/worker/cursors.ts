// A cursor's batches in the worker: the next batch, in one reply, and the order between a batch still
// being fetched (the main thread's read-ahead) and a rewind(), whose old batch would revive the server
// cursor it replaced: the rewind waits for the fetch, and later requests on the cursor for the rewind.
import type { FetchRole } from '../../../registry/kinds.js';
import { resolveClass } from '../../../registry/resolve.js';
import { broken, entry } from './table.js';

const fetches = new Map<number, Promise<unknown>>();
const rewinds = new Map<number, Promise<unknown>>();

function track<T>(map: Map<number, Promise<unknown>>, id: number, promise: Promise<T>): Promise<T> {
  map.set(id, promise);
  const done = (): void => {
    if (map.get(id) === promise) map.delete(id);
  };
  promise.then(done, done);
  return promise;
}

/** The rewind of cursor `id` still running, if any: its requests wait for it. */
export const rewinding = (id: number): Promise<unknown> | undefined => rewinds.get(id);

/**
 * The next batch: the member with `mode`'s cursor role takes one document, then the 'take' member hands over what the
 * driver holds. First in the reply: whether the server side is still open after it ('closed' reads false), which
 * decides on the main thread whether a close() after this batch kills the cursor (main/cursor.ts).
 */
export function nextBatch(id: number, mode: FetchRole): Promise<unknown[]> {
  return track(fetches, id, fetchBatch(id, mode));
}

async function fetchBatch(id: number, mode: FetchRole): Promise<unknown[]> {
  await rewinds.get(id);
  const e = entry(id);
  const roles = resolveClass(e.cls).buffers;
  const fetch = roles.get(mode);
  if (fetch === undefined) throw new TypeError(`rotor pool worker refused '${mode}' on ${e.cls}: no member has that cursor role`);
  const first = await e.obj[fetch]();
  const take = roles.get('take');
  const docs = first === null ? [] : take === undefined ? [first] : [first, ...e.obj[take]()];
  const closed = roles.get('closed');
  return [closed === undefined ? undefined : e.obj[closed] !== true, ...docs];
}

/** A rewind of cursor `id` while a batch is being fetched runs after it (true); its failure fails the cursor's next use. */
export function rewindAfterFetch(id: number, rewind: () => unknown): boolean {
  const fetching = fetches.get(id);
  if (!fetching) return false;
  void track(rewinds, id, fetching.catch(() => {}).then(rewind).catch((error: unknown) => void broken.set(id, error)));
  return true;
}
