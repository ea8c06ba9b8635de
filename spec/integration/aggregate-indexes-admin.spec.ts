// Aggregation (pipelines and AggregationCursor chaining), index management, and database/admin
// commands through rotor handles.
import * as assert from 'uvu/assert';
import type { Collection, Db, Document, MongoClient } from 'mongodb';
import { dbName, suite } from '../support/env.js';
import { connectTarget, targets } from '../support/targets.js';

/** Test documents use plain `_id` values (numbers, strings), not only ObjectIds. */
interface Doc extends Document {
  _id?: number | string;
}

interface Sale extends Document {
  _id: number;
  item: string;
  qty: number;
}

const SALES: Sale[] = [
  { _id: 1, item: 'apple', qty: 5 },
  { _id: 2, item: 'pear', qty: 2 },
  { _id: 3, item: 'apple', qty: 7 },
  { _id: 4, item: 'fig', qty: 1 },
  { _id: 5, item: 'pear', qty: 4 },
];

for (const target of targets) {
  const test = suite(`aggregate, indexes, admin [${target.name}]`);
  const name = dbName(`agg_${target.name}`);
  let client: MongoClient;
  let db: Db;
  let sales: Collection<Sale>;

  connectTarget(test, target, name, async (c, d) => {
    client = c;
    db = d;
    sales = db.collection<Sale>('sales');
    await sales.insertMany(SALES);
  });

  // --- aggregate ---

  test('aggregate(pipeline) returns an AggregationCursor handle with the results', async () => {
    const cursor = sales.aggregate<{ _id: string; total: number }>([
      { $group: { _id: '$item', total: { $sum: '$qty' } } },
      { $sort: { _id: 1 } },
    ]);
    assert.instance(cursor, target.rotor.AggregationCursor);
    assert.equal(await cursor.toArray(), [
      { _id: 'apple', total: 12 },
      { _id: 'fig', total: 1 },
      { _id: 'pear', total: 6 },
    ]);
  });

  test('AggregationCursor builder chaining (.match().sort().skip().limit().project()) returns the same handle', async () => {
    const cursor = sales.aggregate();
    const chained = cursor.match({ qty: { $gte: 2 } }).sort({ qty: -1 }).skip(1).limit(2).project<{ qty: number }>({ _id: 0, qty: 1 });
    assert.is(chained, cursor);
    assert.equal(await chained.toArray(), [{ qty: 5 }, { qty: 4 }]);
  });

  test('AggregationCursor .group().addStage() and for await', async () => {
    const cursor = sales
      .aggregate()
      .group<{ _id: string; n: number }>({ _id: '$item', n: { $sum: 1 } })
      .addStage<{ _id: string; n: number }>({ $sort: { _id: -1 } });
    const seen: Array<{ _id: string; n: number }> = [];
    for await (const doc of cursor) seen.push(doc);
    assert.equal(seen, [
      { _id: 'pear', n: 2 },
      { _id: 'fig', n: 1 },
      { _id: 'apple', n: 2 },
    ]);
  });

  test('aggregate pipeline getter reflects the chained stages', () => {
    const cursor = sales.aggregate([{ $match: { item: 'fig' } }]).project({ qty: 1 });
    assert.equal(cursor.pipeline, [{ $match: { item: 'fig' } }, { $project: { qty: 1 } }]);
  });

  test('aggregate cursor map/next', async () => {
    const cursor = sales.aggregate<Sale>([{ $match: { item: 'apple' } }, { $sort: { _id: 1 } }]).map((d) => d.qty);
    assert.is(await cursor.next(), 5);
    assert.is(await cursor.next(), 7);
    assert.is(await cursor.next(), null);
  });

  // --- indexes ---

  test('createIndex returns the index name; listIndexes().toArray() and indexes() show it', async () => {
    const coll = db.collection<Doc>('idx_create');
    await coll.insertOne({ a: 1, b: 1 });
    assert.is(await coll.createIndex({ a: 1 }), 'a_1');
    assert.is(await coll.createIndex({ b: -1 }, { name: 'b_desc' }), 'b_desc');
    const listCursor = coll.listIndexes();
    assert.instance(listCursor, target.rotor.ListIndexesCursor);
    const listed = (await listCursor.toArray()).map((i) => i.name).sort();
    assert.equal(listed, ['_id_', 'a_1', 'b_desc']);
    const viaIndexes = (await coll.indexes()).map((i) => i.name).sort();
    assert.equal(viaIndexes, ['_id_', 'a_1', 'b_desc']);
  });

  test('indexExists and dropIndex', async () => {
    const coll = db.collection<Doc>('idx_drop');
    await coll.insertOne({ c: 1 });
    await coll.createIndex({ c: 1 }, { name: 'c_1' });
    assert.is(await coll.indexExists('c_1'), true);
    assert.is(await coll.indexExists(['_id_', 'c_1']), true);
    assert.is(await coll.indexExists('nope_1'), false);
    await coll.dropIndex('c_1');
    assert.is(await coll.indexExists('c_1'), false);
  });

  test('createIndexes creates several indexes at once', async () => {
    const coll = db.collection<Doc>('idx_many');
    await coll.insertOne({ x: 1, y: 1 });
    const names = await coll.createIndexes([
      { key: { x: 1 }, name: 'x_1' },
      { key: { y: 1 }, name: 'y_1' },
    ]);
    assert.equal([...names].sort(), ['x_1', 'y_1']);
    assert.is(await coll.indexExists(['x_1', 'y_1']), true);
  });

  test('a unique index makes a duplicate insert fail with code 11000', async () => {
    const coll = db.collection<Doc>('idx_unique');
    await coll.createIndex({ email: 1 }, { unique: true, name: 'email_unique' });
    await coll.insertOne({ email: 'a@example.com' });
    let caught: unknown;
    try {
      await coll.insertOne({ email: 'a@example.com' });
    } catch (error) {
      caught = error;
    }
    assert.instance(caught, target.rotor.MongoServerError);
    assert.is((caught as { code?: unknown }).code, 11000);
  });

  // --- databases, collections, admin ---

  test('db.listCollections().toArray() lists the collections', async () => {
    await db.collection<Doc>('listed_a').insertOne({ _id: 1 });
    const cursor = db.listCollections({ name: 'listed_a' });
    assert.instance(cursor, target.rotor.ListCollectionsCursor);
    const infos = await cursor.toArray();
    assert.equal(
      infos.map((i) => i.name),
      ['listed_a'],
    );
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((i) => i.name);
    assert.ok(names.includes('sales'), `sales missing from ${names.join(', ')}`);
    assert.ok(names.includes('listed_a'));
  });

  test('db.collections() returns Collection handles', async () => {
    const colls = await db.collections();
    assert.ok(colls.length > 0);
    for (const c of colls) assert.instance(c, target.rotor.Collection);
    assert.ok(colls.map((c) => c.collectionName).includes('sales'));
  });

  test('db.createCollection returns a Collection handle; rename returns one too', async () => {
    const created = await db.createCollection<Doc>('created');
    assert.instance(created, target.rotor.Collection);
    assert.is(created.collectionName, 'created');
    await created.insertOne({ _id: 1 });
    const renamed = await created.rename('renamed');
    assert.instance(renamed, target.rotor.Collection);
    assert.is(renamed.collectionName, 'renamed');
    assert.equal(await renamed.findOne({}), { _id: 1 });
    assert.is(await db.dropCollection('renamed'), true);
  });

  test('db.command runs a database command', async () => {
    const res = await db.command({ count: 'sales', query: { item: 'pear' } });
    assert.is(res.ok, 1);
    assert.is(res.n, 2);
  });

  test('db.admin() is an Admin handle and command({ ping: 1 }) answers ok', async () => {
    const admin = db.admin();
    assert.instance(admin, target.rotor.Admin);
    const res = await admin.command({ ping: 1 });
    assert.is(res.ok, 1);
  });

  test('admin.listDatabases() includes this database', async () => {
    const res = await client.db('admin').admin().listDatabases();
    assert.ok(Array.isArray(res.databases));
    const names = res.databases.map((d) => d.name);
    assert.ok(names.includes(name), `${name} missing from ${names.join(', ')}`);
  });

  test('admin.buildInfo() and serverStatus() return documents', async () => {
    const admin = client.db().admin();
    const info = await admin.buildInfo();
    assert.type(info.version, 'string');
    const status = await admin.serverStatus();
    assert.is(status.ok, 1);
  });

  test('db.stats() reports this database', async () => {
    const stats = await db.stats();
    assert.is(stats.db, name);
    assert.ok(stats.collections >= 1);
  });

  test('databaseName / collectionName / namespace properties read through', () => {
    assert.is(db.databaseName, name);
    assert.is(sales.collectionName, 'sales');
    assert.is(sales.dbName, name);
    assert.is(sales.namespace, `${name}.sales`);
  });

  test('coll.drop() and db.dropCollection()', async () => {
    const coll = db.collection<Doc>('to_drop');
    await coll.insertOne({ _id: 1 });
    assert.is(await coll.drop(), true);
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((i) => i.name);
    assert.not.ok(names.includes('to_drop'));
  });

  test.run();
}
