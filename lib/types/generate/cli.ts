// `node dist/lib/types/generate/cli.js --mode callback|sync --out FILE [--driver PACKAGE] [--runtime MODULE]`:
// writes an entry point's typed module (see ./emit.ts). `npm run build` runs it for rotor/callback
// before compiling, so the shipped declarations always match the driver rotor was built against.
// `--entry typed|plain --runtime MODULE --out FILE`: an entry point's class exports (see ./entries.ts),
// typed as the driver's classes or values only.
// `--table options-at --driver PACKAGE... --out FILE`: the registry's options positions, from each
// given driver's declarations (see ./options-at.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDriver, locateDriver } from './driver.js';
import { emitModule } from './emit.js';
import { emitEntry } from './entries.js';
import { MODES, type ModeName } from './modes.js';
import { emitOptionsAt } from './options-at.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'callback' },
    entry: { type: 'string' },
    out: { type: 'string' },
    driver: { type: 'string', multiple: true },
    runtime: { type: 'string' },
    table: { type: 'string' },
  },
});
if (values.table !== undefined) generateTable(values.table, values.driver ?? [], values.out);
else generateModule();

/** `--table options-at`: the registry's options positions, from every `--driver`'s declarations. */
function generateTable(table: string, packages: string[], out: string | undefined): void {
  if (table !== 'options-at' || !out || !packages.length) {
    process.stderr.write('usage: generate --table options-at --driver PACKAGE [--driver PACKAGE...] --out FILE\n');
    process.exit(2);
  }
  const drivers = packages.map((name) => locateDriver(name)).map((d) => loadDriver(d.path, d.label));
  write(out, emitOptionsAt(drivers), `options-at table from ${drivers.map((d) => d.label).join(' and ')}`);
}

function generateModule(): void {
  const mode = MODES[values.mode as ModeName];
  const entry = values.entry;
  if (!mode || !values.out || (entry !== undefined && ((entry !== 'typed' && entry !== 'plain') || !values.runtime))) {
    process.stderr.write(
      `usage: generate --mode ${Object.keys(MODES).join('|')} --out FILE [--driver PACKAGE] [--runtime MODULE]\n` +
        '       generate --entry typed|plain --runtime MODULE --out FILE [--driver PACKAGE]\n',
    );
    process.exit(2);
  }
  const located = entry === 'plain' ? undefined : locateDriver(values.driver?.[0]);
  const driver = located && loadDriver(located.path, located.label);
  const text = entry
    ? emitEntry({ runtime: values.runtime!, ...(driver ? { driver } : {}) })
    : emitModule({ driver: driver!, mode, ...(values.runtime ? { runtime: values.runtime } : {}) });
  write(values.out, text, `${entry ? `${entry} entry` : `${values.mode} types`}${located ? ` from ${located.label}` : ''}`);
}

function write(file: string, text: string, what: string): void {
  const out = resolve(file);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  process.stdout.write(`rotor: generated ${what} → ${file}\n`);
}
