// Strict handles (createRotor({ strict: true }), the REPL's mode): any member outside the registry
// throws on read or assignment, with "did you mean"; the default answers like the driver object.
// Checked for both executors: strictness lives in the Proxy factory, before any executor is asked.
import { thrown } from '../support/assertions.js';
import * as assert from 'uvu/assert';
import { createRotor, type RotorClasses } from '../../lib/index.js';
import { suite, testUri } from '../support/env.js';

type Loose = Record<string | symbol, any>;


for (const executor of ['inline', 'pool'] as const) {
  const test = suite(`strict handles [${executor}]`);
  let strict: RotorClasses;
  let loose: RotorClasses;

  // The shared pool (closed by the test command), as the integration targets use.
  test.before(() => {
    strict = createRotor({ executor, strict: true });
    loose = createRotor({ executor });
  });

  test('a typo throws on read, naming the class and suggesting the registry member', () => {
    const coll = (new strict.MongoClient(testUri()) as unknown as Loose).db('d').collection('c') as Loose;
    const error = thrown(() => coll.insertOen);
    assert.instance(error, TypeError);
    assert.is(error.message, "Collection has no attribute 'insertOen'; did you mean 'insertOne'?");
    assert.is(thrown(() => coll.find().limt).message, "FindCursor has no attribute 'limt'; did you mean 'limit'?");
  });

  test('db.usres throws: a name is never a collection', () => {
    const db = (new strict.MongoClient(testUri()) as unknown as Loose).db('d') as Loose;
    assert.match(thrown(() => db.usres).message, "Db has no attribute 'usres'");
  });

  test('a driver internal says why it is hidden', () => {
    const client = new strict.MongoClient(testUri()) as unknown as Loose;
    assert.match(thrown(() => client.topology).message, /^MongoClient\.topology is not exposed by rotor: /);
  });

  test('assigning, defining or deleting a new member throws and adds nothing', () => {
    const client = new strict.MongoClient(testUri()) as unknown as Loose;
    assert.is(thrown(() => (client._closeCalled = true)).message, "MongoClient has no attribute '_closeCalled' to assign");
    assert.instance(thrown(() => Object.defineProperty(client, 'x', { value: 1, configurable: true, writable: true })), TypeError);
    assert.instance(thrown(() => delete client._closeCalled), TypeError);
    assert.not.ok('_closeCalled' in client);
  });

  test('symbols and protocol probes still answer undefined (never a thenable)', () => {
    const client = new strict.MongoClient(testUri()) as unknown as Loose;
    assert.is(client.then, undefined);
    assert.is(client[Symbol('other')], undefined);
    assert.not.ok('then' in client);
  });

  test('the default (not strict) answers the same reads and writes without throwing', () => {
    const client = new loose.MongoClient(testUri()) as unknown as Loose;
    assert.is(client.db('d').usres, undefined);
    assert.is(client.db('d').collection('c').insertOen, undefined);
    client._closeCalled = true;
    assert.is(client._closeCalled, true);
    assert.is(client.then, undefined);
  });

  test.run();
}
