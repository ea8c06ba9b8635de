// The differential report: per test, the outcome under `bare` and under each rotor target. A
// rotor-induced failure is a test that passes bare and not under rotor, or fails under both with
// different messages (once ids, ports, durations and large numbers are normalized away). Server
// limits show as the same failure in both columns and are not rotor's.
import type { Outcome } from './file-runner.js';
import { BARE } from './targets.js';

export interface TestRecord {
  /** The file, as shown in reports (`crud/find.json`). */
  readonly file: string;
  readonly test: string;
  /** Outcome per target name. */
  readonly outcomes: Readonly<Record<string, Outcome>>;
}

export interface TargetSummary {
  passed: number;
  failed: number;
  skipped: number;
  /** Tests whose outcome differs from bare in rotor's disfavour. */
  rotorInduced: number;
  /** Tests that fail bare and pass here (not a rotor failure, but worth a look). */
  passesOnlyHere: number;
}

export interface Summary {
  readonly tests: number;
  readonly targets: readonly string[];
  readonly perTarget: Readonly<Record<string, TargetSummary>>;
}

export interface Difference {
  readonly file: string;
  readonly test: string;
  readonly target: string;
  readonly bare: Outcome;
  readonly outcome: Outcome;
}

/** A failure message with what varies from run to run taken out. */
export function normalizeMessage(message: string | undefined): string {
  return (message ?? '')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})/g, '<date>')
    .replace(/"base64":"[A-Za-z0-9+/]{22}==","subType":"04"/g, '"base64":"<uuid>","subType":"04"')
    .replace(/\b0x[0-9a-f]+\b/gi, '<ptr>')
    .replace(/\b[0-9a-f]{24}\b/gi, '<oid>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\b[0-9a-f]{32,}\b/gi, '<hex>')
    .replace(/\b(?:\d{1,3}\.){3}\d{1,3}:\d+\b/g, '<host>')
    .replace(/\blocalhost:\d+\b/g, '<host>')
    .replace(/\b\d+(?:\.\d+)?\s?(?:ms|milliseconds|s|seconds)\b/g, '<duration>')
    .replace(/\b(connection|request|requestId|operationId|id)( ?[#:=]? ?)\d+\b/gi, '$1$2<n>')
    .replace(/\b\d{4,}\b/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether `outcome` (a rotor target's) is worse than, or fails differently from, `bare`. */
export function isRotorInduced(bare: Outcome, outcome: Outcome): boolean {
  if (bare.status === 'pass') return outcome.status !== 'pass';
  if (bare.status === 'skip') return outcome.status !== 'skip';
  // bare failed
  if (outcome.status === 'pass') return false;
  if (outcome.status === 'skip') return true;
  return normalizeMessage(bare.message) !== normalizeMessage(outcome.message);
}

export function differences(records: readonly TestRecord[], targets: readonly string[]): Difference[] {
  const out: Difference[] = [];
  for (const r of records) {
    const bare = r.outcomes[BARE];
    if (!bare) continue;
    for (const t of targets) {
      if (t === BARE) continue;
      const o = r.outcomes[t];
      if (o && isRotorInduced(bare, o)) out.push({ file: r.file, test: r.test, target: t, bare, outcome: o });
    }
  }
  return out;
}

export function summarize(records: readonly TestRecord[], targets: readonly string[]): Summary {
  const perTarget: Record<string, TargetSummary> = {};
  for (const t of targets) perTarget[t] = { passed: 0, failed: 0, skipped: 0, rotorInduced: 0, passesOnlyHere: 0 };
  for (const r of records) {
    const bare = r.outcomes[BARE];
    for (const t of targets) {
      const o = r.outcomes[t];
      const s = perTarget[t]!;
      if (!o) continue;
      if (o.status === 'pass') s.passed++;
      else if (o.status === 'fail') s.failed++;
      else s.skipped++;
      if (t !== BARE && bare) {
        if (isRotorInduced(bare, o)) s.rotorInduced++;
        else if (bare.status === 'fail' && o.status === 'pass') s.passesOnlyHere++;
      }
    }
  }
  return { tests: records.length, targets, perTarget };
}

/** `synchro: N tests, bare P passed, <target> P passed / D rotor-induced, ...` */
export function closingLine(summary: Summary): string {
  const parts = summary.targets.map((t) => {
    const s = summary.perTarget[t]!;
    return t === BARE ? `${t} ${s.passed} passed` : `${t} ${s.passed} passed / ${s.rotorInduced} rotor-induced`;
  });
  return `synchro: ${summary.tests} tests, ${parts.join(', ')}`;
}

/** The terminal table: one row per file (passed/failed/skipped per target), then every rotor-induced failure. */
export function formatTable(records: readonly TestRecord[], targets: readonly string[]): string {
  const files = new Map<string, TestRecord[]>();
  for (const r of records) {
    const list = files.get(r.file) ?? [];
    list.push(r);
    files.set(r.file, list);
  }
  const header = ['file', 'tests', ...targets];
  const rows: string[][] = [];
  for (const [file, list] of files) {
    const s = summarize(list, targets);
    rows.push([
      file,
      String(list.length),
      ...targets.map((t) => {
        const x = s.perTarget[t]!;
        const cell = `${x.passed}/${x.failed}/${x.skipped}`;
        return t !== BARE && x.rotorInduced ? `${cell} !${x.rotorInduced}` : cell;
      }),
    ]);
  }
  const total = summarize(records, targets);
  rows.push([
    'total',
    String(total.tests),
    ...targets.map((t) => {
      const x = total.perTarget[t]!;
      const cell = `${x.passed}/${x.failed}/${x.skipped}`;
      return t !== BARE && x.rotorInduced ? `${cell} !${x.rotorInduced}` : cell;
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(0, -1).map(line), line(widths.map((w) => '-'.repeat(w))), line(rows.at(-1)!)];
  out.push('(cells: passed/failed/skipped; "!N": N rotor-induced failures)');
  const diffs = differences(records, targets);
  if (diffs.length) {
    out.push('', `rotor-induced failures (${diffs.length}):`);
    for (const d of diffs) {
      out.push(`  [${d.target}] ${d.file} › ${d.test}`);
      out.push(`      bare: ${d.bare.status}${d.bare.message ? ` — ${d.bare.message}` : ''}`);
      out.push(`      ${d.target}: ${d.outcome.status}${d.outcome.message ? ` — ${d.outcome.message}` : ''}`);
    }
  }
  return out.join('\n');
}

/** The JSON report's shape. */
export function jsonReport(records: readonly TestRecord[], targets: readonly string[], extra: Record<string, unknown>): unknown {
  const summary = summarize(records, targets);
  return {
    ...extra,
    targets,
    summary,
    rotorInduced: differences(records, targets).map((d) => ({ file: d.file, test: d.test, target: d.target, bare: d.bare, outcome: d.outcome })),
    tests: records.map((r) => ({
      file: r.file,
      test: r.test,
      outcomes: r.outcomes,
      rotorInduced: targets.filter((t) => t !== BARE && r.outcomes[BARE] && r.outcomes[t] && isRotorInduced(r.outcomes[BARE], r.outcomes[t])),
    })),
  };
}
