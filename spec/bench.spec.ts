// `npm run bench`: a real quick run on the run's server (two tasks, two targets, results in a temp
// folder) checked through its outputs; the overhead section and the main-thread-work task on the
// pool; a tiny soak whose pool counters must be back to 0; bad command lines; unavailable targets
// reported, not run. No timing is asserted: only that the numbers exist.
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OverheadResult } from '../bench/overhead.js';
import type { PerThreadResult } from '../bench/per-thread.js';
import { DESIGN_FLOOR } from '../bench/floor/driver-in-worker.js';
import { renderMarkdown, renderSvg, type Results } from '../bench/report.js';
import type { SoakResult } from '../bench/report-soak.js';
import { rotorTarget, TARGETS } from '../bench/targets.js';
import { dbName, suite, testUri } from './support/env.js';

const test = suite('bench');
const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const runJs = join(root, 'dist', 'bench', 'run.js');
const TASKS = ['runCommand', 'findOneById'];
const TARGET_NAMES = ['bare', 'rotor-promise-inline'];

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function bench(args: string[], timeoutMS = 120_000): Promise<Exit> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [runJs, ...args], { cwd: root, env: { ...process.env, MONGODB_URI: testUri() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** null when `xml` is well-formed (balanced tags, quoted attributes, escaped text), else what is wrong. */
function xmlProblem(xml: string): string | null {
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/g;
  const stack: string[] = [];
  let last = 0;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    const text = xml.slice(last, m.index);
    if (/[<>]/.test(text)) return `stray markup before offset ${m.index}: ${JSON.stringify(text.slice(0, 60))}`;
    if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(text)) return `unescaped & before offset ${m.index}`;
    last = tag.lastIndex;
    const [, closing, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (!closing) stack.push(name!);
    else if (stack.pop() !== name) return `</${name}> at offset ${m.index} closes the wrong element`;
  }
  if (/[<>]/.test(xml.slice(last))) return 'stray markup at the end';
  return stack.length ? `unclosed <${stack.join('>, <')}>` : null;
}

let out = '';
let run: Exit;
let overheadOut = '';
let overheadRun: Exit;
let soakOut = '';
let soakRun: Exit;
const POOL_TARGETS = ['bare', 'rotor-promise-pool'];

test.before(async () => {
  out = mkdtempSync(join(tmpdir(), 'rotor-bench-'));
  overheadOut = mkdtempSync(join(tmpdir(), 'rotor-bench-overhead-'));
  soakOut = mkdtempSync(join(tmpdir(), 'rotor-bench-soak-'));
  run = await bench(['--quick', '--tasks', TASKS.join(','), '--targets', TARGET_NAMES.join(','), '--out', out, '--db', dbName('bench')]);
  overheadRun = await bench(['--quick', '--tasks', 'overhead,findManyWork,perThread', '--targets', 'rotor-promise-pool', '--out', overheadOut, '--db', dbName('bench_overhead')], 240_000);
  soakRun = await bench(['--soak', '48', '--targets', 'rotor-promise-inline,rotor-promise-pool', '--out', soakOut, '--db', dbName('bench_soak')]);
});

test.after(() => {
  for (const dir of [out, overheadOut, soakOut]) if (dir) rmSync(dir, { recursive: true, force: true });
});

test('--quick on two tasks and two targets exits 0 and writes partial.json, .md and .svg to --out', () => {
  assert.is(run.code, 0, `exit ${run.code}\n${run.stdout}\n${run.stderr}`);
  for (const ext of ['json', 'md', 'svg']) assert.ok(existsSync(join(out, `partial.${ext}`)), `partial.${ext} missing`);
  assert.not.ok(existsSync(join(out, 'latest.json')), 'a filtered quick run must not write latest.*');
});

test('the JSON has a row per task and target, with MB/s, a ratio against bare, loop delay and the run context', () => {
  const r = JSON.parse(readFileSync(join(out, 'partial.json'), 'utf8')) as Results;
  assert.is(r.mode, 'quick');
  assert.is(r.complete, false);
  assert.equal(r.tasks.map((t) => t.name), TASKS);
  assert.equal(r.targets.map((t) => t.name), TARGET_NAMES);
  assert.ok(r.node.startsWith('v'));
  assert.match(r.packages.mongodb!, /^\d+\.\d+\.\d+/);
  assert.ok(r.server.kind === 'external', 'MONGODB_URI was set, so the harness must not start a server');
  assert.ok(r.machine.cores > 0);
  for (const task of r.tasks) {
    assert.equal(task.cells.map((c) => c.target), TARGET_NAMES, `${task.name}: one cell per selected target`);
    for (const cell of task.cells) {
      assert.is(cell.status, 'ok', `${task.name}/${cell.target}: ${cell.reason}`);
      assert.is(cell.timesMs.length, task.iterations, `${task.name}/${cell.target}: one time per timed iteration`);
      assert.ok(cell.mbps! > 0, `${task.name}/${cell.target}: MB/s`);
      assert.ok(typeof cell.ratio === 'number' && cell.ratio > 0, `${task.name}/${cell.target}: ratio`);
      // The score is the specification's: bytes per iteration / median time.
      assert.ok(Math.abs(cell.mbps! - task.bytesPerIteration / 1e6 / (cell.medianMs! / 1000)) / cell.mbps! < 0.01);
      assert.ok(cell.eventLoopDelayMs === null || cell.eventLoopDelayMs!.max >= cell.eventLoopDelayMs!.p50);
    }
    assert.is(task.cells.find((c) => c.target === 'bare')!.ratio, 1);
  }
  assert.is(r.tasks.find((t) => t.name === 'runCommand')!.bytesPerOp, 13, 'Run command scores 13 bytes per {hello: true}');
  assert.not.ok(r.micro, '--tasks without micro skips the micro benchmark');
});

test('the markdown has the ratio table with both targets and a row per task', () => {
  const md = readFileSync(join(out, 'partial.md'), 'utf8');
  assert.match(md, /\| task \| bare MB\/s \| rotor-promise-inline \|/);
  assert.match(md, /\| Run command \| [\d.]+ \| [\d.]+× \|/);
  assert.match(md, /\| Find one by ID \| [\d.]+ \| [\d.]+× \|/);
  assert.match(md, /!\[[^\]]*\]\(partial\.svg\)/);
});

test('the SVG is well-formed and has one bar per task and target', () => {
  const svg = readFileSync(join(out, 'partial.svg'), 'utf8');
  assert.ok(svg.startsWith('<svg'), 'starts with <svg');
  assert.is(xmlProblem(svg), null);
  assert.is((svg.match(/<rect class="bar"/g) ?? []).length, TASKS.length * TARGET_NAMES.length);
  assert.match(svg, /class="ref"/, 'a reference line at 1.0');
});

test('--tasks overhead: floors, every command in both modes, pool ratios, in the console, the JSON, the markdown and the SVG', () => {
  assert.is(overheadRun.code, 0, `exit ${overheadRun.code}\n${overheadRun.stdout}\n${overheadRun.stderr}`);
  assert.match(overheadRun.stdout, /overhead, sequential — floor: postMessage echo [\d.]+ µs · tinypool no-op \(useAtomics:false\) [\d.]+ µs/);
  assert.match(overheadRun.stdout, /rotor-promise-pool db\.command\(\{ hello: 1 \}\): overhead\/floor/);
  const r = JSON.parse(readFileSync(join(overheadOut, 'partial.json'), 'utf8')) as Results;
  const o = r.overhead as OverheadResult;
  assert.ok(o && !('error' in o), `overhead: ${JSON.stringify(r.overhead)}`);
  assert.equal([...new Set(o.floors.map((f) => f.name))], ['postMessage echo', 'tinypool no-op (useAtomics:false)', 'tinypool no-op (default)']);
  for (const f of o.floors) assert.ok(f.usPerOp > 0 && f.cpuUsPerOp >= 0, `floor ${f.name} ${f.mode}`);
  assert.is(o.rows.length, 6, '3 commands × sequential and concurrent');
  for (const row of o.rows) {
    // The design floor (the bare driver in a worker, no rotor) runs whenever a pool target does.
    assert.equal(row.cells.map((c) => c.target), [...POOL_TARGETS, DESIGN_FLOOR]);
    for (const c of row.cells) {
      assert.is(c.status, 'ok', `${row.command} ${row.mode} ${c.target}: ${c.reason}`);
      assert.ok(c.usPerOp! > 0 && typeof c.cpuUsPerOp === 'number');
      assert.is(typeof c.p50UsPerOp === 'number', row.mode === 'sequential', 'sequential rounds time each command (p50)');
      if (c.target === 'bare') assert.is(c.overheadUs, null);
      else assert.ok(typeof c.overheadUs === 'number' && c.overheadRange!.length === 2);
    }
  }
  assert.equal(o.ratios.map((x) => x.target), ['rotor-promise-pool', 'rotor-promise-pool', 'rotor-promise-pool'], 'a ratio row per command for the pool target');
  for (const x of o.ratios) for (const v of [x.designRatio, x.cpuDesignRatio]) assert.ok(v === null || (typeof v === 'number' && v > 0), `${x.command}: ratio to the design floor ${String(v)}`);
  // Issue #25's measures: each pool target against its raw hop (no blocking target here: the async one).
  for (const x of o.ratios) {
    assert.is(x.designFloor, DESIGN_FLOOR);
    assert.ok(typeof x.cpuOverDesignUs === 'number' && Number.isFinite(x.cpuOverDesignUs), `${x.command}: CPU µs over the raw hop ${String(x.cpuOverDesignUs)}`);
  }
  assert.ok(o.loadAverage && o.loadAverage.start >= 0 && o.loadAverage.end >= 0, 'the load average of the section');
  const md = readFileSync(join(overheadOut, 'partial.md'), 'utf8');
  assert.match(md, /## Overhead per command/);
  assert.match(md, /\| tinypool no-op \(useAtomics:false\) \| [\d.]+ \([\d.]+\.\.[\d.]+\) · p50 [\d.]+ · CPU [\d.]+ \| [\d.]+ \([\d.]+\.\.[\d.]+\) · CPU/);
  assert.match(md, /\| db\.command\(\{ hello: 1 \}\) \| sequential \| [\d.]+ /);
  assert.match(md, /\| overhead \/ tinypool RTT \|/);
  assert.match(md, /\| overhead \/ raw hop \| CPU: overhead \/ raw hop \| CPU µs over raw hop \|/);
  assert.match(md, /Load average \(1 min\) during the section: [\d.]+ at its start/);
  assert.match(md, /\| rotor-promise-pool \| driver in a worker \(no rotor\) \|/);
  const svg = readFileSync(join(overheadOut, 'partial.svg'), 'utf8');
  assert.is(xmlProblem(svg), null);
  assert.match(svg, /Overhead per command over bare/);
});

test('--tasks perThread: each thread\'s CPU per command, pinned, the pool target beside its raw hop (Linux; elsewhere skipped, saying why)', () => {
  assert.is(overheadRun.code, 0, `exit ${overheadRun.code}\n${overheadRun.stdout}\n${overheadRun.stderr}`);
  const r = JSON.parse(readFileSync(join(overheadOut, 'partial.json'), 'utf8')) as Results;
  const p = r.perThread as PerThreadResult;
  assert.ok(p && !('error' in p), `perThread: ${JSON.stringify(r.perThread)}`);
  const md = readFileSync(join(overheadOut, 'partial.md'), 'utf8');
  assert.match(md, /## Per thread, pinned to one core/);
  if ('skipped' in p) {
    // On Linux only where taskset is missing or refused: the reason names it.
    assert.ok(process.platform !== 'linux' || /taskset/.test(p.skipped), `skipped on Linux: ${p.skipped}`);
    assert.match(overheadRun.stdout, /perThread: skipped: /);
    return;
  }
  assert.equal(p.rows.map((row) => `${row.command} ${row.variant}`), ['hello', 'findOne', 'insertOne'].flatMap((c) => [`${c} raw`, `${c} rotor-promise-pool`]));
  for (const row of p.rows) {
    // The calling thread and the driver's worker both ran (schedstat: ns on the CPU).
    assert.ok(row.main > 0 && row.worker > 0 && row.wall > 0, `${row.command} ${row.variant}: ${JSON.stringify(row)}`);
    assert.is(row.overRaw !== undefined, row.variant === 'rotor-promise-pool', 'a pool target is read against its raw hop');
    if (row.overRaw) assert.ok(Number.isFinite(row.overRaw.main) && Number.isFinite(row.overRaw.total));
  }
  assert.match(overheadRun.stdout, /perThread \(pinned to CPU \d+, 1000 after 500 warm-up, medians of 1, load [\d.]+ → [\d.]+\), CPU µs per command:/);
  assert.match(md, /1000 sequential commands after a warm-up of 500 \(short: V8 still compiling/);
  assert.equal([p.commands, p.warmup], [1000, 500], 'the quick scale, said in the result');
  assert.match(md, /\| findOne \| rotor-promise-pool \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [+-][\d.]+ \| [+-][\d.]+ \|/);
});

test('findManyWork reports documents per second and event-loop delay against bare', () => {
  const r = JSON.parse(readFileSync(join(overheadOut, 'partial.json'), 'utf8')) as Results;
  const task = r.tasks.find((t) => t.name === 'findManyWork')!;
  assert.ok(task.documents! > 0 && task.workUsPerDocument! > 0);
  // The work is sized to the bare driver's own time per document, measured at setup.
  assert.ok(task.calibration && task.calibration.fetchUsPerDocument > 0 && task.calibration.passes >= 1, JSON.stringify(task.calibration));
  for (const c of task.cells) assert.ok(c.status === 'ok' && c.docsPerS! > 0 && c.cores!.process > 0, `${c.target}: ${c.reason} ${JSON.stringify(c.cores)}`);
  assert.match(readFileSync(join(overheadOut, 'partial.md'), 'utf8'), /## Main-thread work while the driver works[\s\S]*cores: process \| cores: server \|[\s\S]*\| rotor-promise-pool \| \d+ \|/);
});

test('--soak: every target runs the mix without errors, memory is reported, pool counters are 0 after close', () => {
  assert.is(soakRun.code, 0, `exit ${soakRun.code}\n${soakRun.stdout}\n${soakRun.stderr}`);
  assert.match(soakRun.stdout, /soak passed/);
  const r = JSON.parse(readFileSync(join(soakOut, 'soak.json'), 'utf8')) as SoakResult;
  assert.ok(r.ok);
  assert.equal(r.rows.map((row) => row.target), ['bare', 'rotor-promise-inline', 'rotor-promise-pool']);
  for (const row of r.rows) {
    assert.is(row.status, 'ok', `${row.target}: ${row.reason}`);
    assert.is(row.errors, 0, `${row.target}: ${row.firstErrors?.join('; ')}`);
    assert.ok(row.before!.heapMB > 0 && row.open!.rssMB > 0 && typeof row.heapGrowthMB === 'number');
  }
  const pool = r.rows.find((row) => row.target === 'rotor-promise-pool')!;
  assert.ok(pool.statsClosed, 'a pool target reports poolStats()');
  for (const k of ['objects', 'forwarders', 'callbacks', 'abortListeners', 'pending']) assert.is(pool.statsClosed[k], 0, `${k} after close`);
  assert.is(r.rows.find((row) => row.target === 'bare')!.statsClosed, null);
  assert.match(readFileSync(join(soakOut, 'soak.md'), 'utf8'), /\| rotor-promise-pool \| 48 \|.*\| 0\/0\/0\/0\/0 \| ok \|/);
});

test('bad values exit 2: --soak 0, a value given to a switch, a missing value, a stray argument', async () => {
  for (const [argv, message] of [
    [['--soak', '0'], /--soak needs a whole number >= 1/],
    [['--quick=yes'], /--quick takes no value/],
    [['--tasks'], /--tasks needs a value/],
    [['quick'], /unexpected argument: quick/],
  ] as const) {
    const bad = await bench([...argv]);
    assert.is(bad.code, 2, argv.join(' '));
    assert.match(bad.stderr, message);
  }
});

test('--help prints the usage, with --soak and the overhead task', async () => {
  const help = await bench(['--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, /--soak N/);
  assert.match(help.stdout, /'overhead' is the overhead section/);
});

test('an unknown option exits 2 with a message and the usage', async () => {
  const bad = await bench(['--fast']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /unknown option '--fast'/);
  assert.match(bad.stderr, /usage: npm run bench/);
});

test('an unknown task or target name exits 2 and lists the known ones', async () => {
  const task = await bench(['--tasks', 'runCommand,nope']);
  assert.is(task.code, 2);
  assert.match(task.stderr, /unknown task: nope \(known: runCommand, /);
  const target = await bench(['--targets', 'motor']);
  assert.is(target.code, 2);
  assert.match(target.stderr, /unknown target: motor/);
  const iterations = await bench(['--iterations', '0']);
  assert.is(iterations.code, 2);
});

test('every target the issue names is in the list; a missing executor is reported, not run', () => {
  for (const name of ['bare', 'mongodb-legacy', 'rotor-promise-inline', 'rotor-callback-inline', 'rotor-promise-pool']) {
    assert.ok(TARGETS.some((t) => t.name === name), `target ${name}`);
  }
  const missing = rotorTarget('promise', 'no-such-executor');
  assert.is(missing.name, 'rotor-promise-no-such-executor');
  assert.match(String(missing.available()), /not available in this build \(EXECUTORS has no 'no-such-executor'\)/);
});

test('an unavailable target is a dash row with its reason in the markdown and a note in the SVG, not a bar', () => {
  const r = JSON.parse(readFileSync(join(out, 'partial.json'), 'utf8')) as Results;
  const reason = "not available in this build (EXECUTORS has no 'pool')";
  const withMissing: Results = {
    ...r,
    targets: [...r.targets, { name: 'rotor-promise-pool', description: 'x', version: 'x', available: reason }],
    tasks: r.tasks.map((t) => ({ ...t, cells: [...t.cells, { target: 'rotor-promise-pool', status: 'unavailable' as const, reason, timesMs: [] }] })),
  };
  const md = renderMarkdown(withMissing);
  assert.match(md, /\| Run command \| rotor-promise-pool \| — \|.*\| not available in this build \(EXECUTORS has no 'pool'\) \|/);
  assert.match(md, /\| rotor-promise-inline \| rotor-promise-pool \|/);
  const svg = renderSvg(withMissing);
  assert.is(xmlProblem(svg), null);
  assert.is((svg.match(/<rect class="bar"/g) ?? []).length, TASKS.length * TARGET_NAMES.length);
  assert.match(svg, /— not available in this build/);
});

test.run();
