// The package root (the folder holding rotor's package.json), found by walking up from this file
// so it is the same from dist/lib/util, from any caller's folder depth and from an installed copy.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder at or above `from` that holds a package.json. */
export function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** rotor's own package root. */
export const packageRoot: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
