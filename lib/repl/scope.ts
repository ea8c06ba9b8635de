// What the REPL puts in scope besides the client: BSON constructors under their printed names
// (ObjectId('…') and friends, callable with or without `new`) and mongosh's print helpers.
import * as driver from 'mongodb';
import type { MongoClient } from 'mongodb';
import { after } from './shell-members.js';
import { stateOf } from '../proxy/factory.js';

/** BSON constructors under their printed names, callable with or without `new` (ObjectId('…')). */
export function bsonHelpers(): Record<string, unknown> {
  const helper = (name: string, make: (...args: any[]) => unknown, cls: object): unknown => {
    const fn = { [name]: function (...args: unknown[]) { return make(...args); } }[name]!;
    Object.defineProperty(fn, 'prototype', { value: (cls as { prototype: object }).prototype });
    Object.setPrototypeOf(fn, cls); // statics: ObjectId.isValid(...)
    return fn;
  };
  return {
    ObjectId: helper('ObjectId', (v?: string) => new driver.ObjectId(v), driver.ObjectId),
    ISODate: helper('ISODate', (v?: string) => (v === undefined ? new Date() : new Date(v)), Date),
    Long: helper('Long', (v: string | number | bigint, unsigned?: boolean) => (typeof v === 'string' ? driver.Long.fromString(v, unsigned) : typeof v === 'bigint' ? driver.Long.fromBigInt(v, unsigned) : driver.Long.fromNumber(v, unsigned)), driver.Long),
    NumberLong: helper('NumberLong', (v: string | number) => driver.Long.fromString(String(v)), driver.Long),
    Decimal128: helper('Decimal128', (v: string) => driver.Decimal128.fromString(String(v)), driver.Decimal128),
    NumberDecimal: helper('NumberDecimal', (v: string) => driver.Decimal128.fromString(String(v)), driver.Decimal128),
    Int32: helper('Int32', (v: number) => new driver.Int32(v), driver.Int32),
    NumberInt: helper('NumberInt', (v: number) => new driver.Int32(v), driver.Int32),
    Double: helper('Double', (v: number) => new driver.Double(v), driver.Double),
    UUID: helper('UUID', (v?: string) => new driver.UUID(v), driver.UUID),
    Timestamp: helper('Timestamp', (v: { t: number; i: number }) => new driver.Timestamp(v), driver.Timestamp),
    MaxKey: helper('MaxKey', () => new driver.MaxKey(), driver.MaxKey),
    MinKey: helper('MinKey', () => new driver.MinKey(), driver.MinKey),
    BinData: helper('BinData', (subtype: number, base64: string) => driver.Binary.createFromBase64(base64, subtype), driver.Binary),
    HexData: helper('HexData', (subtype: number, hex: string) => driver.Binary.createFromHexString(hex, subtype), driver.Binary),
    Code: helper('Code', (code: string | ((...a: unknown[]) => unknown), scope?: driver.Document) => new driver.Code(code, scope), driver.Code),
    DBRef: helper('DBRef', (collection: string, id: unknown, db?: string) => new driver.DBRef(collection, id as driver.ObjectId, db), driver.DBRef),
    Binary: driver.Binary,
    BSONRegExp: driver.BSONRegExp,
    EJSON: driver.BSON.EJSON,
  };
}

/**
 * mongosh's `rs`, `sh` and `sleep`: `rs.status()` and friends are the server's commands (their
 * errors as the server gives them); `sleep(ms)` blocks under a blocking framework (the next line
 * runs after it), else it is a future (awaited as a statement's value).
 */
export function shellGlobals(client: () => MongoClient, blocking: () => boolean): Record<string, unknown> {
  const admin = (command: driver.Document): unknown => client().db('admin').command(command);
  return {
    rs: Object.freeze({
      status: () => admin({ replSetGetStatus: 1 }),
      conf: () => after(admin({ replSetGetConfig: 1 }), (r: { config?: unknown }) => r.config),
      hello: () => admin({ hello: 1 }),
      isMaster: () => admin({ hello: 1 }),
    }),
    sh: Object.freeze({
      status: () => admin({ listShards: 1 }),
    }),
    sleep(ms: unknown): unknown {
      const delay = Number(ms);
      if (!Number.isFinite(delay) || delay < 0) throw new TypeError(`sleep(ms): ms must be a number of milliseconds, not ${String(ms)}`);
      if (!blocking()) return new Promise<void>((resolve) => setTimeout(resolve, delay));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delay);
      return undefined;
    },
  };
}

/**
 * print(...values) and printjson(value), writing formatted values to the REPL's output; a cursor
 * prints its documents (read through a clone: the cursor does not move), as in mongosh.
 */
export function printHelpers(write: (text: string) => void, format: (value: unknown) => string): Record<string, unknown> {
  const documents = (value: unknown): unknown => {
    const cls = stateOf(value)?.cls;
    return cls?.buffers.has('drain') && cls.attributes.has('clone') ? (value as { clone(): { toArray(): unknown } }).clone().toArray() : value;
  };
  /** Each value, its documents for a cursor: at once under a blocking framework, else once they have been read. */
  const settle = (values: unknown[], then: (shown: unknown[]) => void): unknown => {
    const shown = values.map(documents);
    if (!shown.some((v) => v instanceof Promise)) return then(shown);
    return Promise.all(shown).then(then);
  };
  return {
    print: (...values: unknown[]) => settle(values, (shown) => write(`${shown.map((v) => (typeof v === 'string' ? v : format(v))).join(' ')}\n`)),
    printjson: (value: unknown) => settle([value], ([shown]) => write(`${format(shown)}\n`)),
  };
}
