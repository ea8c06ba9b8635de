// The class table: a class instance's handler, found by its exact prototype (one Map lookup). Built on
// first use from the BSON classes, the built-ins, every class 'mongodb' exports and the driver's own
// loaded modules. Then the handlers of classes: errors (rebuilt as their class, without running its
// constructor), driver data classes (rebuilt as themselves), driver objects (which ones the registry
// says: they cross only as handles) and the rest (their own fields).
/* eslint-disable @typescript-eslint/no-unsafe-function-type -- the codec handles any callable or constructor by identity and prototype only */
import { BSON, driver as mongodb, MongoError } from '../../../driver.js';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { handleOnlyClasses } from '../../../registry/resolve.js';
import { BSON_CLASSES } from './bson.js';
import { BUFFER, CLONE, MAP, SET, VIEW } from './builtins.js';
import { constructorName, defineOwn, LEFT_OUT, MAX_DEPTH, PathError, rejectSymbolKey, setOwn, TAG, withSegment } from './wire.js';
import type { DecodeHooks, EncodeContext, Handler, Walk, WireTag } from './wire.js';

interface Table {
  /** Exact prototype → its handler. */
  readonly handlers: Map<object, Handler>;
  /** Exact prototype → wire name, for data classes and errors. */
  readonly names: Map<object, string>;
  /** Wire name → class, for decode. */
  readonly byName: Map<string, Function>;
  /** Scans the driver's loaded modules for classes not yet known (when more modules got loaded). */
  refreshDriverClasses(): void;
  /** Prototypes of class instances known not to be driver classes. */
  readonly notDriver: WeakSet<object>;
}

let table: Table | undefined;

/** The class table, built on first use. */
export function classTable(): Table {
  return (table ??= buildTable());
}

const BUILTIN_ERRORS = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError as unknown as ErrorConstructor];

/**
 * Driver classes not exported by 'mongodb' that users get back (bulkWrite's result, MongoBulkWriteError's
 * writeErrors, SDAM event payloads...): getters over own fields, so rebuilt as the same class. Found by
 * these names (the driver's declarations') among its loaded modules (spec/pool-codec.spec.ts checks each).
 */
export const INTERNAL_DATA_CLASSES: readonly string[] = [
  'BulkWriteResult',
  'WriteError',
  'WriteConcernError',
  'ServerDescription',
  'TopologyDescription',
  'MongoDBNamespace',
  'MongoDBCollectionNamespace',
  'PoolClosedError',
  'PoolClearedError',
  'PoolClearedOnNetworkError',
  'WaitQueueTimeoutError',
];

/** Whether the codec rebuilds `name` (an export of 'mongodb', or one of INTERNAL_DATA_CLASSES) as its class. */
export function knowsDriverClass(name: string): boolean {
  return classNamed(name) !== undefined || classNamed(`mongodb#${name}`) !== undefined;
}

/** A class by its wire name; a miss rescans the driver's modules once (one loaded since). */
function classNamed(name: string): Function | undefined {
  const t = classTable();
  let ctor = t.byName.get(name);
  if (ctor === undefined) {
    t.refreshDriverClasses();
    ctor = t.byName.get(name);
  }
  return ctor;
}

function buildTable(): Table {
  const handlers = new Map<object, Handler>();
  const names = new Map<object, string>();
  const byName = new Map<string, Function>();
  const set = (handler: Handler, ctors: Function[]): void => ctors.forEach((ctor) => handlers.set(ctor.prototype as object, handler));
  for (const [ctor, handler] of BSON_CLASSES) handlers.set(ctor.prototype as object, handler);
  set(CLONE, [Date, RegExp, ArrayBuffer, SharedArrayBuffer, String, Number, Boolean, BigInt]);
  set(BUFFER, [Buffer]);
  set(VIEW, [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView]);
  set(MAP, [Map]);
  set(SET, [Set]);
  set(FORBIDDEN, [WeakMap, WeakSet, WeakRef, FinalizationRegistry, Promise]);
  const addClass = (name: string, ctor: Function, handler: Handler): void => {
    const prototype = ctor.prototype as object;
    if (handlers.has(prototype) || byName.has(name)) return;
    handlers.set(prototype, handler);
    names.set(prototype, name);
    byName.set(name, ctor);
  };
  for (const ctor of BUILTIN_ERRORS) addClass(ctor.name, ctor, ERROR);
  const handleOnly = handleOnlyClasses();
  const classify = (ctor: Function, publicClass: boolean): Handler => {
    const prototype = ctor.prototype as object;
    if (prototype instanceof Error) return ERROR;
    // Live objects: the registry's classes (and the internals they list), and any driver EventEmitter.
    if (prototype instanceof EventEmitter || handleOnly.has(ctor.name)) return DRIVER_OBJECT;
    return publicClass ? DATA_CLASS : DRIVER_PLAIN;
  };
  for (const [name, value] of Object.entries(mongodb)) if (name !== 'default' && isClass(value)) addClass(name, value, classify(value, true));
  for (const [name, value] of Object.entries(BSON)) if (isClass(value) && value.prototype instanceof Error) addClass(name, value, ERROR);
  // The driver's own modules, resolved as `import 'mongodb'` resolves here (so the mongodb 6 loader
  // hook is honoured), read from the require cache (the same instances). Named by export name alone,
  // whichever file a release keeps them in; a name two modules export is left out (crosses as fields).
  let main: string | undefined;
  let requireDriver: NodeJS.Require | undefined;
  try {
    main = fileURLToPath(import.meta.resolve('mongodb'));
    requireDriver = createRequire(main);
  } catch {
    // resolution unavailable: exported classes only
  }
  const libDir = main === undefined ? '' : dirname(main) + sep;
  const internalData = new Set(INTERNAL_DATA_CLASSES);
  const ambiguous = new Set<string>();
  let scannedModules = -1;
  const refreshDriverClasses = (): void => {
    const cache = requireDriver?.cache ?? {};
    const paths = Object.keys(cache);
    if (paths.length === scannedModules) return;
    scannedModules = paths.length;
    for (const path of paths) {
      // The entry file's exports were taken above (under rotor/register its cache entry is rotor's).
      if (!path.startsWith(libDir) || path === main) continue;
      const moduleExports = cache[path]?.exports as Record<string, unknown> | undefined;
      if (typeof moduleExports !== 'object' || moduleExports === null) continue;
      for (const name of Object.keys(moduleExports)) {
        const value = moduleExports[name];
        if (!isClass(value) || ambiguous.has(name) || handlers.has(value.prototype as object)) continue;
        const wire = `mongodb#${name}`;
        const known = byName.get(wire);
        if (known !== undefined && known !== value) ambiguous.add(name);
        else addClass(wire, value, value.prototype instanceof Error ? ERROR : internalData.has(name) ? DATA_CLASS : classify(value, false));
      }
    }
  };
  refreshDriverClasses();
  return { handlers, names, byName, refreshDriverClasses, notDriver: new WeakSet() };
}

function isClass(value: unknown): value is Function {
  return typeof value === 'function' && typeof value.prototype === 'object' && value.prototype !== null && value !== Object && value !== Function;
}

// ─────────────────────────────────────────── errors ───────────────────────────────────────────

/** Error fields restored by their own means, never copied as fields. */
const ERROR_SKIPPED = new Set(['stack', 'message']);

/** `read()`, or `fallback` if it throws (an error's own getters may). */
function attempt<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/**
 * An error, whatever its depth: class (nearest known one up its prototype chain), name, message, stack,
 * error labels and every own field (enumerable or not: `cause`, AggregateError's `errors`). A field that
 * cannot cross is dropped: an error always crosses.
 */
export function encError(error: Error, ctx: EncodeContext, depth: number, walk: Walk): unknown {
  const t = classTable();
  let p = Object.getPrototypeOf(error) as object | null;
  while (p !== null && t.handlers.get(p) !== ERROR) p = Object.getPrototypeOf(p) as object | null;
  const cls = p === null ? 'Error' : t.names.get(p)!;
  const message = attempt(() => String(error.message), '');
  const stack = attempt(() => (error.stack === undefined ? undefined : String(error.stack)), undefined);
  const tag: Record<string, unknown> = { [TAG]: 'Error', c: cls, n: attempt(() => String(error.name), cls), m: message, s: stack };
  if (depth > MAX_DEPTH) return tag;
  if (error instanceof MongoError || typeof (error as { addErrorLabel?: unknown }).addErrorLabel === 'function') {
    try {
      const labels = (error as MongoError).errorLabels;
      if (Array.isArray(labels) && labels.length !== 0) tag.l = labels.map(String);
    } catch {
      // no labels then
    }
  }
  for (const key of attempt(() => Object.getOwnPropertyNames(error), [])) {
    if (ERROR_SKIPPED.has(key)) continue;
    try {
      const descriptor = Object.getOwnPropertyDescriptor(error, key);
      if (descriptor === undefined) continue;
      const value = 'value' in descriptor ? descriptor.value : descriptor.get?.call(error);
      if (key === 'errorLabelSet' && value instanceof Set) continue; // MongoError's labels: sent as `l`
      const encoded = walk.enc(value, ctx, depth + 1);
      if (descriptor.enumerable) setOwn((tag.f ??= {}) as Record<string, unknown>, key, encoded);
      else setOwn((tag.h ??= {}) as Record<string, unknown>, key, encoded);
    } catch {
      // a field that cannot cross (a function, a socket...) is dropped
    }
  }
  return tag;
}

/** Defines a tag's fields on `target`: `f` enumerable, `h` not. */
function defineFields(target: object, t: WireTag, hooks: DecodeHooks, walk: Walk): void {
  const { f, h } = t as { f?: Record<string, unknown>; h?: Record<string, unknown> };
  if (f !== undefined) for (const k in f) defineOwn(target, k, walk.dec(f[k], hooks), true);
  if (h !== undefined) for (const k in h) defineOwn(target, k, walk.dec(h[k], hooks), false);
}

/**
 * An instance of `cls` made without running its own constructor (driver error constructors take
 * internal arguments): the nearest base whose constructor takes (message) runs with new.target = cls,
 * so MongoError's label set is initialised however this driver version keeps it.
 */
function constructError(cls: new (...args: any[]) => Error, message: string): Error {
  if (cls === MongoError || cls.prototype instanceof MongoError) return Reflect.construct(MongoError, [message], cls);
  for (let p: object | null = cls.prototype; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    const base = BUILTIN_ERRORS.find((ctor) => ctor.prototype === p);
    if (base !== undefined) return Reflect.construct(base, base === (AggregateError as unknown) ? [[], message] : [message], cls);
  }
  return Reflect.construct(Error, [message], cls);
}

export const ERROR: Handler = {
  tag: 'Error',
  serialize: encError,
  deserialize(t, hooks, walk) {
    const cls = (classNamed(t.c as string) ?? Error) as new (...args: any[]) => Error;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0; // the stack comes from the wire: don't pay for capturing one here
    let error: Error;
    try {
      error = constructError(cls, t.m as string);
    } finally {
      Error.stackTraceLimit = limit;
    }
    if (t.l !== undefined && typeof (error as MongoError).addErrorLabel === 'function') for (const label of t.l as string[]) (error as MongoError).addErrorLabel(label);
    defineFields(error, t, hooks, walk);
    if (error.name !== t.n) defineOwn(error, 'name', t.n, false);
    defineOwn(error, 'stack', typeof t.s === 'string' ? t.s : `${String(t.n)}: ${t.m}`, false);
    return error;
  },
};

// ──────────────────────────────────── other class instances ────────────────────────────────────

/**
 * The own fields `keys` of `value`, encoded (a field a lenient encode leaves out is skipped; a failure's
 * path names the field); with `tag`, the non-enumerable ones go to `tag.h`. Then refuses enumerable
 * symbol keys, as encode does.
 */
function encFields(value: object, keys: readonly string[], ctx: EncodeContext, depth: number, walk: Walk, tag?: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  let key = '';
  try {
    for (key of keys) {
      const e = walk.enc((value as Record<string, unknown>)[key], ctx, depth + 1);
      if (e === LEFT_OUT) continue;
      if (tag === undefined || Object.prototype.propertyIsEnumerable.call(value, key)) setOwn(fields, key, e);
      else setOwn((tag.h ??= {}) as Record<string, unknown>, key, e);
    }
  } catch (error) {
    throw withSegment(error, key);
  }
  if (ctx.symbolKeys) {
    const symbols = Object.getOwnPropertySymbols(value);
    if (symbols.length !== 0) rejectSymbolKey(value, symbols);
  }
  return fields;
}

/** A class instance crossing as a plain object of its own enumerable fields. */
export function encPlainFields(value: object, ctx: EncodeContext, depth: number, walk: Walk): unknown {
  const out = encFields(value, Object.keys(value), ctx, depth, walk);
  return TAG in out ? { [TAG]: 'Object', v: out } : out;
}

/** A driver data class: its own fields (enumerable and not, e.g. BulkWriteResult's `result`). */
const DATA_CLASS: Handler = {
  tag: 'Class',
  serialize(value: object, ctx, depth, walk) {
    const tag: Record<string, unknown> = { [TAG]: 'Class', c: classTable().names.get(Object.getPrototypeOf(value) as object)! };
    tag.f = encFields(value, Object.getOwnPropertyNames(value), ctx, depth, walk, tag);
    return tag;
  },
  deserialize(t, hooks, walk) {
    const ctor = classNamed(t.c as string);
    if (ctor === undefined) {
      // the other thread has a class this one does not know (driver version skew): plain fields
      walk.decFields(t.f as Record<string, unknown>, hooks);
      return t.f;
    }
    const obj = Object.create(ctor.prototype as object) as object;
    defineFields(obj, t, hooks, walk);
    return obj;
  },
};

export const DRIVER_PLAIN: Handler = { serialize: encPlainFields };

export const DRIVER_OBJECT: Handler = {
  serialize(value: object) {
    throw new PathError(`a class instance with hidden state cannot cross to <to> (${constructorName(value)}: a driver object crosses only as a handle)`);
  },
};

/** WeakMap, WeakSet, WeakRef, FinalizationRegistry, Promise. */
export const FORBIDDEN: Handler = {
  serialize(value: object, ctx, depth, walk) {
    if (ctx.lenient) return encPlainFields(value, ctx, depth, walk);
    throw new PathError(`a ${constructorName(value)} cannot cross to <to>`);
  },
};

/** The tagged handlers of this module, for decode. */
export const CLASS_HANDLERS = [ERROR, DATA_CLASS];
