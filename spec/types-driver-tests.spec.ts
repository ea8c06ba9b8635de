// The driver's own type tests (../shared/driver-types/types: tsd files of mongodb 7.5) run against
// `mongodb`, `rotor` and `rotor/callback`: a scratch copy per entry, the driver imports rewritten
// to the entry, tsd (installed at test time into a scratch folder outside the repo) run on each.
// A diagnostic an entry has that `mongodb` does not have on the same file, line and column fails.
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { driverMajor } from './support/env.js';
import { root, scratch } from './support/typecheck.js';

const test = suite('types: the driver\'s own type tests');
const shared = join(root, '..', 'shared', 'driver-types', 'types');
const TSD_VERSION = '0.33.0';
export const ENTRIES = ['mongodb', 'rotor', 'rotor/callback'] as const;

/** The relative imports of the driver in its test files ('../mongodb', '../../..', import('../../../src')). */
const DRIVER_IMPORT = /(['"])(?:\.\.\/)*\.\.(?:\/(?:mongodb|src))?\1/g;

interface TsdDiagnostic {
  fileName: string;
  message: string;
  severity: string;
  line?: number;
  column?: number;
}

/** tsd, installed once per version into the OS temp folder (npm's cache makes later installs offline). */
function installTsd(): (options: { cwd: string }) => Promise<TsdDiagnostic[]> {
  const dir = join(tmpdir(), `rotor-tsd-${TSD_VERSION}`);
  if (!existsSync(join(dir, 'node_modules', 'tsd', 'package.json'))) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    const r = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', `tsd@${TSD_VERSION}`], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`installing tsd failed:\n${r.stdout}${r.stderr}`);
  }
  const tsd = createRequire(join(dir, 'package.json'))('tsd') as { default: (o: { cwd: string }) => Promise<TsdDiagnostic[]> };
  return tsd.default;
}

function copyRewritten(from: string, to: string, entry: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    if (statSync(src).isDirectory()) copyRewritten(src, join(to, name), entry);
    else if (name.endsWith('.ts')) writeFileSync(join(to, name), readFileSync(src, 'utf8').replace(DRIVER_IMPORT, `$1${entry}$1`));
    else cpSync(src, join(to, name));
  }
}

/** Diagnostics of tsd over the copy for `entry`, keyed `file:line:column`. */
async function run(tsd: ReturnType<typeof installTsd>, base: string, entry: string): Promise<Map<string, string>> {
  const cwd = join(base, entry.replace('/', '-'));
  copyRewritten(shared, join(cwd, 'types'), entry);
  writeFileSync(join(cwd, 'index.d.ts'), 'export {};\n');
  // The driver's own tsd settings (its package.json): strict, esnext, commonjs + node resolution.
  const tsdConfig = { directory: 'types', compilerOptions: { strict: true, target: 'esnext', module: 'commonjs', moduleResolution: 'node' } };
  writeFileSync(join(cwd, 'package.json'), JSON.stringify({ name: 'driver-type-tests', private: true, types: 'index.d.ts', tsd: tsdConfig }));
  const found = new Map<string, string>();
  for (const d of await tsd({ cwd })) {
    if (d.severity !== 'error') continue;
    found.set(`${relative(cwd, d.fileName)}:${d.line ?? 0}:${d.column ?? 0}`, d.message.split('\n')[0]!);
  }
  return found;
}

export interface DriverTestsResult {
  counts: Record<(typeof ENTRIES)[number], number>;
  extra: Record<string, string[]>;
}

export async function runDriverTypeTests(): Promise<DriverTestsResult> {
  const tsd = installTsd();
  const base = scratch('driver-types');
  try {
    const results = new Map<string, Map<string, string>>();
    for (const entry of ENTRIES) results.set(entry, await run(tsd, base, entry));
    const driver = results.get('mongodb')!;
    const counts = Object.fromEntries(ENTRIES.map((e) => [e, results.get(e)!.size])) as DriverTestsResult['counts'];
    const extra: Record<string, string[]> = {};
    for (const entry of ENTRIES.slice(1)) extra[entry] = [...results.get(entry)!].filter(([key]) => !driver.has(key)).map(([key, msg]) => `${key} ${msg}`);
    return { counts, extra };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

if (!existsSync(shared)) {
  test.skip('rotor and rotor/callback add no diagnostic to the driver\'s type tests', () => {});
  process.stdout.write(`\n  skipped: the driver's type tests — ${shared} is absent\n`);
} else if (driverMajor() !== 7) {
  test.skip('rotor and rotor/callback add no diagnostic to the driver\'s type tests', () => {});
  process.stdout.write('\n  skipped: the driver\'s type tests — they are mongodb 7.5\'s and rotor\'s declarations are built against mongodb 7 (the 7.x run checks them)\n');
} else {
  test('rotor and rotor/callback add no diagnostic to the driver\'s type tests', async () => {
    const { counts, extra } = await runDriverTypeTests();
    process.stdout.write(`\n  driver type tests, error diagnostics: ${ENTRIES.map((e) => `${e} ${counts[e]}`).join(', ')}\n`);
    assert.ok(counts.mongodb > 0, 'the driver itself has a few (files importing driver internals): a run with none did not check anything');
    for (const entry of ENTRIES.slice(1)) assert.equal(extra[entry], [], `${entry}: diagnostics mongodb does not have`);
  });
}

test.run();
