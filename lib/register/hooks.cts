// The one case rotor/register's module-cache stand-in (./register.cts) cannot reach by itself:
// another copy of the driver (a nested node_modules/mongodb, an npm alias such as mongodb6),
// imported as an ES module while a loader of the app's supplies CommonJS source itself (Node then
// compiles that copy without asking the CommonJS loader). Where Node has in-thread resolution hooks
// (module.registerHooks, Node ≥ 22.15), this one sends such an import to the stand-in; Node 20's
// module.register would need a loader thread of its own (~50 ms of CPU per process), so there this
// case stays the other copy's.
import path = require('node:path');
import url = require('node:url');
import { isDriverEntry, isInsideDriver } from './driver-entry.cjs';

/** Whether an import made from `parentURL` keeps the real driver: rotor's own modules (under `libURL`) and the driver's, in any copy. */
export function keepsDriver(parentURL: string, libURL: string): boolean {
  if (parentURL.startsWith(libURL) || /\/node_modules\/mongodb\//.test(parentURL)) return true;
  return parentURL.startsWith('file:') && isInsideDriver(url.fileURLToPath(parentURL));
}

interface Resolved {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context?: { parentURL?: string | undefined }) => Resolved;

/** The resolve hook: a resolution landing on another copy's entry file resolves to `driverPath` (the stand-in). */
export function resolveHook(driverPath: string, libDir: string): (specifier: string, context: { parentURL?: string | undefined }, next: NextResolve) => Resolved {
  const libURL = url.pathToFileURL(libDir + path.sep).href;
  const driverURL = url.pathToFileURL(driverPath).href;
  return (specifier, context, next) => {
    const resolved = next(specifier, context);
    if (!resolved.url.startsWith('file:') || resolved.url === driverURL) return resolved;
    if (!isDriverEntry(url.fileURLToPath(resolved.url))) return resolved;
    if (context.parentURL && keepsDriver(context.parentURL, libURL)) return resolved;
    return { url: driverURL, format: 'commonjs', shortCircuit: true };
  };
}
