// The worker side of the design floor (./driver-in-worker.ts): the bare driver, one message in and
// one out per command, structured clone only. No rotor code: what any thread-hosted driver pays.
import { parentPort, workerData } from 'node:worker_threads';
import { MongoClient, type Document } from 'mongodb';

interface Ask {
  readonly id: number;
  readonly op: 'command' | 'findOne' | 'insertOne' | 'close';
  readonly arg?: unknown;
}

const { uri, dbName } = workerData as { uri: string; dbName: string };
const client = new MongoClient(uri);
const db = client.db(dbName);
const corpus = db.collection('corpus');

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

parentPort!.on('message', (ask: Ask) => {
  run(ask).then(
    (ok) => parentPort!.postMessage({ id: ask.id, ok }),
    (error: unknown) => parentPort!.postMessage({ id: ask.id, error: String(error) }),
  );
});
