// In-process, the driver writes the `_id` it generates into the caller's own documents (insertOne,
// insertMany, bulkWrite inserts, a bulk operation's insert/raw), with the collection's pkFactory,
// unless forceServerObjectId. Across the worker boundary it would only see a copy, so the same ids
// are set here, before the documents are sent, by the same rule (the driver's
// maybeAddIdToDocuments): `doc._id` reads as in-process right after the call, after a failed write
// too, `_id: null` is replaced, a frozen document is refused before anything is sent, and the
// driver in the worker finds the ids already there.
import { ObjectId } from 'mongodb';
import type { RemoteRef } from '../remote-ref.js';

type Doc = Record<string, unknown>;
interface PkFactory {
  createPk(): unknown;
}
/** What the collection's shadow (the driver's own Collection, never connected) knows of ids. */
interface CollectionShadow {
  s?: { pkFactory?: PkFactory };
  db?: { options?: { forceServerObjectId?: unknown } };
}

const isDoc = (v: unknown): v is Doc => typeof v === 'object' && v !== null;
const DEFAULT_PK: PkFactory = { createPk: () => new ObjectId() };

function idRule(collection: RemoteRef | undefined, options: unknown, bulk: boolean): { pk: PkFactory; force: boolean } {
  const shadow = collection?.shadow as CollectionShadow | undefined;
  const own = isDoc(options) ? options.forceServerObjectId : undefined;
  const inherited = shadow?.db?.options?.forceServerObjectId;
  // insertOne: the option, else the db's; bulk writes: either one set to true.
  const force = bulk ? own === true || inherited === true : Boolean(own ?? inherited ?? false);
  return { pk: shadow?.s?.pkFactory ?? DEFAULT_PK, force };
}

function addId(doc: unknown, rule: { pk: PkFactory; force: boolean }): void {
  if (rule.force || !isDoc(doc) || doc._id != null) return; // what the driver refuses, it refuses in the worker
  doc._id = rule.pk.createPk();
}

/** The document a bulk `insertOne` operation inserts (the driver still accepts it without `document`). */
function bulkInsertDoc(op: unknown): unknown {
  if (!isDoc(op) || !('insertOne' in op)) return undefined;
  const insert = op.insertOne;
  return isDoc(insert) && insert.document == null ? insert : isDoc(insert) ? insert.document : undefined;
}

const idOf = (doc: unknown): unknown => (isDoc(doc) ? doc._id : undefined);

/** Before a Collection command is sent: the ids its documents get in-process. */
export function assignInsertIds(collection: RemoteRef, member: string, args: unknown[]): void {
  if (member === 'insertOne') return addId(args[0], idRule(collection, args[1], false));
  if ((member !== 'insertMany' && member !== 'bulkWrite') || !Array.isArray(args[0])) return;
  const rule = idRule(collection, args[1], true);
  for (const item of args[0] as unknown[]) addId(member === 'insertMany' ? item : bulkInsertDoc(item), rule);
}

/**
 * Once an insertOne/insertMany succeeded: in-process its result names the documents' own `_id`
 * values (the same objects), not the worker's copies (a Promise a pkFactory returned crosses as `{}`).
 * Read from the documents now (no per-call bookkeeping on this hot path): only an app that
 * reassigns `doc._id` while its insert is in flight would see the new value.
 */
export function insertedIdsAsCalled(member: string, args: unknown[], result: unknown): void {
  if (!isDoc(result)) return;
  if (member === 'insertOne') {
    const id = idOf(args[0]);
    if ('insertedId' in result && id !== undefined) result.insertedId = id;
  } else if (member === 'insertMany' && Array.isArray(args[0]) && isDoc(result.insertedIds)) {
    const docs = args[0] as unknown[];
    const many = result.insertedIds;
    for (const index of Object.keys(many)) {
      const id = idOf(docs[Number(index)]);
      if (id !== undefined) many[index] = id;
    }
  }
}

/** Before a bulk operation's chaining call is sent: `insert(doc)` and `raw({ insertOne })` add ids. */
export function assignBulkIds(bulk: RemoteRef, member: string, args: unknown[]): void {
  if (member !== 'insert' && member !== 'raw') return;
  const rule = idRule(bulk.parent, undefined, true);
  addId(member === 'insert' ? args[0] : bulkInsertDoc(args[0]), rule);
}
