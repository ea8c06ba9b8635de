// The hostile-input matrix of issue #21 as a spec: each row of spec/hostile/table.ts runs on the
// bare driver, then on rotor inline, pool and sync, and is judged against the bare driver's record:
// - the outcome: the same result or the same error class and message (or the clearer error the row names);
// - rule 1: a write that happened is never reported failed, and where the driver refuses before
//   sending, rotor refuses before sending (what the server holds afterwards is what the driver left);
// - rule 2: a value or error a user function hands back is the very value or error the caller gets;
// - the host alive: no uncaught exception or unhandled rejection the driver did not cause;
// - `poolStats()` back to zero once the row's clients are closed.
import * as assert from 'uvu/assert';
import { suite } from './support/env.js';
import { ROWS } from './hostile/table.js';
import { ROW_MS, type Row } from './hostile/row.js';
import { allDbs, closeTargets, matrixTargets, runRow, stopObserving, watchHost, type Record_ } from './hostile/runner.js';

const test = suite('hostile inputs');
const targets = matrixTargets();

test.before(() => watchHost(true));
test.after(async () => {
  watchHost(false);
  await stopObserving(allDbs());
});

/** What differs between a target's record and the bare driver's, as sentences (empty: the row holds). */
function judge(row: Row, bare: Record_, mine: Record_): string[] {
  const wrong: string[] = [];
  if (mine.outcome !== bare.outcome) {
    const clearer = row.expect !== 'same' && row.expect.clearer.test(mine.outcome);
    if (!clearer) wrong.push(`outcome: ${mine.outcome}\n      driver: ${bare.outcome}`);
    if (/same: false/.test(mine.outcome) && /same: true/.test(bare.outcome)) wrong.push('rule 2: the caller did not get what the user function handed back');
  }
  const refusedClearer = row.expect !== 'same' && row.expect.clearer.test(mine.outcome) && mine.stored === 'nothing';
  if (mine.stored !== bare.stored && !refusedClearer) {
    const rule = mine.outcome.startsWith('threw') && !bare.outcome.startsWith('threw') ? ' (rule 1: written, then reported failed?)' : bare.outcome.startsWith('threw') && bare.stored === 'nothing' ? ' (rule 1: the driver refused before sending)' : '';
    wrong.push(`server holds${rule}: ${mine.stored}\n      driver left: ${bare.stored}`);
  }
  if (mine.host.join() !== bare.host.join()) wrong.push(`host: ${mine.host.join(' | ') || 'nothing'}\n      driver: ${bare.host.join(' | ') || 'nothing'}`);
  if (mine.leftover) wrong.push(`poolStats() after close: ${mine.leftover}`);
  return wrong;
}

// ROTOR_HOSTILE_ROWS=<regex> runs only the rows whose label matches (to iterate on a few).
const onlyRows = process.env.ROTOR_HOSTILE_ROWS ? new RegExp(process.env.ROTOR_HOSTILE_ROWS) : undefined;

ROWS.forEach((row, index) => {
  const label = `${row.input} → ${row.where}${row.issue ? ` (#21 item ${row.issue})` : ''}`;
  if (onlyRows && !onlyRows.test(label)) return;
  test(label, async () => {
    const prefix = `r${index}`;
    const [bare, ...others] = targets;
    const ms = row.timeoutMS ?? ROW_MS;
    const reference = await runRow(bare!, prefix, (t) => row.run(t), ms);
    const wrong: string[] = [];
    for (const target of others) {
      if (target.name !== 'bare' && row.notOn?.[target.name]) continue;
      const mine = await runRow(target, prefix, (t) => row.run(t), ms);
      for (const w of judge(row, reference, mine)) wrong.push(`[${target.name}] ${w}`);
    }
    assert.ok(wrong.length === 0, `${label}\n    ${wrong.join('\n    ')}`);
  });
});

test('poolStats() back to zero once the matrix closed its clients', async () => {
  assert.is(await closeTargets(targets), '', 'counters left after every client closed');
});

test.run();
