#!/usr/bin/env node
// `npm start`: the REPL, compiling first only when dist/ is older than a source file (tsc takes
// seconds on a loaded machine; the freshness check takes milliseconds). Arguments go to `rotor repl`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'dist', 'lib', 'cli', 'main.js');

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return /\.(c|m)?ts$|\.json$/.test(path) ? stat.mtimeMs : 0;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const sources = Math.max(newest(join(root, 'lib')), newest(join(root, 'tsconfig.json')), newest(join(root, 'package.json')));
if (!existsSync(main) || statSync(main).mtimeMs < sources) {
  process.stderr.write('rotor: compiling (dist/ is older than lib/)...\n');
  // The full build: it also generates the callback typings that lib/ imports.
  const build = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const { main: run } = await import(pathToFileURL(main).href);
process.exitCode = await run(['repl', ...process.argv.slice(2)]);
setTimeout(() => process.exit(process.exitCode), 3_000).unref();
