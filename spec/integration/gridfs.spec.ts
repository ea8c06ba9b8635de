// GridFS through rotor handles: a bucket built from a Db handle, upload and download streams piped
// end to end with a multi-megabyte file, files listing, rename, delete.
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Db, GridFSBucket, ObjectId } from 'mongodb';
import { dbName, suite } from '../support/env.js';
import { connectTarget, targets } from '../support/targets.js';

const FIVE_MB = 5 * 1024 * 1024;

/** A Readable that yields `data` in 64 KiB slices (so the upload sees many writes and backpressure). */
function sliced(data: Buffer, size = 64 * 1024): Readable {
  const slices: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) slices.push(data.subarray(i, i + size));
  return Readable.from(slices);
}

/** Collects a readable stream with `for await`. */
async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Collects a readable stream by piping it into a Writable with stream.pipeline. */
async function pipeToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await pipeline(stream, sink);
  return Buffer.concat(chunks);
}

for (const target of targets) {
  const test = suite(`gridfs [${target.name}]`);
  const name = dbName(`gridfs_${target.name}`);
  let db: Db;

  /** Uploads `data` as `filename` through openUploadStream and stream.pipeline; returns the file id. */
  const upload = async (bucket: GridFSBucket, filename: string, data: Buffer): Promise<ObjectId> => {
    const stream = bucket.openUploadStream(filename, { metadata: { size: data.length } });
    assert.instance(stream, target.rotor.GridFSBucketWriteStream);
    await pipeline(sliced(data), stream);
    return stream.id;
  };

  connectTarget(test, target, name, (_c, d) => {
    db = d;
  });

  test('new GridFSBucket(db handle) returns a GridFSBucket handle', () => {
    const bucket = new target.rotor.GridFSBucket(db, { bucketName: 'construct' });
    assert.instance(bucket, target.rotor.GridFSBucket);
  });

  test('a 5 MB file round-trips byte-identical: pipeline upload, for-await download by id', async () => {
    const bucket = new target.rotor.GridFSBucket(db, { bucketName: 'big' });
    const data = randomBytes(FIVE_MB);
    const id = await upload(bucket, 'big.bin', data);
    assert.instance(id, target.rotor.ObjectId);
    const download = bucket.openDownloadStream(id);
    assert.instance(download, target.rotor.GridFSBucketReadStream);
    const got = await collect(download);
    assert.is(got.length, data.length);
    assert.is(Buffer.compare(got, data), 0, 'downloaded bytes differ from uploaded bytes');
  });

  test('a 5 MB file round-trips byte-identical: download by name piped into a Writable', async () => {
    const bucket = new target.rotor.GridFSBucket(db, { bucketName: 'byname' });
    const data = randomBytes(FIVE_MB);
    await upload(bucket, 'named.bin', data);
    const got = await pipeToBuffer(bucket.openDownloadStreamByName('named.bin'));
    assert.is(got.length, data.length);
    assert.is(Buffer.compare(got, data), 0, 'downloaded bytes differ from uploaded bytes');
  });

  test('openDownloadStreamByName picks the latest revision by default', async () => {
    const bucket = new target.rotor.GridFSBucket(db, { bucketName: 'revisions' });
    await upload(bucket, 'r.txt', Buffer.from('first'));
    await upload(bucket, 'r.txt', Buffer.from('second'));
    assert.is((await collect(bucket.openDownloadStreamByName('r.txt'))).toString(), 'second');
    assert.is((await collect(bucket.openDownloadStreamByName('r.txt', { revision: 0 }))).toString(), 'first');
  });

  test('a download stream honours start/end', async () => {
    const bucket = new target.rotor.GridFSBucket(db, { bucketName: 'ranges', chunkSizeBytes: 4 });
    const id = await upload(bucket, 'abc.txt', Buffer.from('abcdefghijklmnop'));
    const got = await collect(bucket.openDownloadStream(id, { start: 3, end: 10 }));
    assert.is(got.toString(), 'defghij');
  });

  test('uploadStream.end(buffer) with a finish listener also uploads', async () => {
    const bucket = new target.rotor.GridFSBucket(db, { bucketName: 'ended' });
    const stream = bucket.openUploadStream('end.txt');
    const finished = new Promise<void>((resolve, reject) => {
      stream.once('finish', () => resolve());
      stream.once('error', reject);
    });
    stream.end(Buffer.from('written with end()'));
    await finished;
    assert.is((await collect(bucket.openDownloadStream(stream.id))).toString(), 'written with end()');
  });

  test('bucket.find().toArray() lists files with their length and metadata', async () => {
    const bucket = new target.rotor.GridFSBucket(db, { bucketName: 'listing' });
    const data = randomBytes(300 * 1024);
    const id = await upload(bucket, 'listed.bin', data);
    const cursor = bucket.find({ filename: 'listed.bin' });
    assert.instance(cursor, target.rotor.FindCursor);
    const files = await cursor.toArray();
    assert.is(files.length, 1);
    const file = files[0]!;
    assert.ok(id.equals(file._id));
    assert.is(file.filename, 'listed.bin');
    assert.is(file.length, data.length);
    assert.equal(file.metadata, { size: data.length });
    assert.is(file.chunkSize, 255 * 1024);
  });

  test('bucket.rename changes the filename', async () => {
    const bucket = new target.rotor.GridFSBucket(db, { bucketName: 'renaming' });
    const id = await upload(bucket, 'old.txt', Buffer.from('contents'));
    await bucket.rename(id, 'new.txt');
    assert.equal((await bucket.find().toArray()).map((f) => f.filename), ['new.txt']);
    assert.is((await collect(bucket.openDownloadStreamByName('new.txt'))).toString(), 'contents');
  });

  test('bucket.delete removes the file and its chunks', async () => {
    const bucket = new target.rotor.GridFSBucket(db, { bucketName: 'deleting' });
    const id = await upload(bucket, 'gone.bin', randomBytes(600 * 1024));
    assert.ok((await db.collection('deleting.chunks').countDocuments({ files_id: id })) > 1);
    await bucket.delete(id);
    assert.equal(await bucket.find().toArray(), []);
    assert.is(await db.collection('deleting.chunks').countDocuments({ files_id: id }), 0);
  });

  test('downloading a missing file rejects with the driver error', async () => {
    const bucket = new target.rotor.GridFSBucket(db, { bucketName: 'missing' });
    let caught: unknown;
    try {
      await collect(bucket.openDownloadStream(new target.rotor.ObjectId()));
    } catch (error) {
      caught = error;
    }
    assert.instance(caught, target.rotor.MongoError);
    assert.match((caught as Error).message, /not found/i);
  });

  test('deleting a missing file rejects with the driver error', async () => {
    const bucket = new target.rotor.GridFSBucket(db, { bucketName: 'missing_delete' });
    let caught: unknown;
    try {
      await bucket.delete(new target.rotor.ObjectId());
    } catch (error) {
      caught = error;
    }
    assert.instance(caught, target.rotor.MongoError);
    assert.match((caught as Error).message, /not found/i);
  });

  test('bucket.drop() removes the files and chunks collections', async () => {
    const bucket = new target.rotor.GridFSBucket(db, { bucketName: 'dropping' });
    await upload(bucket, 'x.txt', Buffer.from('x'));
    await bucket.drop();
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    assert.not.ok(names.includes('dropping.files'));
    assert.not.ok(names.includes('dropping.chunks'));
  });

  test.run();
}
