// rotor/callback: the callback framework over the inline executor (the mongodb-legacy convention):
// a trailing function gets (err, result) exactly once; without one, a Promise is returned.
import type * as driver from 'mongodb';
import * as driverModule from 'mongodb';
import { createRotor } from './create-rotor.js';
import type { CallbackClass, WithCallbacks } from './types/callbacks.js';

export * from 'mongodb';

export { createRotor } from './create-rotor.js';
export type { Callback, WithCallbacks } from './types/callbacks.js';

const rotor = createRotor({ framework: 'callback', executor: 'inline' });
export const runtime = rotor.runtime;

type D = typeof driver;
export const MongoClient = rotor.MongoClient as unknown as CallbackClass<D['MongoClient']> & { connect(url: string, options?: driver.MongoClientOptions): Promise<MongoClient> };
export type MongoClient = WithCallbacks<driver.MongoClient>;
export const Db = rotor.Db as unknown as CallbackClass<D['Db']>;
export type Db = WithCallbacks<driver.Db>;
export const Collection = rotor.Collection as unknown as CallbackClass<D['Collection']>;
export type Collection<TSchema extends driver.Document = driver.Document> = WithCallbacks<driver.Collection<TSchema>>;
export const Admin = rotor.Admin as unknown as CallbackClass<D['Admin']>;
export type Admin = WithCallbacks<driver.Admin>;
export const AbstractCursor = rotor.AbstractCursor as unknown as D['AbstractCursor'];
export type AbstractCursor<TSchema = any> = WithCallbacks<driver.AbstractCursor<TSchema>>;
export const FindCursor = rotor.FindCursor as unknown as CallbackClass<D['FindCursor']>;
export type FindCursor<TSchema = any> = WithCallbacks<driver.FindCursor<TSchema>>;
export const AggregationCursor = rotor.AggregationCursor as unknown as CallbackClass<D['AggregationCursor']>;
export type AggregationCursor<TSchema = any> = WithCallbacks<driver.AggregationCursor<TSchema>>;
export const ListCollectionsCursor = rotor.ListCollectionsCursor as unknown as CallbackClass<D['ListCollectionsCursor']>;
export type ListCollectionsCursor = WithCallbacks<driver.ListCollectionsCursor>;
export const ListIndexesCursor = rotor.ListIndexesCursor as unknown as CallbackClass<D['ListIndexesCursor']>;
export type ListIndexesCursor = WithCallbacks<driver.ListIndexesCursor>;
export const ListSearchIndexesCursor = rotor.ListSearchIndexesCursor as unknown as CallbackClass<D['ListSearchIndexesCursor']>;
export type ListSearchIndexesCursor = WithCallbacks<driver.ListSearchIndexesCursor>;
export const RunCommandCursor = rotor.RunCommandCursor as unknown as CallbackClass<D['RunCommandCursor']>;
export type RunCommandCursor = WithCallbacks<driver.RunCommandCursor>;
export const ChangeStream = rotor.ChangeStream as unknown as CallbackClass<D['ChangeStream']>;
export type ChangeStream<TSchema extends driver.Document = driver.Document> = WithCallbacks<driver.ChangeStream<TSchema>>;
export const ClientSession = rotor.ClientSession as unknown as CallbackClass<D['ClientSession']>;
export type ClientSession = WithCallbacks<driver.ClientSession>;
export const GridFSBucket = rotor.GridFSBucket as unknown as CallbackClass<D['GridFSBucket']>;
export type GridFSBucket = WithCallbacks<driver.GridFSBucket>;
export const GridFSBucketReadStream = rotor.GridFSBucketReadStream as unknown as CallbackClass<D['GridFSBucketReadStream']>;
export type GridFSBucketReadStream = WithCallbacks<driver.GridFSBucketReadStream>;
export const GridFSBucketWriteStream = rotor.GridFSBucketWriteStream as unknown as CallbackClass<D['GridFSBucketWriteStream']>;
export type GridFSBucketWriteStream = WithCallbacks<driver.GridFSBucketWriteStream>;
export const BulkOperationBase = rotor.BulkOperationBase as unknown as D['BulkOperationBase'];
export type BulkOperationBase = WithCallbacks<driver.BulkOperationBase>;
export const OrderedBulkOperation = rotor.OrderedBulkOperation as unknown as CallbackClass<D['OrderedBulkOperation']>;
export type OrderedBulkOperation = WithCallbacks<driver.OrderedBulkOperation>;
export const UnorderedBulkOperation = rotor.UnorderedBulkOperation as unknown as CallbackClass<D['UnorderedBulkOperation']>;
export type UnorderedBulkOperation = WithCallbacks<driver.UnorderedBulkOperation>;
export const FindOperators = rotor.FindOperators as unknown as CallbackClass<D['FindOperators']>;
export type FindOperators = WithCallbacks<driver.FindOperators>;
export const ClientEncryption = rotor.ClientEncryption as unknown as CallbackClass<D['ClientEncryption']>;
export type ClientEncryption = WithCallbacks<driver.ClientEncryption>;

/** `import mongodb from '...'`, like `import mongodb from 'mongodb'`: every export, rotor's classes in place of the driver's. */
const defaultExport = { ...driverModule, ...(({ runtime: _runtime, ...classes }) => classes)(rotor) };
export default defaultExport as unknown as typeof driverModule;
