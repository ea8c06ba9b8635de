// mongoose's own test suite through rotor, as a check `npm test` can run: ../shared/thirdparty/
// mongoose-suite.sh runs each file bare and under `node --import rotor/register` (one executor per
// mode); a test that passes bare and not through rotor is a *difference*. FerretDB makes some tests
// flaky on either side (concurrent saves it does not make atomic, timers, writes racing index
// builds), so a difference counts as **rotor-induced** only when it is consistent: the test fails
// every retry through rotor (run alone with mocha --grep, up to `retries` times) and passes every
// retry bare. A test that cannot be run alone (its title matches nothing, or it fails bare when
// alone: it depends on the tests before it) is retried with its whole file instead.
//
//   node dist/spec/support/mongoose-check.js [--modes inline,pool] [--files model,query,...]
//        [--retries 3] [--scratch DIR] [--counts FILE] [--json FILE] [--thirdparty DIR]
//
// Needs MONGODB_URI (a server it may drop databases on). Skips, and says why, when
// ../shared/thirdparty is absent or mongoose's test dependencies cannot be installed (no network).
// Exit code: 0 when nothing is rotor-induced (or skipped), 1 otherwise. --counts writes
// `{ passed, failed, skipped }` for the test command: per mode, 1 passed when nothing is
// rotor-induced, else one failure per rotor-induced test; 1 skipped when skipped.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { packageRoot } from '../../lib/util/package-root.js';
import { tracingWanted } from '../../lib/otel/env.js';

export type Mode = 'bare' | 'inline' | 'pool';
export type Status = 'pass' | 'fail' | 'skip';
export interface TestResult {
  status: Status;
  /** The first line of the failure (fail only). */
  detail?: string;
}
/** A TAP run of one file: its tests by full title, and how many the run reported. */
export interface FileRun {
  /** By full title (a title that repeats keeps its last result, as mongoose-suite.sh compares). */
  tests: Map<string, TestResult>;
  /** Lines of each status (mocha's own counts: repeated titles counted each time). */
  lines?: Record<Status, number>;
  /** `# tests N` from the TAP trailer (0 when the run ended early or matched nothing). */
  count: number;
  wallMS: number;
}

export const DEFAULT_FILES = ['model', 'query', 'document', 'connection', 'query.cursor', 'aggregate'];
export const DEFAULT_MODES: Mode[] = ['inline', 'pool'];
export const DEFAULT_THIRDPARTY = join(packageRoot, '..', 'shared', 'thirdparty');
/** More differences than this in one mode is a systematic break: they are counted, not retried one by one. */
export const MAX_RETRIED = 25;

/** mocha's TAP reporter output → tests by full title (what mongoose-suite.sh's comparison reads). */
export function parseTap(text: string): { tests: Map<string, TestResult>; lines: Record<Status, number>; count: number } {
  const tests = new Map<string, TestResult>();
  const counted: Record<Status, number> = { pass: 0, fail: 0, skip: 0 };
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const m = /^(not ok|ok) \d+ (.*?)( # SKIP.*)?$/.exec(line);
    if (!m) return;
    const title = m[2]!;
    const result: TestResult = m[3] ? { status: 'skip' } : m[1] === 'ok' ? { status: 'pass' } : { status: 'fail', detail: (lines[i + 1] ?? '').trim().slice(0, 160) };
    tests.set(title, result);
    counted[result.status]++;
  });
  const count = /^# tests (\d+)$/m.exec(text);
  return { tests, lines: counted, count: count ? Number(count[1]) : 0 };
}

/**
 * A mocha --grep pattern matching exactly the test with this TAP title. mocha's TAP reporter drops
 * `#` from titles, so a title that had one matches nothing (the caller then retries the whole file).
 */
export function grepFor(title: string): string {
  return `^${title.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`;
}

/** Tests that pass bare and do not pass in `other` (failed, skipped or never ran). */
export function differences(bare: FileRun, other: FileRun): string[] {
  const out: string[] = [];
  for (const [title, r] of bare.tests) if (r.status === 'pass' && other.tests.get(title)?.status !== 'pass') out.push(title);
  return out;
}

/** How a difference of the first run ended after retries. */
export type Verdict =
  | { kind: 'flaky'; reason: string } // passed through rotor on a retry, or failed bare on one
  | { kind: 'rotor-induced'; reason: string };

/** What the retries need: one run of a file in a mode, optionally only the tests matching `grep`. */
export type Runner = (mode: Mode, file: string, grep?: string) => Promise<FileRun>;

/**
 * Retries the differences of one mode in one file. Each test first alone (mocha --grep), up to
 * `retries` times through rotor, stopping at its first pass (flaky); one that failed every time is
 * run alone bare up to `retries` times: passing each time makes it rotor-induced. A test that could
 * not be run alone (matched nothing, or failed bare alone) goes to whole-file retries, shared by all
 * such tests of the file: rotor runs until each has passed once, then bare runs; rotor-induced is
 * failing every rotor retry and passing every bare one.
 */
export async function retryDifferences(mode: Mode, file: string, titles: string[], retries: number, run: Runner): Promise<Map<string, Verdict>> {
  const verdicts = new Map<string, Verdict>();
  const wholeFile: string[] = [];
  for (const title of titles) {
    const grep = grepFor(title);
    let isolated = true;
    let passed = 0;
    for (let k = 1; k <= retries && passed === 0; k++) {
      const r = await run(mode, file, grep);
      if (!r.tests.has(title)) {
        isolated = false;
        break;
      }
      if (r.tests.get(title)!.status === 'pass') passed = k;
    }
    if (!isolated) {
      wholeFile.push(title);
      continue;
    }
    if (passed) {
      verdicts.set(title, { kind: 'flaky', reason: `passed through rotor alone on retry ${passed}` });
      continue;
    }
    let bareFailed = false;
    for (let k = 1; k <= retries && !bareFailed; k++) {
      const r = await run('bare', file, grep);
      if (r.tests.get(title)?.status !== 'pass') bareFailed = true;
    }
    if (bareFailed) wholeFile.push(title);
    else verdicts.set(title, { kind: 'rotor-induced', reason: `failed alone through rotor ${retries}× and passed alone bare ${retries}×` });
  }
  if (wholeFile.length === 0) return verdicts;
  const open = new Set(wholeFile);
  for (let k = 1; k <= retries && open.size > 0; k++) {
    const r = await run(mode, file);
    for (const title of [...open]) {
      if (r.tests.get(title)?.status === 'pass') {
        verdicts.set(title, { kind: 'flaky', reason: `passed through rotor on whole-file retry ${k}` });
        open.delete(title);
      }
    }
  }
  for (let k = 1; k <= retries && open.size > 0; k++) {
    const r = await run('bare', file);
    for (const title of [...open]) {
      if (r.tests.get(title)?.status !== 'pass') {
        verdicts.set(title, { kind: 'flaky', reason: `failed bare too on whole-file retry ${k}` });
        open.delete(title);
      }
    }
  }
  for (const title of open) verdicts.set(title, { kind: 'rotor-induced', reason: `failed through rotor on ${retries} whole-file retries and passed bare on ${retries}` });
  return verdicts;
}

// ─────────────────────────────────────────── running ──────────────────────────────────────────

interface Exec {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMS: number;
}

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMS: number): Promise<Exec> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMS);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: stderr + String(error), wallMS: performance.now() - started });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, wallMS: performance.now() - started });
    });
  });
}

/** The environment mongoose-suite.sh gives mocha in `mode` (kept the same for retries). */
function modeEnv(mode: Mode, uri: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, MONGOOSE_TEST_URI: uri, MONGOMS_DISABLE_POSTINSTALL: '1' };
  delete env.NODE_OPTIONS;
  delete env.ROTOR_EXECUTOR;
  delete env.ROTOR_STRICT;
  if (mode !== 'bare') Object.assign(env, { NODE_OPTIONS: '--import=rotor/register', ROTOR_EXECUTOR: mode });
  return env;
}

const FILE_TIMEOUT_MS = 15 * 60_000;
const INSTALL_TIMEOUT_MS = 10 * 60_000;

export interface Options {
  /** Where mongoose/ and mongoose-suite.sh are (default ../shared/thirdparty). */
  thirdparty: string;
  modes: Mode[];
  files: string[];
  retries: number;
  scratch: string | undefined;
  counts: string | undefined;
  json: string | undefined;
}

export interface Report {
  skipped?: string;
  files: Record<string, Partial<Record<Mode, { pass: number; fail: number; skip: number; wallMS: number }>>>;
  modes: Partial<Record<Mode, { differences: number; flaky: Array<{ test: string; reason: string }>; rotorInduced: Array<{ test: string; reason: string; detail?: string }> }>>;
  retryMS: number;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Installs (or refreshes) the scratch copy; returns why it cannot be used, or undefined. */
async function prepare(suite: string, scratch: string, uri: string): Promise<string | undefined> {
  const rotorCopy = join(scratch, 'node_modules', 'rotor');
  if (existsSync(join(scratch, 'node_modules', 'mocha')) && existsSync(rotorCopy)) {
    // A scratch kept from an earlier run: put this build of rotor in it (what `npm install` of the
    // packed tarball would install: package.json and dist/lib), offline.
    rmSync(join(rotorCopy, 'dist'), { recursive: true, force: true });
    cpSync(join(packageRoot, 'dist', 'lib'), join(rotorCopy, 'dist', 'lib'), { recursive: true });
    cpSync(join(packageRoot, 'package.json'), join(rotorCopy, 'package.json'));
    return undefined;
  }
  // Without a registry npm would retry each package for minutes before failing: ask it once first.
  const ping = await exec('npm', ['ping', '--fetch-retries=0', '--fetch-timeout=15000'], process.env, packageRoot, 60_000);
  if (ping.code !== 0) return `mongoose's test dependencies cannot be installed: the npm registry does not answer (npm ping: ${npmReason(ping)})`;
  // Modes " ": the suite copies mongoose and installs its test dependencies, then runs nothing.
  const env = { ...process.env, MONGOOSE_SCRATCH: scratch, MONGODB_URI: uri, npm_config_fetch_retries: '1', npm_config_fetch_retry_maxtimeout: '10000' };
  const r = await exec('bash', [suite, ' ', 'model'], env, packageRoot, INSTALL_TIMEOUT_MS);
  if (existsSync(join(scratch, 'node_modules', 'mocha')) && existsSync(rotorCopy)) return undefined;
  return `mongoose's test dependencies could not be installed (npm install ${r.code === null ? 'timed out' : `failed: ${npmReason(r)}`})`;
}

/** The telling line of npm's error output: a network error if there is one, else its error code. */
function npmReason(r: Exec): string {
  const lines = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|request to .* failed/.test(l)) ?? lines.find((l) => /error code/i.test(l)) ?? lines.at(-1) ?? `exit code ${r.code}`;
  return line.slice(0, 200);
}

export async function check(options: Options, uri: string): Promise<Report> {
  const report: Report = { files: {}, modes: {}, retryMS: 0 };
  const suite = join(options.thirdparty, 'mongoose-suite.sh');
  if (!existsSync(suite) || !existsSync(join(options.thirdparty, 'mongoose'))) {
    report.skipped = `${options.thirdparty === DEFAULT_THIRDPARTY ? '../shared/thirdparty' : options.thirdparty} (mongoose and mongoose-suite.sh) is absent`;
    return report;
  }
  if (!existsSync(join(packageRoot, 'dist', 'lib', 'register', 'index.js'))) throw new Error('run `npm run build` first');
  const scratch = options.scratch ?? mkdtempSync(join(tmpdir(), 'rotor-mongoose-'));
  const preparing = performance.now();
  const why = await prepare(suite, scratch, uri);
  if (why === undefined) say(`mongoose 9.9.3 and its test dependencies ready in ${scratch} (${secs(performance.now() - preparing)})`);
  if (why !== undefined) {
    report.skipped = why;
    if (options.scratch === undefined) rmSync(scratch, { recursive: true, force: true });
    return report;
  }
  const modes: Mode[] = ['bare', ...options.modes.filter((m) => m !== 'bare')];
  const first = new Map<string, FileRun>(); // `${mode} ${file}`
  // The first run: each file in every mode back to back (so their wall times see the same machine load).
  for (const file of options.files) {
    const line: string[] = [];
    for (const mode of modes) {
      const env = { ...process.env, MONGOOSE_SCRATCH: scratch, MONGODB_URI: uri };
      const r = await exec('bash', [suite, mode, file], env, packageRoot, FILE_TIMEOUT_MS + 60_000);
      const tap = join(scratch, 'results', mode, `${file}.tap`);
      const run: FileRun = { ...(existsSync(tap) ? parseTap(readFileSync(tap, 'utf8')) : { tests: new Map<string, TestResult>(), count: 0 }), wallMS: r.wallMS };
      first.set(`${mode} ${file}`, run);
      const n = run.lines ?? { pass: 0, fail: 0, skip: 0 };
      (report.files[file] ??= {})[mode] = { ...n, wallMS: r.wallMS };
      const bareMS = report.files[file].bare?.wallMS;
      line.push(`${mode} ${n.pass}/${n.fail}${n.skip ? `/${n.skip} skipped` : ''} ${secs(r.wallMS)}${mode !== 'bare' && bareMS ? ` (${(r.wallMS / bareMS).toFixed(2)}×)` : ''}`);
    }
    say(`${file.padEnd(13)} pass/fail, wall: ${line.join(' · ')}`);
  }
  // Retries: separate flakes from consistent differences.
  const runner: Runner = async (mode, file, grep) => {
    const args = [join(scratch, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--exit', '--timeout', '10000', '--reporter', 'tap', `test/${file}.test.js`];
    if (grep !== undefined) args.push('--grep', grep);
    const r = await exec(process.execPath, args, modeEnv(mode, uri), scratch, FILE_TIMEOUT_MS);
    return { ...parseTap(r.stdout), wallMS: r.wallMS };
  };
  const retryStarted = performance.now();
  for (const mode of modes.slice(1)) {
    const summary = { differences: 0, flaky: [] as Array<{ test: string; reason: string }>, rotorInduced: [] as Array<{ test: string; reason: string; detail?: string }> };
    report.modes[mode] = summary;
    const found = options.files.map((file) => ({ file, titles: differences(first.get(`bare ${file}`)!, first.get(`${mode} ${file}`)!) }));
    summary.differences = found.reduce((n, f) => n + f.titles.length, 0);
    for (const { file, titles } of found) {
      const detail = (t: string): string => first.get(`${mode} ${file}`)!.tests.get(t)?.detail ?? 'did not run';
      if (summary.differences > MAX_RETRIED) {
        for (const t of titles) summary.rotorInduced.push({ test: `${file} :: ${t}`, reason: `not retried: ${summary.differences} differences in one run`, detail: detail(t) });
        continue;
      }
      const verdicts = await retryDifferences(mode, file, titles, options.retries, runner);
      for (const [t, v] of verdicts) {
        if (v.kind === 'flaky') summary.flaky.push({ test: `${file} :: ${t}`, reason: v.reason });
        else summary.rotorInduced.push({ test: `${file} :: ${t}`, reason: v.reason, detail: detail(t) });
      }
    }
    say(`${mode}: ${summary.differences} differing in the first run, ${summary.flaky.length} flaky on retry, ${summary.rotorInduced.length} rotor-induced`);
    for (const f of summary.flaky) say(`  flaky: ${f.test} (${f.reason})`);
    for (const f of summary.rotorInduced) say(`  ROTOR-INDUCED: ${f.test}\n      ${f.detail ?? ''}\n      ${f.reason}`);
  }
  report.retryMS = performance.now() - retryStarted;
  const totals = modes.map((m) => options.files.reduce((ms, f) => ms + (report.files[f]?.[m]?.wallMS ?? 0), 0));
  say(`wall, all files: ${modes.map((m, i) => `${m} ${secs(totals[i]!)}${i > 0 ? ` (${(totals[i]! / totals[0]!).toFixed(2)}×)` : ''}`).join(' · ')}; retries ${secs(report.retryMS)}`);
  if (options.scratch === undefined) rmSync(scratch, { recursive: true, force: true });
  return report;
}

export function countsOf(report: Report): { passed: number; failed: number; skipped: number } {
  if (report.skipped !== undefined) return { passed: 0, failed: 0, skipped: 1 };
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const m of Object.values(report.modes)) {
    if (m.rotorInduced.length === 0) counts.passed += 1;
    else counts.failed += m.rotorInduced.length;
  }
  return counts;
}

/**
 * With tracing on (ROTOR_TRACING=1), rotor/register in mongoose's scratch folder needs
 * @opentelemetry/api, an optional peer the scratch does not install: rotor's own copy, and nothing
 * else, is put on NODE_PATH (a fallback of CommonJS resolution only).
 */
function exposeOtelApi(): void {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-otel-path-'));
  symlinkSync(join(packageRoot, 'node_modules', '@opentelemetry'), join(dir, '@opentelemetry'));
  process.env.NODE_PATH = dir;
  say(`tracing on: @opentelemetry/api from ${dir}`);
}

const USAGE = 'usage: mongoose-check [--modes inline,pool] [--files model,query,...] [--retries 3] [--scratch DIR] [--counts FILE] [--json FILE] [--thirdparty DIR]';

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: { modes: { type: 'string' }, files: { type: 'string' }, retries: { type: 'string' }, scratch: { type: 'string' }, counts: { type: 'string' }, json: { type: 'string' }, thirdparty: { type: 'string' } },
    strict: true,
  });
  const modes = (values.modes ?? DEFAULT_MODES.join(',')).split(',').filter(Boolean);
  for (const m of modes) if (m !== 'inline' && m !== 'pool') throw new Error(`unknown mode ${m} (inline, pool)\n${USAGE}`);
  const retries = Number(values.retries ?? 3);
  if (!Number.isInteger(retries) || retries < 1) throw new Error(`--retries must be a positive integer\n${USAGE}`);
  return {
    thirdparty: values.thirdparty ?? DEFAULT_THIRDPARTY,
    modes: modes as Mode[],
    files: (values.files ?? DEFAULT_FILES.join(',')).split(',').filter(Boolean),
    retries,
    scratch: values.scratch ?? process.env.MONGOOSE_SCRATCH,
    counts: values.counts,
    json: values.json,
  };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('set MONGODB_URI (a server the suite may drop databases on)');
  if (tracingWanted()) exposeOtelApi();
  const report = await check(options, uri);
  if (report.skipped !== undefined) say(`skipped: mongoose suite — ${report.skipped}`);
  const counts = countsOf(report);
  if (options.counts) writeFileSync(options.counts, JSON.stringify(counts));
  if (options.json) writeFileSync(options.json, JSON.stringify(report, null, 2));
  if (report.skipped === undefined) {
    const induced = Object.values(report.modes).reduce((n, m) => n + m.rotorInduced.length, 0);
    say(`mongoose suite: ${induced} rotor-induced (${options.modes.join(', ')}; ${options.files.length} files, ${options.retries} retries per difference)`);
  }
  return counts.failed === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = await main();
