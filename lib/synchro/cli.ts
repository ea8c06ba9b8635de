// `npm run synchro -- [dirs or files] [--targets bare,promise-inline,...] [--json FILE] [--timeout MS]`
// Runs unified-format test files under bare and every rotor target (or those named), prints the
// differential table and a closing line, writes the JSON report, and exits non-zero on any
// rotor-induced failure. Server: MONGODB_URI, else the embedded FerretDB (rotor/server).
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs as parseCommandLine } from 'node:util';
import { startServer } from '../server/harness.js';
import { packageRoot } from '../util/package-root.js';
import { closingLine, formatTable, jsonReport, summarize } from './differential.js';
import { runSynchro } from './index.js';
import { BARE, makeTargets, targetNames } from './targets.js';

interface Args {
  inputs: string[];
  targets: string[];
  json: string;
  timeoutMS: number;
  quiet: boolean;
}

const USAGE = `usage: synchro [dirs or files...] [--targets ${targetNames().join(',')}] [--json FILE] [--timeout MS] [--quiet]
  dirs are searched for .json unified test files (default: ${join(packageRoot, '..', 'shared', 'spec')})`;

const OPTIONS = {
  targets: { type: 'string' },
  json: { type: 'string' },
  timeout: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseArgs(argv: string[]): Args {
  // Not strict: parseArgs' own errors would not name the usage; each option token is checked here
  // instead (an option's value is the next argument even when it starts with a dash).
  const { values, positionals, tokens } = parseCommandLine({ args: argv, options: OPTIONS, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const known = Object.hasOwn(OPTIONS, token.name) ? OPTIONS[token.name as keyof typeof OPTIONS] : undefined;
    if (!known) throw new Error(`unknown option ${token.rawName}\n${USAGE}`);
    if (known.type === 'string' && token.value === undefined) throw new Error(`${token.rawName} needs a value\n${USAGE}`);
    if (known.type === 'boolean' && token.value !== undefined) throw new Error(`${token.rawName} takes no value\n${USAGE}`);
    if (token.name === 'help') throw new Error(USAGE);
  }
  const text = (value: string | boolean | undefined): string | undefined => (typeof value === 'string' ? value : undefined);
  const targets = text(values.targets);
  const json = text(values.json);
  const timeout = text(values.timeout);
  const args: Args = {
    inputs: [...positionals],
    targets: targets === undefined ? targetNames() : targets.split(',').map((s) => s.trim()).filter(Boolean),
    json: json === undefined ? join(packageRoot, '.cache', 'synchro', 'latest.json') : resolve(json),
    timeoutMS: timeout === undefined ? 20_000 : Number(timeout),
    quiet: values.quiet === true,
  };
  if (!args.targets.includes(BARE)) args.targets.unshift(BARE); // the baseline is always run
  if (!args.inputs.length) args.inputs.push(join(packageRoot, '..', 'shared', 'spec'));
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
