// Command line of `npm run bench` (node dist/bench/run.js).

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
}

export class UsageError extends Error {}

export const USAGE = `usage: npm run bench [-- options]      (node dist/bench/run.js [options])

The drivers' benchmark specification (Run command, Find one by ID, Small/Large doc insertOne,
Find many and empty the cursor, Small/Large doc bulk insert, GridFS upload/download, plus Find one
by ID and Find many with 80 concurrent tasks) and the dispatch micro benchmark, for every target:
the bare mongodb driver (the baseline), mongodb-legacy with callbacks, and rotor with each framework
and executor. Server: MONGODB_URI when set, otherwise the embedded FerretDB.

options:
  --quick              small operation counts, 1 warm-up + 2 iterations: under a minute
  --iterations N       timed iterations per target for every task (default: per task)
  --targets a,b        only these targets (the baseline is always included)
  --tasks x,y          only these tasks ('micro' is the micro benchmark)
  --out DIR            write results there instead of bench/results
  --db NAME            database to use (default: perftest, dropped by the tasks)
  --help               this text

A full run of every task and target writes bench/results/latest.{json,md,svg}; any other run
(--quick, filters, --iterations) writes partial.{json,md,svg}.
`;

export function parseArgs(argv: readonly string[]): Args {
  const args: Args = { quick: false, help: false, db: 'perftest' };
  const list = (flag: string, value: string | undefined): string[] => {
    const items = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (items.length === 0) throw new UsageError(`${flag} needs a comma-separated list`);
    return items;
  };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith('--') && eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--quick':
        args.quick = true;
        break;
      case '--help':
      case '-h':
        args.help = true;
        break;
      case '--iterations': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`--iterations needs a whole number >= 1, got '${v ?? ''}'`);
        args.iterations = n;
        break;
      }
      case '--targets':
        args.targets = list(flag, value());
        break;
      case '--tasks':
        args.tasks = list(flag, value());
        break;
      case '--out': {
        const v = value();
        if (!v) throw new UsageError('--out needs a folder');
        args.out = v;
        break;
      }
      case '--db': {
        const v = value();
        if (!v || !/^[A-Za-z0-9_-]+$/.test(v)) throw new UsageError(`--db needs a database name, got '${v ?? ''}'`);
        args.db = v;
        break;
      }
      default:
        throw new UsageError(`unknown option '${raw}'`);
    }
  }
  return args;
}

/** Checks names against the known ones; the error lists them. */
export function checkNames(kind: string, given: readonly string[] | undefined, known: readonly string[]): void {
  const unknown = (given ?? []).filter((n) => !known.includes(n));
  if (unknown.length) throw new UsageError(`unknown ${kind}: ${unknown.join(', ')} (known: ${known.join(', ')})`);
}
