// The worker side of the design floor (./driver-in-worker.ts): the bare driver, one message in and
// one out per command, structured clone only. No rotor code: what any thread-hosted driver pays.
// With a `wake` buffer (the blocking floor), each reply also bumps it and notifies, so a thread
// parked in Atomics.wait wakes and reads the reply with receiveMessageOnPort.
import { workerData, type MessagePort } from 'node:worker_threads';
import { MongoClient, type Document } from 'mongodb';

interface Ask {
  readonly id: number;
  readonly op: 'command' | 'findOne' | 'insertOne' | 'close';
  readonly arg?: unknown;
}

const { uri, dbName, port, wake } = workerData as { uri: string; dbName: string; port: MessagePort; wake?: SharedArrayBuffer };
const client = new MongoClient(uri);
const db = client.db(dbName);
const corpus = db.collection('corpus');
const flag = wake ? new Int32Array(wake) : undefined;

async function run(ask: Ask): Promise<unknown> {
  switch (ask.op) {
    case 'command':
      return db.command(ask.arg as Document);
    case 'findOne':
      return corpus.findOne({ _id: ask.arg as never });
    case 'insertOne':
      // The reply's insertedId is an ObjectId, which structured clone would flatten: send its hex.
      return (await corpus.insertOne(ask.arg as Document)).insertedId.toString();
    case 'close':
      return client.close();
  }
}

function reply(message: unknown): void {
  port.postMessage(message);
  if (flag) {
    Atomics.add(flag, 0, 1);
    Atomics.notify(flag, 0);
  }
}

port.on('message', (ask: Ask) => {
  run(ask).then(
    (ok) => reply({ id: ask.id, ok }),
    (error: unknown) => reply({ id: ask.id, error: String(error) }),
  );
});
