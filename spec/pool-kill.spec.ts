// No acknowledged write lost, none reported failed that happened (issue #21): 1,000 inserts with
// client-side unique `_id`s, 20 in flight, while the pool worker is killed at random points; then
// what each caller was told is compared with what the server holds, read by the bare driver.
// `WorkerLostError` is the pool's "outcome unknown" (as the driver's network errors are), and says
// so: such a write may or may not be stored. Every other answer is definite and must match the server.
// The points are random per run; ROTOR_KILL_SEED=<n> replays a run (the seed is printed).
import * as assert from 'uvu/assert';
import * as driver from 'mongodb';
import { createRotor } from '../lib/index.js';
import { WorkerLostError } from '../lib/executor/pool/index.js';
import { poolSlots, workerThread } from '../lib/executor/pool/main/internals.js';
import { dbName, suite, testUri } from './support/env.js';
import { prng } from '../bench/data.js';

const test = suite('pool kill');

const INSERTS = 1_000;
const IN_FLIGHT = 20;
const KILLS = 6;


type Told = 'ok' | 'lost' | `failed: ${string}`;

test(`${INSERTS} inserts, worker killed ${KILLS} times at random points: every acknowledged insert is stored, every definite failure is not`, async () => {
  const seed = Number(process.env.ROTOR_KILL_SEED ?? Date.now() % 1_000_000);
  const next = prng(seed);
  // Kill points: after the n-th insert was sent, with a random delay of 0-2 ms so some land while
  // replies are in flight and some while the worker writes.
  const points = new Set(Array.from({ length: KILLS }, () => 20 + Math.floor(next() * (INSERTS - 40))));
  const rotor = createRotor({ executor: 'pool', workers: 1 });
  const client = new rotor.MongoClient(testUri()) as unknown as driver.MongoClient;
  const name = dbName('kill');
  const coll = client.db(name).collection<{ _id: string; i: number }>('c');
  const told = new Map<string, Told>();
  let kills = 0;
  try {
    await coll.insertOne({ _id: 'warm-up', i: -1 });
    let sent = 0;
    const worker = async (): Promise<void> => {
      while (sent < INSERTS) {
        const i = sent++;
        const id = `k-${i}`;
        const insert = coll.insertOne({ _id: id, i }).then(
          (): Told => 'ok',
          // The caller must be told the outcome is unknown, not that the insert failed.
          (e: Error): Told => (e instanceof WorkerLostError && /may or may not have taken effect/.test(e.message) ? 'lost' : `failed: ${e.name}: ${e.message}`),
        );
        if (points.has(i)) {
          const delay = Math.floor(next() * 3);
          setTimeout(() => {
            const thread = workerThread(poolSlots(rotor.runtime.executor)![0]!);
            if (thread) {
              kills++;
              void thread.terminate();
            }
          }, delay);
        }
        told.set(id, await insert);
      }
    };
    // A hang guard only: 1,000 inserts take a few seconds.
    const all = Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await Promise.race([all, new Promise((_, reject) => setTimeout(() => reject(new Error(`inserts did not settle within 45 s (seed ${seed})`)), 45_000))]);
  } finally {
    await client.close();
    await rotor.close();
  }

  const bare = new driver.MongoClient(testUri());
  try {
    const stored = new Set((await bare.db(name).collection<{ _id: string }>('c').find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
    const count = (what: (t: Told) => boolean) => [...told.values()].filter(what).length;
    const missing = [...told].filter(([id, t]) => t === 'ok' && !stored.has(id)).map(([id]) => id);
    const falselyFailed = [...told].filter(([id, t]) => t.startsWith('failed') && stored.has(id)).map(([id, t]) => `${id} (${t})`);
    const failures = [...told.values()].filter((t) => t.startsWith('failed'));
    const lost = count((t) => t === 'lost');
    const lostStored = [...told].filter(([id, t]) => t === 'lost' && stored.has(id)).length;
    process.stdout.write(`\n  (kill) seed ${seed}: ${kills} kills, ${count((t) => t === 'ok')} acknowledged, ${lost} WorkerLostError (${lostStored} of them stored), ${failures.length} other failures\n`);
    assert.is(told.size, INSERTS, `seed ${seed}: not every insert settled`);
    assert.equal(missing, [], `seed ${seed}: acknowledged inserts missing on the server`);
    assert.equal(falselyFailed, [], `seed ${seed}: inserts reported failed that the server holds`);
    // Nothing but the kills may fail an insert: no duplicate-key error from a re-sent write, no other error.
    assert.equal(failures, [], `seed ${seed}: inserts failed for another reason than the kills`);
    assert.ok(kills > 0, `seed ${seed}: no kill happened`);
    // Every stored document is one the caller sent (ids are unique: nothing can be stored twice).
    assert.equal([...stored].filter((id) => id !== 'warm-up' && !told.has(id)), [], `seed ${seed}: documents nobody sent`);
    await bare.db(name).dropDatabase();
  } finally {
    await bare.close();
  }
});

test.run();
