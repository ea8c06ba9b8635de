// Micro benchmark: the cost of rotor's dispatch itself, on a stub delegate (no I/O).
// async command and property read: rotor handle vs calling the driver object directly vs a plain
// hand-written wrapper class; plus handle creation.
import * as driver from 'mongodb';
import { createRotor } from '../lib/create-rotor.js';
import { handleFor } from '../lib/proxy/factory.js';

interface Row { case: string; direct: number; handWritten: number; rotor: number; overhead: number }

const resolved = Promise.resolve({ acknowledged: true });

function nsPerOp(fn: () => unknown, iterations: number): number {
  for (let i = 0; i < iterations / 10; i++) fn(); // warm-up
  const samples: number[] = [];
  for (let round = 0; round < 7; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    samples.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  samples.sort((a, b) => a - b);
  return samples[3]!; // median
}

class HandWritten {
  constructor(private readonly delegate: driver.Collection) {}
  insertOne(...args: Parameters<driver.Collection['insertOne']>) {
    return this.delegate.insertOne(...args);
  }
  get collectionName() {
    return this.delegate.collectionName;
  }
}

export function runMicro(iterations = 2_000_000): Row[] {
  const client = new driver.MongoClient('mongodb://127.0.0.1:1/'); // never connected
  const coll = client.db('bench').collection('stub');
  // The stub delegate: insertOne answers at once, without the driver's own work.
  (coll as unknown as { insertOne: () => unknown }).insertOne = () => resolved;
  const rotor = createRotor();
  const h = wrapDriverObject(rotor, coll);
  const hand = new HandWritten(coll);
  const doc = { a: 1 };
  const rows: Row[] = [];
  const row = (name: string, direct: () => unknown, handWritten: () => unknown, viaRotor: () => unknown): void => {
    const d = nsPerOp(direct, iterations);
    const w = nsPerOp(handWritten, iterations);
    const r = nsPerOp(viaRotor, iterations);
    rows.push({ case: name, direct: d, handWritten: w, rotor: r, overhead: r - d });
  };
  row('async command (insertOne, stub)', () => coll.insertOne(doc), () => hand.insertOne(doc), () => h.insertOne(doc));
  row('read-only property (collectionName)', () => coll.collectionName, () => hand.collectionName, () => h.collectionName);
  const db = client.db('bench');
  const rdb = wrapDriverObject(rotor, db);
  let n = 0;
  row('handle creation (db.collection(name))', () => db.collection(`c${n++ % 1000}`), () => new HandWritten(db.collection(`c${n++ % 1000}`)), () => rdb.collection(`c${n++ % 1000}`));
  return rows;
}

/** A handle over a driver object we built ourselves (here: one whose insertOne is a stub). */
function wrapDriverObject<T extends object>(rotor: ReturnType<typeof createRotor>, obj: T): T {
  const cls = rotor.runtime.classOf(obj);
  if (!cls) throw new TypeError('not a driver object');
  return handleFor(rotor.runtime, cls, obj) as T;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = runMicro(Number(process.env.MICRO_ITERATIONS ?? 2_000_000));
  const fmt = (x: number): string => x.toFixed(1).padStart(8);
  process.stdout.write(`${'case'.padEnd(42)} ${'direct'.padStart(8)} ${'hand'.padStart(8)} ${'rotor'.padStart(8)} ${'+ns'.padStart(8)}   (ns per call, median of 7)\n`);
  for (const r of rows) process.stdout.write(`${r.case.padEnd(42)} ${fmt(r.direct)} ${fmt(r.handWritten)} ${fmt(r.rotor)} ${fmt(r.overhead)}\n`);
}
