// The REPL's framework × executor modes: which exist (read from createRotor's own tables, so a
// framework added there appears here by itself), the rotor classes of a mode (their executor made
// abortable for Ctrl-C), and connecting a client in a mode.
import type { MongoClient, MongoClientOptions } from 'mongodb';
import * as rotorModule from '../index.js';
import { createRotor, executorFor, EXECUTORS, FRAMEWORKS, type RotorClasses } from '../create-rotor.js';
import { CLASS_NAMES, resolveClass } from '../registry/resolve.js';
import { abortable } from './cancel.js';
import { checkNotRefused } from './refused.js';
import { projecting } from './projection.js';
import { reshaping } from './result-shapes.js';
import { shellMember } from './shell-members.js';
import type { Executor } from '../executor/types.js';

export interface Mode {
  framework: string;
  executor: string;
}

/** Executors rotor knows of, built or not (the pool executor may be missing from a build). */
const KNOWN_EXECUTORS = ['inline', 'pool'];

/**
 * The command's framework unless one is asked for: sync (mongosh's habit — a call's value is the
 * value, so `countDocuments() + 1` and `findOne().age` mean what they say) when the pool is built
 * and no inline executor was asked for; otherwise promise (values then need `await`; a statement's
 * Promise value is awaited before it is printed).
 */
export function defaultFramework(executor?: string): string {
  const blocking = Object.keys(FRAMEWORKS).find((name) => FRAMEWORKS[name]!.blocking);
  return blocking && executor !== 'inline' && !unavailable('executor', 'pool') ? blocking : 'promise';
}

/** How long the REPL waits for a server unless the URI or the caller says otherwise. */
export const SERVER_SELECTION_TIMEOUT_MS = 1_500;

export const frameworkNames = (): string[] => Object.keys(FRAMEWORKS);
export const executorNames = (): string[] => [...new Set([...KNOWN_EXECUTORS, ...Object.keys(EXECUTORS)])];

/** Checks a framework/executor name against what this build has; returns the problem, if any. */
export function unavailable(what: 'framework' | 'executor', name: string): string | undefined {
  const table: Readonly<Record<string, unknown>> = what === 'framework' ? FRAMEWORKS : EXECUTORS;
  if (Object.hasOwn(table, name)) return undefined;
  if (what === 'executor' && KNOWN_EXECUTORS.includes(name)) return `executor '${name}' is not available in this build`;
  return `unknown ${what} '${name}'; expected one of: ${Object.keys(table).join(', ')}`;
}

/**
 * A blocking framework (sync) runs only on the pool (blocking the thread that runs the driver would
 * deadlock): choosing it moves the executor to the pool; choosing the inline executor under it is
 * refused, with the reason.
 */
export function settleMode(current: Mode, change: Partial<Mode>): Mode | string {
  const next = { ...current, ...change };
  if (!FRAMEWORKS[next.framework]?.blocking || next.executor !== 'inline') return next;
  if (change.executor === 'inline') return `the ${next.framework} framework needs the pool executor: it blocks this thread until the driver answers, so the driver cannot run on it (switch .framework first)`;
  return { ...next, executor: 'pool' };
}

export function describeMode(mode: Mode): string {
  return `framework ${mode.framework}, executor ${mode.executor}`;
}

const byMode = new Map<string, RotorClasses>();

/** The rotor classes of a mode; one set per mode, so handles keep their identity across switches back. */
export function classesFor(mode: Mode): RotorClasses {
  const key = `${mode.framework}/${mode.executor}`;
  let classes = byMode.get(key);
  if (!classes) {
    const framework = FRAMEWORKS[mode.framework];
    const executor = EXECUTORS[mode.executor];
    if (!framework || !executor) throw new TypeError(unavailable(framework ? 'executor' : 'framework', framework ? mode.executor : mode.framework));
    // Wrapped above the framework's own view of the executor (the sync framework's blocking view
    // calls the pool directly), so every framework's calls pass through the REPL's wrappers.
    classes = createRotor({ framework, executor: projecting(reshaping(abortable(namesRequired(executorFor(framework, executor))))), strict: true });
    // mongosh's vocabulary on these handles only (db.getName(), db.users...): the REPL's runtimes.
    classes.runtime.shell = shellMember;
    byMode.set(key, classes);
  }
  return classes;
}

/** The exported rotor classes of a mode, by name (MongoClient, GridFSBucket...): what the scope holds. */
export function exportedClasses(mode: Mode): Record<string, unknown> {
  const classes = classesFor(mode);
  return Object.fromEntries(CLASS_NAMES.filter((name) => resolveClass(name).exported).map((name) => [name, classes[name]]));
}

/** `rotor` in the REPL's scope: the module, with the current mode's classes. */
export function rotorFor(mode: Mode): Record<string, unknown> {
  return Object.freeze({ ...rotorModule, ...exportedClasses(mode), mode: Object.freeze({ ...mode }) });
}

/** Client options: a short server selection timeout unless the URI or the options set one. */
export function clientOptionsFor(uri: string, options: MongoClientOptions = {}): MongoClientOptions {
  if (options.serverSelectionTimeoutMS !== undefined || /[?&]serverSelectionTimeoutMS=/i.test(uri)) return options;
  return { ...options, serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS };
}

export async function connect(uri: string, mode: Mode, options: MongoClientOptions): Promise<MongoClient> {
  await checkNotRefused(uri);
  const client = new (classesFor(mode).MongoClient)(uri, options) as unknown as MongoClient;
  try {
    await client.connect();
  } catch (err) {
    await Promise.resolve(client.close()).catch(() => {});
    throw err;
  }
  return client;
}

/** db.collection() and client.db('') without a name: an error here, not a handle that fails on the server later. */
function namesRequired(base: Executor): Executor {
  return Object.assign(Object.create(base) as Executor, {
    factory(ref: object, member: string | symbol, args: unknown[], cls: Parameters<Executor['factory']>[3]) {
      if (member === 'collection' && (typeof args[0] !== 'string' || args[0] === '')) {
        throw new TypeError("db.collection(name): the collection name must be a non-empty string, e.g. db.collection('users')");
      }
      return base.factory(ref, member, args, cls);
    },
  });
}
