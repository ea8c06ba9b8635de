// Drop-in tracing of an unmodified mongoose app: `node --import rotor/register` with
// ROTOR_TRACING=1 (and an OpenTelemetry SDK the app starts, spec/fixtures/otel-sdk.mjs) gives the
// span tree of a request doing model save, find and populate, inline and pool. mongoose comes from
// a mongoose check scratch folder (MONGOOSE_SCRATCH, or one installed here the way the check does:
// ../shared/thirdparty/mongoose-suite.sh); without ../shared/thirdparty or the network: skipped, saying so.
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dbName, suite, testUri } from './support/env.js';
import { packageRoot } from '../lib/util/package-root.js';
import { DEFAULT_THIRDPARTY } from './support/mongoose-check.js';
import { spawnSync } from 'node:child_process';

interface OutSpan {
  name: string;
  parent: string | null;
  attributes: Record<string, unknown>;
}

const test = suite('mongoose tracing (drop-in)');

/** A scratch folder with mongoose and its dependencies installed, or why there is none. */
function mongooseScratch(): { dir: string } | { skip: string } {
  const given = process.env.MONGOOSE_SCRATCH;
  if (given && existsSync(join(given, 'node_modules', 'mocha'))) return { dir: given };
  const suiteScript = join(DEFAULT_THIRDPARTY, 'mongoose-suite.sh');
  if (!existsSync(suiteScript)) return { skip: `${DEFAULT_THIRDPARTY} (mongoose) is absent` };
  const dir = mkdtempSync(join(tmpdir(), 'rotor-mongoose-trace-'));
  const install = spawnSync('bash', [suiteScript, ' ', 'model'], { cwd: packageRoot, env: { ...process.env, MONGOOSE_SCRATCH: dir, MONGODB_URI: testUri() }, timeout: 10 * 60_000 });
  if (install.status !== 0 || !existsSync(join(dir, 'node_modules', 'mongodb'))) return { skip: `mongoose's dependencies could not be installed (no network?): ${String(install.stderr).slice(0, 200)}` };
  return { dir };
}

const scratch = mongooseScratch();

if ('skip' in scratch) {
  test.skip('a mongoose app’s request is one span tree: save, find, populate', scratch.skip);
} else {
  // @opentelemetry/api is an optional peer the scratch does not install: rotor's own copy (only it) on NODE_PATH.
  const otelPath = mkdtempSync(join(tmpdir(), 'rotor-otel-path-'));
  symlinkSync(join(packageRoot, 'node_modules', '@opentelemetry'), join(otelPath, '@opentelemetry'));

  for (const executor of ['inline', 'pool']) {
    test(`a mongoose app’s request is one span tree: save, find, populate (${executor})`, () => {
      // Not the suite's node options (its mongodb 6 run's loader hook): mongoose brings its own driver.
      const child = spawnSync(
        process.execPath,
        ['--import', pathToFileURL(join(packageRoot, 'spec', 'fixtures', 'otel-sdk.mjs')).href, '--import', 'rotor/register', join(packageRoot, 'spec', 'fixtures', 'mongoose-trace-app.cjs'), dbName(`mgtrace_${executor}`)],
        { env: { ...process.env, MONGODB_URI: testUri(), ROTOR_TRACING: '1', ROTOR_EXECUTOR: executor, NODE_PATH: otelPath }, cwd: scratch.dir, timeout: 120_000, encoding: 'utf8' },
      );
      assert.is(child.status, 0, child.stderr);
      assert.match(child.stdout, /books Notes by Ada/);
      const spans = JSON.parse(/^SPANS (.*)$/m.exec(child.stdout)![1]!) as OutSpan[];
      const tree = spans.filter((s) => s.parent === 'GET /books').map((s) => s.name);
      process.stdout.write(`\n  ${executor}: GET /books → ${tree.join(', ')}\n`);
      // The bare driver's wire commands would be insert, insert, find, find; rotor names what mongoose called.
      assert.equal(tree, ['insertOne authors', 'insertOne books', 'find books', 'find authors']);
      const find = spans.find((s) => s.name === 'find authors')!;
      assert.is(find.attributes['db.system.name'], 'mongodb');
      assert.is(find.attributes['db.collection.name'], 'authors');
    });
  }
}

test.run();
