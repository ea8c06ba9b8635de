// rotor/register (CommonJS; `node --require rotor/register app.cjs`): every `require('mongodb')`
// and `import 'mongodb'` of the app resolves to rotor. rotor's own imports of the driver, and the
// driver's of itself, are left alone. Framework and executor: ROTOR_FRAMEWORK, ROTOR_EXECUTOR.
import path = require('node:path');
import url = require('node:url');
import nodeModule = require('node:module');
import { isMainThread, workerData } from 'node:worker_threads';
import { isDriverEntry, isInsideDriver } from './driver-entry.cjs';
// Type-only: keeps entry.cts in the compilation (it is loaded by path, below).
import type _entry = require('./entry.cjs');

const INSTALLED = Symbol.for('rotor.register.installed');

/** rotor's compiled lib folder (this file is in <lib>/register/). */
const libDir = path.resolve(__dirname, '..');
const entryCjs = path.join(__dirname, 'entry.cjs');

/** Whether a require from `filename` keeps the real driver. */
function keepsDriver(filename: string | undefined): boolean {
  if (!filename) return false;
  // The driver in any folder (an npm alias such as node_modules/mongodb6 requires itself by '..').
  return filename.startsWith(libDir + path.sep) || filename.includes(`${path.sep}node_modules${path.sep}mongodb${path.sep}`) || isInsideDriver(filename);
}

/**
 * rotor's pool worker carries POOL_WORKER_MARK (lib/executor/pool/worker-options.ts; not imported:
 * this preload stays small) in its workerData, which tinypool wraps in an array.
 */
function isPoolWorker(data: unknown): boolean {
  const marked = (d: unknown): boolean => typeof d === 'object' && d !== null && (d as Record<string, unknown>).rotorPoolWorker === true;
  return marked(data) || (Array.isArray(data) && data.some(marked));
}

/**
 * Whether the app chose the pool (rotor.ts decides, and says what is wrong with a bad name; a sync
 * framework runs on the pool by default there too).
 */
function poolChosen(): boolean {
  const executor = process.env.ROTOR_EXECUTOR?.trim();
  return executor === 'pool' || (!executor && process.env.ROTOR_FRAMEWORK?.trim() === 'sync');
}

/**
 * Starts the pool's worker before the app loads anything (and before the hooks below, which would
 * route these imports through their thread): it loads the driver while this thread does.
 */
function startEarlyWorker(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('../executor/pool/worker-options.js') as { startEarlyWorker(): void }).startEarlyWorker();
}

type ResolveFilename = (request: string, parent: { filename?: string } | undefined, isMain: boolean, options?: unknown) => string;

function install(): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[INSTALLED]) return;
  // rotor's own pool worker (NODE_OPTIONS preloads this in every thread): it resolves nothing to
  // rotor, and ESM hooks would start a loader thread there and route each of its imports through it.
  if (!isMainThread && isPoolWorker(workerData)) return;
  g[INSTALLED] = true;
  if (isMainThread && poolChosen()) startEarlyWorker();

  // require(): CommonJS resolution.
  const Module = nodeModule as unknown as { _resolveFilename: ResolveFilename };
  const original = Module._resolveFilename;
  Module._resolveFilename = function (this: unknown, request, parent, isMain, options) {
    if (request === 'mongodb') return keepsDriver(parent?.filename) ? original.call(this, request, parent, isMain, options) : entryCjs;
    const filename = original.call(this, request, parent, isMain, options);
    // A path that lands on a driver's entry file (require('/app/node_modules/mongodb/lib/index.js')).
    // Only a require() from a file: Node loads a CommonJS file that an ES module imported with no
    // parent, and the ES hook (hooks.ts) has already decided that import.
    return parent?.filename && isDriverEntry(filename) && !keepsDriver(parent.filename) ? entryCjs : filename;
  };

  // import: ES module resolution hooks.
  nodeModule.register(url.pathToFileURL(path.join(__dirname, 'hooks.js')).href, {
    data: {
      entryURL: url.pathToFileURL(path.join(__dirname, 'entry.js')).href,
      libURL: url.pathToFileURL(libDir + path.sep).href,
    },
  });
}

install();
