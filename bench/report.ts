// Results: the JSON record, the markdown tables and the SVG chart of ratios against the bare driver.
import { renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OverheadResult } from './overhead.js';
import { overheadMarkdown, overheadSvg } from './report-overhead.js';
import { coldStartMarkdown, type ColdStartResult } from './cold-start.js';
import { perThreadMarkdown, type PerThreadResult } from './per-thread.js';

export interface EventLoopDelay {
  /** Milliseconds a 10 ms timer fired late: median, 99th percentile, worst. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly samples: number;
}

export interface Cell {
  readonly target: string;
  status: 'ok' | 'unavailable' | 'error' | 'skipped';
  /** Why unavailable, the error, or why skipped. */
  reason?: string;
  /** Wall-clock milliseconds of each timed iteration, in the order run. */
  timesMs: number[];
  medianMs?: number;
  /** The score: bytes per iteration / median time, MB/s. */
  mbps?: number;
  /** ±: half the MB/s range over the iterations, relative to the median. */
  spread?: number;
  /** Nearest-rank percentiles of the iteration times (the specification's list), ms. */
  percentilesMs?: Record<string, number>;
  /** mbps / the bare driver's mbps in the same task (null when either is missing). */
  ratio?: number | null;
  eventLoopDelayMs?: EventLoopDelay | null;
  /** Documents per second at the median time (tasks that count documents). */
  docsPerS?: number;
  /**
   * Cores kept busy during the timed iterations (median): this process (every thread, the pool's
   * workers included) and, when it runs on this machine, the server. Their sum against the
   * machine's cores says whether a thread of rotor's had a core to run on.
   */
  cores?: { process: number; server: number | null };
}

export interface Calibration {
  readonly fetchUsPerDocument: number;
  readonly passes: number;
  readonly workUs: number;
}

export interface TaskResult {
  readonly name: string;
  readonly title: string;
  readonly specOps: number;
  readonly ops: number;
  readonly concurrency: number;
  readonly bytesPerOp: number;
  readonly bytesPerIteration: number;
  readonly iterations: number;
  readonly warmup: number;
  /** Documents per iteration, for tasks scored in documents per second too. */
  readonly documents?: number;
  /** µs of main-thread work per document, measured in this run (the work task). */
  readonly workUsPerDocument?: number;
  /** How the work was sized: the bare driver's µs per document without work, and the passes that match it. */
  readonly calibration?: Calibration;
  readonly cells: Cell[];
}

export interface MicroRow {
  readonly case: string;
  readonly direct: number;
  readonly handWritten: number;
  readonly rotor: number;
  readonly overhead: number;
}

export interface TargetInfo {
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly available: true | string;
}

export interface Results {
  readonly tool: 'rotor bench';
  readonly schema: 1;
  readonly startedAt: string;
  finishedAt: string;
  durationS: number;
  readonly mode: 'full' | 'quick';
  /** Every task and every target of the mode, default iterations: what README results come from. */
  readonly complete: boolean;
  readonly argv: string[];
  readonly machine: { cpu: string; cores: number; memoryGiB: number; os: string; arch: string; loadAverage: { start: number; end?: number } };
  readonly node: string;
  readonly packages: Record<string, string>;
  readonly server: { kind: string; version?: string; ferretdbVersion?: string; uri: string };
  readonly targets: TargetInfo[];
  readonly baseline: string;
  readonly dataSource: 'spec' | 'generated';
  readonly notes: string[];
  readonly tasks: TaskResult[];
  micro?: { iterations: number; rows: MicroRow[] } | { error: string };
  overhead?: OverheadResult | { error: string };
  coldStart?: ColdStartResult | { error: string };
  perThread?: PerThreadResult | { error: string };
}

// ---------------------------------------------------------------------------------------------

/** Writes <name>.json, .md and .svg into `dir` (each through a .tmp file and a rename); returns their paths. */
export function writeResults(results: Results, dir: string, name: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: Array<[string, string]> = [
    [`${name}.json`, `${JSON.stringify(results, null, 2)}\n`],
    [`${name}.md`, renderMarkdown(results, `${name}.svg`)],
    [`${name}.svg`, renderSvg(results)],
  ];
  return files.map(([file, text]) => {
    const path = join(dir, file);
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
    return path;
  });
}

const fmt = (x: number | undefined | null, digits = 2): string => (x === undefined || x === null || !Number.isFinite(x) ? '—' : x.toFixed(digits));

/** MB/s with three significant digits (scores span 0.01 to 1000). */
export function formatMbps(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

function cellSummary(cell: Cell | undefined): string {
  if (!cell) return '—';
  if (cell.status === 'unavailable') return '— (n/a)';
  if (cell.status === 'error') return '— (error)';
  if (cell.status === 'skipped') return '— (skipped)';
  return cell.ratio === undefined || cell.ratio === null ? `${formatMbps(cell.mbps)} MB/s` : `${fmt(cell.ratio)}×`;
}

export function describeMachine(r: Results): string {
  const m = r.machine;
  return `${m.cpu} (${m.cores} cores), ${m.memoryGiB} GiB, ${m.os} ${m.arch}`;
}

export function describeServer(r: Results): string {
  const s = r.server;
  if (s.kind === 'ferretdb') return `embedded FerretDB ${s.ferretdbVersion ?? ''} (SQLite backend), on the same machine`.replace('  ', ' ');
  return `MONGODB_URI ${s.uri} (${s.ferretdbVersion ? `FerretDB ${s.ferretdbVersion}` : `MongoDB ${s.version ?? '?'}`})`;
}

export function renderMarkdown(r: Results, svgFile?: string): string {
  const targets = r.targets.map((t) => t.name);
  const others = targets.filter((t) => t !== r.baseline);
  const lines: string[] = [];
  lines.push(`# rotor bench: ${r.mode} run, ${r.startedAt.slice(0, 10)}`, '');
  lines.push(`- machine: ${describeMachine(r)}; Node ${r.node}; load average (1 min) ${r.machine.loadAverage.start} at the start, ${r.machine.loadAverage.end ?? '?'} at the end`);
  lines.push(`- server: ${describeServer(r)}`);
  lines.push(`- packages: ${Object.entries(r.packages).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push(`- run: \`${['node dist/bench/run.js', ...r.argv].join(' ')}\`, ${Math.round(r.durationS)} s${r.complete ? '' : ' (a partial run: filtered, quick or with --iterations)'}`);
  lines.push('');
  lines.push(`## Throughput against the bare driver`, '');
  lines.push(`Ratio of MB/s (median of the iterations) to \`${r.baseline}\` in the same run: 1.00 = as fast as the bare driver, higher is better.`, '');
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  lines.push(row(['task', `${r.baseline} MB/s`, ...others]));
  lines.push(row(['---', '---:', ...others.map(() => '---:')]));
  for (const t of r.tasks) {
    const base = t.cells.find((c) => c.target === r.baseline);
    const baseText = base?.status === 'ok' ? formatMbps(base.mbps) : cellSummary(base);
    lines.push(row([t.title, baseText, ...others.map((o) => cellSummary(t.cells.find((c) => c.target === o)))]));
  }
  lines.push('');
  if (svgFile) lines.push(`![ratios against the bare driver](${svgFile})`, '');
  lines.push(...workMarkdown(r));
  if (r.overhead) lines.push(...('error' in r.overhead ? ['## Overhead per command', '', `error: ${r.overhead.error}`, ''] : overheadMarkdown(r.overhead, targets, r.baseline)));
  if (r.coldStart) lines.push(...coldStartMarkdown(r.coldStart));
  if (r.perThread) lines.push(...perThreadMarkdown(r.perThread));
  lines.push(`## Every task, every target`, '');
  lines.push('Event-loop delay: how late a 10 ms timer on the main thread fired while the timed iterations ran (perf_hooks.monitorEventLoopDelay), ms.', '');
  lines.push('| task | target | MB/s | ± | vs bare | median ms | iterations | loop delay p50 / p99 / max ms |');
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const t of r.tasks) {
    for (const c of t.cells) {
      if (c.status !== 'ok') {
        lines.push(`| ${t.title} | ${c.target} | — | | — | | | ${c.status === 'unavailable' ? '' : `${c.status}: `}${escapeCell(c.reason ?? '')} |`);
        continue;
      }
      const eld = c.eventLoopDelayMs;
      const eldText = eld ? `${fmt(eld.p50)} / ${fmt(eld.p99)} / ${fmt(eld.max)}` : '—';
      lines.push(
        `| ${t.title} | ${c.target} | ${formatMbps(c.mbps)} | ${c.spread === undefined ? '' : `±${Math.round(c.spread * 100)}%`} | ${c.ratio === null || c.ratio === undefined ? '—' : `${fmt(c.ratio)}×`} | ${fmt(c.medianMs, 1)} | ${c.timesMs.length} | ${eldText} |`,
      );
    }
  }
  lines.push('');
  lines.push('## Scale', '');
  lines.push('Operations per iteration, here and in the specification; the score counts what ran (bytes per operation × operations × tasks).', '');
  lines.push('| task | bytes per op | ops per iteration | specification | concurrent tasks | warm-up + timed iterations per target |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const t of r.tasks) lines.push(`| ${t.title} | ${t.bytesPerOp} | ${t.ops} | ${t.specOps || '— (not in it)'} | ${t.concurrency} | ${t.warmup} + ${t.iterations} |`);
  lines.push('');
  if (r.micro) {
    lines.push('## Micro: dispatch on a stub delegate (no I/O)', '');
    if ('error' in r.micro) lines.push(`error: ${r.micro.error}`, '');
    else {
      lines.push(`ns per call, median of 7 runs of ${r.micro.iterations.toLocaleString('en-US')} calls.`, '');
      lines.push('| case | direct driver | hand-written wrapper | rotor | rotor − direct |');
      lines.push('| --- | ---: | ---: | ---: | ---: |');
      for (const row of r.micro.rows) lines.push(`| ${row.case} | ${fmt(row.direct, 1)} | ${fmt(row.handWritten, 1)} | ${fmt(row.rotor, 1)} | +${fmt(row.overhead, 1)} |`);
      lines.push('');
    }
  }
  lines.push('## Targets', '');
  for (const t of r.targets) lines.push(`- \`${t.name}\`: ${t.description}; ${t.version}${t.available === true ? '' : ` — ${t.available}`}`);
  lines.push('');
  if (r.notes.length) {
    lines.push('## Notes', '');
    for (const n of r.notes) lines.push(`- ${n}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Tasks scored in documents per second: docs/s and event-loop p99, each against the baseline. */
function workMarkdown(r: Results): string[] {
  const tasks = r.tasks.filter((t) => t.documents);
  if (tasks.length === 0) return [];
  const lines = ['## Main-thread work while the driver works', ''];
  lines.push(
    'Documents per second (median iteration) while the main thread encodes and hashes every document, and how late a 10 ms timer fired meanwhile (p99). Goals (issue #15): the pool ≥ 1.15× the bare driver\'s documents per second on a 2-core machine; event-loop p99 ≤ 0.5× the bare driver\'s.',
    '',
  );
  for (const t of tasks) {
    const base = t.cells.find((c) => c.target === r.baseline);
    const baseP99 = base?.eventLoopDelayMs?.p99;
    const sized = t.calibration ? `, sized to the bare driver's ${t.calibration.fetchUsPerDocument} µs per document of the same Find many without work (${t.calibration.passes} sha256 passes)` : '';
    lines.push(`${t.title}: ${t.documents} documents per iteration, ${t.workUsPerDocument ?? '?'} µs of work per document (measured in this run${sized}).`, '');
    lines.push(`Cores busy: CPU time / wall time during the iterations, for this process (the pool's worker included) and the server (when on this machine), out of ${r.machine.cores} — when their sum is at the machine's cores, a worker thread has no idle core to overlap with.`, '');
    lines.push('| target | docs/s | ± | vs bare | loop delay p99 ms | p99 vs bare | cores: process | cores: server |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const c of t.cells) {
      if (c.status !== 'ok') {
        lines.push(`| ${c.target} | — | | | | ${c.status} |`);
        continue;
      }
      const p99 = c.eventLoopDelayMs?.p99;
      const p99Ratio = p99 !== undefined && baseP99 ? `${fmt(p99 / baseP99)}×` : '—';
      lines.push(`| ${c.target} | ${c.docsPerS === undefined ? '—' : Math.round(c.docsPerS)} | ${c.spread === undefined ? '' : `±${Math.round(c.spread * 100)}%`} | ${c.ratio === null || c.ratio === undefined ? '—' : `${fmt(c.ratio)}×`} | ${fmt(p99)} | ${p99Ratio} | ${fmt(c.cores?.process)} | ${c.cores?.server === null || c.cores?.server === undefined ? '—' : fmt(c.cores.server)} |`);
    }
    lines.push('');
  }
  return lines;
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

// ---------------------------------------------------------------------------------------------
// The chart: one group of horizontal bars per task, one bar per target (its ratio to the bare
// driver), a dashed line at 1.0, the value at the end of every bar.

const PALETTE = ['#7f7f7f', '#e8a33d', '#2e7dd7', '#23a36b', '#a256c9', '#d2504a', '#1aa3b8', '#8c6d31'];

export function renderSvg(r: Results): string {
  const targets = r.targets.map((t) => t.name);
  const color = (name: string): string => (targets.includes(name) ? PALETTE[targets.indexOf(name) % PALETTE.length]! : '#9a9a9a'); // grey: the design floor
  const ratios = r.tasks.flatMap((t) => t.cells.map((c) => c.ratio).filter((x): x is number => typeof x === 'number'));
  const xMax = Math.max(1.25, Math.ceil((Math.max(0, ...ratios) * 1.08) / 0.25) * 0.25);

  const width = 820;
  const labelW = 170;
  const plotX = labelW + 10;
  const plotW = width - plotX - 90;
  const barH = 13;
  const gap = 3;
  const groupHead = 20;
  const groupGap = 12;
  const top = 104 + Math.ceil(targets.length / 3) * 18;
  const x = (v: number): number => plotX + (Math.min(v, xMax) / xMax) * plotW;

  const body: string[] = [];
  let y = top;
  for (const task of r.tasks) {
    const base = task.cells.find((c) => c.target === r.baseline);
    const baseText = base?.status === 'ok' ? `${r.baseline}: ${formatMbps(base.mbps)} MB/s` : '';
    body.push(`<text class="task" x="20" y="${y + 14}">${esc(task.title)}<tspan class="base" dx="8">${esc(baseText)}</tspan></text>`);
    y += groupHead;
    for (const name of targets) {
      const cell = task.cells.find((c) => c.target === name);
      body.push(`<text class="target" x="${plotX - 8}" y="${y + barH - 3}" text-anchor="end">${esc(name)}</text>`);
      if (cell && typeof cell.ratio === 'number') {
        const w = Math.max(1, x(cell.ratio) - plotX);
        const title = `${task.title} — ${name}: ${cell.ratio.toFixed(3)}× (${formatMbps(cell.mbps)} MB/s)`;
        body.push(`<rect class="bar" x="${plotX}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${color(name)}"><title>${esc(title)}</title></rect>`);
        const noise = cell.spread ? ` ±${Math.round(cell.spread * 100)}%` : '';
        body.push(`<text class="value" x="${(plotX + w + 4).toFixed(1)}" y="${y + barH - 3}">${cell.ratio.toFixed(2)}×<tspan class="noise">${noise}</tspan></text>`);
      } else {
        const why = !cell ? 'not run' : cell.status === 'unavailable' ? 'not available in this build' : cell.status === 'ok' ? 'no baseline' : cell.status;
        body.push(`<text class="na" x="${plotX + 4}" y="${y + barH - 3}">— ${esc(why)}</text>`);
      }
      y += barH + gap;
    }
    y += groupGap;
  }
  const bottom = y;
  const panel = r.overhead && !('error' in r.overhead) ? overheadSvg(r.overhead, targets, r.baseline, color, bottom + 44, width) : undefined;
  const height = bottom + 34 + (panel ? panel.height + 20 : 0);

  const grid: string[] = [];
  for (let v = 0; v <= xMax + 1e-9; v += 0.25) {
    const gx = x(v).toFixed(1);
    const major = Math.abs(v - Math.round(v)) < 1e-9 || Math.abs(v * 2 - Math.round(v * 2)) < 1e-9;
    grid.push(`<line class="grid" x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${bottom}"/>`);
    if (major) grid.push(`<text class="tick" x="${gx}" y="${bottom + 14}" text-anchor="middle">${v.toFixed(1)}</text>`, `<text class="tick" x="${gx}" y="${top - 10}" text-anchor="middle">${v.toFixed(1)}</text>`);
  }
  const ref = x(1).toFixed(1);
  grid.push(`<line class="ref" x1="${ref}" y1="${top - 6}" x2="${ref}" y2="${bottom}"/>`);

  const legend: string[] = [];
  targets.forEach((name, i) => {
    const lx = 20 + (i % 3) * 265;
    const ly = 76 + Math.floor(i / 3) * 18;
    legend.push(`<rect class="key" x="${lx}" y="${ly - 10}" width="12" height="12" fill="${color(name)}"/>`, `<text class="legend" x="${lx + 18}" y="${ly}">${esc(name)}${name === r.baseline ? ' (baseline = 1.0)' : ''}</text>`);
  });

  const subtitle = `${r.mode} run ${r.startedAt.slice(0, 10)} · ${describeServer(r)} · ${r.machine.cores}-core ${r.machine.arch} · Node ${r.node}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    '<style>',
    '.title{font-size:16px;font-weight:bold;fill:#222}.sub{font-size:11px;fill:#555}.task{font-size:12px;font-weight:bold;fill:#222}',
    '.target{font-size:11px;fill:#444}.value{font-size:11px;fill:#222;paint-order:stroke;stroke:#fff;stroke-width:3px}.noise{fill:#888;font-size:10px}.base{font-weight:normal;fill:#666;font-size:11px}.na{font-size:11px;fill:#999;font-style:italic}',
    '.tick{font-size:10px;fill:#666}.legend{font-size:11px;fill:#333}.grid{stroke:#e6e6e6;stroke-width:1}.whisker{stroke:#333;stroke-width:1}.ref{stroke:#d2504a;stroke-width:1.5;stroke-dasharray:5 3}',
    '</style>',
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text class="title" x="20" y="24">Throughput against the bare mongodb driver (MB/s ratio, higher is better)</text>`,
    `<text class="sub" x="20" y="40">${esc(subtitle)}</text>`,
    `<text class="sub" x="20" y="54">each bar: the target's median MB/s ÷ ${esc(r.baseline)}'s in the same run, interleaved; ±: half the range of its iterations</text>`,
    ...legend,
    ...grid,
    ...body,
    `<text class="sub" x="${ref}" y="${bottom + 28}" text-anchor="middle">1.0 = the bare driver</text>`,
    ...(panel?.parts ?? []),
    '</svg>',
    '',
  ].join('\n');
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
