// `node dist/lib/types/generate/cli.js --mode callback|sync --out FILE [--driver PACKAGE] [--runtime MODULE]`:
// writes an entry point's typed module (see ./emit.ts). `npm run build` runs it for rotor/callback
// before compiling, so the shipped declarations always match the driver rotor was built against.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDriver, locateDriver } from './driver.js';
import { emitModule } from './emit.js';
import { MODES, type ModeName } from './modes.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'callback' },
    out: { type: 'string' },
    driver: { type: 'string', default: 'mongodb' },
    runtime: { type: 'string' },
  },
});
const mode = MODES[values.mode as ModeName];
if (!mode || !values.out) {
  process.stderr.write(`usage: generate --mode ${Object.keys(MODES).join('|')} --out FILE [--driver PACKAGE] [--runtime MODULE]\n`);
  process.exit(2);
}
const located = locateDriver(values.driver);
const text = emitModule({ driver: loadDriver(located.path, located.label), mode, ...(values.runtime ? { runtime: values.runtime } : {}) });
const out = resolve(values.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, text);
process.stdout.write(`rotor: generated ${values.mode} types from ${located.label} → ${values.out}\n`);
