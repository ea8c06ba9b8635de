// Runs compiled uvu spec files in this process and records pass/fail/skip counts for the test command.
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const specRoot = resolve(fileURLToPath(import.meta.url), '..', '..');

function findSpecs(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return name === 'support' || name === 'fixtures' ? [] : findSpecs(path);
      return name.endsWith('.spec.js') ? [path] : [];
    });
}

type Outcome = [errors: string | true, passed: number, skipped: number, total: number];
type Group = [string | null, ...Array<() => Promise<Outcome>>];

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  // Filters match the path under spec/ (not the checkout's own path, which may contain any word).
  const files = findSpecs(specRoot).filter((f) => filters.length === 0 || filters.some((x) => relative(specRoot, f).includes(x.replace(/\.ts$/, ''))));
  const g = globalThis as unknown as { UVU_DEFER: number; UVU_QUEUE: Group[]; UVU_INDEX: number };
  g.UVU_DEFER = 1;
  const uvu = await import('uvu');
  const counts = { passed: 0, failed: 0, skipped: 0 };
  /** Wall seconds per spec file: the slowest are printed at the end (npm test must stay under 20 min). */
  const seconds = new Map<string, number>();
  for (const [index, file] of files.entries()) {
    g.UVU_INDEX = index;
    g.UVU_QUEUE.push([relative(specRoot, file)]);
    await import(pathToFileURL(file).href);
  }
  for (const group of g.UVU_QUEUE) {
    const file = group[0] ?? '?';
    for (let i = 1; i < group.length; i++) {
      const run = group[i] as () => Promise<Outcome>;
      group[i] = async () => {
        const started = performance.now();
        const outcome = await run();
        seconds.set(file, (seconds.get(file) ?? 0) + (performance.now() - started) / 1000);
        const [, passed, skipped, total] = outcome;
        counts.passed += passed;
        counts.failed += total - passed;
        counts.skipped += skipped;
        return outcome;
      };
    }
  }
  await uvu.exec(false);
  await (await import('../../lib/create-rotor.js')).closeSharedPool();
  await (await import('./targets.js')).closeTargets();
  const slowest = [...seconds].sort((a, b) => b[1] - a[1]).slice(0, 8);
  process.stdout.write(`slowest spec files: ${slowest.map(([f, t]) => `${f} ${t.toFixed(0)} s`).join(', ')}\n`);
  if (process.env.ROTOR_TEST_COUNTS) writeFileSync(process.env.ROTOR_TEST_COUNTS, JSON.stringify(counts));
  process.stdout.write(`${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}\n`);
  if (counts.failed) process.exitCode = 1;
}

await main();
