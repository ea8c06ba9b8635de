// Results mongosh prints in another shape than the driver returns them, reshaped in the REPL only
// (its executor, so every framework gets them): `db.dropDatabase()` is `{ ok: 1, dropped: 'name' }`
// (the driver: `true`), an update's `upsertedId` is mongosh's `insertedId`.
import type { Executor, Ref } from '../executor/types.js';
import type { ClassName } from '../registry/kinds.js';
import { driverClassOf } from '../registry/driver-classes.js';
import { updateResultShape } from './shell-members.js';

type Reshape = (result: any, read: (name: string) => unknown) => unknown;

const UPDATE: Reshape = (r) => (r && typeof r === 'object' && 'upsertedId' in r ? updateResultShape(r) : r);

/** mongosh's shapes, by the class and member of the registry that returns them. */
const SHAPES: Partial<Record<ClassName, Record<string, Reshape>>> = {
  Db: { dropDatabase: (ok, read) => (ok === true ? { ok: 1, dropped: read('databaseName') } : ok) },
  Collection: { updateOne: UPDATE, updateMany: UPDATE, replaceOne: UPDATE },
};

export function reshaping(base: Executor): Executor {
  return Object.assign(Object.create(base) as Executor, {
    invoke(ref: Ref, member: string | symbol, args: unknown[]) {
      const op = base.invoke(ref, member, args);
      if (typeof member !== 'string') return op;
      const cls = base.classOf?.(ref) ?? driverClassOf(ref);
      const reshape = cls && [...cls.isA].map((c) => SHAPES[c]?.[member]).find(Boolean);
      // then() on the future the executor returns: a Promise, or the blocking view's settled value.
      return reshape ? op.then((result) => reshape(result, (name) => base.read(ref, name))) : op;
    },
  });
}
