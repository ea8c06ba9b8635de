// In-process, the driver writes the `_id` it generates into the caller's own documents (the registry's IdRole says
// which). The worker sees only copies (and a pkFactory is a main-thread object), so the same ids are set here before
// sending, by the driver's rules (maybeAddIdToDocuments, ClientBulkWriteCommandBuilder): `doc._id` reads as in-process.
import { ObjectId, WriteConcern } from '../../../driver.js';
import { INSERT_MODEL, type Attribute, type IdRole } from '../../../registry/kinds.js';
import type { RemoteRef } from './remote-ref.js';

type Doc = Record<string, unknown>;
type PkFactory = { createPk(): unknown };
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

/**
 * What the pkFactory gives a document. A null or undefined id is refused before anything is sent: the
 * driver in the worker would call the pkFactory again for that document (its `_id` still null), and
 * there a main-thread function can only answer with a Promise (stored as `_id: {}`).
 */
function createdId(pk: PkFactory): unknown {
  const id = pk.createPk();
  if (id == null) {
    throw new TypeError(
      `rotor (pool executor): pkFactory.createPk() returned ${String(id)}: on the pool a pkFactory must return an _id value ` +
        '(the driver in the worker thread would call it a second time, where it can only answer asynchronously); ' +
        'return one, or set forceServerObjectId to let the server assign ids',
    );
  }
  return id;
}

function addId(doc: unknown, rule: { pk: PkFactory; force: boolean }): void {
  if (rule.force || !isDoc(doc) || doc._id != null) return; // what the driver refuses, it refuses in the worker
  doc._id = createdId(rule.pk);
}

/** The document a bulk `insertOne` operation inserts (the driver still accepts it without `document`). */
function bulkInsertDoc(op: unknown): unknown {
  if (!isDoc(op) || !(INSERT_MODEL in op)) return undefined;
  const insert = op[INSERT_MODEL];
  return isDoc(insert) && insert.document == null ? insert : isDoc(insert) ? insert.document : undefined;
}

const idOf = (doc: unknown): unknown => (isDoc(doc) ? doc._id : undefined);

/** The registry's IdRole of a member (which documents the write gives ids); a client bulkWrite's are set a tick after the call. */
export function idRoleOf(attr: Attribute | undefined): IdRole | undefined {
  return attr?.kind === 'async' || attr?.kind === 'chain' ? attr.ids : undefined;
}

/** Before a write is sent (a command, or a bulk operation's chaining call): the ids its documents get in-process. */
export function assignInsertIds(target: RemoteRef, role: IdRole | undefined, args: unknown[]): void {
  switch (role) {
    case 'document':
      return addId(args[0], idRule(target, args[1], false));
    case 'documents':
    case 'writeModels': {
      if (!Array.isArray(args[0])) return;
      const rule = idRule(target, args[1], true);
      const many = role === 'documents';
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
 * Once an insert succeeded: in-process its result names the documents' own `_id` values, not the
 * worker's copies (a Promise a pkFactory returned crosses as `{}`). Read from the documents now.
 */
export function insertedIdsAsCalled(role: IdRole | undefined, args: unknown[], result: unknown): void {
  if (role === undefined || !isDoc(result)) return;
  if (role === 'clientWriteModels' && Array.isArray(args[0]) && result.insertResults instanceof Map) {
    // A verbose client bulkWrite result names each insert's `_id` as in-process: the document's own value.
    for (const [index, insert] of result.insertResults as Map<number, unknown>) {
      const model: unknown = args[0][index];
      const id = isDoc(model) ? idOf(model.document) : undefined;
      if (isDoc(insert) && id !== undefined) insert.insertedId = id;
    }
  } else if (role === 'document') {
    const id = idOf(args[0]); // the worker leaves it out of the result when it is this id (worker/snapshot.ts leaveOutEchoedId)
    if (id !== undefined) result.insertedId = id;
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
 * MongoClient.bulkWrite (driver 6.10+): each insertOne model's document gets `_id ?? pkFactory.createPk()` (the client's),
 * unless the driver refuses the call first (no models, automatic encryption, w:0 with ordered writes or verbose results).
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
    if (!isDoc(model) || model.name !== INSERT_MODEL) continue;
    const doc = model.document;
    if (!isDoc(doc)) continue; // the driver refuses it in the worker, as in-process
    doc._id = doc._id ?? createdId(pk); // the driver's own statement (it assigns even a present _id: a frozen document throws)
  }
}
