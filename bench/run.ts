// `npm run bench`: the drivers' benchmark specification, every target against the bare driver on
// the same server in the same run, interleaved; results to bench/results/ as JSON, markdown and SVG.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { MongoClient } from 'mongodb';
import { packageRoot } from '../lib/util/package-root.js';
import { redact } from '../lib/util/redact.js';
import { startServer, type RunningServer } from '../lib/server/harness.js';
import { checkNames, parseArgs, USAGE, UsageError, type Args } from './args.js';
import { loadData } from './data.js';
import { runMicro } from './micro.js';
import { clock, Progress } from './progress.js';
import { COLD_START, COLD_START_ROUNDS, coldStartConsole, runColdStart } from './cold-start.js';
import { PER_THREAD, PER_THREAD_SCALE, perThreadConsole, runPerThread } from './per-thread.js';
import { OVERHEAD, OVERHEAD_SCALE, runOverhead, type Participant } from './overhead.js';
import { BLOCKING_DESIGN_FLOOR, DESIGN_FLOOR, driverInWorker } from './floor/driver-in-worker.js';
import { renderMarkdown, writeResults, type Results } from './report.js';
import { overheadConsole } from './report-overhead.js';
import { message, runTask, type Runner } from './run-task.js';
import { runSoak } from './soak.js';
import { MICRO, TASKS, type TaskDef } from './tasks.js';
import { BASELINE, packageVersion, shutdownRotor, TARGETS, type Ops } from './targets.js';

const MICRO_ITERATIONS = { full: 1_000_000, quick: 50_000 } as const;


export async function main(argv: readonly string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
    checkNames('target', args.targets, TARGETS.map((t) => t.name));
    checkNames('task', args.tasks, [...TASKS.map((t) => t.name), OVERHEAD, MICRO, COLD_START, PER_THREAD]);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  const startedAt = new Date();
  const root = packageRoot;
  const mode = args.quick ? 'quick' : 'full';
  const targets = TARGETS.filter((t) => t.name === BASELINE || !args.targets || args.targets.includes(t.name));
  const tasks = TASKS.filter((t) => !args.tasks || args.tasks.includes(t.name));
  const withMicro = !args.tasks || args.tasks.includes(MICRO);
  const withOverhead = !args.tasks || args.tasks.includes(OVERHEAD);
  const withColdStart = !args.tasks || args.tasks.includes(COLD_START);
  const withPerThread = !args.tasks || args.tasks.includes(PER_THREAD);
  const overheadScale = OVERHEAD_SCALE[args.quick ? 'quick' : 'full'];
  const complete = !args.quick && !args.targets && !args.tasks && args.iterations === undefined;
  const outDir = args.out ? resolve(args.out) : join(root, 'bench', 'results');
  const progress = new Progress(0);
  const log = (msg: string): void => progress.line(msg);

  if (args.soak !== undefined) return runSoak({ n: args.soak, targets, db: args.db, outDir, log });
  log(`rotor bench (${mode}): ${tasks.length} task(s)${withOverhead ? ' + overhead' : ''}${withMicro ? ' + micro' : ''}${withColdStart ? ' + coldStart' : ''}${withPerThread ? ' + perThread' : ''} × ${targets.length} target(s)`);
  const runners: Runner[] = targets.map((target) => {
    const available = target.available();
    return available === true ? { target } : { target, blocked: { status: 'unavailable', reason: available } };
  });
  for (const r of runners) if (r.blocked) log(`  ${r.target.name}: ${r.blocked.reason}`);

  let server: RunningServer | undefined;
  let admin: MongoClient | undefined;
  const designOps: Ops[] = [];
  let failed = false;
  try {
    const serverStart = Date.now();
    server = await startServer({ progress: (msg) => log(`server: ${msg.trimEnd()}`) });
    log(`server: ${server.kind === 'external' ? 'MONGODB_URI' : 'embedded FerretDB'} ${redact(server.uri)} (${clock((Date.now() - serverStart) / 1000)})`);
    const data = loadData({ root, quick: args.quick, log });
    for (const note of data.notes) log(note);

    admin = new MongoClient(server.uri);
    await admin.connect();
    const buildInfo: Record<string, unknown> = await admin.db('admin').command({ buildInfo: 1 }).catch(() => ({}));
    const adminDb = admin.db(args.db);

    for (const r of runners) {
      if (r.blocked) continue;
      try {
        r.ops = await r.target.connect(server.uri, args.db);
      } catch (err) {
        r.blocked = { status: 'error', reason: `could not connect: ${message(err)}` };
        log(`  ${r.target.name}: ${r.blocked.reason}`);
      }
    }
    const live = runners.filter((r) => r.ops);
    const scaleOf = (task: TaskDef) => (args.quick ? task.quick : task.full);
    const roundsOf = (task: TaskDef) => scaleOf(task).warmup + (args.iterations ?? scaleOf(task).iterations);
    progress.setTotal(tasks.reduce((n, t) => n + roundsOf(t) * live.length, 0) + (withOverhead ? 1 : 0) + (withMicro ? 1 : 0) + (withColdStart ? 1 : 0) + (withPerThread ? 1 : 0));

    const results: Results = {
      tool: 'rotor bench',
      schema: 1,
      startedAt: startedAt.toISOString(),
      finishedAt: '',
      durationS: 0,
      mode,
      complete,
      argv: [...argv],
      machine: {
        cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
        cores: os.availableParallelism?.() ?? os.cpus().length,
        memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
        os: `${os.type()} ${os.release()}`,
        arch: os.arch(),
        loadAverage: { start: round3(os.loadavg()[0]!) },
      },
      node: process.version,
      packages: {
        mongodb: packageVersion('mongodb'),
        'mongodb-legacy': packageVersion('mongodb-legacy'),
        "mongodb-legacy's mongodb": safe(() => packageVersion('mongodb', createRequire(import.meta.url).resolve('mongodb-legacy'))),
        rotor: safe(() => (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version),
      },
      server: {
        kind: server.kind,
        uri: redact(server.uri),
        ...(typeof buildInfo.version === 'string' ? { version: buildInfo.version } : {}),
        ...(typeof buildInfo.ferretdbVersion === 'string' ? { ferretdbVersion: buildInfo.ferretdbVersion } : {}),
      },
      targets: targets.map((t) => ({ name: t.name, description: t.description, version: t.version(), available: t.available() })),
      baseline: BASELINE,
      dataSource: data.source,
      notes: [...data.notes, ...standingNotes(mode, typeof buildInfo.ferretdbVersion === 'string')],
      tasks: [],
    };

    for (const [index, task] of tasks.entries()) {
      const result = await runTask(task, index, tasks.length, runners, { admin: adminDb, data, ops: scaleOf(task).ops, state: {}, ...serverPidOf(server) }, args, progress);
      results.tasks.push(result);
      if (result.cells.some((c) => c.status === 'error')) failed = true;
    }

    /** One section after the tasks: its result, or its error (the run then fails), into the results; its console lines logged. */
    const section = async <T,>(name: string, run: () => T | Promise<T>, lines: (r: T) => string[]): Promise<T | { error: string }> => {
      try {
        const r = await run();
        for (const line of lines(r)) log(line);
        return r;
      } catch (err) {
        failed = true;
        log(`${name}: error: ${message(err)}`);
        return { error: message(err) };
      } finally {
        progress.advance();
      }
    };

    const uri = server.uri;
    if (withOverhead) {
      log(`[overhead] µs per command over ${BASELINE}: ${overheadScale.sequential} sequential / 80 × ${overheadScale.each} concurrent, ${overheadScale.warmup} warm-up + ${overheadScale.rounds} rounds, with the thread round-trip floor`);
      results.overhead = await section(
        'overhead',
        async () => {
          const participants: Participant[] = live.map((r) => ({ target: r.target.name, ops: r.ops!, pool: r.target.pool === true }));
          // The design floors (raw hops) run with the targets when a pool target does: the async one
          // for every pool target, the blocking one too when a blocking (sync) pool target runs.
          const floorsFor: Array<'async' | 'blocking'> = participants.some((p) => p.pool) ? ['async'] : [];
          if (participants.some((p) => p.pool && !p.ops.concurrent)) floorsFor.push('blocking');
          for (const kind of floorsFor) {
            const ops = await driverInWorker(uri, args.db, kind === 'blocking');
            designOps.push(ops);
            participants.push({ target: kind === 'blocking' ? BLOCKING_DESIGN_FLOOR : DESIGN_FLOOR, ops, pool: false, designFloor: kind });
          }
          const overhead = await runOverhead(participants, BASELINE, adminDb, overheadScale, (text) => progress.status(text));
          if (overhead.rows.some((row) => row.cells.some((c) => c.status === 'error'))) failed = true;
          return overhead;
        },
        (o) => overheadConsole(o, BASELINE),
      );
    }

    if (withMicro) {
      const iterations = MICRO_ITERATIONS[mode];
      progress.status(`micro (${iterations.toLocaleString('en-US')} calls per case)`);
      results.micro = await section(
        'micro',
        () => ({ iterations, rows: runMicro(iterations) }),
        (m) => m.rows.map((row) => `micro: ${row.case}: direct ${row.direct.toFixed(1)} · hand-written ${row.handWritten.toFixed(1)} · rotor ${row.rotor.toFixed(1)} ns/call`),
      );
    }

    if (withColdStart) {
      results.coldStart = await section('coldStart', () => runColdStart(uri, args.iterations ?? COLD_START_ROUNDS[mode], (text) => progress.status(text)), coldStartConsole);
    }
    if (withPerThread) {
      const names = live.map((r) => r.target.name);
      results.perThread = await section('perThread', () => runPerThread(uri, args.db, adminDb, names, PER_THREAD_SCALE[mode], (text) => progress.status(text)), perThreadConsole);
    }

    results.finishedAt = new Date().toISOString();
    results.machine.loadAverage.end = round3(os.loadavg()[0]!);
    results.durationS = Math.round((Date.now() - startedAt.getTime()) / 100) / 10;
    progress.finish();
    const summary = renderMarkdown(results).split('\n## Every task')[0]!.split('\n').filter((l) => l.startsWith('|') || l.startsWith('## '));
    process.stdout.write(`\n${summary.join('\n')}\n\n`);
    const written = writeResults(results, outDir, complete ? 'latest' : 'partial');
    process.stdout.write(`results (${clock(results.durationS)}): ${written.join(', ')}\n`);
  } catch (err) {
    progress.finish();
    process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  } finally {
    for (const r of runners) await r.ops?.close().catch(() => {});
    for (const ops of designOps) await ops.close().catch(() => {});
    await admin?.close().catch(() => {});
    await shutdownRotor().catch(() => {});
    await server?.stop();
  }
  return failed ? 1 : 0;
}

function standingNotes(mode: 'full' | 'quick', ferret: boolean): string[] {
  const notes = [
    mode === 'full'
      ? 'scaled: operations per iteration are below the specification\'s counts for most tasks, and each target runs a few timed iterations instead of the specification\'s 100 (or 1-5 minutes) per task, so a full run fits a 2-core machine; task definitions and MB/s scoring follow the specification (see Scale)'
      : 'quick: small operation counts and 2 timed iterations; it proves the benchmark works, its numbers are noise-prone',
    'interleaved: in every round each target runs the task once, the order rotating, so machine noise falls on all of them; the score is the median iteration',
    'mongodb-legacy runs on its own mongodb 6.x driver, every other target on the project\'s mongodb 7.x: its ratio includes the driver version difference',
    'callback targets chain real callbacks (insertOne(doc, cb), cursor.next(cb), stream events); promise targets await every call',
  ];
  if (ferret) {
    notes.push(
      'FerretDB (SQLite backend) does not push filters on integer _id down to SQL, so each Find one by ID scans the corpus up to its document: the corpus is small here and the scores are not comparable with MongoDB\'s',
      'FerretDB spends seconds of server time per LARGE_DOC insert (its ~94,000 fields), so the large-document tasks insert 1 document per iteration in full runs',
    );
  }
  return notes;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;



function safe(fn: () => string): string {
  try {
    return fn();
  } catch {
    return 'not installed';
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}

/** The server's process id for the CPU columns: the embedded server's, or ROTOR_BENCH_SERVER_PID for a local one of yours. */
function serverPidOf(server: RunningServer): { serverPid?: number } {
  const pid = server.pid ?? Number(process.env.ROTOR_BENCH_SERVER_PID);
  return Number.isInteger(pid) && pid > 0 ? { serverPid: pid } : {};
}
