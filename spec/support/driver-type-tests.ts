// The driver's own type tests (../shared/driver-types/types: tsd files of mongodb 7.5) run against
// each entry point in one tsd pass: a scratch folder holds one copy of the tests per entry, the
// driver's imports rewritten to that entry (and, for a blocking entry, the assertions adapted by
// ./sync-type-transform.ts), and tsd type-checks all copies as one program, so the driver's and
// Node's declarations are read and checked once. Diagnostics are keyed by entry, then
// `file:line:column` within the copy, for comparison with the bare driver's.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { adaptForSync } from './sync-type-transform.js';
import { root, scratch } from './typecheck.js';

export const sharedTypes = join(root, '..', 'shared', 'driver-types', 'types');
const TSD_VERSION = '0.33.0';
export const ENTRIES = ['mongodb', 'rotor', 'rotor/callback', 'rotor/sync'] as const;
export type Entry = (typeof ENTRIES)[number];

/** The relative imports of the driver in its test files ('../mongodb', '../../..', import('../../../src')). */
const DRIVER_IMPORT = /(['"])(?:\.\.\/)*\.\.(?:\/(?:mongodb|src))?\1/g;
/** tsd's assertion functions. */
const ASSERTIONS = new Set([
  'expectType', 'expectNotType', 'expectAssignable', 'expectNotAssignable', 'expectError', 'expectNever',
  'expectDeprecated', 'expectNotDeprecated', 'expectDocCommentIncludes', 'printType',
]);

interface TsdDiagnostic {
  fileName: string;
  message: string;
  severity: string;
  line?: number;
  column?: number;
}
type Tsd = (options: { cwd: string }) => Promise<TsdDiagnostic[]>;

/** tsd, installed once per version into the OS temp folder (npm's cache makes later installs offline). */
function installTsd(): { tsd: Tsd; dir: string } {
  const dir = join(tmpdir(), `rotor-tsd-${TSD_VERSION}`);
  if (!existsSync(join(dir, 'node_modules', 'tsd', 'package.json'))) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    const r = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', `tsd@${TSD_VERSION}`], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`installing tsd failed:\n${r.stdout}${r.stderr}`);
  }
  return { tsd: (createRequire(join(dir, 'package.json'))('tsd') as { default: Tsd }).default, dir: join(dir, 'node_modules', 'tsd') };
}

/** What one entry's copy holds: test files, tsd assertions in them, and the edits its adaptation made (per rule). */
export interface CopyStats {
  files: number;
  assertions: number;
  edits: Record<string, number>;
}

type Adapter = (text: string, file: string) => { text: string; edits: Record<string, number> };
/** Entries whose members' results differ from the driver's, and the mechanical adaptation of the tests for them. */
const ADAPTERS: Partial<Record<Entry, Adapter>> = { 'rotor/sync': adaptForSync };

function folderOf(entry: Entry): string {
  return entry.replace('/', '-');
}

/** Copies the tests for `entry` into `to`, imports rewritten, each file's text passed through `adapt`. */
function copyTests(from: string, to: string, entry: Entry, stats: CopyStats): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    if (statSync(src).isDirectory()) {
      copyTests(src, join(to, name), entry, stats);
    } else if (name.endsWith('.ts')) {
      let text = readFileSync(src, 'utf8').replace(DRIVER_IMPORT, `$1${entry}$1`);
      const adapted = ADAPTERS[entry]?.(text, relative(sharedTypes, src));
      if (adapted) {
        text = adapted.text;
        for (const [rule, n] of Object.entries(adapted.edits)) stats.edits[rule] = (stats.edits[rule] ?? 0) + n;
      }
      writeFileSync(join(to, name), text);
      stats.files++;
      stats.assertions += countAssertions(text, name);
    } else {
      cpSync(src, join(to, name));
    }
  }
}

/** Calls of tsd's assertion functions in a test file (tsd itself resolves the callee; the names do here). */
export function countAssertions(text: string, name = 'test.ts'): number {
  let n = 0;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && ASSERTIONS.has(node.expression.text)) n++;
    node.forEachChild(visit);
  };
  visit(ts.createSourceFile(name, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
  return n;
}

export interface DriverTestsRun {
  /** Per entry: error diagnostics keyed `file:line:column` within its copy → first line of the message. */
  diagnostics: Record<Entry, Map<string, string>>;
  stats: Record<Entry, CopyStats>;
  /** Diagnostics on CONTROL: tsd's own findings, so the run is known to have checked the assertions. */
  control: string[];
}

/**
 * Two assertions only tsd (not the compiler) reports as failing: if the tests' `import ... from 'tsd'`
 * did not resolve, or tsd found no assertion, these would be silent, and so would every test's.
 */
const CONTROL = "import { expectError, expectType } from 'tsd';\nexpectType<number | string>(0 as number);\nexpectError(0);\n";
export const CONTROL_FINDINGS = 2;

/** One tsd pass over a copy of the tests per entry. */
export async function runDriverTypeTests(): Promise<DriverTestsRun> {
  const { tsd, dir } = installTsd();
  const cwd = scratch('driver-types');
  try {
    // The tests import their assertions from 'tsd': unresolved, every assertion would be an unchecked call.
    symlinkSync(dir, join(cwd, 'node_modules', 'tsd'));
    const stats = {} as Record<Entry, CopyStats>;
    for (const entry of ENTRIES) {
      stats[entry] = { files: 0, assertions: 0, edits: {} };
      copyTests(sharedTypes, join(cwd, 'types', folderOf(entry)), entry, stats[entry]);
    }
    mkdirSync(join(cwd, 'types', 'control'), { recursive: true });
    writeFileSync(join(cwd, 'types', 'control', 'control.test-d.ts'), CONTROL);
    writeFileSync(join(cwd, 'index.d.ts'), 'export {};\n');
    // The driver's own tsd settings (its package.json): strict, esnext, commonjs + node resolution.
    const tsdConfig = { directory: 'types', compilerOptions: { strict: true, target: 'esnext', module: 'commonjs', moduleResolution: 'node' } };
    writeFileSync(join(cwd, 'package.json'), JSON.stringify({ name: 'driver-type-tests', private: true, types: 'index.d.ts', tsd: tsdConfig }));
    const diagnostics = Object.fromEntries(ENTRIES.map((e) => [e, new Map<string, string>()])) as DriverTestsRun['diagnostics'];
    const control: string[] = [];
    const byFolder = new Map(ENTRIES.map((e) => [folderOf(e), e]));
    for (const d of await tsd({ cwd })) {
      if (d.severity !== 'error') continue;
      const [folder, ...rest] = relative(join(cwd, 'types'), d.fileName).split(sep);
      if (folder === 'control') {
        control.push(d.message);
        continue;
      }
      const entry = byFolder.get(folder!);
      if (!entry) throw new Error(`tsd reported a file outside the copies: ${d.fileName}: ${d.message}`);
      diagnostics[entry].set(`${rest.join('/')}:${d.line ?? 0}:${d.column ?? 0}`, d.message.split('\n')[0]!);
    }
    return { diagnostics, stats, control };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
