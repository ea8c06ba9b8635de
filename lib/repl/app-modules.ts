// The app's own code in a session: `--import ./src/db.js` (repeatable) and `.rotorrc.mjs` in the
// working directory. Their exports join the scope; their `import 'mongodb'` resolves to
// app-mongodb.js (./app-hooks.ts, a resolve hook pointed at the session).
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SESSION_LINK, type SessionLink } from './app-mongodb.js';

export const RC_FILE = '.rotorrc.mjs';

const here = dirname(fileURLToPath(import.meta.url));
let hooked = false;

/** Makes `import 'mongodb'` in modules loaded from now on give the session's classes. */
export function linkAppModules(link: SessionLink): void {
  (globalThis as Record<symbol, SessionLink>)[SESSION_LINK] = link;
  if (hooked) return;
  hooked = true;
  register(pathToFileURL(join(here, 'app-hooks.js')).href, {
    data: { entryURL: pathToFileURL(join(here, 'app-mongodb.js')).href, libURL: pathToFileURL(resolve(here, '..') + '/').href },
  });
}

/** The modules to load: each --import, then .rotorrc.mjs when the working directory has one. */
export function appModulePaths(imports: string[], cwd = process.cwd()): string[] {
  const rc = join(cwd, RC_FILE);
  return [...imports.map((p) => resolve(cwd, p)), ...(existsSync(rc) ? [rc] : [])];
}

/** Imports each module; returns their exports merged (later ones win), for the scope. */
export async function loadAppModules(paths: string[]): Promise<Record<string, unknown>> {
  const scope: Record<string, unknown> = {};
  for (const path of paths) {
    const exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) if (name !== 'default') scope[name] = value;
  }
  return scope;
}
