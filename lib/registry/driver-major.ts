// The major version of the driver this thread loaded, for registry data that differs between the
// supported majors (./generated/options-at.ts). Read from the package.json of the file `import
// 'mongodb'` resolves to from here, through whatever resolve hooks are installed (the 6.x test run
// maps `mongodb` to the `mongodb6` alias), as rotor's own imports of the driver resolve.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let major: number | undefined | null = null;

/** The loaded driver's major (6, 7...), or undefined when it cannot be told (no file behind the module). */
export function loadedDriverMajor(): number | undefined {
  if (major === null) major = readMajor();
  return major;
}

function readMajor(): number | undefined {
  try {
    for (let dir = dirname(fileURLToPath(import.meta.resolve('mongodb'))); ; dir = dirname(dir)) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'mongodb') return Number(pkg.version?.split('.')[0]) || undefined;
      }
      if (dirname(dir) === dir) return undefined;
    }
  } catch {
    return undefined;
  }
}
