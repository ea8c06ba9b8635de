// tinypool's entry for a pool worker. Small on purpose: tinypool marks a worker ready (and lets the
// process exit around it) only once its entry module has loaded, so a process that never uses its
// early worker (a CLI's --help under rotor/register on the pool) would otherwise wait ~150 ms at
// exit for the driver to load there. The worker's code and the driver load meanwhile.
import { statSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import type { Attach, PoolWorkerData } from '../protocol.js';

// Tells a main thread blocked in a rotor/sync call that this worker ran: once it stops running, it
// has died (a driver that cannot load here), rather than not started yet (SlotThread.stopped).
const data = (Array.isArray(workerData) ? workerData[1] : workerData) as PoolWorkerData | undefined;
if (data?.started instanceof SharedArrayBuffer) Atomics.store(new Int32Array(data.started), 0, 1);

// The worker's code as one file (scripts/bundle-worker.mjs, after tsc: linking ~20 ES modules one by
// one costs the worker's start ~10 ms more). The modules themselves under V8 coverage (c8 maps their
// ranges exactly, the bundle's composed source map loses uncovered ones), and when the bundle is
// missing or older than them (a tsc-only rebuild: its worker code would not match this build's).
// (An installed package's files all carry npm's one mtime: the bundle, equal, is taken. A `tsc -w`
// that re-emits some modules but not index.js is not seen: rebuild with `npm run build`.)
const bundle = new URL('./bundle.js', import.meta.url);
const modifiedMs = (file: URL): number | undefined => statSync(file, { throwIfNoEntry: false })?.mtimeMs;
const bundled = !process.env.NODE_V8_COVERAGE && (modifiedMs(bundle) ?? -1) >= (modifiedMs(new URL('./index.js', import.meta.url)) ?? Infinity);
const loading: Promise<typeof import('./index.js')> = bundled ? import(bundle.href) : import('./index.js');
loading.catch(() => {}); // an unused early worker that cannot load ends quietly; a used one reports below

/** The task tinypool runs once: answers at once (a task in flight would keep the process up), hands the ports on once loaded. */
export default function attach(task: Attach): string {
  // A worker that cannot load, or attach, dies with the reason (the slot's 'error' listener reports it): not a
  // rejection, which under --unhandled-rejections=warn would leave it up with no port listener.
  const die = (error: unknown): void =>
    process.nextTick(() => {
      throw error;
    });
  loading.then((worker) => {
    try {
      worker.default(task);
    } catch (error) {
      die(error);
    }
  }, die);
  return 'attaching';
}
