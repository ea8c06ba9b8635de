// The design floor of the overhead section: the bare driver hosted in a worker thread with nothing
// of rotor (./driver-worker.ts), each command one postMessage each way — the raw hop. Its overhead
// over bare is what hosting the driver in a thread costs on this machine (two thread hops, the
// worker waking for each command and again for the server's reply, its caches shared with the
// server's); the pool targets' overhead is compared with it to show rotor's own share (issue #25:
// CPU per command over the raw hop ≤ 25 µs, wall overhead ≤ 1.2× the raw hop's).
//
// Two flavours, one per way a caller waits: the async raw hop (the reply is a 'message' event on
// the main loop), compared with the promise and callback pool targets; the blocking raw hop
// (the main thread parks in Atomics.wait until the worker bumps a shared counter, then takes the
// reply with receiveMessageOnPort), compared with rotor/sync.
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { Document } from 'mongodb';
import type { Ops } from '../targets.js';

export const DESIGN_FLOOR = 'driver in a worker (no rotor)';
export const BLOCKING_DESIGN_FLOOR = 'driver in a worker, blocking (no rotor)';

interface Reply {
  id: number;
  ok?: unknown;
  error?: string;
}

export async function driverInWorker(uri: string, dbName: string, blocking = false): Promise<Ops> {
  const { port1, port2 } = new MessageChannel();
  const wake = blocking ? new SharedArrayBuffer(4) : undefined;
  const flag = wake ? new Int32Array(wake) : undefined;
  const worker = new Worker(fileURLToPath(new URL('./driver-worker.js', import.meta.url)), {
    workerData: { uri, dbName, port: port2, wake },
    transferList: [port2],
  });
  let failure: Error | undefined;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let next = 1;
  const settle = (m: Reply): void => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error !== undefined) w?.reject(new Error(m.error));
    else w?.resolve(m.ok);
  };
  if (!blocking) port1.on('message', settle);
  worker.on('error', (error) => {
    failure = error;
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
  });

  const askAsync = (op: string, arg?: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      port1.postMessage({ id, op, arg });
    });

  // One request, the calling thread parked until the reply: what rotor/sync's wait costs at least.
  const askBlocking = (op: string, arg?: unknown): unknown => {
    const seen = Atomics.load(flag!, 0);
    port1.postMessage({ id: next++, op, arg });
    for (;;) {
      if (failure) throw failure;
      if (Atomics.wait(flag!, 0, seen, 1000) !== 'timed-out' || Atomics.load(flag!, 0) !== seen) break;
    }
    const m = receiveMessageOnPort(port1)?.message as Reply | undefined;
    if (!m) throw new Error(`${BLOCKING_DESIGN_FLOOR}: woken without a reply`);
    if (m.error !== undefined) throw new Error(m.error);
    return m.ok;
  };
  const ask = blocking ? (op: string, arg?: unknown): Promise<unknown> => Promise.resolve(askBlocking(op, arg)) : askAsync;

  // The worker is up once it answers (a blocking ask before that would park through its start).
  if (blocking) {
    const ready = new Promise<void>((resolve) => worker.once('online', resolve));
    await ready;
  }
  await ask('command', { ping: 1 });
  const unsupported = (what: string) => (): never => {
    throw new Error(`${blocking ? BLOCKING_DESIGN_FLOOR : DESIGN_FLOOR}: ${what} is not part of the overhead section`);
  };
  return {
    concurrent: !blocking,
    async command(cmd: Document, times: number) {
      for (let i = 0; i < times; i++) await ask('command', cmd);
    },
    async findOneByIds(ids) {
      let found = 0;
      for (const id of ids) if (await ask('findOne', id)) found++;
      return found;
    },
    async insertEach(docs) {
      for (const doc of docs) await ask('insertOne', doc);
    },
    insertMany: unsupported('insertMany'),
    drainFind: unsupported('drainFind'),
    newBucket: unsupported('newBucket'),
    upload: unsupported('upload'),
    download: unsupported('download'),
    async close() {
      await ask('close').catch(() => {});
      port1.close();
      await worker.terminate();
    },
  };
}
