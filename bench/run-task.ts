// One task of `npm run bench`: setup, then rounds in which every target runs the timed "do task"
// once (the order rotating), teardown, then the scores against the baseline.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import type { Args } from './args.js';
import { clock, type Progress } from './progress.js';
import { formatMbps, type Calibration, type Cell, type EventLoopDelay, type TaskResult } from './report.js';
import { median, percentile, PERCENTILES, spread } from './stats.js';
import type { TaskDef, TaskEnv } from './tasks.js';
import { BASELINE, type Ops, type Target } from './targets.js';
import { workCostUs } from './work.js';

/** monitorEventLoopDelay's timer: a delay is how much later than this a timer fired. */
export const ELD_RESOLUTION_MS = 10;

export interface Runner {
  readonly target: Target;
  ops?: Ops;
  /** Why this target does not run at all (unavailable, or it could not connect). */
  blocked?: { status: 'unavailable' | 'error'; reason: string };
}

/** One task: setup, then rounds in which every target runs once (the order rotating), teardown, scores. */
export async function runTask(task: TaskDef, index: number, count: number, runners: Runner[], env: TaskEnv, args: Args, progress: Progress): Promise<TaskResult> {
  const scale = args.quick ? task.quick : task.full;
  const iterations = args.iterations ?? scale.iterations;
  const rounds = scale.warmup + iterations;
  const bytesPerOp = task.bytesPerOp(env.data);
  const bytesPerIteration = bytesPerOp * env.ops * task.concurrency;
  const cells = new Map<Runner, Cell>();
  /** Event-loop delay samples (ns) of every timed iteration, per target. */
  const delays = new Map<Runner, number[]>();
  /** Cores busy per timed iteration, per target. */
  const cores = new Map<Runner, Array<{ process: number; server: number | null }>>();
  for (const r of runners) {
    cells.set(r, r.blocked ? { target: r.target.name, status: r.blocked.status, reason: r.blocked.reason, timesMs: [] } : { target: r.target.name, status: 'ok', timesMs: [] });
    delays.set(r, []);
    cores.set(r, []);
  }
  const live = runners.filter((r) => r.ops);
  const concurrency = task.concurrency > 1 ? ` × ${task.concurrency} tasks` : '';
  progress.line(`[${index + 1}/${count}] ${task.title}: ${env.ops} op(s)${concurrency} per iteration, ${scale.warmup} warm-up + ${iterations} timed per target`);
  const started = Date.now();

  let setupError: string | undefined;
  progress.status(`${task.name} · setup`);
  try {
    await task.setup?.(env);
  } catch (err) {
    setupError = `setup failed: ${message(err)}`;
  }
  for (let round = 0; round < rounds; round++) {
    const timed = round >= scale.warmup;
    for (const r of rotate(live, round)) {
      const cell = cells.get(r)!;
      if (setupError && cell.status === 'ok') Object.assign(cell, { status: 'error', reason: setupError });
      if (cell.status !== 'ok') {
        progress.advance();
        continue;
      }
      progress.status(`${task.name} · ${r.target.name} · ${timed ? `iteration ${round - scale.warmup + 1}/${iterations}` : 'warm-up'}`);
      // A fresh histogram per iteration: one re-enabled after a pause would record the pause.
      let histogram: IntervalHistogram | undefined;
      try {
        await task.before?.(env, r.ops!);
        if (timed) (histogram = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS })).enable();
        const cpu0 = process.cpuUsage();
        const server0 = serverCpuMs(env.serverPid);
        const t0 = process.hrtime.bigint();
        await task.run(env, r.ops!);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (timed) {
          cell.timesMs.push(ms);
          const cpu = process.cpuUsage(cpu0);
          const server1 = serverCpuMs(env.serverPid);
          cores.get(r)!.push({ process: (cpu.user + cpu.system) / 1000 / ms, server: server0 === null || server1 === null ? null : (server1 - server0) / ms });
        }
      } catch (err) {
        Object.assign(cell, { status: 'error', reason: message(err) });
        progress.line(`  ${r.target.name}: error: ${message(err)}`);
      } finally {
        if (histogram) {
          histogram.disable();
          delays.get(r)!.push(...samplesOf(histogram));
        }
      }
      progress.advance();
    }
  }
  await env.admin.dropDatabase().catch(() => {}); // teardown

  // Scores: bytes / median time; ratios against the baseline's score.
  for (const [r, cell] of cells) {
    if (cell.status !== 'ok') continue;
    const mbps = cell.timesMs.map((ms) => bytesPerIteration / 1e6 / (ms / 1000));
    cell.medianMs = median(cell.timesMs);
    cell.mbps = bytesPerIteration / 1e6 / (cell.medianMs / 1000);
    cell.spread = spread(mbps);
    cell.percentilesMs = Object.fromEntries(PERCENTILES.map((p) => [`p${p}`, round3(percentile(cell.timesMs, p))]));
    cell.eventLoopDelayMs = delayOf(delays.get(r)!);
    const docs = task.documents?.(env);
    if (docs) cell.docsPerS = Math.round(docs / (cell.medianMs / 1000));
    const busy = cores.get(r)!;
    if (busy.length) {
      const servers = busy.flatMap((b) => (b.server === null ? [] : [b.server]));
      cell.cores = { process: round3(median(busy.map((b) => b.process))), server: servers.length ? round3(median(servers)) : null };
    }
    cell.timesMs = cell.timesMs.map(round3);
    cell.medianMs = round3(cell.medianMs);
  }
  const base = [...cells.values()].find((c) => c.target === BASELINE);
  for (const cell of cells.values()) {
    if (cell.status !== 'ok') continue;
    cell.ratio = base?.status === 'ok' && base.mbps ? Math.round((cell.mbps! / base.mbps) * 1000) / 1000 : null;
  }
  const line = [...cells.values()]
    .map((c) => (c.status !== 'ok' ? `${c.target} —` : c.target === BASELINE || c.ratio === null ? `${c.target} ${formatMbps(c.mbps)} MB/s` : `${c.target} ${c.ratio!.toFixed(2)}×`))
    .join(' · ');
  progress.line(`    ${clock((Date.now() - started) / 1000)}: ${line}`);
  return {
    name: task.name,
    title: task.title,
    specOps: task.specOps,
    ops: env.ops,
    concurrency: task.concurrency,
    bytesPerOp,
    bytesPerIteration,
    iterations,
    warmup: scale.warmup,
    ...(task.documents ? { documents: task.documents(env), workUsPerDocument: workCostUs(env.data.tweet.doc), ...(env.state.calibration ? { calibration: env.state.calibration as Calibration } : {}) } : {}),
    cells: [...cells.values()],
  };
}

/** CPU ms the server process has used (user + system, from /proc), or null when it is not ours to read. */
function serverCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
/** USER_HZ: 100 on Linux for every architecture Node runs on. */
const CLOCK_TICKS = 100;

/** The histogram's samples, rebuilt from its quantiles (the k-th of n is percentile(100k/n)). */
function samplesOf(h: IntervalHistogram): number[] {
  const n = h.count;
  return Array.from({ length: n }, (_, k) => h.percentile((100 * (k + 1)) / n));
}

/** p50/p99/max over every timed iteration's samples, as ms beyond the timer's own 10 ms. */
function delayOf(samples: readonly number[]): EventLoopDelay | null {
  if (samples.length === 0) return null;
  const ms = (ns: number): number => round3(Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS));
  return { p50: ms(percentile(samples, 50)), p99: ms(percentile(samples, 99)), max: ms(Math.max(...samples)), samples: samples.length };
}


export function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
