// The main-thread work of the "Find many, main-thread work per document" task: what an application
// does with each document while the driver fetches the next ones (encode it, hash it).
//
// Size: JSON.stringify of the tweet (1.6 KB) plus sha256 passes over that text, as many as make
// one document's work cost what the bare driver takes per document of the same Find many without
// work on this server (calibrateWork, run by the task's setup): the case the pool's read-ahead is
// for, where fetching batch k+1 in the worker while the main thread works through batch k can at
// best halve the time. Fixed work misleads across servers: 32 passes (~95 µs) was 10% of the
// embedded FerretDB's ~0.9 ms per document (the server's time hid both), and would be 10× a real
// MongoDB's. The run reports the calibration and the measured µs per document next to the score.
import { createHash } from 'node:crypto';
import type { Document } from 'mongodb';

/** sha256 passes per document: set by calibrateWork. */
let passes = 32;

/** Keeps the results alive so the work cannot be optimized away. */
let sink = 0;

export function documentWork(doc: Document): void {
  const json = JSON.stringify(doc);
  const hash = createHash('sha256');
  for (let i = 0; i < passes; i++) hash.update(json);
  sink ^= hash.digest()[0]!;
}

/** µs of documentWork per document on `doc`, median of 5 × 200 calls, measured now. */
export function workCostUs(doc: Document): number {
  const runs: number[] = [];
  for (let r = 0; r < 6; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 200; i++) documentWork(doc);
    if (r > 0) runs.push(Number(process.hrtime.bigint() - t0) / 1e3 / 200);
  }
  runs.sort((a, b) => a - b);
  return Math.round(runs[2]! * 10) / 10 + (sink & 0); // sink read: keeps it live
}

/** Sets the number of passes so that documentWork(doc) costs about `us` µs here (at least one pass). */
export function calibrateWork(doc: Document, us: number): { passes: number; workUs: number } {
  const json = JSON.stringify(doc);
  const perPass = medianUs(() => {
    const hash = createHash('sha256');
    for (let i = 0; i < 64; i++) hash.update(json);
    sink ^= hash.digest()[0]!;
  }) / 64;
  const base = medianUs(() => {
    sink ^= JSON.stringify(doc).length ^ createHash('sha256').update(json).digest()[0]!;
  });
  passes = Math.max(1, Math.round((us - base) / perPass + 1));
  return { passes, workUs: workCostUs(doc) };
}

/** µs per call of fn: median of 7 runs of 50 calls, after one warm-up run. */
function medianUs(fn: () => void): number {
  const runs: number[] = [];
  for (let r = 0; r < 8; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 50; i++) fn();
    if (r > 0) runs.push(Number(process.hrtime.bigint() - t0) / 1e3 / 50);
  }
  runs.sort((a, b) => a - b);
  return runs[3]!;
}
