// mongosh's `find(filter, projection)`: the driver reads a second argument as options, so
// `find({}, { _id: 0 })` would silently return `_id`. In the REPL, when a member's options hold a
// projection (registry data: `projectionInOptions`), a plain object at its options position
// (`optionsAt`) that holds no find option is the projection; one that mixes option and field names
// is refused, naming both; mongosh's third argument (options) is merged in. Runs before the
// statement's signal is added to the options (./cancel.ts).
import type { FindOptions } from 'mongodb';
import type { Executor, Ref } from '../executor/types.js';
import { driverClassOf } from '../registry/driver-classes.js';

/**
 * Every key of the driver's FindOptions, of mongodb 6 and 7 (the check below fails the build when
 * the installed driver has one more), and the signal the REPL adds.
 */
const FIND_OPTIONS = {
  explain: true, checkKeys: true, serializeFunctions: true, ignoreUndefined: true, useBigInt64: true, promoteLongs: true,
  promoteBuffers: true, promoteValues: true, fieldsAsRaw: true, bsonRegExp: true, raw: true, readConcern: true, collation: true,
  maxTimeMS: true, comment: true, dbName: true, authdb: true, session: true, willRetryWrite: true, readPreference: true,
  timeoutMS: true, enableUtf8Validation: true, limit: true, sort: true, projection: true, skip: true, hint: true, timeout: true,
  tailable: true, awaitData: true, batchSize: true, returnKey: true, min: true, max: true, maxAwaitTimeMS: true,
  noCursorTimeout: true, allowDiskUse: true, singleBatch: true, allowPartialResults: true, showRecordId: true, let: true,
  oplogReplay: true, timeoutMode: true, signal: true,
  retryWrites: true, noResponse: true, // mongodb 6
} as const;
type Unlisted = Exclude<keyof FindOptions, keyof typeof FIND_OPTIONS>;
/** A FindOptions key missing above makes this a type error naming it. */
const complete: [Unlisted] extends [never] ? true : Unlisted = true;
void complete;

const isPlain = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && [Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null);

/** `args` as the driver wants them when the member reads a projection at `at` (mongosh's reading). */
export function shellProjection(member: string, args: unknown[], at: number): unknown[] {
  const given = args[at];
  if (!isPlain(given)) return args;
  const keys = Object.keys(given);
  const options = keys.filter((k) => Object.hasOwn(FIND_OPTIONS, k));
  if (options.length === keys.length && keys.length > 0) return args; // the driver's options object
  if (options.length) {
    const fields = keys.filter((k) => !Object.hasOwn(FIND_OPTIONS, k));
    throw new TypeError(
      `${member}(filter, projection): the second argument mixes find options (${options.join(', ')}) with fields (${fields.join(', ')}); pass { projection: { ... }, ${options[0]}: ... } or the projection alone`,
    );
  }
  const extra = args[at + 1];
  if (extra !== undefined && !isPlain(extra)) throw new TypeError(`${member}(filter, projection, options): options must be an object`);
  return [...args.slice(0, at), { ...(extra as object | undefined), projection: given }, ...args.slice(at + 2)];
}

/** The REPL's executor: `base`, reading find-like members' projections as mongosh does. */
export function projecting(base: Executor): Executor {
  const at = (ref: Ref, member: string | symbol): number | undefined => {
    if (typeof member !== 'string') return undefined;
    const attr = (base.classOf?.(ref) ?? driverClassOf(ref))?.attributes.get(member);
    return attr && 'projectionInOptions' in attr && attr.projectionInOptions ? attr.optionsAt : undefined;
  };
  return Object.assign(Object.create(base) as Executor, {
    invoke(ref: Ref, member: string | symbol, args: unknown[]) {
      const i = at(ref, member);
      return base.invoke(ref, member, i === undefined ? args : shellProjection(String(member), args, i));
    },
    factory(ref: Ref, member: string | symbol, args: unknown[], cls: Parameters<Executor['factory']>[3]) {
      const i = at(ref, member);
      return base.factory(ref, member, i === undefined ? args : shellProjection(String(member), args, i), cls);
    },
  });
}
