// The REPL's module resolution hooks (module.register), for the app's own modules a session loads
// (`--import ./src/db.js`, `.rotorrc.mjs`; ./app-modules.ts): their `import 'mongodb'`, and any
// import landing on a driver's entry file, resolve to the session's entry (app-mongodb.js). Loaded
// only by a REPL session that has such modules: rotor/register itself needs no loader thread.
import type { ResolveHookContext } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isDriverEntry, isInsideDriver } from '../register/driver-entry.cjs';

interface Data {
  /** file: URL of entry.js. */
  entryURL: string;
  /** file: URL prefix of rotor's compiled lib folder (its own imports are never redirected). */
  libURL: string;
}

let data: Data | undefined;

/** Node's `initialize` hook may be synchronous (module.register waits for it either way). */
export function initialize(init: Data): void {
  data = init;
}

/** Whether an import made from `parentURL` keeps the real driver. */
export function keepsDriver(parentURL: string, libURL: string): boolean {
  if (parentURL.startsWith(libURL) || /\/node_modules\/mongodb\//.test(parentURL)) return true;
  // The driver in any folder (an npm alias such as node_modules/mongodb6 requires itself by '..').
  return parentURL.startsWith('file:') && isInsideDriver(fileURLToPath(parentURL));
}

type Next = (specifier: string, context?: ResolveHookContext) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: ResolveHookContext, next: Next): Promise<{ url: string; shortCircuit?: boolean }> {
  if (!data || !context.parentURL || keepsDriver(context.parentURL, data.libURL)) return next(specifier, context);
  if (specifier === 'mongodb') return { url: data.entryURL, shortCircuit: true };
  const resolved = await next(specifier, context);
  if (resolved.url.startsWith('file:') && isDriverEntry(fileURLToPath(resolved.url))) return { url: data.entryURL, shortCircuit: true };
  return resolved;
}
