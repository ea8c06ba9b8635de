// What `import 'mongodb'` resolves to under rotor/register: everything the driver exports, with
// rotor's classes in place of the driver's, for the framework and executor named by the
// environment (ROTOR_FRAMEWORK: promise | callback | sync; ROTOR_EXECUTOR: inline | pool | ...;
// ROTOR_STRICT=1 for strict handles: members outside the registry throw).
// `require('mongodb')` gets the same module (entry.cjs builds its exports from this one), so an
// app mixing both sees one set of classes.
import * as driverModule from 'mongodb';
import { createRotor, EXECUTORS, FRAMEWORKS, type RotorClasses } from '../create-rotor.js';

export * from 'mongodb';

function choose(variable: string, fallback: string, known: Readonly<Record<string, unknown>>, what: string): string {
  const value = process.env[variable]?.trim() || fallback;
  // `in` does not start anything (a pool executor is created on first read).
  if (!(value in known)) {
    throw new Error(`rotor/register: ${variable}='${value}' is not a rotor ${what}; available: ${Object.keys(known).join(', ')}`);
  }
  return value;
}

const framework = choose('ROTOR_FRAMEWORK', 'promise', FRAMEWORKS, 'framework');
const rotor: RotorClasses = createRotor({
  framework: framework as 'promise',
  // A blocking framework (sync) needs the driver off this thread: the pool is its default.
  executor: choose('ROTOR_EXECUTOR', FRAMEWORKS[framework]?.blocking ? 'pool' : 'inline', EXECUTORS, 'executor') as 'inline',
  strict: /^(1|true)$/i.test(process.env.ROTOR_STRICT?.trim() ?? ''),
});

export const MongoClient = rotor.MongoClient;
export const Db = rotor.Db;
export const Collection = rotor.Collection;
export const Admin = rotor.Admin;
export const AbstractCursor = rotor.AbstractCursor;
export const FindCursor = rotor.FindCursor;
export const AggregationCursor = rotor.AggregationCursor;
export const ListCollectionsCursor = rotor.ListCollectionsCursor;
export const ListIndexesCursor = rotor.ListIndexesCursor;
export const ListSearchIndexesCursor = rotor.ListSearchIndexesCursor;
export const RunCommandCursor = rotor.RunCommandCursor;
export const ChangeStream = rotor.ChangeStream;
export const ClientSession = rotor.ClientSession;
export const GridFSBucket = rotor.GridFSBucket;
export const GridFSBucketReadStream = rotor.GridFSBucketReadStream;
export const GridFSBucketWriteStream = rotor.GridFSBucketWriteStream;
export const BulkOperationBase = rotor.BulkOperationBase;
export const OrderedBulkOperation = rotor.OrderedBulkOperation;
export const UnorderedBulkOperation = rotor.UnorderedBulkOperation;
export const FindOperators = rotor.FindOperators;
export const ClientEncryption = rotor.ClientEncryption;

/** `import mongodb from 'mongodb'`: every export, rotor's classes in place of the driver's. */
const { runtime: _runtime, ...classes } = rotor;
export default { ...driverModule, ...classes };
