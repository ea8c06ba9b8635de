// `npm run bench -- --soak N` (issue #10): N mixed operations per target, one client each, then heap
// and RSS after a forced GC, and for pool targets the pool's counters after the client closed,
// which must all be back to 0 (the run exits 1 otherwise, so a spec can check it with a small N).
//
// Heap is the main thread's (process.memoryUsage().heapUsed); a pool worker's heap shows in RSS
// only. "open" is after the operations with the client still connected, GC forced: what a long-
// running application keeps; "closed" is after client.close() and GC.
import { getEventListeners } from 'node:events';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startServer, type RunningServer } from '../lib/server/harness.js';
import { soakMarkdown, soakConsole, type Memory, type SoakResult, type SoakRow } from './report-soak.js';
import { soakOperation, SOAK_KINDS } from './soak-ops.js';
import type { Target } from './targets.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The counters that must be 0 once a pool's clients have closed (`workers` may stay up). */
export const ZERO_AFTER_CLOSE = ['objects', 'forwarders', 'callbacks', 'abortListeners', 'pending'] as const;

export interface SoakOptions {
  n: number;
  targets: readonly Target[];
  db: string;
  outDir: string;
  log: (msg: string) => void;
}

export async function runSoak({ n, targets, db, outDir, log }: SoakOptions): Promise<number> {
  let server: RunningServer | undefined;
  const startedAt = new Date().toISOString();
  const rows: SoakRow[] = [];
  try {
    server = await startServer({ progress: (msg) => log(`server: ${msg.trimEnd()}`) });
    log(`soak: ${n.toLocaleString('en-US')} mixed operations per target (${SOAK_KINDS.join(', ')}), ${targets.length} target(s)`);
    for (const target of targets) {
      const available = target.available();
      if (available !== true) {
        rows.push({ target: target.name, status: 'unavailable', reason: available });
        continue;
      }
      log(`soak: ${target.name}…`);
      const row = await soakTarget(target, n, server.uri, db, log);
      rows.push(row);
      log(`  ${row.status === 'ok' ? `${row.seconds} s, ${row.errors} error(s), heap ${row.heapGrowthMB} MB, pool after close ${JSON.stringify(row.statsClosed)}` : `${row.status}: ${row.reason}`}`);
    }
  } catch (err) {
    process.stderr.write(`bench --soak: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  } finally {
    await server?.stop();
  }
  const ok = rows.every((r) => r.status !== 'error' && r.errors === 0 && r.countersZero !== false);
  const result: SoakResult = { tool: 'rotor bench soak', startedAt, node: process.version, n, kinds: SOAK_KINDS, rows, ok };
  process.stdout.write(`\n${soakConsole(rows).join('\n')}\n`);
  mkdirSync(outDir, { recursive: true });
  for (const [file, text] of [
    ['soak.json', `${JSON.stringify(result, null, 2)}\n`],
    ['soak.md', soakMarkdown(result)],
  ] as const) {
    const path = join(outDir, file);
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  }
  process.stdout.write(`soak ${ok ? 'passed' : 'FAILED (errors, listeners left on the shared AbortSignal, or pool counters not back to 0 after close)'}: ${join(outDir, 'soak.json')}, ${join(outDir, 'soak.md')}\n`);
  return ok ? 0 : 1;
}

async function soakTarget(target: Target, n: number, uri: string, dbName: string, log: (msg: string) => void): Promise<SoakRow> {
  const row: SoakRow = { target: target.name, status: 'ok' };
  const driver = await target.soakDriver();
  let client: any;
  try {
    client = new driver.MongoClient(uri);
    await client.connect();
    const db = client.db(dbName);
    const coll = db.collection(`soak_${target.name}`);
    await coll.deleteMany({});
    const ctx = { client, db, coll, dbName, signal: new AbortController().signal };
    const errors: string[] = [];
    let errorCount = 0;
    const runOps = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i++) {
        try {
          await soakOperation(ctx, i);
        } catch (err) {
          errorCount++;
          if (errors.length < 5) errors.push(`op ${i} (${SOAK_KINDS[i % SOAK_KINDS.length]}): ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    };
    // Warm-up: every kind several times, so lazily built things (pools, JIT) are in "before".
    await runOps(-Math.min(1_000, Math.max(SOAK_KINDS.length * 4, Math.floor(n / 10))), 0);
    row.before = await settledMemory();
    errorCount = 0;
    errors.length = 0;
    const t0 = Date.now();
    const step = Math.max(1, Math.floor(n / 10));
    for (let from = 0; from < n; from += step) {
      await runOps(from, Math.min(n, from + step));
      if (n >= 10_000) log(`  ${target.name}: ${Math.min(n, from + step).toLocaleString('en-US')} / ${n.toLocaleString('en-US')}`);
    }
    row.seconds = Math.round((Date.now() - t0) / 100) / 10;
    row.ops = n;
    row.errors = errorCount;
    row.firstErrors = errors;
    row.open = await settledMemory();
    row.signalListeners = getEventListeners(ctx.signal, 'abort').length;
    row.statsOpen = await driver.stats();
    await coll.drop().catch(() => {});
    await client.close();
    client = undefined;
    row.statsClosed = await settledStats(() => driver.stats());
    row.closed = await settledMemory();
    row.heapGrowthMB = r1(row.open.heapMB - row.before.heapMB);
    row.rssGrowthMB = r1(row.open.rssMB - row.before.rssMB);
    row.countersZero = row.signalListeners === 0 && (row.statsClosed === null || ZERO_AFTER_CLOSE.every((k) => row.statsClosed![k] === 0));
  } catch (err) {
    Object.assign(row, { status: 'error', reason: err instanceof Error ? err.message : String(err) });
  } finally {
    await client?.close().catch(() => {});
    await driver.close().catch(() => {});
  }
  return row;
}

/** Memory after GC has had its chance: collect, let finalizers and timers run, collect again. */
async function settledMemory(): Promise<Memory> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(20);
  }
  const m = process.memoryUsage();
  return { heapMB: r1(m.heapUsed / 2 ** 20), rssMB: r1(m.rss / 2 ** 20) };
}

/**
 * The pool's counters once released handles have reached the worker: handles are released by a
 * FinalizationRegistry, so collect and ask again until they are 0 or 5 s have passed.
 */
async function settledStats(stats: () => Promise<Record<string, number> | null>): Promise<Record<string, number> | null> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    gc();
    await sleep(50);
    const now = await stats();
    if (now === null || ZERO_AFTER_CLOSE.every((k) => now[k] === 0) || Date.now() > deadline) return now;
  }
}

const r1 = (x: number): number => Math.round(x * 10) / 10;
