// In-process, the driver writes the `_id` it generates into the caller's own documents (insertOne,
// insertMany, bulkWrite inserts, a bulk operation's insert/raw), with the collection's pkFactory,
// unless forceServerObjectId; and MongoClient.bulkWrite's insertOne models, with the client's
// pkFactory. Across the worker boundary it would only see a copy (and the user's pkFactory, a
// main-thread object, could only be called back asynchronously), so the same ids are set here,
// before the documents are sent, by the same rule (the driver's maybeAddIdToDocuments, and its
// ClientBulkWriteCommandBuilder): `doc._id` reads as in-process after the call, after a failed write
// too, `_id: null` is replaced, a frozen document is refused before anything is sent, and the
// driver in the worker finds the ids already there.
import { ObjectId, WriteConcern } from '../../../driver.js';
import type { IdRole } from '../../../registry/kinds.js';
import type { RemoteRef } from './remote-ref.js';

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

/** The registry's IdRole of `member` on `target`'s class (which documents the write gives ids). */
function idRole(target: RemoteRef, member: string): IdRole | undefined {
  const attr = target.resolved.attributes.get(member);
  return attr?.kind === 'async' || attr?.kind === 'chain' ? attr.ids : undefined;
}

/**
 * Whether the driver sets a command's ids after the call returned rather than during it: a client
 * bulkWrite builds its batch (and calls the pkFactory) after its first await. The async path sets
 * them (and sends) a microtask later, so `doc._id` still reads as before right after the call, as
 * in-process.
 */
export function assignsIdsLater(target: RemoteRef, member: string): boolean {
  return idRole(target, member) === 'clientWriteModels';
}

/** Before a write is sent (a command, or a bulk operation's chaining call): the ids its documents get in-process. */
export function assignInsertIds(target: RemoteRef, member: string, args: unknown[]): void {
  switch (idRole(target, member)) {
    case 'document':
      return addId(args[0], idRule(target, args[1], false));
    case 'documents':
    case 'writeModels': {
      if (!Array.isArray(args[0])) return;
      const rule = idRule(target, args[1], true);
      const many = idRole(target, member) === 'documents';
      for (const item of args[0] as unknown[]) addId(many ? item : bulkInsertDoc(item), rule);
      return;
    }
    case 'clientWriteModels':
      return assignClientBulkIds(target, args);
    case 'bulkInsert':
      return addId(args[0], idRule(target.parent, undefined, true));
    case 'bulkRaw':
      return addId(bulkInsertDoc(args[0]), idRule(target.parent, undefined, true));
    case undefined:
      return;
  }
}

/**
 * Once an insertOne/insertMany succeeded: in-process its result names the documents' own `_id`
 * values (the same objects), not the worker's copies (a Promise a pkFactory returned crosses as `{}`).
 * Read from the documents now (no per-call bookkeeping on this hot path): only an app that
 * reassigns `doc._id` while its insert is in flight would see the new value.
 */
export function insertedIdsAsCalled(target: RemoteRef, member: string, args: unknown[], result: unknown): void {
  if (!isDoc(result)) return;
  const role = idRole(target, member);
  if (role === 'clientWriteModels') clientBulkIdsAsCalled(args, result);
  else if (role === 'document') {
    const id = idOf(args[0]);
    if ('insertedId' in result && id !== undefined) result.insertedId = id;
  } else if (role === 'documents' && Array.isArray(args[0]) && isDoc(result.insertedIds)) {
    const docs = args[0] as unknown[];
    const many = result.insertedIds;
    for (const index of Object.keys(many)) {
      const id = idOf(docs[Number(index)]);
      if (id !== undefined) many[index] = id;
    }
  }
}

/** What the client's shadow (the driver's own MongoClient, never connected) knows of ids. */
interface ClientShadow {
  s?: { options?: { pkFactory?: PkFactory } };
  writeConcern?: WriteConcern;
  autoEncrypter?: unknown;
}

/**
 * MongoClient.bulkWrite (driver 6.10+): the driver's ClientBulkWriteCommandBuilder gives each
 * insertOne model's document `document._id = document._id ?? pkFactory.createPk()`, with the client's
 * pkFactory (forceServerObjectId is not consulted), unless its executor refused the call first (no
 * models, automatic encryption, or an unacknowledged write concern with ordered writes or verbose
 * results). The driver does this while building the batch, once the call returned (see
 * assignsIdsLater); here just before the documents are sent, so ids are set once the call settles,
 * whatever the server did.
 */
function assignClientBulkIds(client: RemoteRef, args: unknown[]): void {
  const models = args[0];
  if (!Array.isArray(models) || models.length === 0) return;
  const shadow = client.shadow as ClientShadow | undefined;
  if (shadow?.autoEncrypter) return;
  const options = isDoc(args[1]) ? args[1] : {};
  const w = (WriteConcern.fromOptions(options) ?? shadow?.writeConcern)?.w;
  if (w === 0 && (Boolean(options.verboseResults) || (options.ordered ?? true) !== false)) return;
  const pk = shadow?.s?.options?.pkFactory ?? DEFAULT_PK;
  for (const model of models as unknown[]) {
    if (!isDoc(model) || model.name !== 'insertOne') continue;
    const doc = model.document;
    if (!isDoc(doc)) continue; // the driver refuses it in the worker, as in-process
    doc._id = doc._id ?? pk.createPk(); // the driver's own statement (it assigns even a present _id: a frozen document throws)
  }
}

/** A verbose client bulkWrite result names each insert's `_id` as in-process: the document's own value. */
function clientBulkIdsAsCalled(args: unknown[], result: Doc): void {
  const models = args[0];
  if (!Array.isArray(models) || !(result.insertResults instanceof Map)) return;
  for (const [index, insert] of result.insertResults as Map<number, unknown>) {
    const model: unknown = models[index];
    const id = isDoc(model) ? idOf(model.document) : undefined;
    if (isDoc(insert) && id !== undefined) insert.insertedId = id;
  }
}
