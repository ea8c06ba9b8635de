// `npm run synchro -- [dirs or files] [--targets bare,promise-inline,...] [--json FILE] [--timeout MS]`
// Runs unified-format test files under bare and every rotor target (or those named), prints the
// differential table and a closing line, writes the JSON report, and exits non-zero on any
// rotor-induced failure. Server: MONGODB_URI, else the embedded FerretDB (rotor/server).
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../server/harness.js';
import { closingLine, formatTable, jsonReport, summarize } from './differential.js';
import { runSynchro } from './index.js';
import { BARE, makeTargets, targetNames } from './targets.js';

const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..');

interface Args {
  inputs: string[];
  targets: string[];
  json: string;
  timeoutMS: number;
  quiet: boolean;
}

const USAGE = `usage: synchro [dirs or files...] [--targets ${targetNames().join(',')}] [--json FILE] [--timeout MS] [--quiet]
  dirs are searched for .json unified test files (default: ${join(root, '..', 'shared', 'spec')})`;

export function parseArgs(argv: string[]): Args {
  const args: Args = { inputs: [], targets: targetNames(), json: join(root, '.cache', 'synchro', 'latest.json'), timeoutMS: 20_000, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--targets' || a.startsWith('--targets=')) args.targets = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--json' || a.startsWith('--json=')) args.json = resolve(value());
    else if (a === '--timeout' || a.startsWith('--timeout=')) args.timeoutMS = Number(value());
    else if (a === '--quiet') args.quiet = true;
    else if (a === '--help' || a === '-h') throw new Error(USAGE);
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}\n${USAGE}`);
    else args.inputs.push(a);
  }
  if (!args.targets.includes(BARE)) args.targets.unshift(BARE); // the baseline is always run
  if (!args.inputs.length) args.inputs.push(join(root, '..', 'shared', 'spec'));
  for (const input of args.inputs) if (!existsSync(input)) throw new Error(`no such file or folder: ${input}`);
  if (!Number.isFinite(args.timeoutMS) || args.timeoutMS <= 0) throw new Error(`--timeout must be a positive number of milliseconds`);
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const targets = await makeTargets(args.targets);
  const server = await startServer();
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  out(`synchro: ${args.inputs.join(' ')} — targets ${args.targets.join(', ')} — server ${server.kind === 'external' ? 'MONGODB_URI' : server.uri}`);
  let n = 0;
  try {
    const result = await runSynchro({
      uri: server.uri,
      inputs: args.inputs,
      targets,
      timeoutMS: args.timeoutMS,
      onTest: (r) => {
        n++;
        if (!args.quiet && n % 25 === 0) process.stderr.write(`  … ${n} tests\n`);
        void r;
      },
    });
    out('');
    out(formatTable(result.records, result.targets));
    const summary = summarize(result.records, result.targets);
    mkdirSync(dirname(args.json), { recursive: true });
    const report = jsonReport(result.records, result.targets, {
      generatedAt: new Date().toISOString(),
      inputs: args.inputs,
      server: { version: result.server.version.join('.'), topology: result.server.topology },
      durationMS: result.durationMS,
    });
    writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
    out(`\nJSON report: ${args.json} (${(result.durationMS / 1000).toFixed(1)} s)`);
    out(closingLine(summary));
    const induced = result.targets.reduce((sum, t) => sum + (t === BARE ? 0 : summary.perTarget[t]!.rotorInduced), 0);
    return induced === 0 ? 0 : 1;
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`synchro: ${err.message}\n`);
      process.exit(2);
    },
  );
}
