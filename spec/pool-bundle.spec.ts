// The pool's code as shipped: two files (scripts/bundle-pool.mjs), worker/bundle.js for the worker
// thread and bundle.js for the main thread's pool modules. The suite's coverage run loads the
// modules instead (c8 maps them exactly), so this spec runs a pool workload in a child without V8
// coverage, on the run's driver major, and checks that each thread loaded its bundle and none of the
// modules it holds, and that the pool modules reached from outside the folder stay one copy.
import * as assert from 'uvu/assert';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNode } from './support/child.js';
import { dbName, suite, testUri } from './support/env.js';

const test = suite('pool bundles');
const dist = resolve(fileURLToPath(import.meta.url), '..', '..');
const poolDir = join(dist, 'lib', 'executor', 'pool');

test('npm run build wrote the bundles after the modules', () => {
  for (const dir of [poolDir, join(poolDir, 'worker')]) {
    assert.ok(statSync(join(dir, 'bundle.js')).mtimeMs >= statSync(join(dir, 'index.js')).mtimeMs, `${dir}/bundle.js is older than its index.js`);
  }
});

const WORKLOAD = `
import { createRotor } from ${JSON.stringify(join(dist, 'lib', 'index.js'))};
const rotor = createRotor({ executor: 'pool', workers: 1 });
const client = new rotor.MongoClient(process.env.ROTOR_TEST_URI, { monitorCommands: true });
const db = client.db(process.env.BUNDLE_DB);
await db.dropDatabase();
const coll = db.collection('c');
let started = 0;
const count = () => started++;
client.on('commandStarted', count);
await coll.insertMany(Array.from({ length: 5 }, (_, i) => ({ _id: i, n: i })));
const seen = [];
for await (const doc of coll.find({}, { batchSize: 2 }).sort({ n: 1 })) if (seen.push(doc.n) === 3) break;
const bucket = new rotor.GridFSBucket(db);
const upload = bucket.openUploadStream('f');
await new Promise((done, fail) => upload.on('finish', done).on('error', fail).end(Buffer.from('0123456789')));
let range = '';
for await (const chunk of bucket.openDownloadStreamByName('f').start(2).end(5)) range += chunk;
client.off('commandStarted', count);
// rotor/sync's error classes are the pool's own (main/errors.js stays one module beside the bundle).
const { WorkerLostError } = await import(${JSON.stringify(join(dist, 'lib', 'sync.js'))});
const lost = await import(${JSON.stringify(join(dist, 'lib', 'executor', 'pool', 'main', 'errors.js'))});
console.log(JSON.stringify({ seen, range, inserted: await coll.countDocuments(), events: started > 0, oneErrors: WorkerLostError === lost.WorkerLostError }));
await db.dropDatabase();
await client.close();
await rotor.close();
`;

test('a pool workload in a process without coverage runs on the bundles', async () => {
  // Empty, not deleted: Node hands a coverage run's NODE_V8_COVERAGE to a child whose env lacks the key.
  const env: NodeJS.ProcessEnv = { ...process.env, ROTOR_TEST_URI: testUri(), BUNDLE_DB: dbName('pool_bundle'), NODE_DEBUG: 'esm', NODE_V8_COVERAGE: '' };
  const run = await runNode(['--input-type=module', '-e', WORKLOAD], { env, timeoutMS: 60_000, what: 'the bundle workload' });
  assert.is(run.code, 0, run.stderr.slice(-2000));
  assert.equal(JSON.parse(run.stdout.trim().split('\n').at(-1)!), { seen: [0, 1, 2], range: '234', inserted: 5, events: true, oneErrors: true });
  // NODE_DEBUG=esm names every module Node loads, the worker's too.
  assert.match(run.stderr, /worker\/bundle\.js/, `the worker did not load bundle.js: ${run.stderr.split('\n').filter((l) => /worker|COVERAGE/.test(l)).slice(0, 8).join('\n')}`);
  assert.not.match(run.stderr, /pool\/worker\/(index|table|streams)\.js/, 'the worker loaded its modules besides the bundle');
  assert.match(run.stderr, /executor\/pool\/bundle\.js/, 'the main thread did not load the pool bundle');
  assert.not.match(run.stderr, /executor\/pool\/(index|blocking)\.js|pool\/main\/(slot|cursor|command)\.js|pool\/codec\//, 'the main thread loaded pool modules besides the bundle');
});

test.run();
