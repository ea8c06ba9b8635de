// `npm test`: lint, one server for the whole run, the suite on mongodb 7 (with c8 coverage) and on
// mongodb 6, synchro, bench --quick and mongoose's own tests, then a single closing line
// `N passed, N failed[, N skipped]`.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../lib/server/harness.js';
import { packageRoot as root } from '../../lib/util/package-root.js';

const distSpec = join(root, 'dist', 'spec');
const c8 = join(root, 'node_modules', '.bin', 'c8');
export const COVERAGE_LINES = 90;

/** What `npm test` lints: the whole project, like `npm run lint` (eslint.config.js says what is ignored). */
export const LINT_PATHS = ['.'];

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const server = await startServer();
  process.stdout.write(`test server: ${server.kind === 'external' ? 'MONGODB_URI' : `embedded FerretDB (${server.uri})`}\n`);
  const scratch = mkdtempSync(join(tmpdir(), 'rotor-test-'));
  const totals = { passed: 0, failed: 0, skipped: 0 };
  let coverageOk = true;
  try {
    // Lint (ESLint with typescript-eslint's type-aware rules): a failure is one failed check.
    if (filters.length === 0 || filters.includes('lint')) {
      process.stdout.write(`\n=== lint: ${LINT_PATHS.join(' ')} ===\n`);
      const code = await exec(process.execPath, [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), ...LINT_PATHS], process.env);
      if (code === 0) {
        process.stdout.write('lint: clean\n');
        totals.passed += 1;
      } else totals.failed += 1;
    }
    const runs = [
      { driver: '7', coverage: true, preload: [] as string[] },
      { driver: '6', coverage: false, preload: ['--import', join(distSpec, 'support', 'driver6-hook.js')] },
    ];
    for (const run of runs) {
      process.stdout.write(`\n=== specs on mongodb ${run.driver}.x ===\n`);
      const countsFile = join(scratch, `counts-${run.driver}.json`);
      const env = { ...process.env, ROTOR_TEST_URI: server.uri, ROTOR_TEST_DRIVER: run.driver, ROTOR_TEST_COUNTS: countsFile };
      const node = [...run.preload, join(distSpec, 'support', 'run-specs.js'), ...filters];
      const coverageDir = join(root, 'coverage');
      const code = run.coverage
        ? await exec(c8, ['--reporter=none', `--temp-directory=${join(coverageDir, 'tmp')}`, '--exclude-after-remap', '--include=lib/**', process.execPath, ...node], env)
        : await exec(process.execPath, node, env);
      const counts = existsSync(countsFile)
        ? (JSON.parse(readFileSync(countsFile, 'utf8')) as typeof totals)
        : { passed: 0, failed: 1, skipped: 0 }; // the run crashed before counting: that is a failure
      totals.passed += counts.passed;
      totals.failed += counts.failed;
      totals.skipped += counts.skipped;
      if (code !== 0 && counts.failed === 0) totals.failed += 1; // exited badly although every test passed
      if (run.coverage && filters.length === 0) {
        const c8Args = [`--temp-directory=${join(coverageDir, 'tmp')}`, `--report-dir=${coverageDir}`, '--exclude-after-remap', '--include=lib/**'];
        coverageOk = (await exec(c8, ['report', '--check-coverage', `--lines=${COVERAGE_LINES}`, '--reporter=text-summary', '--reporter=lcov', ...c8Args], env)) === 0;
      }
    }
    // Synchro: the drivers' own unified spec tests, bare vs every rotor target; any rotor-induced
    // difference fails the run. Needs ../shared/spec (skipped, and said so, without it).
    const shared = join(root, '..', 'shared', 'spec');
    if (filters.length === 0 || filters.includes('synchro-differential')) {
      if (existsSync(shared)) {
        process.stdout.write('\n=== synchro: ../shared/spec crud, gridfs, command-monitoring; bare vs every rotor target ===\n');
        const dirs = ['crud', 'gridfs', 'command-monitoring'].map((d) => join(shared, d));
        const code = await exec(process.execPath, [join(root, 'dist', 'lib', 'synchro', 'cli.js'), ...dirs, '--json', join(scratch, 'synchro.json')], { ...process.env, MONGODB_URI: server.uri });
        if (code === 0) totals.passed += 1;
        else totals.failed += 1;
      } else {
        process.stdout.write('\nskipped: synchro differential — ../shared/spec is absent\n');
        totals.skipped += 1;
      }
    }
    // The benchmark must keep working: one --quick run on the same server (timings are not gated;
    // it fails only when a target errors).
    if (filters.length === 0 || filters.includes('bench-quick')) {
      process.stdout.write('\n=== bench --quick (proves the benchmark runs; timings not gated) ===\n');
      const code = await exec(process.execPath, [join(root, 'dist', 'bench', 'run.js'), '--quick', '--out', join(scratch, 'bench')], { ...process.env, MONGODB_URI: server.uri });
      if (code === 0) totals.passed += 1;
      else totals.failed += 1;
    }
    // mongoose's own tests (../shared/thirdparty): bare vs inline and pool, each difference retried
    // to tell FerretDB's flakes from a consistent rotor-induced failure (one failure each). Skipped,
    // and said so, without ../shared/thirdparty or when mongoose's test dependencies cannot be
    // installed (no network).
    if (filters.length === 0 || filters.includes('mongoose')) {
      process.stdout.write('\n=== mongoose: its own tests (6 files), bare vs inline and pool; differences retried ===\n');
      const countsFile = join(scratch, 'mongoose-counts.json');
      const code = await exec(process.execPath, [join(distSpec, 'support', 'mongoose-check.js'), '--counts', countsFile], { ...process.env, MONGODB_URI: server.uri });
      const counts = existsSync(countsFile)
        ? (JSON.parse(readFileSync(countsFile, 'utf8')) as typeof totals)
        : { passed: 0, failed: 1, skipped: 0 }; // it crashed before counting
      totals.passed += counts.passed;
      totals.failed += counts.failed;
      totals.skipped += counts.skipped;
      if (code !== 0 && counts.failed === 0) totals.failed += 1;
    }
  } finally {
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  if (!coverageOk) process.stdout.write(`coverage: lines below the ${COVERAGE_LINES}% threshold\n`);
  process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}\n`);
  return totals.failed === 0 && coverageOk ? 0 : 1;
}

process.exitCode = await main();
