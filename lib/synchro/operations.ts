// The one mapping table from unified-format operations to driver calls. Bare and rotor targets run
// the same entry: the operation's method is looked up by name on the entity (a driver object or a
// rotor handle) and called with arguments built from the test's named arguments. Nothing here
// knows which target it drives.
import type { Doc, Operation } from './format.js';
import type { EntityKind, EntityMap, IterableEntity } from './entities.js';
import { RunnerError } from './errors.js';
import type { SynchroTarget } from './targets.js';

export interface OpEnv {
  readonly target: SynchroTarget;
  readonly entities: EntityMap;
  /** Runs a nested operation with its assertions (withTransaction's callback, runOnThread). */
  execute(op: Operation): Promise<void>;
}

export interface OperationMapping {
  /** Driver method called on the entity; the operation's own name when omitted. */
  readonly method?: string;
  /** Positional arguments of that method, from the operation's (converted) named arguments. */
  readonly args?: (a: Doc, env: OpEnv) => unknown[];
  /** Turns what the method returned into the operation's result (iterate a cursor...). */
  readonly result?: (value: any, a: Doc, env: OpEnv) => unknown;
  /** Operations made of several calls. */
  readonly run?: (entity: any, a: Doc, env: OpEnv) => Promise<unknown>;
  /** The kind of entity the result is when saved with saveResultAsEntity (default: a value). */
  readonly saves?: EntityKind;
  /** expectResult is an array of root-level documents (the result of an iterated cursor). */
  readonly rootDocuments?: boolean;
}

/** The entity has no such method (on this target): a runner error naming the member. */
export class MissingMethodError extends RunnerError {
  override name = 'MissingMethodError';
}

/** `obj[name]` as a function, or a MissingMethodError (rotor throws on unknown members; the driver yields undefined). */
export function methodOf(obj: any, name: string, label: string): (...args: unknown[]) => unknown {
  let fn: unknown;
  let cause: unknown;
  try {
    fn = obj?.[name];
  } catch (err) {
    cause = err;
  }
  if (typeof fn !== 'function') {
    throw new MissingMethodError(`${label} has no method '${name}'`, cause === undefined ? undefined : { cause });
  }
  return fn as (...args: unknown[]) => unknown;
}

/** Calls `obj.name(...args)` and awaits what it returns (a Promise, a framework's thenable, or a plain value). */
export async function call(obj: any, name: string, ...args: unknown[]): Promise<any> {
  return await methodOf(obj, name, describe(obj)).apply(obj, args);
}

/** Synchronous `obj.name(...args)` (factories: find, aggregate, openUploadStream, db, admin...). */
export function callSync(obj: any, name: string, ...args: unknown[]): any {
  return methodOf(obj, name, describe(obj)).apply(obj, args);
}

/** A label for messages that is the same on every target (handles and driver objects print differently). */
function describe(obj: unknown): string {
  return obj === null || obj === undefined ? String(obj) : `the ${typeof obj}`;
}

const without = (a: Doc, ...keys: string[]): Doc => {
  const out: Doc = {};
  for (const [k, v] of Object.entries(a)) if (!keys.includes(k)) out[k] = v;
  return out;
};

const toArray = (cursor: any): Promise<unknown[]> => call(cursor, 'toArray');

function returnDocument(a: Doc): Doc {
  if (a.returnDocument === undefined) return a;
  const value = String(a.returnDocument).toLowerCase();
  if (value !== 'before' && value !== 'after') throw new RunnerError(`returnDocument must be Before or After, got ${String(a.returnDocument)}`);
  return { ...a, returnDocument: value };
}

/** `{ insertOne: { namespace, document } }` → the driver's `{ name: 'insertOne', namespace, document }`. */
function clientBulkWriteModel(model: Doc): Doc {
  const entries = Object.entries(model);
  if (entries.length !== 1) throw new RunnerError(`clientBulkWrite: a model has exactly one key, got ${Object.keys(model).join(', ')}`);
  const [name, body] = entries[0]!;
  return { name, ...(body as Doc) };
}

function hexSource(source: unknown): Buffer {
  const hex = (source as Doc | undefined)?.$$hexBytes;
  if (typeof hex !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(hex)) throw new RunnerError(`upload: source must be { $$hexBytes: <even-length hex> }`);
  return Buffer.from(hex, 'hex');
}

async function collect(stream: any): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function upload(stream: any, bytes: Buffer): Promise<unknown> {
  await new Promise<void>((resolve, reject) => {
    stream.once('finish', () => resolve());
    stream.once('error', reject);
    if (bytes.length) stream.end(bytes);
    else stream.end();
  });
  return stream.id;
}

/** watch() then one tryNext(): the server-side cursor exists before the stream is saved; a change read early is kept. */
async function changeStream(watchable: any, a: Doc): Promise<IterableEntity> {
  const stream = callSync(watchable, 'watch', a.pipeline ?? [], without(a, 'pipeline'));
  const first = await call(stream, 'tryNext');
  return { cursor: stream, buffered: first == null ? [] : [first] };
}

function applyCursorCommandOptions(cursor: any, a: Doc): void {
  if (a.batchSize !== undefined) callSync(cursor, 'setBatchSize', a.batchSize);
  if (a.maxTimeMS !== undefined) callSync(cursor, 'setMaxTimeMS', a.maxTimeMS);
  if (a.comment !== undefined) callSync(cursor, 'setComment', a.comment);
}

function cursorCommandOptions(a: Doc): Doc {
  const options: Doc = without(a, 'command', 'commandName', 'batchSize', 'maxTimeMS', 'comment', 'cursorType');
  if (a.cursorType === 'tailable') options.tailable = true;
  if (a.cursorType === 'tailableAwait') Object.assign(options, { tailable: true, awaitData: true });
  return options;
}

const aggregate: OperationMapping = { args: (a) => [a.pipeline, without(a, 'pipeline')], result: toArray, rootDocuments: true };
const createChangeStream: OperationMapping = { run: (e, a) => changeStream(e, a), saves: 'changeStream' };
const watch: OperationMapping = {
  run: (e, a) => Promise.resolve({ cursor: callSync(e, 'watch', a.pipeline ?? [], without(a, 'pipeline')), buffered: [] }),
  saves: 'changeStream',
};
const filterFirst: OperationMapping = { args: (a) => [a.filter ?? {}, without(a, 'filter')] };
const iterateUntilDocumentOrError: OperationMapping = {
  run: async (it: IterableEntity) => (it.buffered.length ? it.buffered.shift() : await call(it.cursor, 'next')),
};
const iterateOnce: OperationMapping = {
  run: async (it: IterableEntity) => (it.buffered.length ? it.buffered.shift() : await call(it.cursor, 'tryNext')),
};
const closeCursor: OperationMapping = {
  run: async (it: IterableEntity) => {
    try {
      await call(it.cursor, 'close');
    } catch {
      /* the spec: errors from closing a cursor are suppressed */
    }
  },
};

/** `<entity kind>.<operation name>` → how to run it. */
export const OPERATIONS: Readonly<Record<string, OperationMapping>> = {
  // --- client
  'client.close': { args: () => [] },
  'client.listDatabases': {
    run: async (c, a) => (await call(callSync(callSync(c, 'db', 'admin'), 'admin'), 'listDatabases', a)).databases,
    rootDocuments: true,
  },
  'client.listDatabaseNames': {
    run: async (c, a) => ((await call(callSync(callSync(c, 'db', 'admin'), 'admin'), 'listDatabases', { ...a, nameOnly: true })).databases as Doc[]).map((d) => d.name),
  },
  'client.createChangeStream': createChangeStream,
  'client.watch': watch,
  'client.clientBulkWrite': { method: 'bulkWrite', args: (a) => [(a.models as Doc[]).map(clientBulkWriteModel), without(a, 'models')] },
  'client.appendMetadata': { args: (a) => [a.driverInfoOptions] },

  // --- database
  'database.aggregate': aggregate,
  'database.createChangeStream': createChangeStream,
  'database.watch': watch,
  'database.listCollections': { args: (a) => [a.filter ?? {}, without(a, 'filter')], result: toArray, rootDocuments: true },
  'database.listCollectionNames': {
    method: 'listCollections',
    args: (a) => [a.filter ?? {}, { ...without(a, 'filter'), nameOnly: true }],
    result: async (cursor) => ((await toArray(cursor)) as Doc[]).map((c) => c.name),
  },
  'database.runCommand': { method: 'command', args: (a) => [a.command, without(a, 'command', 'commandName')] },
  'database.runCursorCommand': {
    run: async (db, a) => {
      const cursor = callSync(db, 'runCursorCommand', a.command, cursorCommandOptions(a));
      applyCursorCommandOptions(cursor, a);
      return toArray(cursor);
    },
    rootDocuments: true,
  },
  'database.createCommandCursor': {
    run: async (db, a) => {
      const cursor = callSync(db, 'runCursorCommand', a.command, cursorCommandOptions(a));
      applyCursorCommandOptions(cursor, a);
      await call(cursor, 'hasNext'); // the command runs now; the first document stays in the buffer
      return { cursor, buffered: [] };
    },
    saves: 'cursor',
  },
  'database.createCollection': { args: (a) => [a.collection, without(a, 'collection')], result: () => undefined },
  'database.dropCollection': { args: (a) => [a.collection, without(a, 'collection')] },
  'database.drop': { method: 'dropDatabase', args: (a) => [a] },
  'database.modifyCollection': { method: 'command', args: (a) => [{ collMod: a.collection, ...without(a, 'collection', 'session') }, a.session ? { session: a.session } : {}] },

  // --- collection
  'collection.aggregate': aggregate,
  'collection.bulkWrite': { args: (a) => [a.requests, without(a, 'requests')] },
  'collection.count': filterFirst,
  'collection.countDocuments': filterFirst,
  'collection.createChangeStream': createChangeStream,
  'collection.watch': watch,
  'collection.createFindCursor': {
    run: async (coll, a) => {
      const cursor = callSync(coll, 'find', a.filter ?? {}, without(a, 'filter'));
      await call(cursor, 'hasNext'); // the find command runs now; the first document stays in the buffer
      return { cursor, buffered: [] };
    },
    saves: 'cursor',
  },
  'collection.createIndex': { args: (a) => [a.keys, without(a, 'keys')] },
  'collection.createIndexes': { args: (a) => [a.models, without(a, 'models')] },
  'collection.dropIndex': { args: (a) => [a.name, without(a, 'name')] },
  'collection.dropIndexes': { args: (a) => [a] },
  'collection.deleteMany': filterFirst,
  'collection.deleteOne': filterFirst,
  'collection.distinct': { args: (a) => [a.fieldName, a.filter ?? {}, without(a, 'fieldName', 'filter')] },
  'collection.drop': { args: (a) => [a] },
  'collection.estimatedDocumentCount': { args: (a) => [a] },
  'collection.find': { args: (a) => [a.filter ?? {}, without(a, 'filter')], result: toArray, rootDocuments: true },
  'collection.findOne': filterFirst,
  'collection.findOneAndDelete': filterFirst,
  'collection.findOneAndReplace': { args: (a) => [a.filter, a.replacement, returnDocument(without(a, 'filter', 'replacement'))] },
  'collection.findOneAndUpdate': { args: (a) => [a.filter, a.update, returnDocument(without(a, 'filter', 'update'))] },
  'collection.insertMany': { args: (a) => [a.documents, without(a, 'documents')] },
  'collection.insertOne': { args: (a) => [a.document, without(a, 'document')] },
  'collection.listIndexes': { args: (a) => [a], result: toArray, rootDocuments: true },
  'collection.listIndexNames': {
    method: 'listIndexes',
    args: (a) => [a],
    result: async (cursor) => ((await toArray(cursor)) as Doc[]).map((i) => i.name),
  },
  'collection.replaceOne': { args: (a) => [a.filter, a.replacement, without(a, 'filter', 'replacement')] },
  'collection.updateMany': { args: (a) => [a.filter, a.update, without(a, 'filter', 'update')] },
  'collection.updateOne': { args: (a) => [a.filter, a.update, without(a, 'filter', 'update')] },
  'collection.rename': { args: (a) => [a.to, without(a, 'to')], result: () => undefined },
  'collection.createSearchIndex': { args: (a) => [a.model] },
  'collection.createSearchIndexes': { args: (a) => [a.models] },
  'collection.dropSearchIndex': { args: (a) => [a.name] },
  'collection.updateSearchIndex': { args: (a) => [a.name, a.definition] },
  'collection.listSearchIndexes': {
    run: async (coll, a) => toArray(a.name === undefined ? callSync(coll, 'listSearchIndexes', a.aggregationOptions ?? {}) : callSync(coll, 'listSearchIndexes', a.name, a.aggregationOptions ?? {})),
    rootDocuments: true,
  },

  // --- session
  'session.startTransaction': { args: (a) => [a] },
  'session.commitTransaction': { args: () => [] },
  'session.abortTransaction': { args: () => [] },
  'session.endSession': { args: () => [] },
  'session.withTransaction': {
    run: async (session, a, env) =>
      call(
        session,
        'withTransaction',
        async () => {
          for (const op of (a.callback as Operation[]) ?? []) await env.execute(op);
        },
        without(a, 'callback'),
      ).then(() => undefined),
  },

  // --- GridFS bucket
  'bucket.delete': { args: (a) => [a.id, without(a, 'id')] },
  'bucket.rename': { args: (a) => [a.id, a.newFilename, without(a, 'id', 'newFilename')] },
  // Newer GridFS spec names for the same methods.
  'bucket.renameById': { method: 'rename', args: (a) => [a.id, a.newFilename, without(a, 'id', 'newFilename')] },
  'bucket.deleteById': { method: 'delete', args: (a) => [a.id, without(a, 'id')] },
  'bucket.drop': { args: (a) => [a] },
  'bucket.find': { args: (a) => [a.filter ?? {}, without(a, 'filter')], result: toArray, rootDocuments: true },
  'bucket.download': { run: (b, a) => collect(callSync(b, 'openDownloadStream', a.id, without(a, 'id'))) },
  'bucket.downloadByName': { run: (b, a) => collect(callSync(b, 'openDownloadStreamByName', a.filename, without(a, 'filename'))) },
  'bucket.upload': {
    run: (b, a) => upload(callSync(b, 'openUploadStream', a.filename, without(a, 'filename', 'source')), hexSource(a.source)),
  },
  'bucket.uploadWithId': {
    run: (b, a) => upload(callSync(b, 'openUploadStreamWithId', a.id, a.filename, without(a, 'id', 'filename', 'source')), hexSource(a.source)),
  },
  // Operations the GridFS spec names but the driver lacks (deleteByName, renameByName) are looked up
  // the same way, so they fail alike on every target.
  'bucket.deleteByName': { args: (a) => [a.filename, without(a, 'filename')] },
  'bucket.renameByName': { args: (a) => [a.filename, a.newFilename, without(a, 'filename', 'newFilename')] },

  // --- cursors and change streams (the entity is { cursor, buffered })
  'cursor.iterateUntilDocumentOrError': iterateUntilDocumentOrError,
  'cursor.iterateOnce': iterateOnce,
  'cursor.close': closeCursor,
  'changeStream.iterateUntilDocumentOrError': iterateUntilDocumentOrError,
  'changeStream.iterateOnce': iterateOnce,
  'changeStream.close': closeCursor,
};

/** The mapping for an operation on an entity of `kind`, or a RunnerError for an unsupported one. */
export function mappingFor(kind: EntityKind, name: string): OperationMapping {
  const found = OPERATIONS[`${kind}.${name}`];
  if (!found) throw new RunnerError(`unsupported operation '${name}' on a ${kind} entity`);
  return found;
}

/** Runs a mapped operation on its entity. */
export async function invoke(kind: EntityKind, entity: any, name: string, mapping: OperationMapping, a: Doc, env: OpEnv): Promise<unknown> {
  if (mapping.run) return mapping.run(entity, a, env);
  const method = mapping.method ?? name;
  const fn = methodOf(entity, method, kind);
  const value = await fn.apply(entity, mapping.args ? mapping.args(a, env) : [a]);
  return mapping.result ? await mapping.result(value, a, env) : value;
}
