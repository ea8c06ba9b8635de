// Command monitoring through a rotor client (events are the driver's own objects), and errors that
// keep their driver class and fields when they come back through a handle.
import * as assert from 'uvu/assert';
import * as mongodb from 'mongodb';
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, Db, Document, MongoClient } from 'mongodb';
import { dbName, suite, testUri } from '../support/env.js';
import { rejection } from '../support/assertions.js';
import { connectTarget, targets } from '../support/targets.js';

/** Test documents use plain `_id` values (numbers, strings), not only ObjectIds. */
interface Doc extends Document {
  _id?: number | string;
}

for (const target of targets) {
  const test = suite(`monitoring and errors [${target.name}]`);
  const name = dbName(`monitoring_${target.name}`);
  let db: Db;

  /** A client with monitorCommands, closed after `body`. */
  const withMonitored = async (body: (monitored: MongoClient) => Promise<void> | void): Promise<void> => {
    const monitored = new target.rotor.MongoClient(testUri(), { monitorCommands: true });
    try {
      await body(monitored);
    } finally {
      await monitored.close();
    }
  };

  connectTarget(test, target, name, (_c, d) => {
    db = d;
  });

  // --- command monitoring ---

  test("client.on('commandStarted') receives an 'insert' event for insertOne", async () => {
    await withMonitored(async (monitored) => {
      const started: CommandStartedEvent[] = [];
      monitored.on('commandStarted', (event) => started.push(event));
      await monitored.db(name).collection<Doc>('monitored').insertOne({ _id: 1 });
      const inserts = started.filter((e) => e.commandName === 'insert');
      assert.is(inserts.length, 1);
      const event = inserts[0]!;
      assert.is(event.databaseName, name);
      assert.is(event.command.insert, 'monitored');
      assert.instance(event, mongodb.CommandStartedEvent);
    });
  });

  test('commandSucceeded pairs with commandStarted by requestId', async () => {
    await withMonitored(async (monitored) => {
      const started: CommandStartedEvent[] = [];
      const succeeded: CommandSucceededEvent[] = [];
      monitored.on('commandStarted', (event) => started.push(event));
      monitored.on('commandSucceeded', (event) => succeeded.push(event));
      await monitored.db(name).collection<Doc>('monitored_pairs').findOne({});
      const find = started.find((e) => e.commandName === 'find');
      assert.ok(find, 'no find command was started');
      const done = succeeded.find((e) => e.requestId === find.requestId);
      assert.ok(done, 'no commandSucceeded for the find');
      assert.is(done.commandName, 'find');
      assert.is((done.reply as Document).ok, 1);
      assert.instance(done, mongodb.CommandSucceededEvent);
    });
  });

  test('commandFailed fires for a command the server rejects', async () => {
    await withMonitored(async (monitored) => {
      const failed: CommandFailedEvent[] = [];
      monitored.on('commandFailed', (event) => failed.push(event));
      const error = await rejection(() => monitored.db(name).command({ noSuchCommandForRotor: 1 }));
      assert.instance(error, target.rotor.MongoServerError);
      const event = failed.find((e) => e.commandName === 'noSuchCommandForRotor');
      assert.ok(event, `no commandFailed event; got ${failed.map((e) => e.commandName).join(', ') || 'none'}`);
      assert.instance(event, mongodb.CommandFailedEvent);
    });
  });

  test('client.on returns the client handle (chainable), not the raw driver object', async () => {
    await withMonitored((monitored) => {
      const returned = monitored.on('commandStarted', () => {});
      assert.is(returned, monitored);
    });
  });

  test('client.off removes a listener', async () => {
    await withMonitored(async (monitored) => {
      const started: string[] = [];
      const listener = (event: CommandStartedEvent): void => {
        started.push(event.commandName);
      };
      monitored.on('commandStarted', listener);
      const coll = monitored.db(name).collection<Doc>('monitored_off');
      await coll.insertOne({ _id: 1 });
      assert.ok(started.includes('insert'));
      monitored.off('commandStarted', listener);
      const before = started.length;
      await coll.insertOne({ _id: 2 });
      assert.is(started.length, before);
      assert.is(monitored.listenerCount('commandStarted'), 0);
    });
  });

  test('once() delivers a single event', async () => {
    await withMonitored(async (monitored) => {
      let calls = 0;
      monitored.once('commandStarted', () => {
        calls++;
      });
      const coll = monitored.db(name).collection<Doc>('monitored_once');
      await coll.insertOne({ _id: 1 });
      await coll.insertOne({ _id: 2 });
      assert.is(calls, 1);
    });
  });

  // --- errors keep their class and fields ---

  test('duplicate key: rotor.MongoServerError and the driver MongoServerError, code 11000', async () => {
    const coll = db.collection<Doc>('dup');
    await coll.insertOne({ _id: 1 });
    const error = await rejection(() => coll.insertOne({ _id: 1 }));
    assert.instance(error, target.rotor.MongoServerError);
    assert.instance(error, mongodb.MongoServerError);
    assert.instance(error, mongodb.MongoError);
    assert.instance(error, Error);
    assert.is(error.code, 11000);
    assert.is(error.name, 'MongoServerError');
    assert.match(error.message, /duplicate key/);
    assert.type(error.stack, 'string');
    assert.type(error.errorResponse, 'object');
    assert.is(error.errorResponse.code, 11000);
    assert.is(error.hasErrorLabel('TransientTransactionError'), false);
  });

  test('insertMany duplicate: MongoBulkWriteError with writeErrors and the partial result', async () => {
    const coll = db.collection<Doc>('dup_many');
    await coll.insertOne({ _id: 1 });
    const error = await rejection(() => coll.insertMany([{ _id: 2 }, { _id: 1 }, { _id: 3 }]));
    assert.instance(error, target.rotor.MongoBulkWriteError);
    assert.instance(error, mongodb.MongoBulkWriteError);
    assert.instance(error, target.rotor.MongoServerError);
    assert.is(error.code, 11000);
    assert.is(error.insertedCount, 1);
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    assert.is(writeErrors.length, 1);
    assert.is(writeErrors[0].code, 11000);
    assert.is(writeErrors[0].index, 1);
  });

  test('bulkWrite duplicate: the error is the driver class', async () => {
    const coll = db.collection<Doc>('dup_bulk');
    const error = await rejection(() =>
      coll.bulkWrite([{ insertOne: { document: { _id: 1 } } }, { insertOne: { document: { _id: 1 } } }], { ordered: true }),
    );
    assert.instance(error, target.rotor.MongoBulkWriteError);
    assert.is(error.code, 11000);
  });

  test('an unknown command: MongoServerError with code 59 and codeName', async () => {
    const error = await rejection(() => db.command({ noSuchCommandForRotor: 1 }));
    assert.instance(error, target.rotor.MongoServerError);
    assert.instance(error, mongodb.MongoServerError);
    assert.is(error.code, 59);
    assert.is(error.codeName, 'CommandNotFound');
  });

  test('a driver-side validation error keeps its class (MongoInvalidArgumentError)', async () => {
    const coll = db.collection<Doc>('invalid');
    const error = await rejection(() => coll.updateOne({}, { notAnOperator: 1 }));
    assert.instance(error, target.rotor.MongoInvalidArgumentError);
    assert.instance(error, mongodb.MongoInvalidArgumentError);
    assert.instance(error, target.rotor.MongoAPIError);
  });

  test.run();
}
