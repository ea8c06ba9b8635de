// Helpers for the type specs: scratch folders outside the repo whose node_modules see the repo's
// packages (and rotor itself), tsc runs that return their diagnostics, and the sample/WRONG-lines check.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..');
export const tscBin = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** How the type specs check user code: strict ES modules, with rotor's own declarations trusted. */
export const CHECK_OPTIONS: readonly string[] = ['--noEmit', '--strict', '--module', 'nodenext', '--target', 'es2022', '--types', 'node', '--skipLibCheck'];

/**
 * A temporary folder whose node_modules links every package the repo has installed, `rotor` to the
 * repo itself and, when `driver` is given (e.g. 'mongodb6'), `mongodb` to that package.
 */
export function scratch(prefix: string, driver = 'mongodb'): string {
  const dir = mkdtempSync(join(tmpdir(), `rotor-${prefix}-`));
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name.startsWith('.') || name === 'mongodb') continue;
    symlinkSync(join(root, 'node_modules', name), join(modules, name));
  }
  symlinkSync(join(root, 'node_modules', driver), join(modules, 'mongodb'));
  symlinkSync(root, join(modules, 'rotor'));
  return dir;
}

export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** Runs tsc with `args` in `cwd`; its diagnostics parsed from `file(line,col): error TSxxxx: ...`. */
export function tsc(cwd: string, args: string[]): { status: number | null; output: string; diagnostics: Diagnostic[] } {
  const r = spawnSync(process.execPath, [tscBin, '--pretty', 'false', ...args], { cwd, encoding: 'utf8', timeout: 600_000 });
  const output = `${r.stdout}${r.stderr}`;
  const diagnostics = [...output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+: .*)$/gm)].map((m) => ({ file: m[1]!, line: Number(m[2]), text: m[3]! }));
  return { status: r.status, output, diagnostics };
}

/**
 * A typed entry's fixture pair, checked in a scratch folder: `sample` (spec/fixtures/) compiles
 * without a word, and in `wrong` every line marked `// WRONG` fails to compile and no other line does
 * (a fixture that stopped failing, or fails elsewhere, would prove nothing).
 */
export function checkFixtures(entry: string, sample: string, wrong: string): void {
  const fixtures = join(root, 'spec', 'fixtures');
  const dir = scratch(entry.replace(/\W/g, '-'));
  try {
    copyFileSync(join(fixtures, sample), join(dir, sample));
    copyFileSync(join(fixtures, wrong), join(dir, wrong));
    const good = tsc(dir, [...CHECK_OPTIONS, sample]);
    assert.is(good.output, '', `${sample} must compile against ${entry}`);
    const bad = tsc(dir, [...CHECK_OPTIONS, wrong]);
    const source = readFileSync(join(dir, wrong), 'utf8').split('\n');
    const marked = source.flatMap((line, i) => (line.includes('// WRONG') ? [i + 1] : []));
    const failing = new Set(bad.diagnostics.map((d) => d.line));
    assert.ok(marked.length >= 9, `${wrong}: only ${marked.length} lines marked WRONG`);
    assert.equal(marked.filter((l) => !failing.has(l)), [], `every WRONG line of ${wrong} fails to compile`);
    assert.equal([...failing].filter((l) => !marked.includes(l)), [], `no other line of ${wrong} fails:\n${bad.output}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
