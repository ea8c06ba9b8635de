// rotor's tracing side by side with @opentelemetry/instrumentation-mongodb (the incumbent, which
// patches the driver's internals): the same small app (spec/fixtures/otel-app.mjs: two concurrent
// requests, each its own root span and collection) under each, with the SDK's in-memory exporter,
// on the run's driver major (the test command runs this on mongodb 7 and 6), rotor inline and pool.
// README § Tracing › Side by side tabulates what this prints.
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { dbName, driverMajor, suite, testUri } from './support/env.js';
import { runNode } from './support/child.js';
import { packageRoot } from '../lib/util/package-root.js';

interface OutSpan {
  name: string;
  kind: number;
  parent: string | null;
  attributes: Record<string, unknown>;
}

const test = suite(`otel side by side (mongodb ${driverMajor()})`);
const app = join(packageRoot, 'spec', 'fixtures', 'otel-app.mjs');

async function run(mode: 'incumbent' | 'rotor', executor: 'inline' | 'pool'): Promise<OutSpan[]> {
  const child = await runNode([app, mode, executor, testUri(), dbName(`sbs_${mode}_${executor}`)], { env: process.env, timeoutMS: 60_000, what: `otel app (${mode}, ${executor})` });
  assert.is(child.code, 0, child.stderr);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as OutSpan[];
}

/** Per request: its child spans' names in order, and whether every one works on that request's collection. */
function perRequest(spans: OutSpan[]): Record<string, { names: string[]; own: boolean }> {
  const out: Record<string, { names: string[]; own: boolean }> = {};
  for (const id of ['r1', 'r2']) {
    const mine = spans.filter((s) => s.parent === `request ${id}`);
    out[id] = { names: mine.map((s) => s.name.replace(`_${id}`, '_rN')), own: mine.every((s) => s.attributes['db.collection.name'] === `users_${id}`) };
  }
  return out;
}

const ROTOR_OPS = ['insertMany users_rN', 'findOne users_rN', 'countDocuments users_rN', 'updateOne users_rN', 'find users_rN', 'find users_rN', 'getMore users_rN', 'getMore users_rN', 'aggregate users_rN', 'deleteMany users_rN'];

for (const executor of ['inline', 'pool'] as const) {
  test(`rotor (${executor}): one span per operation the app called, under its own request, cursor batches as find/getMore`, async () => {
    const spans = await run('rotor', executor);
    const requests = perRequest(spans);
    for (const id of ['r1', 'r2']) {
      const { names, own } = requests[id]!;
      assert.ok(own, `a span under request ${id} works on another request's collection: ${names.join(', ')}`);
      // The pool asks its worker once more at the end of a for-await (one more getMore span, which sends nothing).
      const expected = executor === 'pool' ? [...ROTOR_OPS.slice(0, 8), 'getMore users_rN', ...ROTOR_OPS.slice(8)] : ROTOR_OPS;
      assert.equal(names, expected, `request ${id}`);
    }
    const count = spans.find((s) => s.name === 'countDocuments users_r1')!;
    assert.equal(Object.keys(count.attributes).sort(), ['db.collection.name', 'db.namespace', 'db.operation.name', 'db.system.name', 'server.address', 'server.port']);
    assert.ok(spans.filter((s) => s.parent !== null).every((s) => s.kind === 2), 'CLIENT spans');
  });
}

test('the incumbent: wire commands (countDocuments is `aggregate $cmd`), each getMore a span, parents right here', async () => {
  const spans = await run('incumbent', 'inline');
  const requests = perRequest(spans);
  for (const id of ['r1', 'r2']) {
    const { names } = requests[id]!;
    assert.ok(names.includes('insert users_rN') && names.includes('update users_rN') && names.includes('delete users_rN'), names.join(', '));
    assert.ok(names.includes('aggregate $cmd'), `countDocuments shows up as: ${names.join(', ')}`);
    assert.is(names.filter((n) => n === 'getMore users_rN').length, 4, names.join(', '));
  }
  const insert = spans.find((s) => s.name === 'insert users_r1')!;
  assert.ok(typeof insert.attributes['db.query.text'] === 'string', 'the incumbent records the command shape (values replaced by ?)');
  process.stdout.write(`\n  incumbent on mongodb ${driverMajor()}: ${requests.r1!.names.join(', ')}\n`);
});

test.run();
