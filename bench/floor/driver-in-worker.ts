// The design floor of the overhead section: the bare driver hosted in a worker thread with nothing
// of rotor (./driver-worker.ts), each command one postMessage each way. Its overhead over bare is
// what hosting the driver in a thread costs on this machine (two thread hops, the worker waking
// for each command and again for the server's reply, its caches shared with the server's); the
// pool targets' overhead is divided by it to show rotor's own share.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { Document } from 'mongodb';
import type { Ops } from '../targets.js';

export const DESIGN_FLOOR = 'driver in a worker (no rotor)';

export async function driverInWorker(uri: string, dbName: string): Promise<Ops> {
  const worker = new Worker(fileURLToPath(new URL('./driver-worker.js', import.meta.url)), { workerData: { uri, dbName } });
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let next = 1;
  worker.on('message', (m: { id: number; ok?: unknown; error?: string }) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error !== undefined) w?.reject(new Error(m.error));
    else w?.resolve(m.ok);
  });
  worker.on('error', (error) => {
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
  });
  const ask = (op: string, arg?: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, op, arg });
    });
  await ask('command', { ping: 1 });
  const unsupported = (what: string) => (): never => {
    throw new Error(`${DESIGN_FLOOR}: ${what} is not part of the overhead section`);
  };
  return {
    concurrent: true,
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
      await worker.terminate();
    },
  };
}
