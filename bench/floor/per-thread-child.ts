// One run of the per-thread section (../per-thread.ts), in a process of its own that the parent pins
// to one core: a raw hop or a rotor pool target runs `n` sequential commands after `warmup` of them, and
// prints each thread's CPU µs per command, read from /proc/self/task (this thread, the thread doing
// most of the rest, which is the driver's worker, and the others together: V8's and libuv's).
import { readFileSync, readdirSync } from 'node:fs';
import type { Document } from 'mongodb';
import { TARGETS, shutdownRotor, type Ops } from '../targets.js';
import { driverInWorker } from './driver-in-worker.js';
import { SMALL, type ThreadCpu } from '../per-thread.js';

const [variant, command, count, warmup, uri, dbName] = process.argv.slice(2) as [string, string, string, string, string, string];

function run(ops: Ops, n: number, k: number): Promise<unknown> {
  if (command === 'hello') return ops.command({ hello: 1 }, n);
  if (command === 'findOne') return ops.findOneByIds(Array.from({ length: n }, (_, i) => ((k + i) % 10) + 1));
  return ops.insertEach(Array.from({ length: n }, (): Document => ({ ...SMALL })));
}

/** CPU µs of every thread of this process so far: schedstat's first field, ns on the CPU (stat's utime/stime count 10 ms ticks). */
function threadTimes(): Map<number, number> {
  const times = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      times.set(Number(tid), Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1000);
    } catch {
      // a thread that ended meanwhile
    }
  }
  return times;
}

const blocking = variant === 'raw-blocking';
const ops = variant.startsWith('raw') ? await driverInWorker(uri, dbName, blocking) : await TARGETS.find((t) => t.name === variant)!.connect(uri, dbName);
const n = Number(count);
for (let done = 0, total = Number(warmup); done < total; done += 1000) await run(ops, Math.min(1000, total - done), done);
const before = threadTimes();
const started = process.hrtime.bigint();
await run(ops, n, 0);
const wall = Number(process.hrtime.bigint() - started) / 1e3 / n;
const after = threadTimes();
const perCommand = [...after].map(([tid, us]): [number, number] => [tid, (us - (before.get(tid) ?? 0)) / n]);
const main = perCommand.find(([tid]) => tid === process.pid)?.[1] ?? 0;
const rest = perCommand.filter(([tid]) => tid !== process.pid).sort((a, b) => b[1] - a[1]);
const result: ThreadCpu = { main, worker: rest[0]?.[1] ?? 0, others: rest.slice(1).reduce((sum, [, us]) => sum + us, 0), wall };
process.stdout.write(`${JSON.stringify(result)}\n`);
await ops.close();
await shutdownRotor();
