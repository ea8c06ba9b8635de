// What the driver does to an insert's documents before it sends anything, done on the caller's own
// documents (the worker only sees copies): a document without `_id` gets one from the collection's
// pkFactory, in order, at call time. Two things follow, as in-process:
// - a user pkFactory's createPk runs here, synchronously, and its value is stored (in the worker it
//   would be a stub returning a Promise);
// - a document that cannot take an `_id` (frozen, as Immer/Redux state is) fails the call before
//   anything is sent: the driver's own assignment throws there, nothing is written.
// With the driver's default pkFactory, the ids are still made in the worker (no ObjectId to encode
// per document) and written back by ./inserts.ts.
import { MongoClient } from 'mongodb';

type Doc = Record<string, unknown>;
interface PkFactory {
  createPk(): unknown;
}
/** The parts of a driver Collection (the main-thread shadow) the driver's id assignment reads. */
interface CollectionShadow {
  s?: { pkFactory?: PkFactory; db?: { options?: { forceServerObjectId?: boolean } } };
}

const isDoc = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

let driverDefault: PkFactory | undefined;
/** The driver's DEFAULT_PK_FACTORY (not exported): what a client made without the option holds. */
function defaultPkFactory(): PkFactory {
  return (driverDefault ??= (new MongoClient('mongodb://localhost').options as { pkFactory: PkFactory }).pkFactory);
}

/** The documents an insert command gives ids to, and whether the server is to make them instead. */
function documentsOf(member: string, args: readonly unknown[], dbForces: boolean): { docs: unknown[]; forced: boolean } | undefined {
  const options = isDoc(args[1]) ? args[1] : undefined;
  if (member === 'insertOne') return { docs: [args[0]], forced: (options?.forceServerObjectId as boolean | undefined) ?? dbForces };
  if (!Array.isArray(args[0])) return undefined;
  // insertMany and bulkWrite run through the driver's bulk: either level forcing it wins.
  const forced = options?.forceServerObjectId === true || dbForces;
  if (member === 'insertMany') return { docs: args[0], forced };
  if (member !== 'bulkWrite') return undefined;
  const docs: unknown[] = [];
  for (const op of args[0] as unknown[]) {
    if (!isDoc(op) || !isDoc(op.insertOne)) continue;
    docs.push(op.insertOne.document == null ? op.insertOne : op.insertOne.document);
  }
  return { docs, forced };
}

/** Whether the driver's `doc._id = ...` would throw (a frozen document, a read-only `_id`). */
function refusesId(doc: Doc): boolean {
  if (!Object.isExtensible(doc) && !Object.hasOwn(doc, '_id')) return true;
  const own = Object.getOwnPropertyDescriptor(doc, '_id');
  return own !== undefined && own.writable === false;
}

/** Before an insert command leaves: the driver's id assignment, on the caller's documents. */
export function assignInsertIds(member: string, args: readonly unknown[], shadow: unknown): void {
  if (member !== 'insertOne' && member !== 'insertMany' && member !== 'bulkWrite') return;
  const s = (shadow as CollectionShadow | undefined)?.s;
  const found = documentsOf(member, args, s?.db?.options?.forceServerObjectId === true);
  if (!found || found.forced) return;
  const pkFactory = s?.pkFactory;
  const userFactory = pkFactory !== undefined && pkFactory !== defaultPkFactory() ? pkFactory : undefined;
  for (const doc of found.docs) {
    if (!isDoc(doc) || doc._id != null) continue;
    if (userFactory) doc._id = userFactory.createPk();
    // The driver's own assignment, so the error is the one it throws (strict mode: a TypeError).
    else if (refusesId(doc)) doc._id = undefined;
  }
}
