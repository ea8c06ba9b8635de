// rotor/register (CommonJS; `node --require rotor/register app.cjs`): every `require('mongodb')`
// and `import 'mongodb'` of the app gets rotor. rotor's own requires of the driver, and the
// driver's of itself, get the driver. Framework and executor: ROTOR_FRAMEWORK, ROTOR_EXECUTOR.
//
// How, without an ES module loader thread (Node 20's module.register runs resolve hooks in a thread
// of their own: ~50 ms of CPU and a synchronous round trip per import): the driver is CommonJS, and
// Node builds the ES module of a CommonJS file from the module in its CommonJS cache
// (require.cache) when there is one, reading its `module.exports` once the import evaluates (the
// export names come from the file's source). So the cache entry of the driver's entry file is a
// stand-in whose `exports` is rotor's exports object (built on first read, by ./entry.cts): every
// `import 'mongodb'` (bare, by path or by URL, as vitest imports it) and every `require('mongodb')`
// of the app lands on it. The real driver is loaded beside it, on first need, under a second cache
// key that rotor's requires (lib/driver.cts) and the driver's own (`require('..')`) resolve to.
// Another copy of the driver (a nested node_modules/mongodb, an npm alias such as mongodb6) is sent
// to the same stand-in: require() by the resolution below, import by filling that copy's cache
// entry when Node's ES loader asks the CommonJS loader for it (see redirectCopy).
import path = require('node:path');
import nodeModule = require('node:module');
import { isMainThread, workerData } from 'node:worker_threads';
import { isDriverEntry, isInsideDriver } from './driver-entry.cjs';
// Type-only: keeps entry.cts in the compilation (it is loaded by path, below).
import type _entry = require('./entry.cjs');

const INSTALLED = Symbol.for('rotor.register.installed');

/** rotor's compiled lib folder (this file is in <lib>/register/). */
const libDir = path.resolve(__dirname, '..');
const entryCjs = path.join(__dirname, 'entry.cjs');

interface CjsModule {
  id: string;
  filename: string;
  paths: string[];
  loaded: boolean;
  exports: unknown;
  load(filename: string): void;
}
type ResolveFilename = (request: string, parent: { filename?: string | null } | undefined | null, isMain: boolean, options?: unknown) => string;
const Module = nodeModule as unknown as {
  new (id: string, parent?: unknown): CjsModule;
  _cache: Record<string, CjsModule | undefined>;
  _resolveFilename: ResolveFilename;
  _nodeModulePaths(dir: string): string[];
};

/** Whether a require from `filename` keeps the real driver: rotor's own modules and any copy of the driver (its `require('..')`). */
function keepsDriver(filename: string | null | undefined): boolean {
  if (!filename) return false;
  return filename.startsWith(libDir + path.sep) || filename.includes(`${path.sep}node_modules${path.sep}mongodb${path.sep}`) || isInsideDriver(filename);
}

/**
 * rotor's pool worker carries POOL_WORKER_MARK (lib/executor/pool/main/launch.ts; not imported:
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
 * Starts the pool's worker before the app loads anything: it loads the driver while this thread
 * does.
 */
function startEarlyWorker(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('../executor/pool/main/launch.js') as { startEarlyWorker(): void }).startEarlyWorker();
}

/** A loaded cache entry for `filename` whose exports are read from `get` (Node never loads it from disk). */
function standIn(filename: string, get: () => unknown): CjsModule {
  const m = new Module(filename);
  m.filename = filename;
  m.paths = Module._nodeModulePaths(path.dirname(filename));
  fill(m, get);
  return m;
}

function fill(m: CjsModule, get: () => unknown): void {
  Object.defineProperty(m, 'exports', { get, set() {}, enumerable: true, configurable: true });
  m.loaded = true;
}

function install(): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[INSTALLED]) return;
  // rotor's own pool worker (NODE_OPTIONS preloads this in every thread): it resolves nothing to rotor.
  if (!isMainThread && isPoolWorker(workerData)) return;
  g[INSTALLED] = true;
  if (isMainThread && poolChosen()) startEarlyWorker();

  let driverPath: string;
  try {
    driverPath = require.resolve('mongodb');
  } catch {
    return; // no driver installed: the app's own import fails as it would without rotor
  }

  // The real driver: loaded on first need, kept under its own cache key (the same path with a
  // doubled separator: it reads as the same file, and Node's own resolution never produces it).
  const realKey = path.dirname(driverPath) + path.sep + path.sep + path.basename(driverPath);
  // Loaded already (rotor/register required after the app's first require of the driver): that one.
  const loaded = Module._cache[driverPath]?.loaded ? Module._cache[driverPath] : undefined;
  const real = loaded ?? new Module(driverPath);
  real.filename = driverPath;
  real.paths = Module._nodeModulePaths(path.dirname(driverPath));
  let realState: 'unloaded' | 'loading' | 'loaded' = loaded ? 'loaded' : 'unloaded';
  const realExports = (): unknown => {
    if (realState === 'unloaded') {
      realState = 'loading';
      try {
        real.load(driverPath);
        realState = 'loaded';
      } catch (error) {
        realState = 'unloaded';
        real.exports = {};
        throw error;
      }
    }
    // While loading: the driver's own require('..') sees its partial exports, as with any cycle.
    return real.exports;
  };

  // What the app gets: rotor's exports object, built on first read (the framework and executor are
  // read from the environment then, as the app may set them before it imports the driver).
  let built: unknown;
  let building = false;
  const appExports = (): unknown => {
    if (built !== undefined) return built;
    // Should something read the app's entry while rotor itself is being built: the driver.
    if (building) return realExports();
    building = true;
    try {
      realExports();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      built = require(entryCjs) as unknown;
    } finally {
      building = false;
    }
    return built;
  };

  Module._cache[realKey] = standIn(realKey, realExports);
  Module._cache[driverPath] = standIn(driverPath, appExports);

  /**
   * Another copy's entry file, reached with no parent: an import (Node's ES loader has put an empty
   * entry for the file in the cache and asks the CommonJS loader to fill it; its ES module reads
   * that entry's exports), or a direct Module._load.
   */
  const redirectCopy = (filename: string): string => {
    const entry = Module._cache[filename];
    if (!entry) return driverPath;
    if (!entry.loaded) fill(entry, appExports);
    return filename;
  };

  const original = Module._resolveFilename;
  Module._resolveFilename = function (this: unknown, request, parent, isMain, options) {
    const filename = original.call(this, request, parent, isMain, options);
    if (filename === driverPath) return keepsDriver(parent?.filename) ? realKey : filename;
    if (!isDriverEntry(filename)) return filename;
    // Another copy of the driver: rotor for the app, itself for its own files and rotor's.
    if (!parent) return redirectCopy(filename);
    return keepsDriver(parent.filename) ? filename : driverPath;
  };

  // Node ≥ 22.15: in-thread resolution hooks also reach what the above cannot (./hooks.cts).
  const { registerHooks } = nodeModule as { registerHooks?: (hooks: { resolve: unknown }) => unknown };
  if (typeof registerHooks === 'function') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { resolveHook } = require('./hooks.cjs') as typeof import('./hooks.cjs');
    registerHooks.call(nodeModule, { resolve: resolveHook(driverPath, libDir) });
  }
}

install();
