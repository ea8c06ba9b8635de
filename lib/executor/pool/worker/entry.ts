// tinypool's entry for a pool worker, small on purpose: tinypool marks a worker ready (and lets the process exit
// around it) only once its entry module loaded, so a process that never uses its early worker (a CLI's --help under
// rotor/register) would wait ~150 ms at exit for the driver to load. The worker's code loads meanwhile, below.
import { workerData } from 'node:worker_threads';
import type { Attach, PoolWorkerData } from '../protocol.js';
import { bundleOr } from '../../../util/bundle.js';

// Tells a main thread blocked in a rotor/sync call that this worker ran: once it stops running, it
// has died (a driver that cannot load here), rather than not started yet (SlotThread.stopped).
const data = (Array.isArray(workerData) ? workerData[1] : workerData) as PoolWorkerData | undefined;
if (data?.started instanceof SharedArrayBuffer) Atomics.store(new Int32Array(data.started), 0, 1);

// One file (scripts/bundle-pool.mjs), or the modules (under coverage, or a tsc-only rebuild: ../../../util/bundle.ts).
const loading: Promise<typeof import('./index.js')> = import(bundleOr(new URL('./bundle.js', import.meta.url), new URL('./index.js', import.meta.url)).href);
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
