// rotor: the promise framework over the inline executor. Everything `mongodb` exports is exported
// here; the classes rotor wraps are replaced by rotor's, typed as the driver's own classes (the
// promise framework's API is the driver's API, so the driver's types are rotor's types).
import type * as driver from 'mongodb';
import { createRotor } from './create-rotor.js';

export * from 'mongodb';

export { createRotor, closeSharedPool, FRAMEWORKS, EXECUTORS, type RotorOptions, type RotorClasses } from './create-rotor.js';
export type { Framework, Callback } from './framework/types.js';
export type { Executor } from './executor/types.js';

const rotor = createRotor({ framework: 'promise', executor: 'inline' });
/** The runtime behind this entry point (framework and executor). */
export const runtime = rotor.runtime;

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
export type AbstractCursor<TSchema = any, CursorEvents extends driver.AbstractCursorEvents = driver.AbstractCursorEvents> = driver.AbstractCursor<TSchema, CursorEvents>;
export const FindCursor = rotor.FindCursor as unknown as D['FindCursor'];
export type FindCursor<TSchema = any> = driver.FindCursor<TSchema>;
export const AggregationCursor = rotor.AggregationCursor as unknown as D['AggregationCursor'];
export type AggregationCursor<TSchema = any> = driver.AggregationCursor<TSchema>;
export const ListCollectionsCursor = rotor.ListCollectionsCursor as unknown as D['ListCollectionsCursor'];
export type ListCollectionsCursor<T extends Pick<driver.CollectionInfo, 'name' | 'type'> | driver.CollectionInfo = Pick<driver.CollectionInfo, 'name' | 'type'> | driver.CollectionInfo> = driver.ListCollectionsCursor<T>;
export const ListIndexesCursor = rotor.ListIndexesCursor as unknown as D['ListIndexesCursor'];
export type ListIndexesCursor = driver.ListIndexesCursor;
export const ListSearchIndexesCursor = rotor.ListSearchIndexesCursor as unknown as D['ListSearchIndexesCursor'];
export type ListSearchIndexesCursor = driver.ListSearchIndexesCursor;
export const RunCommandCursor = rotor.RunCommandCursor as unknown as D['RunCommandCursor'];
export type RunCommandCursor = driver.RunCommandCursor;
export const ChangeStream = rotor.ChangeStream as unknown as D['ChangeStream'];
export type ChangeStream<TSchema extends driver.Document = driver.Document, TChange extends driver.Document = driver.ChangeStreamDocument<TSchema>> = driver.ChangeStream<TSchema, TChange>;
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

/**
 * `import mongodb from 'rotor'` is this module's namespace, as `import mongodb from 'mongodb'` is the
 * driver's: every export, rotor's classes in place of the driver's, `mongodb.Db` a type too.
 */
export * as default from './index.js';
