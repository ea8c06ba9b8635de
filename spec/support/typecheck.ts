// Helpers for the type specs: scratch folders outside the repo whose node_modules see the repo's
// packages (and rotor itself), and tsc runs that return their diagnostics.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..');
export const tscBin = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

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
