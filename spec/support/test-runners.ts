// vitest and jest for spec/dropin-runners.spec.ts, installed once per version into the OS temp
// folder as tsd is (spec/support/driver-type-tests.ts; npm's cache makes later installs offline):
// kept out of devDependencies, the ~300 packages they bring would be in every install of the
// project for one spec. Offline with an empty cache, the install fails and the spec skips.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Versions tested; vitest 4 is the last major that runs on Node 20. */
export const RUNNERS = { vitest: '4.1.12', jest: '30.5.2' } as const;
export type RunnerName = keyof typeof RUNNERS;

/** The folder holding node_modules/<name>, or why it could not be installed. */
export function installRunner(name: RunnerName): { dir: string } | { unavailable: string } {
  const version = RUNNERS[name];
  const dir = join(tmpdir(), `rotor-${name}-${version}`);
  if (existsSync(join(dir, 'node_modules', name, 'package.json'))) return { dir };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `rotor-${name}`, private: true }));
  const r = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', `${name}@${version}`], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) return { unavailable: `${name}@${version} could not be installed (offline, with no copy in npm's cache?): ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-2).join(' ')}` };
  return { dir };
}
