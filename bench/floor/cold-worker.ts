// The cold-start floor of the pool's design with no rotor at all (`--tasks coldStart`, variant
// 'raw worker'): preloaded with --import, it starts a plain worker thread that loads the driver while
// the app's thread does, and the app runs its one command there. What any driver-in-a-worker design
// pays on this machine, beside what rotor's pool pays.
import { Worker } from 'node:worker_threads';

export const RAW_WORKER = Symbol.for('rotor.bench.rawWorker');

const source = `
const { parentPort } = require('node:worker_threads');
const { MongoClient } = require('mongodb');
parentPort.on('message', async (uri) => {
  const client = new MongoClient(uri);
  const reply = await client.db('admin').command({ ping: 1 });
  await client.close();
  parentPort.postMessage(reply);
});`;

// No execArgv: the bench runs the app with --input-type=module, which would make this source an ES module.
const worker = new Worker(source, { eval: true, execArgv: [] });
worker.unref(); // the app refs it while its command is out
(globalThis as Record<symbol, unknown>)[RAW_WORKER] = worker;
