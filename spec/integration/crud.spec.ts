// CRUD through rotor handles, for every target: the same await-based bodies run on promise, callback
// (no trailing callback → a Promise) and thenable frameworks.
import * as assert from 'uvu/assert';
import type { Collection, Db, Document } from 'mongodb';
import { dbName, suite } from '../support/env.js';
import { connectTarget, targets } from '../support/targets.js';

interface Doc extends Document {
  _id: number;
  a?: number;
  tag?: string;
}

for (const target of targets) {
  const test = suite(`crud [${target.name}]`);
  const name = dbName(`crud_${target.name}`);
  let db: Db;

  /** A fresh collection per test, so tests never see each other's documents. */
  const fresh = async (collName: string, docs: Doc[] = []): Promise<Collection<Doc>> => {
    const coll = db.collection<Doc>(collName);
    if (docs.length) await coll.insertMany(docs);
    return coll;
  };
  const three: Doc[] = [
    { _id: 1, a: 1, tag: 'x' },
    { _id: 2, a: 2, tag: 'y' },
    { _id: 3, a: 3, tag: 'x' },
  ];

  connectTarget(test, target, name, (_c, d) => {
    db = d;
  });

  test('insertOne returns the driver result and the document is stored', async () => {
    const coll = await fresh('insert_one');
    const res = await coll.insertOne({ _id: 7, a: 70 });
    assert.is(res.acknowledged, true);
    assert.is(res.insertedId, 7);
    assert.equal(await coll.findOne({ _id: 7 }), { _id: 7, a: 70 });
  });

  test('insertOne generates an ObjectId that is an instance of rotor.ObjectId', async () => {
    const coll = db.collection('insert_oid');
    const res = await coll.insertOne({ a: 1 });
    assert.instance(res.insertedId, target.rotor.ObjectId);
    const found = await coll.findOne({ _id: res.insertedId });
    assert.ok(found);
    assert.ok(res.insertedId.equals(found._id));
  });

  test("inserts give the caller's own documents the generated _id, as the driver does", async () => {
    const coll = db.collection('insert_ids');
    const one: Document = { a: 1 };
    const res = await coll.insertOne(one);
    assert.ok(one._id, 'insertOne left the document without _id');
    assert.equal(String(one._id), String(res.insertedId));
    const many: Document[] = [{ b: 1 }, { _id: 'fixed', b: 2 }, { b: 3 }];
    const resMany = await coll.insertMany(many);
    assert.equal(many.map((d) => String(d._id)), [0, 1, 2].map((i) => String(resMany.insertedIds[i])));
    const bulkDoc: Document = { c: 1 };
    const resBulk = await coll.bulkWrite([{ insertOne: { document: bulkDoc } }]);
    assert.equal(String(bulkDoc._id), String(resBulk.insertedIds[0]));
  });

  test('insertMany returns insertedCount and insertedIds in order', async () => {
    const coll = await fresh('insert_many');
    const res = await coll.insertMany(three);
    assert.is(res.insertedCount, 3);
    assert.equal(res.insertedIds, { 0: 1, 1: 2, 2: 3 });
    assert.is(await coll.countDocuments(), 3);
  });

  test('find().toArray() with a filter and sort', async () => {
    const coll = await fresh('find', three);
    const docs = await coll.find({ tag: 'x' }).sort({ a: -1 }).toArray();
    assert.equal(docs, [
      { _id: 3, a: 3, tag: 'x' },
      { _id: 1, a: 1, tag: 'x' },
    ]);
  });

  test('findOne returns the document, or null when nothing matches', async () => {
    const coll = await fresh('find_one', three);
    assert.equal(await coll.findOne({ _id: 2 }), { _id: 2, a: 2, tag: 'y' });
    assert.equal(await coll.findOne({ _id: 2 }, { projection: { _id: 0, a: 1 } }), { a: 2 });
    assert.is(await coll.findOne({ _id: 404 }), null);
  });

  test('updateOne modifies one document and reports counts', async () => {
    const coll = await fresh('update_one', three);
    const res = await coll.updateOne({ tag: 'x' }, { $inc: { a: 10 } });
    assert.is(res.matchedCount, 1);
    assert.is(res.modifiedCount, 1);
    assert.equal((await coll.find({}).sort({ _id: 1 }).toArray()).map((d) => d.a), [11, 2, 3]);
  });

  test('updateOne with upsert reports the upserted id', async () => {
    const coll = await fresh('update_upsert');
    const res = await coll.updateOne({ _id: 9 }, { $set: { a: 9 } }, { upsert: true });
    assert.is(res.upsertedCount, 1);
    assert.is(res.upsertedId, 9);
    assert.equal(await coll.findOne({ _id: 9 }), { _id: 9, a: 9 });
  });

  test('updateMany modifies every matching document', async () => {
    const coll = await fresh('update_many', three);
    const res = await coll.updateMany({ tag: 'x' }, { $set: { a: 0 } });
    assert.is(res.matchedCount, 2);
    assert.is(res.modifiedCount, 2);
    assert.is(await coll.countDocuments({ a: 0 }), 2);
  });

  test('replaceOne replaces the whole document', async () => {
    const coll = await fresh('replace_one', three);
    const res = await coll.replaceOne({ _id: 2 }, { a: 200 });
    assert.is(res.matchedCount, 1);
    assert.is(res.modifiedCount, 1);
    assert.equal(await coll.findOne({ _id: 2 }), { _id: 2, a: 200 });
  });

  test('deleteOne deletes a single document', async () => {
    const coll = await fresh('delete_one', three);
    const res = await coll.deleteOne({ tag: 'x' });
    assert.is(res.deletedCount, 1);
    assert.is(await coll.countDocuments(), 2);
  });

  test('deleteMany deletes every matching document', async () => {
    const coll = await fresh('delete_many', three);
    const res = await coll.deleteMany({ tag: 'x' });
    assert.is(res.deletedCount, 2);
    assert.equal(await coll.find().toArray(), [{ _id: 2, a: 2, tag: 'y' }]);
  });

  test('findOneAndUpdate returns the document after the update when asked', async () => {
    const coll = await fresh('find_one_and_update', three);
    const after = await coll.findOneAndUpdate({ _id: 1 }, { $set: { a: 100 } }, { returnDocument: 'after' });
    assert.equal(after, { _id: 1, a: 100, tag: 'x' });
    const before = await coll.findOneAndUpdate({ _id: 1 }, { $set: { a: 101 } }, { returnDocument: 'before' });
    assert.equal(before, { _id: 1, a: 100, tag: 'x' });
  });

  test('findOneAndReplace returns the replaced document', async () => {
    const coll = await fresh('find_one_and_replace', three);
    const res = await coll.findOneAndReplace({ _id: 2 }, { a: 20 }, { returnDocument: 'after' });
    assert.equal(res, { _id: 2, a: 20 });
    assert.equal(await coll.findOne({ _id: 2 }), { _id: 2, a: 20 });
  });

  test('findOneAndDelete returns the deleted document and removes it', async () => {
    const coll = await fresh('find_one_and_delete', three);
    const res = await coll.findOneAndDelete({ _id: 3 });
    assert.equal(res, { _id: 3, a: 3, tag: 'x' });
    assert.is(await coll.findOne({ _id: 3 }), null);
    assert.is(await coll.findOneAndDelete({ _id: 3 }), null);
  });

  test('findOneAndUpdate with includeResultMetadata returns the raw result', async () => {
    const coll = await fresh('find_one_and_update_meta', three);
    const res = await coll.findOneAndUpdate({ _id: 2 }, { $set: { a: 22 } }, { returnDocument: 'after', includeResultMetadata: true });
    assert.is(res.ok, 1);
    assert.equal(res.value, { _id: 2, a: 22, tag: 'y' });
  });

  test('countDocuments with and without a filter', async () => {
    const coll = await fresh('count_documents', three);
    assert.is(await coll.countDocuments(), 3);
    assert.is(await coll.countDocuments({ tag: 'x' }), 2);
    assert.is(await coll.countDocuments({ tag: 'nope' }), 0);
  });

  test('estimatedDocumentCount', async () => {
    const coll = await fresh('estimated_count', three);
    assert.is(await coll.estimatedDocumentCount(), 3);
  });

  test('distinct returns the distinct values', async () => {
    const coll = await fresh('distinct', three);
    const tags = await coll.distinct('tag');
    assert.equal([...tags].sort(), ['x', 'y']);
    assert.equal(await coll.distinct('a', { tag: 'y' }), [2]);
  });

  test('bulkWrite runs mixed operations and reports every count', async () => {
    const coll = await fresh('bulk_write', three);
    const res = await coll.bulkWrite([
      { insertOne: { document: { _id: 10, a: 10 } } },
      { updateOne: { filter: { _id: 1 }, update: { $set: { a: 11 } } } },
      { updateMany: { filter: { tag: 'x' }, update: { $set: { tag: 'z' } } } },
      { replaceOne: { filter: { _id: 2 }, replacement: { a: 22 } } },
      { deleteOne: { filter: { _id: 3 } } },
    ]);
    assert.is(res.insertedCount, 1);
    assert.is(res.matchedCount, 4);
    assert.is(res.modifiedCount, 4);
    assert.is(res.deletedCount, 1);
    assert.equal(await coll.find().sort({ _id: 1 }).toArray(), [
      { _id: 1, a: 11, tag: 'z' },
      { _id: 2, a: 22 },
      { _id: 10, a: 10 },
    ]);
  });

  test('initializeOrderedBulkOp: insert, find().updateOne(), execute()', async () => {
    const coll = await fresh('ordered_bulk', three);
    const bulk = coll.initializeOrderedBulkOp();
    bulk.insert({ _id: 20, a: 20 });
    bulk.find({ _id: 20 }).updateOne({ $set: { tag: 'bulk' } });
    bulk.find({ tag: 'x' }).update({ $inc: { a: 100 } });
    bulk.find({ _id: 2 }).deleteOne();
    assert.is(bulk.batches.length > 0, true);
    const res = await bulk.execute();
    assert.is(res.insertedCount, 1);
    assert.is(res.matchedCount, 3);
    assert.is(res.modifiedCount, 3);
    assert.is(res.deletedCount, 1);
    assert.equal(await coll.find().sort({ _id: 1 }).toArray(), [
      { _id: 1, a: 101, tag: 'x' },
      { _id: 3, a: 103, tag: 'x' },
      { _id: 20, a: 20, tag: 'bulk' },
    ]);
  });

  test('initializeUnorderedBulkOp: insert, find().upsert().replaceOne(), execute()', async () => {
    const coll = await fresh('unordered_bulk');
    const bulk = coll.initializeUnorderedBulkOp();
    bulk.insert({ _id: 1, a: 1 });
    bulk.insert({ _id: 2, a: 2 });
    bulk.find({ _id: 3 }).upsert().replaceOne({ a: 3 });
    const res = await bulk.execute();
    assert.is(res.insertedCount, 2);
    assert.is(res.upsertedCount, 1);
    assert.equal(await coll.find().sort({ _id: 1 }).toArray(), [
      { _id: 1, a: 1 },
      { _id: 2, a: 2 },
      { _id: 3, a: 3 },
    ]);
  });

  test('bulk.find().upsert().updateOne(): FindOperators chaining stays usable', async () => {
    const coll = await fresh('bulk_find_ops');
    const bulk = coll.initializeOrderedBulkOp();
    const ops = bulk.find({ _id: 1 });
    const upserting = ops.upsert();
    assert.ok(upserting, 'upsert() returned nothing');
    upserting.updateOne({ $set: { a: 1 } });
    const res = await bulk.execute();
    assert.is(res.upsertedCount, 1);
    assert.equal(await coll.findOne({ _id: 1 }), { _id: 1, a: 1 });
  });

  test.run();
}
