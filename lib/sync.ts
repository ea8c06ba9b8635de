// rotor/sync: the sync framework over the pool executor. The same handles, blocking: every async
// command returns its result (or throws the driver's error) before returning, while the driver runs
// in a pool worker thread and this thread waits on Atomics.wait. Cursors are iterable with
// `for...of`; withSession/withTransaction take synchronous functions. For scripts, CLIs, config
// loaders and plugins that must stay synchronous; never for a server's request handler.
import type * as driver from 'mongodb';
import * as driverModule from 'mongodb';
import { createRotor } from './create-rotor.js';

export * from 'mongodb';

export { createRotor, closeSharedPool } from './create-rotor.js';
export { WorkerLostError, PoolClosedError, BlockingTimeoutError } from './executor/pool/errors.js';

const rotor = createRotor({ framework: 'sync', executor: 'pool' });
/** The runtime behind this entry point (framework and executor). */
export const runtime = rotor.runtime;

// TODO(types, issue #13): these are the driver's (Promise-returning) types, a placeholder. Replace
// every `D[...]` / `driver.X` below with the generated sync declarations from lib/types (the
// generator's "sync" mode: each `Promise<T>` member returns `T`, cursors add `[Symbol.iterator]`),
// as lib/callback.ts does with WithCallbacks, then enable spec/types/sync-types.sample.ts.
type D = typeof driver;
export const MongoClient = rotor.MongoClient as unknown as D['MongoClient'];
export type MongoClient = driver.MongoClient;
export const Db = rotor.Db as unknown as D['Db'];
export type Db = driver.Db;
export const Collection = rotor.Collection as unknown as D['Collection'];
export type Collection<TSchema extends driver.Document = driver.Document> = driver.Collection<TSchema>;
export const Admin = rotor.Admin as unknown as D['Admin'];
export type Admin = driver.Admin;
export const AbstractCursor = rotor.AbstractCursor as unknown as D['AbstractCursor'];
export type AbstractCursor<TSchema = any> = driver.AbstractCursor<TSchema>;
export const FindCursor = rotor.FindCursor as unknown as D['FindCursor'];
export type FindCursor<TSchema = any> = driver.FindCursor<TSchema>;
export const AggregationCursor = rotor.AggregationCursor as unknown as D['AggregationCursor'];
export type AggregationCursor<TSchema = any> = driver.AggregationCursor<TSchema>;
export const ListCollectionsCursor = rotor.ListCollectionsCursor as unknown as D['ListCollectionsCursor'];
export type ListCollectionsCursor = driver.ListCollectionsCursor;
export const ListIndexesCursor = rotor.ListIndexesCursor as unknown as D['ListIndexesCursor'];
export type ListIndexesCursor = driver.ListIndexesCursor;
export const ListSearchIndexesCursor = rotor.ListSearchIndexesCursor as unknown as D['ListSearchIndexesCursor'];
export type ListSearchIndexesCursor = driver.ListSearchIndexesCursor;
export const RunCommandCursor = rotor.RunCommandCursor as unknown as D['RunCommandCursor'];
export type RunCommandCursor = driver.RunCommandCursor;
export const ChangeStream = rotor.ChangeStream as unknown as D['ChangeStream'];
export type ChangeStream<TSchema extends driver.Document = driver.Document> = driver.ChangeStream<TSchema>;
export const ClientSession = rotor.ClientSession as unknown as D['ClientSession'];
export type ClientSession = driver.ClientSession;
export const GridFSBucket = rotor.GridFSBucket as unknown as D['GridFSBucket'];
export type GridFSBucket = driver.GridFSBucket;
export const GridFSBucketReadStream = rotor.GridFSBucketReadStream as unknown as D['GridFSBucketReadStream'];
export type GridFSBucketReadStream = driver.GridFSBucketReadStream;
export const GridFSBucketWriteStream = rotor.GridFSBucketWriteStream as unknown as D['GridFSBucketWriteStream'];
export type GridFSBucketWriteStream = driver.GridFSBucketWriteStream;
export const BulkOperationBase = rotor.BulkOperationBase as unknown as D['BulkOperationBase'];
export type BulkOperationBase = driver.BulkOperationBase;
export const OrderedBulkOperation = rotor.OrderedBulkOperation as unknown as D['OrderedBulkOperation'];
export type OrderedBulkOperation = driver.OrderedBulkOperation;
export const UnorderedBulkOperation = rotor.UnorderedBulkOperation as unknown as D['UnorderedBulkOperation'];
export type UnorderedBulkOperation = driver.UnorderedBulkOperation;
export const FindOperators = rotor.FindOperators as unknown as D['FindOperators'];
export type FindOperators = driver.FindOperators;
export const ClientEncryption = rotor.ClientEncryption as unknown as D['ClientEncryption'];
export type ClientEncryption = driver.ClientEncryption;

/** `import mongodb from 'rotor/sync'`: every export, rotor's classes in place of the driver's. */
// eslint-disable-next-line @typescript-eslint/unbound-method -- poolStats and close are destructured only to be left out
const defaultExport = { ...driverModule, ...(({ runtime: _runtime, poolStats: _stats, close: _close, ...classes }) => classes)(rotor) };
export default defaultExport as unknown as typeof driverModule;
