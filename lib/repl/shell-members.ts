// mongosh's daily vocabulary on rotor's own handles, in the REPL only: `db.getName()`,
// `db.users` / `db['my-coll']`, `coll.getIndexes()`, `cursor.itcount()`... The REPL's strict
// runtimes ask `shellMember` for a name outside the registry before they throw (Runtime.shell);
// library handles have no such hook, so an app's `db.users` stays a typo. Each helper is written
// with the handle's own registry members, and works in every framework: `after` applies a step to
// a value at once (sync) or when its future settles (promise, callback without a callback).
import type { Db } from 'mongodb';
import { stateOf } from '../proxy/factory.js';
import { editDistance } from '../proxy/nearest.js';
import type { ClassName } from '../registry/kinds.js';
import { resolveClass } from '../registry/resolve.js';

/** A handle seen from here: its members are called by name, their values composed with `after`. */
type Handle = Record<string, any>;
type Helper = (self: Handle, ...args: any[]) => unknown;

/** Applies `step` to a value now, or to a future's value when it settles. */
export function after<T>(value: unknown, step: (value: any) => T): T | Promise<T> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function'
    ? (value as Promise<unknown>).then(step)
    : step(value);
}

/** `db.runCommand('ping')` is `{ ping: 1 }`, as in mongosh. */
const commandOf = (cmd: unknown): Record<string, unknown> => (typeof cmd === 'string' ? { [cmd]: 1 } : (cmd as Record<string, unknown>));

const warned = new Set<string>();
/** mongosh's deprecation line, once per session. */
function deprecated(name: string, instead: string): void {
  if (warned.has(name)) return;
  warned.add(name);
  process.stderr.write(`DeprecationWarning: Collection.${name}() is deprecated. Use ${instead}.\n`);
}

const hasOperators = (update: unknown): boolean => Array.isArray(update) || Object.keys(update as object).some((k) => k.startsWith('$'));

/** The driver's UpdateResult as mongosh prints it (its upsertedId is mongosh's insertedId). */
export const updateResultShape = (r: { acknowledged: boolean; upsertedId: unknown; matchedCount: number; modifiedCount: number; upsertedCount: number }) => ({
  acknowledged: r.acknowledged,
  insertedId: r.upsertedId ?? null,
  matchedCount: r.matchedCount,
  modifiedCount: r.modifiedCount,
  upsertedCount: r.upsertedCount,
});

/** Counts what is left in a cursor by reading it: synchronously under sync, else as a future. */
function drainCount(cursor: Handle): unknown {
  let n = 0;
  const step = (more: unknown): unknown => {
    while (more === true) {
      const next = cursor.next();
      if (next instanceof Promise) return next.then(() => (n++, after(cursor.hasNext(), step)));
      n++;
      more = cursor.hasNext();
    }
    return more === false ? n : after(more, step);
  };
  return after(cursor.hasNext(), step);
}

/** The helpers, by the registry class whose handles answer them (a subclass's handles too). */
export const SHELL_MEMBERS: Partial<Record<ClassName, Record<string, Helper>>> = {
  Db: {
    getName: (db) => db.databaseName,
    getCollection: (db, name: unknown) => db.collection(name),
    getSiblingDB: (db, name: unknown) => db.client.db(name),
    getMongo: (db) => db.client,
    getCollectionNames: (db) => after(db.listCollections({}, { nameOnly: true }).toArray(), (infos: Array<{ name: string }>) => infos.map((c) => c.name).sort()),
    getCollectionInfos: (db, filter: unknown = {}, options: unknown = {}) => db.listCollections(filter, options).toArray(),
    runCommand: (db, cmd: unknown, options?: unknown) => db.command(commandOf(cmd), options),
    adminCommand: (db, cmd: unknown) => db.client.db('admin').command(commandOf(cmd)),
    serverStatus: (db) => db.client.db('admin').command({ serverStatus: 1 }),
    version: (db) => after(db.client.db('admin').command({ buildInfo: 1 }), (info: { version: string }) => info.version),
  },
  Collection: {
    getName: (c) => c.collectionName,
    getFullName: (c) => c.namespace,
    getDB: (c) => c.db,
    getIndexes: (c) => c.listIndexes().toArray(),
    stats: (c) => c.db.command({ collStats: c.collectionName }),
    insert(c, docs: unknown, options?: unknown) {
      deprecated('insert', 'insertOne, insertMany, or bulkWrite');
      const list = Array.isArray(docs) ? docs : [docs];
      return after(c.insertMany(list, options), (r: { acknowledged: boolean; insertedIds: unknown }) => ({ acknowledged: r.acknowledged, insertedIds: r.insertedIds }));
    },
    update(c, filter: unknown, update: unknown, options: { multi?: boolean; upsert?: boolean } = {}) {
      deprecated('update', 'updateOne, updateMany, or bulkWrite');
      const { multi, ...rest } = options;
      const op = !hasOperators(update) ? c.replaceOne(filter, update, rest) : multi ? c.updateMany(filter, update, rest) : c.updateOne(filter, update, rest);
      return after(op, updateResultShape);
    },
    remove(c, filter: unknown, justOne?: boolean | { justOne?: boolean }) {
      deprecated('remove', 'deleteOne, deleteMany, findOneAndDelete, or bulkWrite');
      const one = typeof justOne === 'object' && justOne !== null ? justOne.justOne : justOne;
      return one ? c.deleteOne(filter) : c.deleteMany(filter);
    },
  },
  AbstractCursor: {
    pretty: (cursor) => cursor,
    itcount: drainCount,
    // mongosh's size(): the documents the query gives with its skip and limit, read through a clone.
    size: (cursor) => after(cursor.clone().toArray(), (docs: unknown[]) => docs.length),
  },
};

/** Names that are never collections: what Object.prototype and Node's own probes ask of any object. */
const NOT_COLLECTIONS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'inspect', 'then', 'catch']);

/** The member names a handle answers in the shell: its registry's and its helpers'. */
function namesOf(cls: ClassName): string[] {
  const resolved = resolveClass(cls);
  return [...resolved.names, ...[...resolved.isA].flatMap((c) => Object.keys(SHELL_MEMBERS[c] ?? {}))];
}

/**
 * Runtime.shell: a helper bound to `handle`, a collection for another name on a Db (mongosh's
 * `db.users`), or undefined (the runtime then throws its "has no attribute ... did you mean").
 */
export function shellMember(handle: object, name: string): unknown {
  const state = stateOf(handle);
  if (!state) return undefined;
  for (const cls of state.cls.isA) {
    const helper = SHELL_MEMBERS[cls]?.[name];
    if (helper) return (...args: unknown[]) => helper(handle, ...args);
  }
  if (!state.cls.isA.has('Db') || NOT_COLLECTIONS.has(name) || name.startsWith('_')) return undefined;
  const near = namesOf(state.cls.name).find((member) => editDistance(name.toLowerCase(), member.toLowerCase()) <= 1);
  if (near) throw new TypeError(`${state.cls.name} has no attribute '${name}'; did you mean '${near}'? (for a collection of that name, use db.getCollection('${name}'))`);
  return (handle as Db).collection(name);
}

/** The shell names of a class (for help and completion). */
export function shellNames(cls: ClassName): string[] {
  return [...resolveClass(cls).isA].flatMap((c) => Object.keys(SHELL_MEMBERS[c] ?? {})).sort();
}
