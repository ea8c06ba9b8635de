// The main-thread work of the "Find many, main-thread work per document" task: what an application
// does with each document while the driver fetches the next ones (encode it, hash it).
//
// Size: JSON.stringify of the tweet (1.6 KB) plus HASH_PASSES sha256 passes over that text. Measured
// on the 2-core box (quiet moments): stringify ≈ 8 µs, BSON deserialize of the same document ≈ 7 µs,
// stringify + 32 passes ≈ 95 µs. 32 passes makes the work about 10× the driver's own main-thread
// cost per document (so moving the driver off the main thread cannot be what decides the score) and
// of the order of FerretDB's fetch time per document here (~100-400 µs): the case where fetching
// the next batch in the worker while the main thread works would pay. Lighter work vanishes in the
// server's time; much heavier work makes every target equally work-bound. The run reports the
// measured µs per document next to the score.
import { createHash } from 'node:crypto';
import type { Document } from 'mongodb';

export const HASH_PASSES = 32;

/** Keeps the results alive so the work cannot be optimized away. */
let sink = 0;

export function documentWork(doc: Document): void {
  const json = JSON.stringify(doc);
  const hash = createHash('sha256');
  for (let i = 0; i < HASH_PASSES; i++) hash.update(json);
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
