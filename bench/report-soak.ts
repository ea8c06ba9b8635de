// The soak's record (soak.json) and its table, in the console and in soak.md (./soak.ts runs it).

export interface Memory {
  heapMB: number;
  rssMB: number;
}

export interface SoakRow {
  readonly target: string;
  status: 'ok' | 'error' | 'unavailable';
  reason?: string;
  ops?: number;
  seconds?: number;
  errors?: number;
  firstErrors?: string[];
  before?: Memory;
  open?: Memory;
  closed?: Memory;
  /** open − before, MB. */
  heapGrowthMB?: number;
  rssGrowthMB?: number;
  /** Pool counters with the client open, and after it closed (null: no pool). */
  statsOpen?: Record<string, number> | null;
  statsClosed?: Record<string, number> | null;
  /** 'abort' listeners left on the AbortSignal every command shared, once the operations settled (must be 0). */
  signalListeners?: number;
  /** Every ZERO_AFTER_CLOSE counter is 0 after close (true for targets without a pool), and no signal listener is left. */
  countersZero?: boolean;
}

export interface SoakResult {
  readonly tool: 'rotor bench soak';
  readonly startedAt: string;
  readonly node: string;
  readonly n: number;
  readonly kinds: readonly string[];
  readonly rows: SoakRow[];
  readonly ok: boolean;
}


const COUNTERS = ['objects', 'forwarders', 'callbacks', 'abortListeners', 'pending'] as const;
const mb = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(1));
const growth = (x: number | undefined): string => (x === undefined ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}`);
const counters = (s: Record<string, number> | null | undefined): string => (s === undefined ? '—' : s === null ? 'no pool' : COUNTERS.map((k) => s[k] ?? '?').join('/'));

function cells(r: SoakRow): string[] {
  if (r.status !== 'ok') return [r.target, '—', '', '', '', '', '', '', '', '', `${r.status}: ${r.reason ?? ''}`];
  const opsPerS = r.ops && r.seconds ? Math.round(r.ops / r.seconds) : undefined;
  const verdict = r.errors ? `${r.errors} error(s)` : r.signalListeners ? `${r.signalListeners} signal listener(s) left` : r.countersZero ? 'ok' : 'counters not 0';
  return [
    r.target,
    (r.ops ?? 0).toLocaleString('en-US'),
    `${r.seconds ?? '—'} s (${opsPerS ?? '—'}/s)`,
    `${mb(r.before?.heapMB)} → ${mb(r.open?.heapMB)}`,
    growth(r.heapGrowthMB),
    mb(r.closed?.heapMB),
    `${mb(r.before?.rssMB)} → ${mb(r.open?.rssMB)}`,
    growth(r.rssGrowthMB),
    counters(r.statsOpen),
    counters(r.statsClosed),
    verdict,
  ];
}

const HEAD = ['target', 'ops', 'time', 'heap MB before → open', 'heap growth', 'heap closed', 'RSS MB before → open', 'RSS growth', `pool open (${COUNTERS.join('/')})`, 'pool after close', 'verdict'];

export function soakConsole(rows: readonly SoakRow[]): string[] {
  const table = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  return table.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}

export function soakMarkdown(r: SoakResult): string {
  const lines = [`# rotor bench soak, ${r.startedAt.slice(0, 10)}`, ''];
  lines.push(
    `${r.n.toLocaleString('en-US')} operations per target, Node ${r.node}, mixed in turn: ${r.kinds.join(', ')}. Memory after a forced GC: before (after a warm-up), open (after the operations, client connected), closed (after client.close()). Heap is the main thread's; a pool worker's memory shows in RSS. No 'abort' listener may be left on the AbortSignal the commands share, and pool counters must be 0 after close (goal, issue #10: heap growth ≤ 20 MB for 1M operations). Result: **${r.ok ? 'passed' : 'FAILED'}**.`,
    '',
  );
  lines.push(`| ${HEAD.join(' | ')} |`, `| ${HEAD.map((_, i) => (i === 0 || i === HEAD.length - 1 ? '---' : '---:')).join(' | ')} |`);
  for (const row of r.rows) lines.push(`| ${cells(row).map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  lines.push('');
  const errors = r.rows.filter((row) => row.firstErrors?.length);
  if (errors.length) {
    lines.push('First errors:', '');
    for (const row of errors) for (const e of row.firstErrors!) lines.push(`- ${row.target}: ${e}`);
    lines.push('');
  }
  return lines.join('\n');
}
