// The driver's own type tests (../shared/driver-types/types: tsd files of mongodb 7.5) run against
// `mongodb`, `rotor`, `rotor/callback` and `rotor/sync` in one tsd pass (spec/support/driver-type-tests.ts):
// a scratch copy per entry with the driver's imports rewritten to it, and for rotor/sync the
// assertions on Promise results adapted mechanically (spec/support/sync-type-transform.ts). A
// diagnostic an entry has that `mongodb` does not have on the same file, line and column fails,
// unless listed below with its reason.
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import { existsSync } from 'node:fs';
import { CONTROL_FINDINGS, ENTRIES, runDriverTypeTests, sharedTypes, type Entry } from './support/driver-type-tests.js';
import { NOT_PROMISE_MESSAGE } from '../lib/types/generate/modes.js';
import { driverMajor } from './support/env.js';
import { adaptForSync } from './support/sync-type-transform.js';

const test = suite('types: the driver\'s own type tests');

/** What a Promise-returning function given to rotor/sync's withSession / withTransaction is told (lib/types/generate/modes.ts). */
const REFUSED = `"${NOT_PROMISE_MESSAGE}"`;
/**
 * Diagnostics an entry may have where `mongodb` has none, `file:line` → the message and why. The
 * spec fails on one that no longer occurs, so the list cannot go stale.
 */
const EXPLAINED: Partial<Record<Entry, Record<string, { message: string; reason: string }>>> = {
  'rotor/sync': {
    'community/client.test-d.ts:68': {
      message: 'Argument of type \'Promise<void>\' is not assignable to parameter of type \'void\'.',
      reason: 'the adaptation is syntactic and rewrote `expectType<Promise<void>>(uploadStream.abort())` too, but GridFS streams stay Node streams under rotor/sync and their methods keep returning Promises: the test as written holds',
    },
    'community/transaction.test-d.ts:113': {
      message: `Type 'Promise<void>' is not assignable to type '${REFUSED}'.`,
      reason: '`client.withSession(session => runTransactionWithRetry(...))` hands withSession a (non-async) function that returns a Promise, which rotor/sync refuses: it would throw a TypeError at run time (the adaptation only rewrites an `async` function written in the call)',
    },
    'sessions.test-d.ts:33': {
      message: `Argument of type '() => Promise<unknown>' is not assignable to parameter of type '(session: ClientSession) => ${REFUSED}'.`,
      reason: '`client.withSession(unknownFn)` with `unknownFn: () => Promise<unknown>`: a function typed as returning a Promise, which rotor/sync refuses (it would throw a TypeError at run time); the adaptation leaves variables\' declared types alone',
    },
    'sessions.test-d.ts:35': {
      message: 'Expected an error, but found none.',
      reason: '`expectError(await client.withSession(() => null))` asserts that withSession refuses a function not returning a Promise; rotor/sync\'s withSession takes exactly such a function (issue #13)',
    },
  },
};

test('the sync adaptation restates Promise<T> as T in place (lines and columns kept) and leaves the rest alone', () => {
  const source = [
    'type R = Promise<{ n: number }>;',
    'expectType<Promise<Doc | null>>(c.findOne()); expectType<Doc>(await c.findOne());',
    'function wrap(): Promise<Doc> { return c.findOne(); }',
    'async function keep(): Promise<Doc> { return c.findOne(); }',
    'const fn: () => Promise<unknown> = async () => 2;',
    'client.withSession(async (s) => { return await c.insertOne({}, { session: s }); });',
  ].join('\n');
  const { text, edits } = adaptForSync(source);
  assert.equal(edits, { assertion: 1, alias: 1, wrapper: 1, 'user-fn': 1 });
  assert.equal(text.split('\n').map((l) => l.length), source.split('\n').map((l) => l.length), 'every line keeps its length');
  const lines = text.split('\n');
  assert.is(lines[0], 'type R =         { n: number } ;');
  assert.is(lines[1], 'expectType<        Doc | null >(c.findOne()); expectType<Doc>(await c.findOne());');
  assert.is(lines[2], 'function wrap():         Doc  { return c.findOne(); }');
  assert.is(lines[3], source.split('\n')[3], 'an async function keeps its Promise');
  assert.is(lines[4], source.split('\n')[4], 'a Promise outside assertions, aliases and wrappers stays');
  assert.is(lines[5], 'client.withSession(      (s) => { return       c.insertOne({}, { session: s }); });');
});

const name = 'rotor, rotor/callback and rotor/sync add no diagnostic to the driver\'s type tests';
if (!existsSync(sharedTypes)) {
  test.skip(name, () => {});
  process.stdout.write(`\n  skipped: the driver's type tests — ${sharedTypes} is absent\n`);
} else if (driverMajor() !== 7) {
  test.skip(name, () => {});
  process.stdout.write('\n  skipped: the driver\'s type tests — they are mongodb 7.5\'s and rotor\'s declarations are built against mongodb 7 (the 7.x run checks them)\n');
} else {
  test(name, async () => {
    const { diagnostics, stats, control } = await runDriverTypeTests();
    const driver = diagnostics.mongodb;
    const lines = ENTRIES.map((e) => {
      const extra = [...diagnostics[e].keys()].filter((k) => !driver.has(k)).length;
      const edits = Object.entries(stats[e].edits).map(([rule, n]) => `${rule} ${n}`).join(', ');
      return `    ${e}: ${stats[e].files} files, ${stats[e].assertions} assertions${edits ? ` (adapted: ${edits})` : ''}; ${diagnostics[e].size} error diagnostics${e === 'mongodb' ? '' : `, ${extra} not on mongodb`}`;
    });
    process.stdout.write(`\n  driver type tests (one tsd pass):\n${lines.join('\n')}\n`);
    assert.is(control.length, CONTROL_FINDINGS, `tsd must report the control's failing assertions (it checked nothing otherwise): ${control.join(' | ')}`);
    assert.ok(stats.mongodb.assertions > 0 && driver.size > 0, 'the driver itself has a few (tests importing driver internals): a run with none did not check anything');
    for (const entry of ENTRIES.slice(1)) {
      const explained = EXPLAINED[entry] ?? {};
      const extra = [...diagnostics[entry]].filter(([key]) => !driver.has(key));
      const unexplained = extra.filter(([key, message]) => explained[key.replace(/:\d+$/, '')]?.message !== message).map(([key, message]) => `${key} ${message}`);
      assert.equal(unexplained, [], `${entry}: diagnostics mongodb does not have`);
      const gone = Object.keys(explained).filter((at) => !extra.some(([key]) => key.replace(/:\d+$/, '') === at));
      assert.equal(gone, [], `${entry}: explained diagnostics that no longer occur (delete them from EXPLAINED)`);
    }
  });
}

test.run();
