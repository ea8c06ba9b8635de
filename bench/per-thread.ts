// The per-thread section (`--tasks perThread`, issue #25's cost goal measured where it can be read):
// CPU per command of each thread, the process pinned to one core (taskset -c <its first CPU>), each variant in a
// fresh process (./floor/per-thread-child.ts), rounds interleaved. In one busy process, or spread
// over two cores, a thread's wake-up costs swing with the machine's load by more than rotor's whole
// share (the overhead section's CPU column moves by ±25 µs between two identical builds); on one
// core the calling thread's CPU repeats within a few µs (a raw hop against another raw hop: ±6).
// rotor's share is the pool target's thread minus its raw hop's, per round, the median reported;
// the worker's thread runs the driver, whose own spread (±30 µs) hides rotor's part of it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Document } from 'mongodb';
import os from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../lib/util/package-root.js';
import { median } from './stats.js';

export const PER_THREAD = 'perThread';
/**
 * `warmup`: commands run before the measured ones. Until V8 has compiled what a command runs, its compiler threads
 * ("others") and the unoptimized code cost CPU per command; rotor has more code to compile than the raw hop, so a short
 * warm-up (500) charged it ~+20 µs "others" and ~+15 µs main that a long-running process never pays again.
 */
/** From here on, a command's CPU no longer falls with more warm-up (findOne, pinned: 3,000 → 10,000 → 25,000). */
const STEADY_WARMUP = 10_000;
export const PER_THREAD_SCALE = { full: { rounds: 5, commands: 3000, warmup: STEADY_WARMUP }, quick: { rounds: 1, commands: 1000, warmup: 500 } } as const;

const COMMANDS = ['hello', 'findOne', 'insertOne'] as const;
/** The documents: a corpus of ten to find by _id, copies to insert (as the overhead section's). */
export const SMALL = { name: 'small', count: 1, flag: true, note: 'x'.repeat(100) };

/** One run's CPU µs per command: the calling thread, the busiest other (the driver's worker), the rest; wall µs. */
export interface ThreadCpu {
  main: number;
  worker: number;
  others: number;
  wall: number;
}
/** Each pool target and the raw hop it is read against (its way of waiting). */
const PAIRS = [
  { target: 'rotor-promise-pool', raw: 'raw' },
  { target: 'rotor-sync-pool', raw: 'raw-blocking' },
] as const;

export interface PerThreadRow {
  command: string;
  variant: string;
  /** Medians over rounds, µs per command. */
  main: number;
  worker: number;
  others: number;
  wall: number;
  /** For a pool target: medians over rounds of (target − its raw hop) in the same round. */
  overRaw?: { main: number; total: number };
}

export type PerThreadResult = { rounds: number; commands: number; warmup: number; cpu: string; rows: PerThreadRow[]; loadAverage: { start: number; end: number } } | { skipped: string };

/** The first CPU this process may run on (a container's cpuset may exclude CPU 0). */
function firstAllowedCpu(): string | undefined {
  return /^Cpus_allowed_list:\s*(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
}

/** Why this machine cannot run the section, or undefined. */
function unavailable(cpu: string | undefined): string | undefined {
  if (process.platform !== 'linux' || !existsSync('/proc/self/task')) return 'needs Linux (/proc/self/task/*/schedstat and taskset)';
  if (cpu === undefined) return 'no allowed CPU found in /proc/self/status';
  const pinned = spawnSync('taskset', ['-c', cpu, 'true'], { encoding: 'utf8' });
  if (pinned.error) return `taskset could not run (${pinned.error.message}; it comes with util-linux)`;
  if (pinned.status !== 0) return `taskset -c ${cpu} failed: ${pinned.stderr.trim()}`;
  return undefined;
}

/** A child that has not answered by then is killed (a server stalled mid-run would hold it forever). */
const CHILD_TIMEOUT_MS = 180_000;

function once(cpu: string, variant: string, command: string, n: number, warmup: number, uri: string, dbName: string): Promise<ThreadCpu> {
  const child = join(packageRoot, 'dist', 'bench', 'floor', 'per-thread-child.js');
  return new Promise((resolve, reject) => {
    // taskset execs node: the child's pid is node's, so the kill below reaches it.
    const proc = spawn('taskset', ['-c', cpu, process.execPath, child, variant, command, String(n), String(warmup), uri, dbName], {
      cwd: packageRoot,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').at(-1);
      if (signal === 'SIGKILL') reject(new Error(`${variant} ${command}: no answer within ${CHILD_TIMEOUT_MS / 1000} s, killed`));
      else if (code !== 0 || !line?.startsWith('{')) reject(new Error(`${variant} ${command}: exit ${code}: ${err.trim().split('\n').slice(-3).join(' ')}`));
      else resolve(JSON.parse(line) as ThreadCpu);
    });
  });
}

export async function runPerThread(
  uri: string,
  dbName: string,
  admin: { dropDatabase(): Promise<unknown>; collection(name: string): { insertMany(docs: Document[]): Promise<unknown> } },
  targets: readonly string[],
  scale: { rounds: number; commands: number; warmup: number },
  status: (text: string) => void,
): Promise<PerThreadResult> {
  const cpu = process.platform === 'linux' ? firstAllowedCpu() : undefined;
  const why = unavailable(cpu);
  if (why) return { skipped: why };
  const pairs = PAIRS.filter((p) => targets.includes(p.target));
  const variants = [...new Set(pairs.flatMap((p) => [p.raw, p.target]))];
  const start = os.loadavg()[0]!;
  await admin.dropDatabase().catch(() => {});
  await admin.collection('corpus').insertMany(Array.from({ length: 10 }, (_, i) => ({ ...SMALL, _id: i + 1 })));
  const rows: PerThreadRow[] = [];
  for (const command of COMMANDS) {
    const runs = new Map<string, ThreadCpu[]>(variants.map((v) => [v, []]));
    for (let r = 0; r < scale.rounds; r++) {
      for (let i = 0; i < variants.length; i++) {
        const v = variants[(i + r) % variants.length]!;
        status(`perThread: ${command}, round ${r + 1}/${scale.rounds}, ${v}`);
        runs.get(v)!.push(await once(cpu!, v, command, scale.commands, scale.warmup, uri, dbName));
      }
    }
    const total = (t: ThreadCpu): number => t.main + t.worker + t.others;
    for (const v of variants) {
      const own = runs.get(v)!;
      const row: PerThreadRow = { command, variant: v, main: med(own.map((t) => t.main)), worker: med(own.map((t) => t.worker)), others: med(own.map((t) => t.others)), wall: med(own.map((t) => t.wall)) };
      const raw = runs.get(pairs.find((p) => p.target === v)?.raw ?? '');
      if (raw) row.overRaw = { main: med(own.map((t, i) => t.main - raw[i]!.main)), total: med(own.map((t, i) => total(t) - total(raw[i]!))) };
      rows.push(row);
    }
  }
  return { rounds: scale.rounds, commands: scale.commands, warmup: scale.warmup, cpu: cpu!, rows, loadAverage: { start: round1(start), end: round1(os.loadavg()[0]!) } };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const med = (values: number[]): number => round1(median(values));
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x}`;

export function perThreadMarkdown(r: PerThreadResult | { error: string }): string[] {
  const lines = ['## Per thread, pinned to one core', ''];
  if ('error' in r) return [...lines, `error: ${r.error}`, ''];
  if ('skipped' in r) return [...lines, `skipped: ${r.skipped}`, ''];
  lines.push(
    `CPU µs per command of each thread (/proc/self/task), each variant a fresh process pinned to one core with \`taskset -c ${r.cpu}\`, time on the CPU from schedstat, ${r.commands} sequential commands after a warm-up of ${r.warmup} (${r.warmup >= STEADY_WARMUP ? 'steady state: V8 done compiling' : 'short: V8 still compiling, so the rows read high, rotor\'s more'}), medians of ${r.rounds} interleaved rounds; load average ${r.loadAverage.start} → ${r.loadAverage.end}. ` +
      '`raw`: the bare driver in a plain worker, one postMessage each way (`raw-blocking`: Atomics.wait + receiveMessageOnPort), compared with the pool target that waits the same way. ' +
      '"main over raw" is rotor\'s CPU on the calling thread, which repeats within a few µs; the worker runs the driver, whose own spread (±30 µs) is in "total over raw". Issue #25\'s goal: ≤ 25 µs over the raw hop.',
    '',
    '| command | variant | main | worker | others | wall µs | main over raw | total over raw |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const row of r.rows) {
    lines.push(`| ${row.command} | ${row.variant} | ${row.main} | ${row.worker} | ${row.others} | ${row.wall} | ${row.overRaw ? signed(row.overRaw.main) : ''} | ${row.overRaw ? signed(row.overRaw.total) : ''} |`);
  }
  lines.push('');
  return lines;
}

export function perThreadConsole(r: PerThreadResult): string[] {
  if ('skipped' in r) return [`perThread: skipped: ${r.skipped}`];
  return [
    `perThread (pinned to CPU ${r.cpu}, ${r.commands} after ${r.warmup} warm-up, medians of ${r.rounds}, load ${r.loadAverage.start} → ${r.loadAverage.end}), CPU µs per command:`,
    ...r.rows.map(
      (row) =>
        `  ${row.command.padEnd(10)} ${row.variant.padEnd(20)} main ${row.main} worker ${row.worker} others ${row.others}${row.overRaw ? `  over raw: main ${signed(row.overRaw.main)}, total ${signed(row.overRaw.total)}` : ''}`,
    ),
  ];
}
