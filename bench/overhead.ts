// The overhead section (issue #15): the µs a command adds over the bare driver on the same server,
// next to the floor measured in the same run (./floor/probes.ts). The server's own time cancels
// out of target − bare; what is left is the wrapper, and for the pool its thread hops, which the
// floor prices. Rounds are interleaved (every target and floor once per round, the order
// rotating), each round is N commands one after the other (sequential) or 80 concurrent chains
// (wall / commands); a target's overhead is the median over rounds of (target − bare) in the same
// round, its range the min..max of those differences. CPU µs per command comes from
// process.cpuUsage(), which counts every thread of the process (the pool's worker included, the
// server not): steadier than wall time on a loaded machine.
import os from 'node:os';
import type { Document } from 'mongodb';
import { CONCURRENCY } from './tasks.js';
import { FLOOR_REFERENCE, floorProbes, type Probe } from './floor/probes.js';
import { median } from './stats.js';
import type { Ops } from './targets.js';

export const OVERHEAD = 'overhead';

export interface OverheadScale {
  /** Commands per sequential round. */
  readonly sequential: number;
  /** Commands per concurrent chain (80 chains per round). */
  readonly each: number;
  readonly rounds: number;
  readonly warmup: number;
}

export const OVERHEAD_SCALE: Readonly<Record<'full' | 'quick', OverheadScale>> = {
  // More, shorter rounds rather than fewer long ones: the median over rounds is what resists the
  // load spikes of a shared machine.
  full: { sequential: 200, each: 5, rounds: 9, warmup: 1 },
  quick: { sequential: 20, each: 1, rounds: 5, warmup: 1 },
};

export type Mode = 'sequential' | 'concurrent';

/** One timing: µs of wall and of CPU per command, per round. */
export interface Timing {
  usPerOp: number;
  /** min..max of the rounds. */
  usRange: [number, number];
  cpuUsPerOp: number;
  /**
   * Sequential only: the median over rounds of each round's median single-command time. Robust
   * against load spikes, blind to what a mean sees (GC pauses): a second view, not the score.
   */
  p50UsPerOp?: number;
}

export interface OverheadCell extends Partial<Timing> {
  readonly target: string;
  status: 'ok' | 'error' | 'skipped';
  reason?: string;
  /** Median over rounds of (target − bare), µs; null for bare. */
  overheadUs?: number | null;
  overheadRange?: [number, number] | null;
  cpuOverheadUs?: number | null;
  /** Sequential only: median over rounds of (target − bare) of the per-command medians. */
  p50OverheadUs?: number | null;
}

export interface OverheadRow {
  readonly command: string;
  readonly mode: Mode;
  /** Commands per round (sequential: N; concurrent: 80 × each). */
  readonly commands: number;
  readonly cells: OverheadCell[];
}

export interface FloorRow extends Timing {
  readonly name: string;
  readonly mode: Mode;
}

export interface RatioRow {
  readonly target: string;
  readonly command: string;
  /** Sequential overhead / the tinypool no-op round trip. */
  floorRatio: number | null;
  /** The same with per-command medians (p50 overhead / the floor's p50 round trip): robust to load spikes. */
  p50FloorRatio: number | null;
  /** The same in CPU µs: the pool's extra CPU per command / tinypool's CPU per round trip. */
  cpuFloorRatio: number | null;
  /** The design floor this target is compared with: the async raw hop, or the blocking one for a blocking target. */
  designFloor: string | null;
  /** Sequential overhead / the design floor's (the bare driver in a worker, no rotor): rotor's own share (issue #25 goal ≤ 1.2×). */
  designRatio: number | null;
  /** CPU µs per command the target adds over bare minus what the design floor adds (issue #25 goal ≤ 25 µs). */
  cpuOverDesignUs: number | null;
  /** The same in CPU µs. */
  cpuDesignRatio: number | null;
  /** Concurrent overhead per command / sequential overhead. */
  concurrentRatio: number | null;
  /** The same in CPU µs. */
  cpuConcurrentRatio: number | null;
  /** The sequential overhead's range reaches 0 or below: the machine's noise is as large as the overhead. */
  noisy: boolean;
  /** The same for either overhead of concurrentRatio. */
  concurrentNoisy: boolean;
}

export interface OverheadResult {
  readonly scale: OverheadScale;
  readonly concurrency: number;
  readonly floorReference: string;
  readonly floors: FloorRow[];
  readonly rows: OverheadRow[];
  readonly ratios: RatioRow[];
  readonly goals: { floorRatio: number; floorRatioStretch: number; concurrentRatio: number; designRatio: number; cpuOverDesignUs: number };
  /** The 1-minute load average when the section started and ended: whether wall time can be trusted. */
  readonly loadAverage?: { start: number; end: number };
}

export const GOALS = { floorRatio: 2, floorRatioStretch: 1.3, concurrentRatio: 0.3, designRatio: 1.2, cpuOverDesignUs: 25 } as const;

/** A command of the section: how one target runs n of them, given the round's prepared input. */
interface Command {
  readonly name: string;
  /** The input of a call of n commands; k numbers the call in its round. */
  prepare(n: number, k: number): unknown;
  run(ops: Ops, input: unknown): Promise<unknown>;
}

const SMALL = { name: 'small', count: 1, flag: true, note: 'x'.repeat(100) };
const FIND_IDS = 10;

const COMMANDS: readonly Command[] = [
  { name: 'db.command({ hello: 1 })', prepare: (n) => n, run: (ops, n) => ops.command({ hello: 1 }, n as number) },
  {
    name: `findOne({ _id }) (${FIND_IDS} docs)`,
    prepare: (n, k) => Array.from({ length: n }, (_, i) => ((k + i) % FIND_IDS) + 1),
    run: (ops, ids) => ops.findOneByIds(ids as number[]),
  },
  { name: 'insertOne (small)', prepare: (n) => Array.from({ length: n }, () => ({ ...SMALL })), run: (ops, docs) => ops.insertEach(docs as Document[]) },
];

export interface Participant {
  readonly target: string;
  readonly ops: Ops;
  /** A pool target: its ratios against the floor are reported. */
  readonly pool: boolean;
  /**
   * A design floor (./floor/driver-in-worker.ts): pool targets' overhead is also compared with it,
   * a blocking target's with the blocking one.
   */
  readonly designFloor?: 'async' | 'blocking';
}

/** Runs the section: setup on `admin` (the bare driver's db), then every command × mode × round. */
export async function runOverhead(
  participants: readonly Participant[],
  baseline: string,
  admin: { dropDatabase(): Promise<unknown>; collection(name: string): { insertMany(docs: Document[]): Promise<unknown> } },
  scale: OverheadScale,
  status: (text: string) => void,
): Promise<OverheadResult> {
  const load0 = os.loadavg()[0]!;
  await admin.dropDatabase().catch(() => {});
  await admin.collection('corpus').insertMany(Array.from({ length: FIND_IDS }, (_, i) => ({ ...SMALL, _id: i + 1 })));
  const floors = await floorProbes();
  const floorSamples = new Map<string, Sample[]>();
  const rows: OverheadRow[] = [];
  try {
    for (const command of COMMANDS) {
      for (const mode of ['sequential', 'concurrent'] as const) {
        const per = mode === 'sequential' ? scale.sequential : CONCURRENCY * scale.each;
        const samples = new Map<string, Sample[]>(participants.map((p) => [p.target, []]));
        const cells = new Map<string, OverheadCell>(participants.map((p) => [p.target, { target: p.target, status: 'ok' }]));
        for (const p of participants) {
          if (mode === 'concurrent' && !p.ops.concurrent) Object.assign(cells.get(p.target)!, { status: 'skipped', reason: 'blocking: calls cannot overlap' });
        }
        for (let round = 0; round < scale.warmup + scale.rounds; round++) {
          const timed = round >= scale.warmup;
          status(`overhead · ${command.name} · ${mode} · ${timed ? `round ${round - scale.warmup + 1}/${scale.rounds}` : 'warm-up'}`);
          for (const p of rotate(participants, round)) {
            const cell = cells.get(p.target)!;
            if (cell.status !== 'ok') continue;
            // Sequential: one command per call, each timed (the same harness cost for every target).
            const input = Array.from({ length: mode === 'sequential' ? per : CONCURRENCY }, (_, k) => command.prepare(mode === 'sequential' ? 1 : scale.each, k));
            try {
              const sample =
                mode === 'sequential'
                  ? await measureEach(input, (one) => command.run(p.ops, one))
                  : await measure(per, () => Promise.all(input.map((chunk) => command.run(p.ops, chunk))));
              if (timed) samples.get(p.target)!.push(sample);
            } catch (err) {
              Object.assign(cell, { status: 'error', reason: err instanceof Error ? err.message : String(err) });
            }
          }
          for (const f of rotate(floors, round)) {
            const sample = mode === 'sequential' ? await measureEach(Array.from({ length: per }), () => f.sequential(1)) : await measure(per, () => f.concurrent(CONCURRENCY, scale.each));
            const key = `${f.name}\u0000${mode}`;
            if (timed) floorSamples.set(key, [...(floorSamples.get(key) ?? []), sample]);
          }
        }
        rows.push({ command: command.name, mode, commands: per, cells: summarize(cells, samples, baseline) });
      }
    }
  } finally {
    for (const f of floors) await f.close().catch(() => {});
    await admin.dropDatabase().catch(() => {});
  }
  const floorRows: FloorRow[] = [];
  for (const mode of ['sequential', 'concurrent'] as const) {
    for (const f of floors) floorRows.push({ name: f.name, mode, ...timing(floorSamples.get(`${f.name}\u0000${mode}`) ?? []) });
  }
  return { scale, concurrency: CONCURRENCY, floorReference: FLOOR_REFERENCE, floors: floorRows, rows, ratios: ratiosOf(rows, floorRows, participants, baseline), goals: { ...GOALS }, loadAverage: { start: r2(load0), end: r2(os.loadavg()[0]!) } };
}

interface Sample {
  us: number;
  cpuUs: number;
  /** The median single-command time (sequential rounds). */
  p50Us?: number;
}

async function measureEach(inputs: readonly unknown[], fn: (input: unknown) => Promise<unknown>): Promise<Sample> {
  const each = new Array<number>(inputs.length);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < inputs.length; k++) {
    const t = process.hrtime.bigint();
    await fn(inputs[k]);
    each[k] = Number(process.hrtime.bigint() - t) / 1e3;
  }
  const us = Number(process.hrtime.bigint() - t0) / 1e3;
  const cpu = process.cpuUsage(cpu0);
  return { us: us / inputs.length, cpuUs: (cpu.user + cpu.system) / inputs.length, p50Us: median(each) };
}

async function measure(commands: number, fn: () => Promise<unknown>): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await fn();
  const us = Number(process.hrtime.bigint() - t0) / 1e3;
  const cpu = process.cpuUsage(cpu0);
  return { us: us / commands, cpuUs: (cpu.user + cpu.system) / commands };
}

function timing(samples: readonly Sample[]): Timing {
  const us = samples.map((s) => s.us);
  const p50 = samples.flatMap((s) => (s.p50Us === undefined ? [] : [s.p50Us]));
  return {
    usPerOp: r1(median(us)),
    usRange: [r1(Math.min(...us)), r1(Math.max(...us))],
    cpuUsPerOp: r1(median(samples.map((s) => s.cpuUs))),
    ...(p50.length ? { p50UsPerOp: r1(median(p50)) } : {}),
  };
}

function summarize(cells: Map<string, OverheadCell>, samples: Map<string, Sample[]>, baseline: string): OverheadCell[] {
  const base = samples.get(baseline) ?? [];
  const baseOk = cells.get(baseline)?.status === 'ok' && base.length > 0;
  for (const [name, cell] of cells) {
    const own = samples.get(name)!;
    if (cell.status !== 'ok' || own.length === 0) continue;
    Object.assign(cell, timing(own));
    if (name === baseline || !baseOk) {
      Object.assign(cell, { overheadUs: null, overheadRange: null, cpuOverheadUs: null });
      continue;
    }
    // Paired by round: both ran in the same round, under the same machine noise.
    const diffs = own.slice(0, base.length).map((s, i) => s.us - base[i]!.us);
    const cpuDiffs = own.slice(0, base.length).map((s, i) => s.cpuUs - base[i]!.cpuUs);
    cell.overheadUs = r1(median(diffs));
    cell.overheadRange = [r1(Math.min(...diffs)), r1(Math.max(...diffs))];
    cell.cpuOverheadUs = r1(median(cpuDiffs));
    const p50Diffs = own.slice(0, base.length).flatMap((s, i) => (s.p50Us === undefined || base[i]!.p50Us === undefined ? [] : [s.p50Us - base[i]!.p50Us]));
    if (p50Diffs.length) cell.p50OverheadUs = r1(median(p50Diffs));
  }
  return [...cells.values()];
}

/** Ratios for the pool targets (an inline target's overhead is noise around 0: nothing to divide). */
function ratiosOf(rows: readonly OverheadRow[], floors: readonly FloorRow[], participants: readonly Participant[], baseline: string): RatioRow[] {
  const floor = floors.find((f) => f.name === FLOOR_REFERENCE && f.mode === 'sequential');
  const cellOf = (command: string, mode: Mode, target: string): OverheadCell | undefined =>
    rows.find((r) => r.command === command && r.mode === mode)?.cells.find((c) => c.target === target);
  const designOf = (p: Participant): string | undefined =>
    (participants.find((d) => d.designFloor === (p.ops.concurrent ? 'async' : 'blocking')) ?? participants.find((d) => d.designFloor === 'async'))?.target;
  const out: RatioRow[] = [];
  for (const p of participants) {
    if (p.target === baseline || !p.pool) continue;
    for (const command of COMMANDS) {
      const seq = cellOf(command.name, 'sequential', p.target);
      const conc = cellOf(command.name, 'concurrent', p.target);
      const over = typeof seq?.overheadUs === 'number' && seq.overheadUs > 0 ? seq.overheadUs : null;
      const cpuOver = typeof seq?.cpuOverheadUs === 'number' && seq.cpuOverheadUs > 0 ? seq.cpuOverheadUs : null;
      const reachesZero = (c: OverheadCell | undefined): boolean => !c?.overheadRange || c.overheadRange[0] <= 0;
      const design = designOf(p);
      const floorCell = design === undefined ? undefined : cellOf(command.name, 'sequential', design);
      const per = (x: number | null, d: number | null | undefined): number | null => (x !== null && typeof d === 'number' && d > 0 ? r2(x / d) : null);
      out.push({
        target: p.target,
        command: command.name,
        floorRatio: over !== null && floor?.usPerOp ? r2(over / floor.usPerOp) : null,
        p50FloorRatio: typeof seq?.p50OverheadUs === 'number' && seq.p50OverheadUs > 0 && floor?.p50UsPerOp ? r2(seq.p50OverheadUs / floor.p50UsPerOp) : null,
        cpuFloorRatio: cpuOver !== null && floor?.cpuUsPerOp ? r2(cpuOver / floor.cpuUsPerOp) : null,
        designFloor: design ?? null,
        designRatio: per(over, floorCell?.overheadUs),
        // Each overhead is a median of differences paired by round with bare, so the baseline's noise cancels.
        cpuOverDesignUs: typeof seq?.cpuOverheadUs === 'number' && typeof floorCell?.cpuOverheadUs === 'number' ? r1(seq.cpuOverheadUs - floorCell.cpuOverheadUs) : null,
        cpuDesignRatio: per(cpuOver, floorCell?.cpuOverheadUs),
        concurrentRatio: over !== null && typeof conc?.overheadUs === 'number' ? r2(conc.overheadUs / over) : null,
        cpuConcurrentRatio: cpuOver !== null && typeof conc?.cpuOverheadUs === 'number' ? r2(conc.cpuOverheadUs / cpuOver) : null,
        noisy: reachesZero(seq),
        concurrentNoisy: reachesZero(seq) || reachesZero(conc),
      });
    }
  }
  return out;
}

function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

const r1 = (x: number): number => Math.round(x * 10) / 10;
const r2 = (x: number): number => Math.round(x * 100) / 100;

export type { Probe };
