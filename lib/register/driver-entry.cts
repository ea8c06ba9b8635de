// Which files are the driver's entry: the main file of any installed package named `mongodb`
// (node_modules/mongodb, an npm alias such as node_modules/mongodb6, a nested copy). Test runners
// resolve the driver themselves and load that file by absolute path (vitest), so rotor/register
// looks at where a resolution lands, not only at the specifier 'mongodb'.
import fs = require('node:fs');
import path = require('node:path');

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
/** Package folder → its entry file when the package is the driver, else null. */
const entries = new Map<string, string | null>();

/** The package folder holding `file` under its last node_modules ('@scope/name' included), if any. Runs on every require of the app: no split, one slice. */
function packageDir(file: string): string | undefined {
  const at = file.lastIndexOf(NODE_MODULES);
  if (at < 0) return undefined;
  const start = at + NODE_MODULES.length;
  let end = file.indexOf(path.sep, start);
  if (end > start && file[start] === '@') end = file.indexOf(path.sep, end + 1);
  return end > start ? file.slice(0, end) : undefined;
}

function driverEntryOf(dir: string): string | null {
  let entry = entries.get(dir);
  if (entry !== undefined) return entry;
  entry = null;
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; main?: unknown };
    if (pkg.name === 'mongodb') entry = path.resolve(dir, typeof pkg.main === 'string' ? pkg.main : 'index.js').replace(/(?<!\.js)$/, '.js');
  } catch {
    // no readable package.json: not the driver
  }
  entries.set(dir, entry);
  return entry;
}

/** Whether `file` (an absolute path) is the entry file of an installed mongodb driver. */
export function isDriverEntry(file: string): boolean {
  const dir = packageDir(file);
  return dir !== undefined && driverEntryOf(dir) === file;
}

/** Whether `file` belongs to an installed mongodb driver (its own requires of itself, e.g. `require('..')`, stay the driver's). */
export function isInsideDriver(file: string): boolean {
  const dir = packageDir(file);
  return dir !== undefined && driverEntryOf(dir) !== null;
}
