// One participant of the tracing bench, in a fresh process (the incumbent patches the driver as it
// loads): `node child.js <participant> <uri> <commands>` prints `{ cpuUs, wallUs }` per command.
// Every participant with tracing has a real SDK (spans created and ended, exported nowhere).
import { createRequire } from 'node:module';
import type { MongoClient as DriverClient } from 'mongodb';

const require = createRequire(import.meta.url);
const [participant, uri, commandsArg] = process.argv.slice(2) as [string, string, string];
const commands = Number(commandsArg);
const traced = participant === 'rotor+tracing' || participant === 'bare+incumbent';

if (traced) {
  const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const discard = { export: (_spans: unknown, done: (r: { code: number }) => void) => done({ code: 0 }), shutdown: () => Promise.resolve() };
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(discard)] }));
}

async function clientClass(): Promise<new (uri: string) => DriverClient> {
  if (participant === 'bare') return (require('mongodb') as typeof import('mongodb')).MongoClient;
  if (participant === 'bare+incumbent') {
    const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
    const { MongoDBInstrumentation } = require('@opentelemetry/instrumentation-mongodb') as typeof import('@opentelemetry/instrumentation-mongodb');
    registerInstrumentations({ instrumentations: [new MongoDBInstrumentation()] });
    return (require('mongodb') as typeof import('mongodb')).MongoClient;
  }
  const { createRotor } = await import('../../lib/create-rotor.js');
  const { tracing } = await import('../../lib/otel/index.js');
  return createRotor(participant === 'rotor+tracing' ? { use: [tracing()] } : {}).MongoClient as unknown as new (uri: string) => DriverClient;
}

const Client = await clientClass();
const client = new Client(uri);
await client.connect();
const coll = client.db('rotor_bench_tracing').collection<{ _id: number; n: number }>(participant.replace(/\W/g, '_'));
await coll.deleteMany({});
await coll.insertOne({ _id: 0, n: 0 });
// One command: a findOne by _id and an updateOne of it, alternating.
const once = async (i: number): Promise<void> => {
  if (i % 2 === 0) await coll.findOne({ _id: 0 });
  else await coll.updateOne({ _id: 0 }, { $set: { n: i } });
};
for (let i = 0; i < Math.min(200, commands); i++) await once(i); // warm-up
const cpu = process.cpuUsage();
const started = performance.now();
for (let i = 0; i < commands; i++) await once(i);
const wallUs = ((performance.now() - started) * 1000) / commands;
const used = process.cpuUsage(cpu);
await client.close();
process.stdout.write(`${JSON.stringify({ cpuUs: (used.user + used.system) / commands, wallUs })}\n`);
