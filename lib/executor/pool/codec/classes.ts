// The class table: which handler a class instance gets, found by its exact prototype (one Map
// lookup per non-plain object). Built on first use from the BSON classes, the built-ins, every class
// 'mongodb' exports and the driver's own loaded modules; then the handlers for driver classes (data
// classes rebuilt as themselves, driver objects that cross only as handles — which ones, the
// registry says — the rest as plain fields).
/* eslint-disable @typescript-eslint/no-unsafe-function-type -- the codec handles any callable or constructor by identity and prototype only */
import { driver as mongodb } from '../../../driver.js';
import { BSON } from '../../../driver.js';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { handleOnlyClasses } from '../../../registry/resolve.js';
import { BSON_CLASSES } from './bson.js';
import { constructorName, defineOwn, Kind, LEFT_OUT, PathError, rejectSymbolKey, setOwn, TAG, withSegment, type EncodeContext, type Handler, type Walk } from './wire.js';

export interface ClassEntry {
  readonly prototype: object;
  readonly ctor: Function;
}

export interface Table {
  /** Exact prototype → what it is. */
  readonly kinds: Map<object, Kind>;
  /** Exact prototype → wire name, for data classes and errors. */
  readonly names: Map<object, string>;
  /** Wire name → class, for decode. */
  readonly byName: Map<string, ClassEntry>;
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

export const BUILTIN_ERRORS: ReadonlyArray<[string, ErrorConstructor]> = [
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
  ['AggregateError', AggregateError as unknown as ErrorConstructor],
];

/**
 * Driver classes that are not exported by 'mongodb' but are what users get back (bulkWrite's result,
 * MongoBulkWriteError.writeErrors / .result, SDAM event payloads, MongoServerSelectionError.reason):
 * their public surface is getters over own fields, so a plain object would lose it. Rebuilt as the
 * same class. Named as the driver's type declarations name them, and found by that name among the
 * driver's loaded modules, wherever a release puts them (spec/pool-codec.spec.ts checks each is found).
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
export function classNamed(name: string): ClassEntry | undefined {
  const t = classTable();
  let entry = t.byName.get(name);
  if (entry === undefined) {
    t.refreshDriverClasses();
    entry = t.byName.get(name);
  }
  return entry;
}

function buildTable(): Table {
  const kinds = new Map<object, Kind>();
  const names = new Map<object, string>();
  const byName = new Map<string, ClassEntry>();
  for (const [ctor, kind] of BSON_CLASSES) kinds.set(ctor.prototype as object, kind);
  for (const ctor of [Date, RegExp, ArrayBuffer, SharedArrayBuffer, String, Number, Boolean, BigInt]) kinds.set(ctor.prototype, Kind.Clone);
  kinds.set(Buffer.prototype, Kind.Buffer);
  const typedArrays = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView];
  for (const ctor of typedArrays) kinds.set(ctor.prototype, Kind.View);
  kinds.set(Map.prototype, Kind.Map);
  kinds.set(Set.prototype, Kind.Set);
  for (const ctor of [WeakMap, WeakSet, WeakRef, FinalizationRegistry, Promise]) kinds.set(ctor.prototype as object, Kind.Forbidden);
  const addClass = (name: string, ctor: Function, kind: Kind): void => {
    const prototype = ctor.prototype as object;
    if (kinds.has(prototype) || byName.has(name)) return;
    kinds.set(prototype, kind);
    names.set(prototype, name);
    byName.set(name, { prototype, ctor });
  };
  for (const [name, ctor] of BUILTIN_ERRORS) addClass(name, ctor, Kind.Error);
  const handleOnly = handleOnlyClasses();
  const classify = (ctor: Function, publicClass: boolean): Kind => {
    const prototype = ctor.prototype as object;
    if (prototype instanceof Error) return Kind.Error;
    // Live objects: the registry's classes (and the internals they list), and any driver EventEmitter.
    if (prototype instanceof EventEmitter || handleOnly.has(ctor.name)) return Kind.DriverObject;
    return publicClass ? Kind.DataClass : Kind.DriverPlain;
  };
  const exported = mongodb as unknown as Record<string, unknown>;
  for (const name of Object.keys(exported)) {
    const value = exported[name];
    if (name !== 'default' && isClass(value)) addClass(name, value, classify(value, true));
  }
  const bson = BSON as unknown as Record<string, unknown>;
  for (const name of Object.keys(bson)) {
    const value = bson[name];
    if (isClass(value) && value.prototype instanceof Error) addClass(name, value, Kind.Error);
  }
  // The driver's own modules, resolved the way `import 'mongodb'` resolves here (so the mongodb 6
  // loader hook is honoured) and read from the require cache (the same module instances). Classes
  // are named by their export name alone: no dependence on where a release keeps its files. A name
  // two modules export is ambiguous and left out (its instances cross as plain objects).
  let libDir: string | undefined;
  let main: string | undefined;
  let requireDriver: NodeJS.Require | undefined;
  try {
    main = fileURLToPath(import.meta.resolve('mongodb'));
    libDir = dirname(main) + sep;
    requireDriver = createRequire(main);
  } catch {
    // resolution unavailable: exported classes only
  }
  const internalData = new Set(INTERNAL_DATA_CLASSES);
  const ambiguous = new Set<string>();
  let scannedModules = -1;
  const refreshDriverClasses = (): void => {
    if (requireDriver === undefined || libDir === undefined) return;
    const cache = requireDriver.cache;
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
        if (!isClass(value) || ambiguous.has(name) || kinds.has(value.prototype as object)) continue;
        const wire = `mongodb#${name}`;
        const known = byName.get(wire);
        if (known && known.ctor !== value) {
          ambiguous.add(name);
          continue;
        }
        const kind = value.prototype instanceof Error ? Kind.Error : internalData.has(name) ? Kind.DataClass : classify(value, false);
        addClass(wire, value, kind);
      }
    }
  };
  refreshDriverClasses();
  return { kinds, names, byName, refreshDriverClasses, notDriver: new WeakSet() };
}

function isClass(value: unknown): value is Function {
  return typeof value === 'function' && typeof value.prototype === 'object' && value.prototype !== null && value !== Object && value !== Function;
}

// ───────────────────────────────────── driver class handlers ─────────────────────────────────────

/** A driver data class: its own fields (enumerable and not, e.g. BulkWriteResult's `result`). */
export const DATA_CLASS: Handler = {
  tag: 'Class',
  serialize(value: object, ctx, depth, walk) {
    const t = classTable();
    const fields: Record<string, unknown> = {};
    let hidden: Record<string, unknown> | undefined;
    encFields(value, Object.getOwnPropertyNames(value), ctx, depth, walk, (key, e) => {
      if (Object.prototype.propertyIsEnumerable.call(value, key)) setOwn(fields, key, e);
      else setOwn((hidden ??= {}), key, e);
    });
    const tag: Record<string, unknown> = { [TAG]: 'Class', c: t.names.get(Object.getPrototypeOf(value) as object)!, f: fields };
    if (hidden !== undefined) tag.h = hidden;
    return tag;
  },
  deserialize(t, hooks, walk) {
    const entry = classNamed(t.c as string);
    const fields = t.f as Record<string, unknown>;
    if (entry === undefined) {
      // the other thread has a class this one does not know (driver version skew): plain fields
      walk.decFields(fields, hooks);
      return fields;
    }
    const obj = Object.create(entry.prototype) as object;
    for (const k in fields) defineOwn(obj, k, walk.dec(fields[k], hooks), true);
    const hidden = t.h as Record<string, unknown> | undefined;
    if (hidden !== undefined) for (const k in hidden) defineOwn(obj, k, walk.dec(hidden[k], hooks), false);
    return obj;
  },
};

/**
 * Encodes the fields `keys` of `value`, handing each to `put` (a field a lenient encode leaves out
 * is skipped); a failure's path names the field. Then refuses enumerable symbol keys, as encode does.
 */
function encFields(value: object, keys: readonly string[], ctx: EncodeContext, depth: number, walk: Walk, put: (key: string, encoded: unknown) => void): void {
  let key = '';
  try {
    for (key of keys) {
      const e = walk.enc((value as Record<string, unknown>)[key], ctx, depth + 1);
      if (e !== LEFT_OUT) put(key, e);
    }
  } catch (error) {
    throw withSegment(error, key);
  }
  if (ctx.symbolKeys) {
    const symbols = Object.getOwnPropertySymbols(value);
    if (symbols.length !== 0) rejectSymbolKey(value, symbols);
  }
}

/** A class instance crossing as a plain object of its own enumerable fields. */
export function encPlainFields(value: object, ctx: EncodeContext, depth: number, walk: Walk): unknown {
  const out: Record<string, unknown> = {};
  encFields(value, Object.keys(value), ctx, depth, walk, (key, e) => setOwn(out, key, e));
  return TAG in out ? { [TAG]: 'Object', v: out } : out;
}

export const DRIVER_PLAIN: Handler = { serialize: encPlainFields };

export const DRIVER_OBJECT: Handler = {
  serialize(value: object) {
    throw new PathError(`a class instance with hidden state cannot cross to <to> (${constructorName(value)}: a driver object crosses only as a handle)`);
  },
};

export const FORBIDDEN: Handler = {
  serialize(value: object, ctx, depth, walk) {
    if (ctx.lenient) return encPlainFields(value, ctx, depth, walk);
    throw new PathError(`a ${constructorName(value)} cannot cross to <to>`);
  },
};
