// The overhead section in the console, the markdown and the SVG (see ./overhead.ts for how it is measured).
import os from 'node:os';
import { BLOCKING_DESIGN_FLOOR, DESIGN_FLOOR } from './floor/driver-in-worker.js';
import type { FloorRow, Mode, OverheadCell, OverheadResult } from './overhead.js';

const f1 = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(Math.abs(x) >= 100 ? 0 : 1));
const signed = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x >= 0 ? '+' : '−'}${f1(Math.abs(x))}`);
const range = (r: [number, number] | null | undefined, sign = false): string => (r ? `${sign ? signed(r[0]) : f1(r[0])}..${sign ? signed(r[1]) : f1(r[1])}` : '');
const times = (v: number | null): string => (v === null ? '—' : `${v.toFixed(2)}×`);
const ratio = (x: number | null, goal: number, stretch?: number): string =>
  x === null ? '—' : `${x.toFixed(2)}× ${stretch !== undefined && x <= stretch ? '✓✓' : x <= goal ? '✓' : '✗'}`;

function cellText(c: OverheadCell | undefined, baseline: boolean): string {
  if (!c) return '—';
  if (c.status !== 'ok') return `— (${c.status === 'skipped' ? c.reason : 'error'})`;
  if (baseline) return `${f1(c.usPerOp)} (${range(c.usRange)})${c.p50UsPerOp === undefined ? '' : ` · p50 ${f1(c.p50UsPerOp)}`} · CPU ${f1(c.cpuUsPerOp)}`;
  return `${signed(c.overheadUs)} (${range(c.overheadRange, true)})${c.p50OverheadUs === undefined || c.p50OverheadUs === null ? '' : ` · p50 ${signed(c.p50OverheadUs)}`} · CPU ${signed(c.cpuOverheadUs)}`;
}

function floorText(f: FloorRow | undefined): string {
  return f ? `${f1(f.usPerOp)} (${range(f.usRange)})${f.p50UsPerOp === undefined ? '' : ` · p50 ${f1(f.p50UsPerOp)}`} · CPU ${f1(f.cpuUsPerOp)}` : '—';
}

/** The section's columns: the run's targets, then its own participants (the design floor). */
function columnsOf(o: OverheadResult, targets: readonly string[], baseline: string): string[] {
  const inRows = o.rows[0]?.cells.map((c) => c.target) ?? [];
  return [...targets, ...inRows.filter((t) => !targets.includes(t))].filter((t) => t !== baseline && inRows.includes(t));
}

export function overheadMarkdown(o: OverheadResult, targets: readonly string[], baseline: string): string[] {
  const cores = os.availableParallelism();
  const others = columnsOf(o, targets, baseline);
  const lines: string[] = [];
  lines.push('## Overhead per command', '');
  lines.push(
    `µs a command adds over \`${baseline}\` on the same server in the same run: the median over ${o.scale.rounds} interleaved rounds of (target − ${baseline}) in the round, its min..max in brackets; p50 (sequential): the same over each round's median single command, robust to load spikes but blind to GC pauses; and the same for CPU µs per command (process.cpuUsage: every thread of this process, the pool's worker included, not the server). Sequential: ${o.scale.sequential} commands one after the other per round; concurrent: ${o.concurrency} tasks × ${o.scale.each}, µs = wall / commands. ${baseline}'s own column is its µs per command.`,
    '',
  );
  lines.push('**Floor**, measured in the same rounds: a thread round trip with nothing of rotor or the driver in it (µs per round trip, min..max, CPU µs).', '');
  lines.push('| floor | sequential | concurrent |', '| --- | ---: | ---: |');
  for (const name of [...new Set(o.floors.map((f) => f.name))]) {
    const of = (mode: Mode): FloorRow | undefined => o.floors.find((f) => f.name === name && f.mode === mode);
    lines.push(`| ${name} | ${floorText(of('sequential'))} | ${floorText(of('concurrent'))} |`);
  }
  lines.push('');
  lines.push(`| command | mode | ${baseline} µs/op | ${others.join(' | ')} |`, `| --- | --- | ---: | ${others.map(() => '---:').join(' | ')} |`);
  for (const row of o.rows) {
    const of = (t: string): OverheadCell | undefined => row.cells.find((c) => c.target === t);
    lines.push(`| ${row.command} | ${row.mode} | ${cellText(of(baseline), true)} | ${others.map((t) => cellText(of(t), false)).join(' | ')} |`);
  }
  lines.push('');
  lines.push(
    `Pool targets against the goals (issue #15): sequential overhead ≤ ${o.goals.floorRatio}× the ${o.floorReference} round trip (✓), stretch ≤ ${o.goals.floorRatioStretch}× (✓✓); concurrent overhead per command ≤ ${o.goals.concurrentRatio}× the sequential one. The CPU column divides CPU µs the same way (steadier on a loaded machine). "noisy": the rounds' overhead range reaches 0, the machine's noise is as large as the overhead. A dash: no positive overhead to divide.`,
    '',
  );
  lines.push(
    `The last three columns compare with the design floor instead, the raw hop: \`${DESIGN_FLOOR}\` (for a blocking target, \`${BLOCKING_DESIGN_FLOOR}\`: Atomics.wait + receiveMessageOnPort) for the same command, what hosting the driver in a thread costs here before any rotor code. Issue #25's goals: overhead ≤ ${o.goals.designRatio}× the raw hop's (wall; trust it on a quiet machine only) and CPU per command ≤ ${o.goals.cpuOverDesignUs} µs over the raw hop's (steady under load). ${o.loadAverage ? `Load average (1 min) during the section: ${o.loadAverage.start} at its start, ${o.loadAverage.end} at its end on ${cores} cores${Math.max(o.loadAverage.start, o.loadAverage.end) > cores ? ': loaded, read CPU, not wall' : ''}.` : ''}`,
    '',
  );
  lines.push('| target | command | overhead / tinypool RTT | p50: overhead / RTT | CPU: overhead / tinypool CPU | concurrent / sequential overhead | CPU: concurrent / sequential | overhead / raw hop | CPU: overhead / raw hop | CPU µs over raw hop |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of o.ratios) {
    lines.push(
      `| ${r.target} | ${r.command} | ${ratio(r.floorRatio, o.goals.floorRatio, o.goals.floorRatioStretch)}${r.noisy ? ' (noisy)' : ''} | ${ratio(r.p50FloorRatio, o.goals.floorRatio, o.goals.floorRatioStretch)} | ${ratio(r.cpuFloorRatio, o.goals.floorRatio, o.goals.floorRatioStretch)} | ${ratio(r.concurrentRatio, o.goals.concurrentRatio)}${r.concurrentNoisy ? ' (noisy)' : ''} | ${ratio(r.cpuConcurrentRatio, o.goals.concurrentRatio)} | ${ratio(r.designRatio, o.goals.designRatio)} | ${times(r.cpuDesignRatio)} | ${r.cpuOverDesignUs === null ? '—' : `${signed(r.cpuOverDesignUs)} ${r.cpuOverDesignUs <= o.goals.cpuOverDesignUs ? '✓' : '✗'}`} |`,
    );
  }
  lines.push('');
  return lines;
}

/** A few console lines: the floors, then per command and mode each target's overhead. */
export function overheadConsole(o: OverheadResult, baseline: string): string[] {
  const lines: string[] = [];
  for (const mode of ['sequential', 'concurrent'] as const) {
    const floors = o.floors.filter((f) => f.mode === mode).map((f) => `${f.name} ${f1(f.usPerOp)} µs`);
    lines.push(`overhead, ${mode} — floor: ${floors.join(' · ')}`);
    for (const row of o.rows.filter((r) => r.mode === mode)) {
      const cells = row.cells.map((c) =>
        c.status !== 'ok'
          ? `${c.target} —`
          : c.target === baseline
            ? `${c.target} ${f1(c.usPerOp)} µs/op`
            : `${c.target} ${signed(c.overheadUs)} µs (${c.p50OverheadUs === undefined ? '' : `p50 ${signed(c.p50OverheadUs)}, `}cpu ${signed(c.cpuOverheadUs)})`,
      );
      lines.push(`  ${row.command}: ${cells.join(' · ')}`);
    }
  }
  for (const r of o.ratios) {
    lines.push(
      `  ${r.target} ${r.command}: overhead/floor ${times(r.floorRatio)}${r.noisy ? ' (noisy)' : ''}, p50 ${times(r.p50FloorRatio)}, cpu ${times(r.cpuFloorRatio)} (goal ≤ ${o.goals.floorRatio}×) · concurrent/sequential ${times(r.concurrentRatio)}${r.concurrentNoisy ? ' (noisy)' : ''}, cpu ${times(r.cpuConcurrentRatio)} (goal ≤ ${o.goals.concurrentRatio}×) · over the raw hop ${times(r.designRatio)} (goal ≤ ${o.goals.designRatio}×), cpu ${times(r.cpuDesignRatio)}, cpu ${signed(r.cpuOverDesignUs)} µs (goal ≤ ${o.goals.cpuOverDesignUs})`,
    );
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// SVG panel: per mode, a group per command with a bar per target (overhead µs, whisker min..max),
// dashed vertical lines at the floors of that mode.

const FLOOR_COLORS = ['#d2504a', '#1aa3b8', '#8c6d31'];

export function overheadSvg(o: OverheadResult, targets: readonly string[], baseline: string, color: (t: string) => string, top: number, width: number): { parts: string[]; height: number } {
  const others = columnsOf(o, targets, baseline);
  const parts: string[] = [];
  const labelW = 170;
  const plotX = labelW + 10;
  const plotW = width - plotX - 110;
  const barH = 11;
  let y = top;
  parts.push(`<text class="title" x="20" y="${y + 16}">Overhead per command over ${esc(baseline)} (µs, lower is better)</text>`);
  parts.push(`<text class="sub" x="20" y="${y + 32}">median of interleaved rounds of (target − ${esc(baseline)}); whisker: min..max of the rounds; dashed: the floor measured in the same run</text>`);
  y += 44;
  const x2 = (v: number | null): string => (v === null ? '—' : `${v.toFixed(2)}×`);
  parts.push(`<text class="sub" x="20" y="${y + 4}">${esc(`goals: overhead / ${o.floorReference} round trip ≤ ${o.goals.floorRatio}× (stretch ≤ ${o.goals.floorRatioStretch}×); concurrent / sequential overhead ≤ ${o.goals.concurrentRatio}×`)}</text>`);
  y += 15;
  for (const r of o.ratios) {
    parts.push(
      `<text class="sub" x="20" y="${y + 4}">${esc(`${r.target} · ${r.command}: overhead/RTT ${x2(r.floorRatio)}${r.noisy ? ' (noisy)' : ''}, p50 ${x2(r.p50FloorRatio)}, CPU ${x2(r.cpuFloorRatio)} · concurrent / sequential ${x2(r.concurrentRatio)}${r.concurrentNoisy ? ' (noisy)' : ''}, CPU ${x2(r.cpuConcurrentRatio)} · over the design floor ${x2(r.designRatio)}`)}</text>`,
    );
    y += 15;
  }
  y += 8;
  for (const mode of ['sequential', 'concurrent'] as const) {
    const rows = o.rows.filter((r) => r.mode === mode);
    const floors = o.floors.filter((f) => f.mode === mode);
    const values = rows.flatMap((r) => r.cells.flatMap((c) => (c.overheadRange ? [...c.overheadRange] : [])));
    const lo = Math.min(0, ...values);
    const hi = Math.max(1, ...values, ...floors.map((f) => f.usPerOp));
    const x = (v: number): number => plotX + ((v - lo) / (hi - lo)) * plotW;
    parts.push(`<text class="task" x="20" y="${y + 12}">${mode === 'sequential' ? `Sequential (${o.scale.sequential} per round)` : `Concurrent (${o.concurrency} tasks × ${o.scale.each})`}</text>`);
    floors.forEach((f, i) => {
      parts.push(`<text class="sub" x="${plotX}" y="${y + 26 + i * 13}" fill="${FLOOR_COLORS[i % FLOOR_COLORS.length]}">┆ ${esc(f.name)} ${f1(f.usPerOp)} µs (CPU ${f1(f.cpuUsPerOp)})</text>`);
    });
    y += 34 + (floors.length - 1) * 13;
    const start = y;
    for (const row of rows) {
      parts.push(`<text class="target" x="20" y="${y + 10}" font-weight="bold">${esc(row.command)}</text>`);
      y += 14;
      for (const t of others) {
        const c = row.cells.find((cell) => cell.target === t);
        parts.push(`<text class="target" x="${plotX - 8}" y="${y + barH - 2}" text-anchor="end">${esc(t)}</text>`);
        if (c && typeof c.overheadUs === 'number') {
          const x0 = x(Math.min(0, c.overheadUs));
          const w = Math.max(1, Math.abs(x(c.overheadUs) - x(0)));
          parts.push(`<rect class="bar" x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${color(t)}"><title>${esc(`${row.command} ${mode} — ${t}: ${signed(c.overheadUs)} µs (${range(c.overheadRange, true)})`)}</title></rect>`);
          if (c.overheadRange) parts.push(`<line class="whisker" x1="${x(c.overheadRange[0]).toFixed(1)}" y1="${y + barH / 2}" x2="${x(c.overheadRange[1]).toFixed(1)}" y2="${y + barH / 2}"/>`);
          parts.push(`<text class="value" x="${(Math.max(x(c.overheadUs), x(0), c.overheadRange ? x(c.overheadRange[1]) : 0) + 4).toFixed(1)}" y="${y + barH - 2}">${signed(c.overheadUs)} µs</text>`);
        } else {
          parts.push(`<text class="na" x="${plotX + 4}" y="${y + barH - 2}">— ${esc(c?.status === 'ok' ? 'no baseline' : (c?.reason ?? c?.status ?? 'not run'))}</text>`);
        }
        y += barH + 3;
      }
      y += 6;
    }
    parts.push(`<line class="grid" x1="${x(0).toFixed(1)}" y1="${start}" x2="${x(0).toFixed(1)}" y2="${y}"/>`);
    floors.forEach((f, i) => {
      const fx = x(f.usPerOp).toFixed(1);
      parts.push(`<line x1="${fx}" y1="${start}" x2="${fx}" y2="${y}" stroke="${FLOOR_COLORS[i % FLOOR_COLORS.length]}" stroke-width="1.2" stroke-dasharray="4 3"/>`);
    });
    y += 10;
  }
  return { parts, height: y - top };
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
