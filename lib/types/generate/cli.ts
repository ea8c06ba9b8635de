// `node dist/lib/types/generate/cli.js --mode callback|sync --out FILE [--driver PACKAGE] [--runtime MODULE]`:
// writes an entry point's typed module (see ./emit.ts). `npm run build` runs it for rotor/callback
// before compiling, so the shipped declarations always match the driver rotor was built against.
// `--entry typed|plain --runtime MODULE --out FILE`: an entry point's class exports (see ./entries.ts),
// typed as the driver's classes or values only.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDriver, locateDriver } from './driver.js';
import { emitModule } from './emit.js';
import { emitEntry } from './entries.js';
import { MODES, type ModeName } from './modes.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'callback' },
    entry: { type: 'string' },
    out: { type: 'string' },
    driver: { type: 'string', default: 'mongodb' },
    runtime: { type: 'string' },
  },
});
const mode = MODES[values.mode as ModeName];
const entry = values.entry;
if (!mode || !values.out || (entry !== undefined && ((entry !== 'typed' && entry !== 'plain') || !values.runtime))) {
  process.stderr.write(
    `usage: generate --mode ${Object.keys(MODES).join('|')} --out FILE [--driver PACKAGE] [--runtime MODULE]\n` +
      '       generate --entry typed|plain --runtime MODULE --out FILE [--driver PACKAGE]\n',
  );
  process.exit(2);
}
const located = entry === 'plain' ? undefined : locateDriver(values.driver);
const driver = located && loadDriver(located.path, located.label);
const text = entry
  ? emitEntry({ runtime: values.runtime!, ...(driver ? { driver } : {}) })
  : emitModule({ driver: driver!, mode, ...(values.runtime ? { runtime: values.runtime } : {}) });
const out = resolve(values.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, text);
process.stdout.write(`rotor: generated ${entry ? `${entry} entry` : `${values.mode} types`}${located ? ` from ${located.label}` : ''} → ${values.out}\n`);
