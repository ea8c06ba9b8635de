// Command line of `npm run bench` (node dist/bench/run.js), read by node:util.parseArgs; this file
// only checks values and keeps the usage text.
import { parseArgs as parseNodeArgs } from 'node:util';

export interface Args {
  quick: boolean;
  help: boolean;
  /** Overrides every task's timed iterations. */
  iterations?: number;
  targets?: string[];
  tasks?: string[];
  /** Results folder (default: bench/results in the project). */
  out?: string;
  /** Database the tasks use (the specification's `perftest` by default). */
  db: string;
  /** Run the soak instead of the tasks: this many mixed operations per target. */
  soak?: number;
}

export class UsageError extends Error {}

export const USAGE = `usage: npm run bench [-- options]      (node dist/bench/run.js [options])

The drivers' benchmark specification (Run command, Find one by ID, Small/Large doc insertOne,
Find many and empty the cursor, Small/Large doc bulk insert, GridFS upload/download, plus Find one
by ID and Find many with 80 concurrent tasks), Find many with main-thread work per document, the
per-command overhead section (µs over bare next to the thread round-trip floor) and the dispatch
micro benchmark, for every target: the bare mongodb driver (the baseline), mongodb-legacy with
callbacks, and rotor with each framework and executor. Server: MONGODB_URI when set, otherwise the
embedded FerretDB, whose CPU is reported next to this process's (for a local server of your own,
give its process id in ROTOR_BENCH_SERVER_PID).

options:
  --quick              small operation counts, 1 warm-up + 2 iterations: a minute or two
  --iterations N       timed iterations per target for every task (default: per task)
  --targets a,b        only these targets (the baseline is always included)
  --tasks x,y          only these tasks ('overhead' is the overhead section, 'micro' the micro benchmark,
                       'coldStart' the cold-process section: node -e that connects, pings, exits;
                       'perThread' each thread's CPU per command, pinned to one core: the pool
                       targets against the raw hop; Linux only)
  --soak N             instead of the tasks: N mixed operations per target, then heap/RSS growth
                       after a forced GC and the pool's counters after close (exit 1 if not 0)
  --out DIR            write results there instead of bench/results
  --db NAME            database to use (default: perftest, dropped by the tasks)
  --help               this text

A full run of every task and target writes bench/results/latest.{json,md,svg}; any other run
(--quick, filters, --iterations) writes partial.{json,md,svg}; --soak writes soak.{json,md}.
`;

const OPTIONS = {
  quick: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  iterations: { type: 'string' },
  targets: { type: 'string' },
  tasks: { type: 'string' },
  soak: { type: 'string' },
  out: { type: 'string' },
  db: { type: 'string' },
} as const;

export function parseArgs(argv: readonly string[]): Args {
  let values: { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };
  try {
    ({ values } = parseNodeArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(usageMessage(err));
  }
  const args: Args = { quick: values.quick ?? false, help: values.help ?? false, db: 'perftest' };
  if (values.iterations !== undefined) args.iterations = count('--iterations', values.iterations);
  if (values.soak !== undefined) args.soak = count('--soak', values.soak);
  if (values.targets !== undefined) args.targets = list('--targets', values.targets);
  if (values.tasks !== undefined) args.tasks = list('--tasks', values.tasks);
  if (values.out !== undefined) {
    if (!values.out) throw new UsageError('--out needs a folder');
    args.out = values.out;
  }
  if (values.db !== undefined) {
    if (!/^[A-Za-z0-9_-]+$/.test(values.db)) throw new UsageError(`--db needs a database name, got '${values.db}'`);
    args.db = values.db;
  }
  return args;
}

function count(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a whole number >= 1, got '${value}'`);
  return n;
}

function list(flag: string, value: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError(`${flag} needs a comma-separated list`);
  return items;
}

/** parseArgs' errors, in this tool's words (the spec and users read "unknown option '--x'"). */
function usageMessage(err: unknown): string {
  const code = (err as { code?: string }).code;
  const text = err instanceof Error ? err.message : String(err);
  const option = /'(-{1,2}[^'\s]+)/.exec(text)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${option ?? text}'`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return option && / argument missing/.test(text) ? `${option} needs a value` : `${option ?? text} takes no value`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument: ${text.replace(/^Unexpected argument '([^']*)'.*$/s, '$1')}`;
  return text;
}

/** Checks names against the known ones; the error lists them. */
export function checkNames(kind: string, given: readonly string[] | undefined, known: readonly string[]): void {
  const unknown = (given ?? []).filter((n) => !known.includes(n));
  if (unknown.length) throw new UsageError(`unknown ${kind}: ${unknown.join(', ')} (known: ${known.join(', ')})`);
}
