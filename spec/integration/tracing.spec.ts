// rotor/otel on every target: a CLIENT span per operation named and attributed after the
// OpenTelemetry database / MongoDB semantic conventions, by the logical name the app called; the
// caller's active span as parent (concurrent requests, callbacks, withSession functions, cursor
// loops); failures with db.response.status_code / error.type; no document contents unless opted
// in; the db.client.operation.duration histogram.
import * as assert from 'uvu/assert';
import { MongoClient as DriverMongoClient } from 'mongodb';
import type { Collection, MongoClient, MongoClientOptions } from 'mongodb';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { join } from 'node:path';
import { dbName, suite, testUri } from '../support/env.js';
import { targets, type Target } from '../support/targets.js';
import { createOtel, idOf, parentOf, type Otel } from '../support/otel.js';
import { tracing, type TracingOptions } from '../../lib/otel/index.js';
import { tracingWanted } from '../../lib/otel/env.js';
import { runNode } from '../support/child.js';
import { packageRoot } from '../../lib/util/package-root.js';

const SECRET = 'do-not-trace-me';
const host = new URL(testUri()).hostname;
const port = Number(new URL(testUri()).port);

const tracedClient = (target: Target, otel: Otel, options: TracingOptions = {}): MongoClient =>
  new target.rotor.MongoClient(testUri(), {
    rotor: { use: [tracing({ tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider, ...options })] },
  } as unknown as MongoClientOptions);

async function seed(name: string, docs: object[]): Promise<void> {
  const client = new DriverMongoClient(testUri());
  try {
    const coll = client.db(name).collection('users');
    await coll.deleteMany({});
    if (docs.length) await coll.insertMany(docs.map((d) => ({ ...d })));
  } finally {
    await client.close();
  }
}

const names = (spans: ReadableSpan[]): string[] => spans.map((s) => s.name);

for (const target of targets) {
  const test = suite(`tracing [${target.name}]`);
  const name = dbName(`trace_${target.name}`);

  async function traced(docs: object[], body: (coll: Collection<any>, otel: Otel, client: MongoClient) => Promise<void>, options?: TracingOptions): Promise<ReadableSpan[]> {
    await seed(name, docs);
    const otel = createOtel();
    const client = tracedClient(target, otel, options);
    try {
      await body(client.db(name).collection<any>('users'), otel, client);
    } finally {
      await client.close();
    }
    return otel.spans().filter((s) => s.name !== 'close');
  }

  test('one CLIENT span per operation: `{operation} {collection}` by the logical name, with the semantic-convention attributes', async () => {
    const spans = await traced([{ _id: 1, n: 1 }], async (coll) => {
      await coll.insertOne({ _id: 2, n: 2, secret: SECRET });
      await coll.countDocuments({ secret: SECRET });
      await coll.findOneAndUpdate({ _id: 1 }, { $set: { n: 10 } });
      await coll.find({}).toArray();
    });
    assert.equal(names(spans), ['insertOne users', 'countDocuments users', 'findOneAndUpdate users', 'find users']);
    for (const span of spans) {
      assert.is(span.kind, SpanKind.CLIENT);
      assert.is(span.status.code, SpanStatusCode.UNSET);
    }
    assert.equal(spans[1]!.attributes, {
      'db.system.name': 'mongodb',
      'db.operation.name': 'countDocuments',
      'db.collection.name': 'users',
      'db.namespace': name,
      'server.address': host,
      'server.port': port,
    });
    const everything = JSON.stringify(spans.map((s) => [s.name, s.attributes, s.status, s.events]));
    assert.not.ok(everything.includes(SECRET), 'no document contents in spans');
  });

  test('the parent is the caller’s active span; concurrent requests in their own contexts do not mix', async () => {
    const requests: Record<string, string> = {};
    const spans = await traced([{ _id: 1 }], async (coll, otel) => {
      const request = (id: string) =>
        otel.inSpan(id, async (span) => {
          requests[id] = idOf(span);
          await coll.countDocuments({ r: id });
          await coll.updateOne({ _id: 1 }, { $set: { [id]: true } });
          await coll.findOne({ _id: 1 });
        });
      if (target.framework === 'sync') for (const id of ['r1', 'r2', 'r3']) await request(id);
      else await Promise.all(['r1', 'r2', 'r3'].map(request));
    });
    const ops = spans.filter((s) => !/^r\d$/.test(s.name));
    assert.is(ops.length, 9);
    for (const id of ['r1', 'r2', 'r3']) {
      const mine = ops.filter((s) => parentOf(s) === requests[id]);
      assert.equal(names(mine).sort(), ['countDocuments users', 'findOne users', 'updateOne users'], `children of ${id}`);
    }
  });

  test('cursor loops: each batch fetch is a span (find, then getMore), parented by the loop’s span', async () => {
    let request = '';
    const spans = await traced([1, 2, 3, 4, 5].map((i) => ({ _id: i })), async (coll, otel) => {
      await otel.inSpan('loop', async (span) => {
        request = idOf(span);
        let n = 0;
        const cursor = coll.find({}, { batchSize: 2 });
        if (target.framework === 'sync') for (const _d of cursor as unknown as Iterable<unknown>) n++;
        else for await (const _d of cursor) n++;
        assert.is(n, 5);
      });
    });
    const fetches = spans.filter((s) => s.name !== 'loop');
    assert.is(fetches[0]!.name, 'find users');
    assert.ok(fetches.length >= 3, names(fetches).join(', '));
    assert.ok(fetches.slice(1).every((s) => s.name === 'getMore users' && s.attributes['db.operation.name'] === 'getMore'));
    assert.ok(fetches.every((s) => parentOf(s) === request));
  });

  test('withSession: the calls its function makes are children of the withSession span', async () => {
    const spans = await traced([{ _id: 1 }], async (coll, _otel, client) => {
      await client.withSession((session) => coll.countDocuments({}, { session }));
    });
    const outer = spans.find((s) => s.name === 'withSession')!;
    const inner = spans.find((s) => s.name === 'countDocuments users')!;
    assert.ok(outer && inner, names(spans).join(', '));
    assert.is(parentOf(inner), idOf(outer));
  });

  if (target.framework === 'callback') {
    test('callbacks: an operation started in a completion callback has the request as parent', async () => {
      let request = '';
      const spans = await traced([{ _id: 1 }], async (coll, otel) => {
        await otel.inSpan('request', (span) => {
          request = idOf(span);
          return new Promise<void>((resolve, reject) => {
            const c = coll as unknown as { countDocuments(f: object, cb: (e?: Error) => void): void; findOne(f: object, cb: (e?: Error) => void): void };
            c.countDocuments({}, (e) => (e ? reject(e) : c.findOne({ _id: 1 }, (e2) => (e2 ? reject(e2) : resolve()))));
          });
        });
      });
      const ops = spans.filter((s) => s.name !== 'request');
      assert.equal(names(ops), ['countDocuments users', 'findOne users']);
      assert.ok(ops.every((s) => parentOf(s) === request));
    });
  }

  test('a failure: status ERROR, db.response.status_code and error.type from the server code, no document contents', async () => {
    const spans = await traced([{ _id: 1 }], async (coll) => {
      try {
        await coll.insertOne({ _id: 1, secret: SECRET });
      } catch {
        /* expected: duplicate key */
      }
    });
    const span = spans.find((s) => s.name === 'insertOne users')!;
    assert.is(span.status.code, SpanStatusCode.ERROR);
    assert.is(span.attributes['db.response.status_code'], '11000');
    assert.is(span.attributes['error.type'], '11000');
    assert.not.ok(JSON.stringify([span.attributes, span.status, span.events]).includes(SECRET));
  });

  test('opt-in: captureArguments records db.query.text', async () => {
    const spans = await traced([], async (coll) => void (await coll.countDocuments({ secret: SECRET })), { captureArguments: true });
    assert.is(spans[0]!.attributes['db.query.text'], JSON.stringify([{ secret: SECRET }]));
  });

  test('the db.client.operation.duration histogram (seconds), one point set per operation and outcome', async () => {
    let otelRef: Otel | undefined;
    await traced([{ _id: 1 }], async (coll, otel) => {
      otelRef = otel;
      await coll.countDocuments({});
      await coll.countDocuments({});
      try {
        await coll.insertOne({ _id: 1 });
      } catch {
        /* expected: duplicate key */
      }
    });
    const metrics = await otelRef!.metrics();
    const metric = metrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'db.client.operation.duration')!;
    assert.ok(metric, 'the histogram is recorded');
    assert.is(metric.descriptor.unit, 's');
    const points = metric.dataPoints as Array<{ attributes: Record<string, unknown>; value: { count: number } }>;
    const count = points.find((p) => p.attributes['db.operation.name'] === 'countDocuments')!;
    assert.is(count.value.count, 2);
    assert.is(count.attributes['db.collection.name'], 'users');
    const failed = points.find((p) => p.attributes['db.operation.name'] === 'insertOne')!;
    assert.is(failed.attributes['error.type'], '11000');
  });

  test.run();
}

const test = suite('tracing: setup');

test('ROTOR_TRACING and the standard OTEL_* variables decide whether rotor/register traces', () => {
  assert.is(tracingWanted({}), false);
  assert.is(tracingWanted({ ROTOR_TRACING: '1' }), true);
  assert.is(tracingWanted({ ROTOR_TRACING: '0', OTEL_TRACES_EXPORTER: 'otlp' }), false);
  assert.is(tracingWanted({ OTEL_TRACES_EXPORTER: 'otlp' }), true);
  assert.is(tracingWanted({ OTEL_TRACES_EXPORTER: 'none', OTEL_SERVICE_NAME: 'x' }), false);
  assert.is(tracingWanted({ OTEL_SERVICE_NAME: 'shop' }), true);
  assert.is(tracingWanted({ OTEL_SERVICE_NAME: 'shop', OTEL_SDK_DISABLED: 'true' }), false);
});

test('without @opentelemetry/api installed, tracing() says what to install', async () => {
  // The child cannot resolve the package (as in an app that never installed it).
  const hide = "const M=require('module');const r=M._resolveFilename;M._resolveFilename=function(req,...a){if(req==='@opentelemetry/api'){const e=new Error(\"Cannot find module '\"+req+\"'\");e.code='MODULE_NOT_FOUND';throw e}return r.call(this,req,...a)}";
  const script = `import('${join(packageRoot, 'dist', 'lib', 'otel', 'index.js')}').then((m) => { try { m.tracing(); console.log('no error') } catch (e) { console.log(e.message) } })`;
  const run = await runNode(['-e', `${hide};${script}`], { env: process.env, timeoutMS: 30_000, what: 'tracing without the api' });
  assert.match(run.stdout, /rotor tracing needs the package '@opentelemetry\/api'.*npm install @opentelemetry\/api/);
});

test.run();
