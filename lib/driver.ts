// The driver rotor wraps, for rotor's own modules (`import { driver, ObjectId } from './driver.js'`,
// never `from 'mongodb'`): loaded with require('mongodb') from rotor's folder.
//
// Not an `import 'mongodb'`: under rotor/register (lib/register/register.cts) the ES module of the
// driver's own file, which every `import 'mongodb'` of the app shares, must be rotor's (Node builds
// it from the driver's entry in its CommonJS module cache, where rotor/register keeps rotor's
// exports), while rotor's require('mongodb') is resolved to the real driver. And no ES module
// import of a CommonJS file either (Node would parse the driver's source for its export names in
// every thread, pool worker included: ~10-20 ms of CPU each). A require() also takes no ESM resolve
// hook of the app's: a loader that maps 'mongodb' for import only leaves rotor on the other copy.
import { createRequire } from 'node:module';
import type * as Driver from 'mongodb';

export const driver: typeof Driver = createRequire(import.meta.url)('mongodb') as typeof Driver;

// What rotor's modules import by name (values, and the same names as types, as from 'mongodb').
export const {
  BSON,
  Binary,
  BSONRegExp,
  BSONSymbol,
  Code,
  DBRef,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
  UUID,
  MongoError,
  MongoAPIError,
  MongoCursorExhaustedError,
  MongoCursorInUseError,
  MongoInvalidArgumentError,
  MongoNotConnectedError,
  MongoRuntimeError,
  WriteConcern,
} = driver;
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace BSON {
  export type Document = Driver.BSON.Document;
}
export type Binary = Driver.Binary;
export type BSONRegExp = Driver.BSONRegExp;
export type BSONSymbol = Driver.BSONSymbol;
export type Code = Driver.Code;
export type DBRef = Driver.DBRef;
export type Decimal128 = Driver.Decimal128;
export type Double = Driver.Double;
export type Int32 = Driver.Int32;
export type Long = Driver.Long;
export type MaxKey = Driver.MaxKey;
export type MinKey = Driver.MinKey;
export type ObjectId = Driver.ObjectId;
export type Timestamp = Driver.Timestamp;
export type UUID = Driver.UUID;
export type MongoError = Driver.MongoError;
export type MongoAPIError = Driver.MongoAPIError;
export type MongoCursorExhaustedError = Driver.MongoCursorExhaustedError;
export type MongoCursorInUseError = Driver.MongoCursorInUseError;
export type MongoInvalidArgumentError = Driver.MongoInvalidArgumentError;
export type MongoNotConnectedError = Driver.MongoNotConnectedError;
export type MongoRuntimeError = Driver.MongoRuntimeError;
export type WriteConcern = Driver.WriteConcern;
