// The cold-process section (`--tasks coldStart`): what a script, a cron job, a serverless handler or
// a CLI pays on every start. Each variant is a fresh `node -e` that connects, runs one command and
// exits: the bare driver, rotor/register inline, rotor/register on the pool, rotor/sync; node alone,
// and the driver in a plain worker with no rotor (./floor/cold-worker.ts), the pool design's floor. Variants interleave round by round (the order rotating), so machine noise
// falls on all of them; the score is the median wall time from spawn to exit, and the median CPU
// time of the whole process (all its threads: process.cpuUsage at exit), which is steadier on a
// shared machine.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../lib/util/package-root.js';
import { median } from './stats.js';

export const COLD_START = 'coldStart';
export const COLD_START_ROUNDS = { full: 15, quick: 3 } as const;

const ASYNC_APP = "import { MongoClient } from 'mongodb'; const c = new MongoClient(process.env.MONGODB_URI); await c.db('admin').command({ ping: 1 }); await c.close();";
const SYNC_APP = "import { MongoClient } from 'rotor/sync'; const c = new MongoClient(process.env.MONGODB_URI); c.db('admin').command({ ping: 1 }); c.close();";
/** The same app with its command run in the preloaded plain worker (./floor/cold-worker.ts): the design's floor. */
const RAW_APP =
  "import { MongoClient } from 'mongodb'; import { once } from 'node:events'; new MongoClient(process.env.MONGODB_URI); " +
  "const w = globalThis[Symbol.for('rotor.bench.rawWorker')]; w.ref(); w.postMessage(process.env.MONGODB_URI); await once(w, 'message'); w.unref();";
/** Appended to every variant: the process's CPU time (every thread), as it exits. */
const REPORT_CPU = "process.on('exit', () => { const u = process.cpuUsage(); process.stdout.write('cpu ' + (u.user + u.system) / 1000 + '\\n'); });";

interface Variant {
  name: string;
  description: string;
  flags: string[];
  env: Record<string, string>;
  code: string;
}

function variants(): Variant[] {
  const register = join(packageRoot, 'dist', 'lib', 'register', 'index.js');
  return [
    { name: 'node', description: 'node alone: `node -e` with no module (the floor)', flags: [], env: {}, code: '' },
    { name: 'bare', description: "the driver: import 'mongodb', connect, ping, close", flags: [], env: {}, code: ASYNC_APP },
    { name: 'raw worker', description: 'no rotor: a preloaded plain worker loads the driver meanwhile and runs the ping (the floor of any driver-in-a-worker design)', flags: ['--import', join(packageRoot, 'dist', 'bench', 'floor', 'cold-worker.js')], env: {}, code: RAW_APP },
    { name: 'register inline', description: 'the same app under --import rotor/register, ROTOR_EXECUTOR=inline', flags: ['--import', register], env: { ROTOR_EXECUTOR: 'inline' }, code: ASYNC_APP },
    { name: 'register pool', description: 'the same app under --import rotor/register, ROTOR_EXECUTOR=pool', flags: ['--import', register], env: { ROTOR_EXECUTOR: 'pool' }, code: ASYNC_APP },
    { name: 'sync', description: "import from 'rotor/sync', ping without await (pool)", flags: [], env: {}, code: SYNC_APP },
  ];
}

export interface ColdStartRow {
  variant: string;
  description: string;
  wallMs: number;
  cpuMs: number;
  /** Median wall time over bare's (node's for bare itself). */
  overBareMs: number;
  runs: number;
}

export interface ColdStartResult {
  rounds: number;
  rows: ColdStartRow[];
  loadAverage: { start: number; end: number };
}

function once(v: Variant, uri: string): Promise<{ wallMs: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...v.flags, '--input-type=module', '-e', `${REPORT_CPU}\n${v.code}`], {
      cwd: packageRoot,
      env: { ...process.env, NODE_OPTIONS: '', ROTOR_FRAMEWORK: '', ROTOR_EXECUTOR: '', ...v.env, MONGODB_URI: uri },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      const cpu = /^cpu (\S+)$/m.exec(out)?.[1];
      if (code !== 0 || cpu === undefined) reject(new Error(`${v.name}: exit ${code}: ${err.trim().split('\n').slice(-3).join(' ')}`));
      else resolve({ wallMs, cpuMs: Number(cpu) });
    });
  });
}

export async function runColdStart(uri: string, rounds: number, status: (text: string) => void): Promise<ColdStartResult> {
  const list = variants();
  const start = os.loadavg()[0]!;
  const times = new Map(list.map((v) => [v.name, { wall: [] as number[], cpu: [] as number[] }]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < list.length; i++) {
      const v = list[(i + r) % list.length]!;
      status(`coldStart: round ${r + 1}/${rounds}, ${v.name}`);
      const t = await once(v, uri);
      times.get(v.name)!.wall.push(t.wallMs);
      times.get(v.name)!.cpu.push(t.cpuMs);
    }
  }
  const wallOf = (name: string): number => median(times.get(name)!.wall);
  const rows = list.map((v) => ({
    variant: v.name,
    description: v.description,
    wallMs: round1(wallOf(v.name)),
    cpuMs: round1(median(times.get(v.name)!.cpu)),
    overBareMs: round1(wallOf(v.name) - wallOf(v.name === 'bare' ? 'node' : 'bare')),
    runs: rounds,
  }));
  return { rounds, rows, loadAverage: { start: round1(start), end: round1(os.loadavg()[0]!) } };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

export function coldStartMarkdown(r: ColdStartResult | { error: string }): string[] {
  const lines = ['## Cold start: one command in a fresh process', ''];
  if ('error' in r) return [...lines, `error: ${r.error}`, ''];
  lines.push(
    `\`node -e\` that connects, runs one command (ping) and exits; medians of ${r.rounds} interleaved runs per variant; load average ${r.loadAverage.start} → ${r.loadAverage.end}. ` +
      'CPU: the whole process (every thread), from process.cpuUsage() at exit. "over bare": wall time over the bare driver\'s (for bare, over node alone).',
    '',
    '| variant | wall ms | over bare ms | CPU ms | what runs |',
    '| --- | ---: | ---: | ---: | --- |',
  );
  for (const row of r.rows) lines.push(`| ${row.variant} | ${row.wallMs} | ${row.overBareMs >= 0 ? '+' : ''}${row.overBareMs} | ${row.cpuMs} | ${row.description} |`);
  lines.push('');
  return lines;
}

export function coldStartConsole(r: ColdStartResult): string[] {
  return [
    `coldStart (medians of ${r.rounds}, load ${r.loadAverage.start} → ${r.loadAverage.end}):`,
    ...r.rows.map((row) => `  ${row.variant.padEnd(16)} ${String(row.wallMs).padStart(7)} ms  ${row.overBareMs >= 0 ? '+' : ''}${row.overBareMs} ms  CPU ${row.cpuMs} ms`),
  ];
}
