// After `.framework` / `.executor`, the names in scope that hold the session's databases and
// collections (`var users = db.users`, and top-level const/let, which the REPL makes var bindings)
// are given their twins on the new client, so every handle in scope answers in the new mode —
// `users.countDocuments() + 1` does not turn into '[object Promise]1'. Cursors, sessions and
// streams hold server state: they stay on the client that made them (which stays open).
import type { Collection, Db, MongoClient } from 'mongodb';
import { stateOf } from '../proxy/factory.js';

/** The twin of `value` on `next` when it is `previous`, or one of its databases or collections. */
function twin(value: unknown, previous: MongoClient, next: MongoClient): unknown {
  const cls = stateOf(value)?.cls;
  if (!cls) return undefined;
  if (value === previous) return next;
  if (cls.isA.has('Db') && (value as Db).client === previous) return next.db((value as Db).databaseName);
  if (cls.isA.has('Collection') && (value as Collection).db.client === previous) {
    const c = value as Collection;
    return next.db(c.dbName).collection(c.collectionName);
  }
  return undefined;
}

/** Replaces, in `scope`, the session handles of `previous` by their twins on `next`; returns the names changed. */
export function rehome(scope: Record<string, unknown>, previous: MongoClient, next: MongoClient, skip: ReadonlySet<string>): string[] {
  const moved: string[] = [];
  for (const name of Object.keys(scope)) {
    if (skip.has(name)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(scope, name);
    if (!descriptor || !('value' in descriptor) || !descriptor.writable) continue;
    const replacement = twin(descriptor.value, previous, next);
    if (replacement === undefined) continue;
    scope[name] = replacement;
    moved.push(name);
  }
  return moved;
}
