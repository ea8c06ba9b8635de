// `npm run bench:tracing` runs alone and reports every participant (a tiny run; no timing asserted).
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { suite, testUri } from './support/env.js';
import { runNode } from './support/child.js';
import { packageRoot } from '../lib/util/package-root.js';
import { PARTICIPANTS } from '../bench/tracing/run.js';

const test = suite('bench:tracing');

test('bare, rotor, rotor + tracing and bare + the incumbent each report CPU and wall µs per command', async () => {
  const run = await runNode([join(packageRoot, 'dist', 'bench', 'tracing', 'run.js'), '--commands', '20', '--rounds', '1'], {
    env: { ...process.env, MONGODB_URI: testUri() },
    timeoutMS: 180_000,
    what: 'bench:tracing',
  });
  assert.is(run.code, 0, run.stderr);
  for (const p of PARTICIPANTS) assert.match(run.stdout, new RegExp(`^${p.replace('+', '\\+')}\\s+\\d+\\.\\d\\s+\\d+\\.\\d\\d×\\s+\\d+\\.\\d$`, 'm'));
});

test.run();
