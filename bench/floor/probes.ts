// The floor of the overhead section: what a thread hop costs on this machine in this run, with
// nothing of rotor or the driver in it. A raw postMessage echo over a MessageChannel, and a no-op
// tinypool task with useAtomics:false (as the pool executor runs tinypool) and with its default.
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import Tinypool from 'tinypool';

/** Something the overhead section times: n calls one after the other, or `tasks` chains at once. */
export interface Probe {
  readonly name: string;
  /** n round trips, each after the previous one. */
  sequential(n: number): Promise<void>;
  /** `tasks` concurrent chains of `each` round trips. */
  concurrent(tasks: number, each: number): Promise<void>;
  close(): Promise<void>;
}

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** A worker that echoes on a MessageChannel port; replies resolve in order (one port, FIFO). */
export async function echoProbe(): Promise<Probe> {
  const worker = new Worker(here('./echo-worker.js'));
  const { port1, port2 } = new MessageChannel();
  worker.postMessage(port2, [port2]);
  const waiting: Array<() => void> = [];
  port1.on('message', () => waiting.shift()!());
  const trip = (port: MessagePort, i: number): Promise<void> =>
    new Promise((resolve) => {
      waiting.push(resolve);
      port.postMessage(i);
    });
  await trip(port1, 0); // the worker is up
  const chain = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await trip(port1, i);
  };
  return {
    name: 'postMessage echo',
    sequential: chain,
    concurrent: async (tasks, each) => {
      await Promise.all(Array.from({ length: tasks }, () => chain(each)));
    },
    async close() {
      port1.close();
      await worker.terminate();
    },
  };
}

/** A one-thread tinypool running a no-op task. */
export async function tinypoolProbe(useAtomics: boolean | undefined): Promise<Probe> {
  const pool = new Tinypool({
    filename: here('./noop-task.js'),
    minThreads: 1,
    maxThreads: 1,
    idleTimeout: Number.POSITIVE_INFINITY,
    ...(useAtomics === undefined ? {} : { useAtomics }),
  });
  await pool.run(0);
  const chain = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await pool.run(i);
  };
  return {
    name: useAtomics === false ? 'tinypool no-op (useAtomics:false)' : 'tinypool no-op (default)',
    sequential: chain,
    concurrent: async (tasks, each) => {
      await Promise.all(Array.from({ length: tasks }, () => chain(each)));
    },
    close: () => pool.destroy(),
  };
}

/** The floor probes, in the order the tables show them; the pool ratio divides by FLOOR_REFERENCE. */
export async function floorProbes(): Promise<Probe[]> {
  return [await echoProbe(), await tinypoolProbe(false), await tinypoolProbe(undefined)];
}

/** The floor the pool's overhead is compared with: tinypool as the pool executor configures it. */
export const FLOOR_REFERENCE = 'tinypool no-op (useAtomics:false)';
