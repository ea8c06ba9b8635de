// Synchro: the unified-format matcher on its own, the runner on the format's own valid-pass tests
// (bare), a crud/gridfs/monitoring subset through every rotor target with zero rotor-induced
// failures, the differential's sensitivity to a mis-wrapped member, and the CLI.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as driver from 'mongodb';
import {
  assertSameDocuments,
  differences,
  isRotorInduced,
  match,
  matches,
  MatchError,
  normalizeMessage,
  runSynchro,
  type SynchroTarget,
  type TestRecord,
} from '../lib/synchro/index.js';
import { parseExtendedJSON } from '../lib/synchro/format.js';
import { packageRoot } from '../lib/util/package-root.js';
import { dbName, suite, testUri } from './support/env.js';
import { targets as rotorTargets } from './support/targets.js';

const root = packageRoot;
const shared = resolve(root, '..', 'shared', 'spec');
const haveShared = existsSync(join(shared, 'unified-runner-valid-pass'));
const bare: SynchroTarget = { name: 'bare', module: driver };
const { Long, Int32, Double, ObjectId, Binary } = driver.BSON;

// ---------------------------------------------------------------------------------------------
// The matcher (no server)

const matcher = suite('synchro matcher');

matcher('root documents may hold extra keys; nested documents and array elements may not', () => {
  assert.ok(matches({ x: 1 }, { x: 1, y: 2 }, { root: true }));
  assert.not.ok(matches({ x: 1, y: 1 }, { x: 1 }, { root: true }));
  assert.not.ok(matches({ x: { y: 1 } }, { x: { y: 1, z: 1 } }, { root: true }));
  assert.not.ok(matches({ x: 1 }, { x: 1, y: 2 }), 'a value matched as nested');
  // distinct-style arrays: elements are values, not root documents
  assert.not.ok(matches([{ x: 1 }], [{ x: 1, y: 1 }], { root: true }));
  // find-style arrays: each element is a root document
  assert.ok(matches([{ x: 1 }, { x: 2 }], [{ x: 1, y: 1 }, { x: 2, y: 2 }], { rootElements: true }));
  assert.not.ok(matches([{ x: 1 }], [{ x: 1 }, { x: 2 }], { rootElements: true }), 'arrays must have the same length');
  assert.ok(matches({ b: 1, a: 2 }, { a: 2, b: 1 }), 'key order is free');
});

matcher('numbers compare by value across int, long and double (not decimal)', () => {
  assert.ok(matches(1, 1.0));
  assert.ok(matches(new Int32(5), 5));
  assert.ok(matches(new Long(7), 7));
  assert.ok(matches(7, Long.fromNumber(7)));
  assert.ok(matches(new Double(1), new Int32(1)));
  assert.ok(matches(Long.fromString('9223372036854775807'), Long.fromString('9223372036854775807')));
  assert.not.ok(matches(Long.fromString('9223372036854775807'), Long.fromString('9223372036854775806')));
  assert.not.ok(matches(1, 1.5));
  assert.not.ok(matches(1, '1'));
  assert.not.ok(matches(1, driver.BSON.Decimal128.fromString('1')));
  assert.ok(matches(Number.NaN, Number.NaN));
});

matcher('$$exists, $$unsetOrMatches and $$type', () => {
  assert.ok(matches({ a: { $$exists: true } }, { a: null }, { root: true }), 'a null value exists');
  assert.not.ok(matches({ a: { $$exists: true } }, {}, { root: true }));
  assert.ok(matches({ a: { $$exists: false } }, { b: 1 }, { root: true }));
  assert.ok(matches({ a: { $$exists: false } }, { a: undefined }, { root: true }), 'undefined is never serialized');
  assert.not.ok(matches({ a: { $$exists: false } }, { a: 0 }, { root: true }));
  assert.ok(matches({ insertedId: { $$unsetOrMatches: 2 } }, {}, { root: true }));
  assert.ok(matches({ insertedId: { $$unsetOrMatches: 2 } }, { insertedId: 2 }, { root: true }));
  assert.not.ok(matches({ insertedId: { $$unsetOrMatches: 2 } }, { insertedId: 3 }, { root: true }));
  assert.ok(matches({ $$unsetOrMatches: { n: 1 } }, undefined, { root: true }), 'a void result');
  assert.ok(matches({ $$unsetOrMatches: { n: 1 } }, { n: 1, extra: true }, { root: true }), 'root-ness passes through');
  assert.ok(matches({ $$type: 'objectId' }, new ObjectId()));
  assert.ok(matches({ $$type: ['int', 'long'] }, 3));
  assert.ok(matches({ $$type: 'long' }, Long.fromNumber(3)));
  assert.ok(matches({ $$type: 'number' }, 2.5));
  assert.not.ok(matches({ $$type: 'int' }, 2.5));
  assert.ok(matches({ $$type: 'string' }, 'x'));
  assert.ok(matches({ $$type: 'array' }, [1]));
  assert.ok(matches({ $$type: 'date' }, new Date()));
  assert.ok(matches({ $$type: 'binData' }, new Binary(Buffer.from('a'))));
  assert.not.ok(matches({ a: { $$type: 'string' } }, {}, { root: true }), '$$type needs a value');
  assert.throws(() => match({ $$type: 'nosuchtype' }, 1), /unknown type alias/);
});

matcher('$$lte, $$matchesHexBytes, $$matchAsDocument, $$matchAsRoot, $$matchesEntity, $$sessionLsid', () => {
  assert.ok(matches({ $$lte: 5 }, 5));
  assert.ok(matches({ $$lte: 5 }, Long.fromNumber(4)));
  assert.not.ok(matches({ $$lte: 5 }, 5.5));
  assert.ok(matches({ $$matchesHexBytes: '12ab' }, Buffer.from([0x12, 0xab])));
  assert.ok(matches({ $$matchesHexBytes: '' }, Buffer.alloc(0)));
  assert.not.ok(matches({ $$matchesHexBytes: '12' }, Buffer.from([0x13])));
  assert.ok(matches({ $$matchAsDocument: { a: 1 } }, '{"a": {"$numberInt": "1"}}'));
  assert.not.ok(matches({ $$matchAsDocument: { a: 1 } }, '{"a": 1, "b": 2}'), 'not a root document');
  assert.ok(matches({ $$matchAsDocument: { $$matchAsRoot: { a: 1 } } }, '{"a": 1, "b": 2}'));
  assert.ok(matches({ x: { $$matchAsRoot: { a: 1 } } }, { x: { a: 1, b: 2 } }));
  const id = new ObjectId();
  const lsid = { id: new Binary(Buffer.alloc(16, 7), 4) };
  const ctx = { entity: (n: string) => (n === 'oid0' ? id : undefined), sessionLsid: (n: string) => (n === 'session0' ? lsid : undefined) };
  assert.ok(matches({ _id: { $$matchesEntity: 'oid0' } }, { _id: id }, { root: true, ctx }));
  assert.not.ok(matches({ _id: { $$matchesEntity: 'oid0' } }, { _id: new ObjectId() }, { root: true, ctx }));
  assert.ok(matches({ lsid: { $$sessionLsid: 'session0' } }, { lsid: { id: new Binary(Buffer.alloc(16, 7), 4) } }, { root: true, ctx }));
});

matcher('driver shapes: Maps, model objects with getters, BSON values', () => {
  assert.ok(matches({ sort: { x: 1 } }, { sort: new Map([['x', 1]]) }, { root: true }), 'the driver sends sort as a Map');
  assert.ok(matches({ insertResults: { 0: { insertedId: 2 } } }, { insertResults: new Map([[0, { insertedId: 2 }]]) }, { root: true }));
  class Result {
    constructor(private readonly n: number) {}
    get insertedCount(): number {
      return this.n;
    }
  }
  assert.ok(matches({ insertedCount: 2 }, new Result(2), { root: true }));
  assert.ok(matches({ d: new Date(0) }, { d: new Date(0) }, { root: true }));
  assert.ok(matches(new ObjectId('000000000000000000000001'), new ObjectId('000000000000000000000001')));
  const err = assert.throws as unknown as (fn: () => void, re: RegExp) => void;
  err(() => match({ a: { b: 1 } }, { a: { b: 2 } }, { root: true }), /\$\.a\.b: expected 1, got 2/);
  try {
    match({ a: [1, 2] }, { a: [1] }, { root: true });
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, MatchError);
    assert.is((e as MatchError).path, '$.a');
  }
});

matcher('outcome comparison is exact (no extra keys anywhere), numbers by value', () => {
  assertSameDocuments([{ _id: 1, x: 11 }], [{ x: 11.0, _id: 1 }]);
  assert.throws(() => assertSameDocuments([{ _id: 1 }], [{ _id: 1, x: 1 }]), /extra x/);
  assert.throws(() => assertSameDocuments([{ _id: 1 }], []), /expected 1 document/);
});

matcher('Extended JSON: canonical and relaxed, numbers as the driver takes them, no precision lost', () => {
  const v = parseExtendedJSON('{"a": {"$numberInt": "1"}, "b": {"$numberLong": "2"}, "c": {"$numberLong": "9223372036854775807"}, "d": {"$numberDouble": "2.5"}, "e": {"$oid": "000000000000000000000001"}}') as Record<string, unknown>;
  assert.is(v.a, 1);
  assert.is(v.b, 2);
  assert.ok(Long.isLong(v.c) && (v.c).toString() === '9223372036854775807');
  assert.is(v.d, 2.5);
  assert.instance(v.e, ObjectId);
});

matcher('the differential: rotor-induced means worse than bare, or failing differently', () => {
  const pass = { status: 'pass' as const, ms: 1 };
  const fail = (message: string) => ({ status: 'fail' as const, message, ms: 1 });
  const skip = { status: 'skip' as const, message: 'server 7.0.42 < 8.0', ms: 0 };
  assert.ok(isRotorInduced(pass, fail('x')));
  assert.not.ok(isRotorInduced(pass, pass));
  assert.not.ok(isRotorInduced(skip, skip));
  assert.not.ok(isRotorInduced(fail('no such command: configureFailPoint'), fail('no such command: configureFailPoint')));
  assert.ok(isRotorInduced(fail('expected 1, got 2'), fail('Collection has no attribute')));
  assert.not.ok(isRotorInduced(fail('boom'), pass), 'passing where bare fails is not a rotor failure');
  // what varies between runs is normalized away
  assert.not.ok(
    isRotorInduced(
      fail('connection 12 to 127.0.0.1:40123 closed after 1021 ms, id 65a1b2c3d4e5f60718293a4b, at 0x21a8781d2660'),
      fail('connection 3 to 127.0.0.1:45001 closed after 20 ms, id 65a1b2c3d4e5f60718293a4c, at 0x21a8783d1111'),
    ),
  );
  assert.is(normalizeMessage('took 20000 ms'), 'took <duration>');
  const records: TestRecord[] = [{ file: 'f.json', test: 't', outcomes: { bare: pass, 'promise-inline': pass, 'callback-inline': fail('x') } }];
  assert.equal(
    differences(records, ['bare', 'promise-inline', 'callback-inline']).map((d) => d.target),
    ['callback-inline'],
  );
});

matcher.run();

// ---------------------------------------------------------------------------------------------
// The runner against the server

const runner = suite('synchro runner');

/**
 * A unified test file of our own that reaches the runner's parts the shared files leave alone on
 * FerretDB: test-runner operations (collection/index/session/lsid/event/connection assertions,
 * threads, createEntities), cursor entities, every expectError field the server can produce,
 * command and CMAP event expectations, GridFS round trips, write results.
 */
function selfTestFile(db: string): unknown {
  const coll0 = (docs: unknown[]) => [{ collectionName: 'coll0', databaseName: db, documents: docs }];
  return {
    description: 'synchro runner self-test',
    schemaVersion: '1.28',
    createEntities: [
      {
        client: {
          id: 'client0',
          observeEvents: ['commandStartedEvent', 'commandSucceededEvent', 'commandFailedEvent', 'connectionCheckedOutEvent', 'connectionCheckedInEvent'],
          ignoreCommandMonitoringEvents: ['ping'],
        },
      },
      { database: { id: 'database0', client: 'client0', databaseName: db } },
      { collection: { id: 'collection0', database: 'database0', collectionName: 'coll0' } },
      { session: { id: 'session0', client: 'client0' } },
      { bucket: { id: 'bucket0', database: 'database0', bucketOptions: { bucketName: 'files' } } },
      { thread: { id: 'thread0' } },
    ],
    initialData: coll0([{ _id: 1, x: 11 }, { _id: 2, x: 22 }, { _id: 3, x: 33 }]),
    tests: [
      {
        description: 'collections and indexes',
        operations: [
          { name: 'createIndex', object: 'collection0', arguments: { keys: { x: 1 }, name: 'x_1' } },
          { name: 'assertIndexExists', object: 'testRunner', arguments: { databaseName: db, collectionName: 'coll0', indexName: 'x_1' } },
          { name: 'listIndexNames', object: 'collection0', expectResult: ['_id_', 'x_1'] },
          { name: 'listIndexes', object: 'collection0', expectResult: [{ name: '_id_' }, { name: 'x_1', key: { x: 1 } }] },
          { name: 'dropIndex', object: 'collection0', arguments: { name: 'x_1' } },
          { name: 'assertIndexNotExists', object: 'testRunner', arguments: { databaseName: db, collectionName: 'coll0', indexName: 'x_1' } },
          { name: 'createCollection', object: 'database0', arguments: { collection: 'coll1' } },
          { name: 'assertCollectionExists', object: 'testRunner', arguments: { databaseName: db, collectionName: 'coll1' } },
          { name: 'listCollectionNames', object: 'database0', arguments: { filter: { name: 'coll1' } }, expectResult: ['coll1'] },
          { name: 'listCollections', object: 'database0', arguments: { filter: { name: 'coll1' } }, expectResult: [{ name: 'coll1', type: 'collection' }] },
          { name: 'dropCollection', object: 'database0', arguments: { collection: 'coll1' } },
          { name: 'assertCollectionNotExists', object: 'testRunner', arguments: { databaseName: db, collectionName: 'coll1' } },
          { name: 'listDatabaseNames', object: 'client0', ignoreResultAndError: true },
        ],
      },
      {
        description: 'reads',
        operations: [
          { name: 'find', object: 'collection0', arguments: { filter: { x: { $gt: 11 } }, sort: { _id: -1 }, projection: { x: 1 }, limit: 5 }, expectResult: [{ _id: 3, x: 33 }, { _id: 2, x: 22 }] },
          { name: 'findOne', object: 'collection0', arguments: { filter: { _id: 2 } }, expectResult: { _id: 2, x: { $$type: ['int', 'long'] } } },
          { name: 'distinct', object: 'collection0', arguments: { fieldName: 'x', filter: {} }, expectResult: [11, 22, 33] },
          { name: 'countDocuments', object: 'collection0', arguments: { filter: { x: { $gt: 11 } } }, expectResult: 2 },
          { name: 'estimatedDocumentCount', object: 'collection0', expectResult: { $$lte: 3 } },
          { name: 'aggregate', object: 'collection0', arguments: { pipeline: [{ $match: { _id: { $lte: 2 } } }, { $project: { _id: 0, x: 1 } }, { $sort: { x: 1 } }] }, expectResult: [{ x: 11 }, { x: 22 }] },
          { name: 'runCommand', object: 'database0', arguments: { commandName: 'ping', command: { ping: 1 } }, expectResult: { ok: 1 } },
        ],
        expectEvents: [
          {
            client: 'client0',
            ignoreExtraEvents: true,
            events: [
              { commandStartedEvent: { commandName: 'find', databaseName: db, command: { find: 'coll0', filter: { x: { $gt: 11 } }, sort: { _id: -1 }, limit: 5 } } },
              { commandSucceededEvent: { commandName: 'find', reply: { ok: 1, cursor: { id: 0, ns: `${db}.coll0`, firstBatch: { $$type: 'array' } } } } },
            ],
          },
        ],
      },
      {
        description: 'a cursor entity',
        operations: [
          { name: 'createFindCursor', object: 'collection0', arguments: { filter: {}, sort: { _id: 1 }, batchSize: 2 }, saveResultAsEntity: 'cursor0' },
          { name: 'iterateUntilDocumentOrError', object: 'cursor0', expectResult: { _id: 1, x: 11 } },
          { name: 'iterateOnce', object: 'cursor0', expectResult: { _id: 2, x: 22 } },
          { name: 'iterateUntilDocumentOrError', object: 'cursor0', expectResult: { _id: 3, x: 33 } },
          { name: 'close', object: 'cursor0' },
        ],
        expectEvents: [
          {
            client: 'client0',
            ignoreExtraEvents: true,
            events: [
              { commandStartedEvent: { commandName: 'find', command: { batchSize: 2 } } },
              { commandSucceededEvent: { commandName: 'find' } },
              { commandStartedEvent: { commandName: 'getMore', command: { getMore: { $$type: ['int', 'long'] }, collection: 'coll0', batchSize: 2 } } },
              { commandSucceededEvent: { commandName: 'getMore' } },
            ],
          },
        ],
      },
      {
        description: 'errors: a write error, a command error, a client-side error',
        operations: [
          {
            name: 'insertOne',
            object: 'collection0',
            arguments: { document: { _id: 1 } },
            expectError: { isError: true, isClientError: false, errorCode: 11000, errorContains: 'DUPLICATE KEY', errorLabelsOmit: ['TransientTransactionError'], errorResponse: { code: 11000 } },
          },
          { name: 'runCommand', object: 'database0', arguments: { commandName: 'noSuchCommand', command: { noSuchCommand: 1 } }, expectError: { isClientError: false, errorCode: 59, errorCodeName: 'commandnotfound' } },
          { name: 'updateOne', object: 'collection0', arguments: { filter: {}, update: { x: 1 } }, expectError: { isClientError: true, errorContains: 'atomic operators' } },
        ],
        expectEvents: [
          {
            client: 'client0',
            events: [
              { commandStartedEvent: { commandName: 'insert', command: { insert: 'coll0', documents: [{ _id: 1 }], ordered: true } } },
              { commandSucceededEvent: { commandName: 'insert', reply: { n: 0, writeErrors: [{ index: 0, code: 11000, errmsg: { $$type: 'string' } }] } } },
              { commandStartedEvent: { commandName: 'noSuchCommand' } },
              { commandFailedEvent: { commandName: 'noSuchCommand', databaseName: db } },
            ],
          },
        ],
        outcome: coll0([{ _id: 1, x: 11 }, { _id: 2, x: 22 }, { _id: 3, x: 33 }]),
      },
      {
        description: 'sessions, threads, event and connection assertions',
        operations: [
          { name: 'insertOne', object: 'collection0', arguments: { document: { _id: 4 }, session: 'session0' }, expectResult: { $$unsetOrMatches: { insertedId: { $$unsetOrMatches: 4 } } } },
          { name: 'insertOne', object: 'collection0', arguments: { document: { _id: 5 }, session: 'session0' } },
          { name: 'assertSameLsidOnLastTwoCommands', object: 'testRunner', arguments: { client: 'client0' } },
          { name: 'insertOne', object: 'collection0', arguments: { document: { _id: 6 } } },
          { name: 'assertDifferentLsidOnLastTwoCommands', object: 'testRunner', arguments: { client: 'client0' } },
          { name: 'assertSessionNotDirty', object: 'testRunner', arguments: { session: 'session0' } },
          { name: 'assertSessionUnpinned', object: 'testRunner', arguments: { session: 'session0' } },
          { name: 'assertSessionTransactionState', object: 'testRunner', arguments: { session: 'session0', state: 'none' } },
          { name: 'runOnThread', object: 'testRunner', arguments: { thread: 'thread0', operation: { name: 'insertOne', object: 'collection0', arguments: { document: { _id: 7 } } } } },
          { name: 'waitForThread', object: 'testRunner', arguments: { thread: 'thread0' } },
          { name: 'waitForEvent', object: 'testRunner', arguments: { client: 'client0', event: { commandSucceededEvent: { commandName: 'insert' } }, count: 4 } },
          { name: 'assertEventCount', object: 'testRunner', arguments: { client: 'client0', event: { commandStartedEvent: { commandName: 'insert' } }, count: 4 } },
          // Four inserts, four check-ins: wait for the last one's event before counting.
          { name: 'waitForEvent', object: 'testRunner', arguments: { client: 'client0', event: { connectionCheckedInEvent: {} }, count: 4 } },
          { name: 'assertNumberConnectionsCheckedOut', object: 'testRunner', arguments: { client: 'client0', connections: 0 } },
          { name: 'wait', object: 'testRunner', arguments: { ms: 5 } },
          { name: 'endSession', object: 'session0' },
        ],
        expectEvents: [
          {
            client: 'client0',
            ignoreExtraEvents: true,
            events: [
              { commandStartedEvent: { commandName: 'insert', databaseName: db, command: { insert: 'coll0', documents: [{ _id: 4 }], lsid: { $$sessionLsid: 'session0' } } } },
              { commandSucceededEvent: { commandName: 'insert', reply: { n: 1 } } },
            ],
          },
          { client: 'client0', eventType: 'cmap', ignoreExtraEvents: true, events: [{ connectionCheckedOutEvent: {} }, { connectionCheckedInEvent: {} }] },
        ],
        outcome: coll0([{ _id: 1, x: 11 }, { _id: 2, x: 22 }, { _id: 3, x: 33 }, { _id: 4 }, { _id: 5 }, { _id: 6 }, { _id: 7 }]),
      },
      {
        description: 'GridFS bucket',
        operations: [
          { name: 'upload', object: 'bucket0', arguments: { filename: 'f', source: { $$hexBytes: '0102030405' }, chunkSizeBytes: 2 }, expectResult: { $$type: 'objectId' }, saveResultAsEntity: 'file0' },
          { name: 'downloadByName', object: 'bucket0', arguments: { filename: 'f' }, expectResult: { $$matchesHexBytes: '0102030405' } },
          { name: 'find', object: 'bucket0', arguments: { filter: {} }, expectResult: [{ _id: { $$matchesEntity: 'file0' }, filename: 'f', length: 5, chunkSize: 2 }] },
          { name: 'download', object: 'bucket0', arguments: { id: { $oid: '000000000000000000000009' } }, expectError: { isClientError: true } },
          { name: 'rename', object: 'bucket0', arguments: { id: { $oid: '000000000000000000000009' }, newFilename: 'g' }, expectError: { isClientError: true } },
          { name: 'upload', object: 'bucket0', arguments: { filename: 'empty', source: { $$hexBytes: '' } } },
          { name: 'downloadByName', object: 'bucket0', arguments: { filename: 'empty' }, expectResult: { $$matchesHexBytes: '' } },
        ],
      },
      {
        description: 'writes and bulkWrite on a client made mid-test',
        operations: [
          {
            name: 'createEntities',
            object: 'testRunner',
            arguments: {
              entities: [
                { client: { id: 'client1', observeEvents: ['commandStartedEvent'], uriOptions: { retryWrites: false } } },
                { database: { id: 'database1', client: 'client1', databaseName: db } },
                { collection: { id: 'collection1', database: 'database1', collectionName: 'coll0', collectionOptions: { writeConcern: { w: 1 }, readPreference: { mode: 'primary' } } } },
              ],
            },
          },
          {
            name: 'bulkWrite',
            object: 'collection1',
            arguments: { requests: [{ insertOne: { document: { _id: 8, x: 88 } } }, { updateOne: { filter: { _id: 1 }, update: { $set: { x: 12 } } } }, { deleteOne: { filter: { _id: 3 } } }], ordered: true },
            expectResult: { insertedCount: 1, matchedCount: 1, modifiedCount: 1, deletedCount: 1, upsertedCount: 0, upsertedIds: {}, insertedIds: { $$unsetOrMatches: { 0: 8 } } },
          },
          { name: 'insertMany', object: 'collection1', arguments: { documents: [{ _id: 9 }, { _id: 10 }] }, expectResult: { $$unsetOrMatches: { insertedIds: { $$unsetOrMatches: { 0: 9, 1: 10 } } } } },
          { name: 'updateMany', object: 'collection1', arguments: { filter: { _id: { $gte: 9 } }, update: { $set: { y: 1 } } }, expectResult: { matchedCount: 2, modifiedCount: 2, upsertedCount: 0 } },
          { name: 'replaceOne', object: 'collection1', arguments: { filter: { _id: 10 }, replacement: { z: 1 } }, expectResult: { matchedCount: 1, modifiedCount: 1 } },
          { name: 'findOneAndUpdate', object: 'collection1', arguments: { filter: { _id: 2 }, update: { $inc: { x: 1 } }, returnDocument: 'After' }, expectResult: { _id: 2, x: 23 } },
          { name: 'findOneAndReplace', object: 'collection1', arguments: { filter: { _id: 2 }, replacement: { x: 0 }, returnDocument: 'Before' }, expectResult: { _id: 2, x: 23 } },
          { name: 'findOneAndDelete', object: 'collection1', arguments: { filter: { _id: 2 } }, expectResult: { _id: 2, x: 0 } },
          { name: 'deleteMany', object: 'collection1', arguments: { filter: { _id: { $gte: 9 } } }, expectResult: { deletedCount: 2 } },
        ],
        expectEvents: [
          {
            client: 'client1',
            events: ['insert', 'update', 'delete', 'insert', 'update', 'update', 'findAndModify', 'findAndModify', 'findAndModify', 'delete'].map((commandName) => ({ commandStartedEvent: { commandName } })),
          },
        ],
        outcome: coll0([{ _id: 1, x: 12 }, { _id: 8, x: 88 }]),
      },
      { description: 'skipReason skips', skipReason: 'on purpose', operations: [] },
      { description: 'unmet runOnRequirements skip', runOnRequirements: [{ minServerVersion: '99.0' }, { topologies: ['load-balanced'] }], operations: [] },
    ],
  };
}

runner('a self-test file reaching the runner operations the server honours: passes on bare and every rotor target', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-synchro-self-'));
  try {
    const file = join(dir, 'self-test.json');
    writeFileSync(file, JSON.stringify(selfTestFile(dbName('synchro_self'))));
    const targets = [bare, ...rotorTargets.map((t) => ({ name: t.name, module: t.rotor }))];
    const result = await runSynchro({ uri: testUri(), inputs: [file], targets });
    for (const r of result.records) {
      const want = r.test.includes('skip') ? 'skip' : 'pass';
      for (const [target, o] of Object.entries(r.outcomes)) assert.is(o.status, want, `[${target}] ${r.test}: ${o.status} ${o.message ?? ''}`);
    }
    assert.is(result.records.length, 9);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

runner('a failing expectation fails the test, with the path of the mismatch', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-synchro-neg-'));
  try {
    const db = dbName('synchro_neg');
    const base = selfTestFile(db) as { createEntities: unknown[]; initialData: unknown[] };
    const ops = (operations: unknown[], extra: Record<string, unknown> = {}) => ({ description: JSON.stringify(operations).slice(0, 60), operations, ...extra });
    const file = {
      description: 'negative',
      schemaVersion: '1.0',
      createEntities: base.createEntities,
      initialData: base.initialData,
      tests: [
        ops([{ name: 'find', object: 'collection0', arguments: { filter: { _id: 1 } }, expectResult: [{ _id: 1, x: 12 }] }]),
        ops([{ name: 'insertOne', object: 'collection0', arguments: { document: { _id: 9 } }, expectError: { isError: true } }]),
        ops([{ name: 'insertOne', object: 'collection0', arguments: { document: { _id: 1 } }, expectError: { errorCode: 1 } }]),
        ops([{ name: 'noSuchOperation', object: 'collection0' }]),
        ops([{ name: 'insertOne', object: 'collection0', arguments: { document: { _id: 9 } } }], { outcome: [{ collectionName: 'coll0', databaseName: db, documents: [] }] }),
        ops([{ name: 'insertOne', object: 'collection0', arguments: { document: { _id: 9 } } }], { expectEvents: [{ client: 'client0', events: [] }] }),
      ],
    };
    writeFileSync(join(dir, 'negative.json'), JSON.stringify(file));
    writeFileSync(join(dir, 'future.json'), JSON.stringify({ ...file, schemaVersion: '2.0' }));
    writeFileSync(join(dir, 'broken.json'), '{ not json');
    const result = await runSynchro({ uri: testUri(), inputs: [dir], targets: [bare] });
    const messages = result.records.map((r) => `${r.file} › ${r.outcomes.bare!.status}: ${r.outcomes.bare!.message ?? ''}`);
    const expected = [
      /broken\.json › fail: cannot read the file/,
      /future\.json › fail: unsupported schemaVersion 2\.0/,
      /negative\.json › fail: operation 1 find on collection0: result\[0\]\.x: expected 12, got 11/,
      /negative\.json › fail: operation 1 insertOne on collection0: expected an error, got result/,
      /negative\.json › fail: operation 1 insertOne on collection0: expected error code 1; the error was MongoServerError/,
      /negative\.json › fail: .*unsupported operation 'noSuchOperation' on a collection entity/,
      /negative\.json › fail: outcome\[0\] .*coll0\[0\]|negative\.json › fail: outcome\[0\].*expected 0 document/,
      /negative\.json › fail: expectEvents\[0\] \(client0, command\): expected 0 event\(s\) \[none\], observed 2 \[commandStartedEvent\(insert\), commandSucceededEvent\(insert\)\]/,
    ];
    for (const re of expected) assert.ok(messages.some((m) => re.test(m)), `no outcome matches ${re}:\n${messages.join('\n')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Failures the server causes (FerretDB lacks fail points, some stages and options, ...), never the runner. */
const SERVER_LIMIT = /unexpected (MongoServerError|MongoNetworkError|MongoUnexpectedServerResponseError)|no such command/;
/** Server leniency a MongoDB would not show: it accepts what the test expects to be rejected. */
const SERVER_LENIENT = new Set(['unified-runner-valid-pass/expectedError-errorResponse.json › Unsupported query operator']);

function report(records: readonly TestRecord[], target: string, keep: (r: TestRecord) => boolean): string {
  return records
    .filter(keep)
    .map((r) => `${r.file} › ${r.test}: ${r.outcomes[target]?.status} ${r.outcomes[target]?.message ?? ''}`)
    .join('\n');
}

if (!haveShared) {
  runner.skip('valid-pass, crud subset, differential sensitivity and CLI', `no unified test files at ${shared}`);
} else {
  runner('the runner passes its own valid-pass tests (bare) wherever the server can run them', async () => {
    const result = await runSynchro({ uri: testUri(), inputs: [join(shared, 'unified-runner-valid-pass')], targets: [bare] });
    const outcomes = result.records.map((r) => r.outcomes.bare!);
    const passed = outcomes.filter((o) => o.status === 'pass').length;
    assert.ok(passed >= 30, `only ${passed} valid-pass tests passed:\n${report(result.records, 'bare', () => true)}`);
    const wrong = result.records.filter((r) => {
      const o = r.outcomes.bare!;
      if (o.status !== 'fail') return false;
      return !SERVER_LIMIT.test(o.message ?? '') && !SERVER_LENIENT.has(`${r.file} › ${r.test}`);
    });
    assert.is(wrong.length, 0, `valid-pass failures not caused by the server:\n${report(wrong, 'bare', () => true)}`);
  });

  runner('a crud, gridfs and command-monitoring subset: zero rotor-induced failures on every rotor target', async () => {
    const inputs = ['crud/find.json', 'crud/insertMany.json', 'crud/updateOne.json', 'crud/bulkWrite-collation.json', 'crud/findOneAndReplace.json', 'gridfs/downloadByName.json', 'command-monitoring/find.json']
      .map((f) => join(shared, f))
      .filter(existsSync);
    const targets = [bare, ...rotorTargets.map((t) => ({ name: t.name, module: t.rotor }))];
    const result = await runSynchro({ uri: testUri(), inputs, targets });
    assert.ok(result.records.length >= 10, `only ${result.records.length} tests ran`);
    assert.ok(result.records.some((r) => r.outcomes.bare!.status === 'pass'), 'nothing passed bare');
    const diffs = differences(result.records, result.targets);
    assert.is(diffs.length, 0, diffs.map((d) => `[${d.target}] ${d.file} › ${d.test}\n  bare: ${d.bare.status} ${d.bare.message ?? ''}\n  rotor: ${d.outcome.status} ${d.outcome.message ?? ''}`).join('\n'));
  });

  runner('a mis-wrapped member shows as rotor-induced (the runner calls operations by name, no special cases)', async () => {
    // A target whose collections lack distinct() and whose find cursors drop the first document:
    // a missing member and a wrong result must both show, on every test that passes bare.
    class BrokenClient extends driver.MongoClient {
      override db(name?: string, options?: driver.DbOptions): driver.Db {
        const db = super.db(name, options);
        const collection = db.collection.bind(db);
        (db as { collection: unknown }).collection = (n: string, o?: driver.CollectionOptions) => {
          const c = collection(n, o);
          (c as { distinct: unknown }).distinct = undefined;
          const find = c.find.bind(c);
          (c as { find: unknown }).find = (...args: Parameters<typeof find>) => {
            const cursor = find(...args);
            const toArray = cursor.toArray.bind(cursor);
            cursor.toArray = async () => (await toArray()).slice(1);
            return cursor;
          };
          return c;
        };
        return db;
      }
    }
    const broken: SynchroTarget = { name: 'broken-inline', module: { ...driver, MongoClient: BrokenClient } };
    const inputs = ['distinct.json', 'find.json'].map((f) => join(shared, 'crud', f));
    const result = await runSynchro({ uri: testUri(), inputs, targets: [bare, broken] });
    const diffs = differences(result.records, result.targets);
    const passedBare = (file: string): number => result.records.filter((r) => r.file.endsWith(file) && r.outcomes.bare!.status === 'pass').length;
    const diffsIn = (file: string) => diffs.filter((d) => d.file.endsWith(file));
    assert.ok(passedBare('distinct.json') > 0 && passedBare('find.json') > 0, 'distinct.json and find.json both have tests that pass bare');
    assert.is(diffsIn('distinct.json').length, passedBare('distinct.json'));
    assert.is(diffsIn('find.json').length, passedBare('find.json'));
    assert.is(diffs.length, diffsIn('distinct.json').length + diffsIn('find.json').length);
    for (const d of diffsIn('distinct.json')) assert.match(d.outcome.message ?? '', /has no method 'distinct'/);
    for (const d of diffsIn('find.json')) assert.match(d.outcome.message ?? '', /find on collection0: result: expected (\d+) element\(s\), got /);
  });

  runner('the CLI: table, JSON report, closing line, exit status; unknown targets are named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rotor-synchro-'));
    try {
      const json = join(dir, 'report.json');
      const cli = join(root, 'dist', 'lib', 'synchro', 'cli.js');
      const env = { ...process.env, MONGODB_URI: testUri() };
      const run = spawnSync(process.execPath, [cli, join(shared, 'crud', 'insertOne.json'), '--targets', 'bare,promise-inline', '--json', json, '--quiet'], { env, encoding: 'utf8', timeout: 60_000 });
      assert.is(run.status, 0, run.stderr + run.stdout);
      assert.match(run.stdout, /^synchro: \d+ tests, bare \d+ passed, promise-inline \d+ passed \/ 0 rotor-induced$/m);
      assert.match(run.stdout, /crud\/insertOne\.json/);
      const report = JSON.parse(readFileSync(json, 'utf8')) as { summary: { tests: number }; tests: Array<{ outcomes: Record<string, { status: string }> }> };
      assert.ok(report.summary.tests > 0);
      assert.equal(Object.keys(report.tests[0]!.outcomes), ['bare', 'promise-inline']);
      const bad = spawnSync(process.execPath, [cli, join(shared, 'crud'), '--targets', 'nope-inline'], { env, encoding: 'utf8', timeout: 60_000 });
      assert.is(bad.status, 2);
      assert.match(bad.stderr, /unknown synchro target\(s\) nope-inline; available: bare, promise-inline/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

runner.run();
