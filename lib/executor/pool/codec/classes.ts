// The class table (a class instance's handler by its exact prototype), built on first use from the
// BSON classes, built-ins, 'mongodb' exports and the driver's loaded modules; the handlers of errors,
// driver data classes, driver objects (handles only: the registry says which) and other instances.
/* eslint-disable @typescript-eslint/no-unsafe-function-type -- the codec handles any callable or constructor by identity and prototype only */
import { BSON, driver as mongodb, MongoError } from '../../../driver.js';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { handleOnlyClasses } from '../../../registry/resolve.js';
import { attempt } from '../../../util/attempt.js';
import { BSON_CLASSES, BUFFER, CLONE, constructorName, defineOwn, encField, LEFT_OUT, MAP, MAX_DEPTH, PathError, rejectSymbolKeys, SET, setOwn, TAG, VIEW, withSegment } from './wire.js';
import type { Dec, DecodeHooks, Enc, EncodeContext, Handler, WireTag } from './wire.js';

let table: ReturnType<typeof buildTable> | undefined;

export function classTable(): ReturnType<typeof buildTable> {
  return (table ??= buildTable());
}

const BUILTIN_ERRORS: Function[] = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError];

/** Unexported driver classes users get (bulkWrite's result, SDAM payloads...): getters over own fields, so rebuilt as such. */
export const INTERNAL_DATA_CLASSES: readonly string[] = [
  ...['BulkWriteResult', 'WriteError', 'WriteConcernError', 'ServerDescription', 'TopologyDescription', 'MongoDBNamespace'],
  ...['MongoDBCollectionNamespace', 'PoolClosedError', 'PoolClearedError', 'PoolClearedOnNetworkError', 'WaitQueueTimeoutError'],
];

/** Whether the codec rebuilds `name` (an export of 'mongodb', or one of INTERNAL_DATA_CLASSES) as its class. */
export function knowsDriverClass(name: string): boolean {
  return classNamed(name) !== undefined || classNamed(`mongodb#${name}`) !== undefined;
}

/** A class by its wire name; a miss rescans the driver's modules once (one loaded since). */
function classNamed(name: string): Function | undefined {
  const t = classTable();
  if (!t.byName.has(name)) t.refreshDriverClasses();
  return t.byName.get(name);
}

function buildTable() {
  /** Exact prototype → its handler. */
  const handlers = new Map<object, Handler>();
  /** Exact prototype → wire name, for data classes and errors. */
  const names = new Map<object, string>();
  /** Wire name → class, for decode. */
  const byName = new Map<string, Function>();
  const set = (handler: Handler, ctors: Function[]): void => ctors.forEach((ctor) => handlers.set(ctor.prototype as object, handler));
  for (const [ctor, handler] of BSON_CLASSES) handlers.set(ctor.prototype as object, handler);
  set(CLONE, [Date, RegExp, ArrayBuffer, SharedArrayBuffer, String, Number, Boolean, BigInt]);
  set(BUFFER, [Buffer]);
  set(VIEW, [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array]);
  set(VIEW, [BigInt64Array, BigUint64Array, DataView]);
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
  // The driver's modules, resolved as `import 'mongodb'` is here (the mongodb 6 loader hook honoured),
  // from the require cache. Named by export name alone; a name two modules export is left out.
  const main = attempt(() => fileURLToPath(import.meta.resolve('mongodb')), undefined); // else exported classes only
  const cache = main === undefined ? {} : createRequire(main).cache;
  const libDir = dirname(main ?? '') + sep;
  const internalData = new Set(INTERNAL_DATA_CLASSES);
  const ambiguous = new Set<string>();
  let scannedModules = -1;
  const refreshDriverClasses = (): void => {
    const paths = Object.keys(cache);
    if (paths.length === scannedModules) return;
    scannedModules = paths.length;
    for (const path of paths) {
      // The entry file's exports were taken above (under rotor/register its cache entry is rotor's).
      if (!path.startsWith(libDir) || path === main) continue;
      const moduleExports = cache[path]?.exports as Record<string, unknown> | undefined;
      if (typeof moduleExports !== 'object' || moduleExports === null) continue;
      for (const [name, value] of Object.entries(moduleExports)) {
        if (!isClass(value) || ambiguous.has(name) || handlers.has(value.prototype as object)) continue;
        const wire = `mongodb#${name}`;
        if (byName.has(wire)) ambiguous.add(name);
        else addClass(wire, value, value.prototype instanceof Error ? ERROR : internalData.has(name) ? DATA_CLASS : classify(value, false));
      }
    }
  };
  refreshDriverClasses();
  return { handlers, names, byName, refreshDriverClasses, notDriver: new WeakSet<object>() };
}

function isClass(value: unknown): value is Function {
  return typeof value === 'function' && typeof value.prototype === 'object' && value.prototype !== null && value !== Object && value !== Function;
}

/** An error: its nearest known class, name, message, stack, labels and own fields (one that cannot cross is dropped). */
export function encError(error: Error, ctx: EncodeContext, depth: number, enc: Enc): unknown {
  const t = classTable();
  let p = Object.getPrototypeOf(error) as object | null;
  while (p !== null && t.handlers.get(p) !== ERROR) p = Object.getPrototypeOf(p) as object | null;
  const cls = p === null ? 'Error' : t.names.get(p)!;
  const message = attempt(() => String(error.message), '');
  const stack = attempt(() => (error.stack === undefined ? undefined : String(error.stack)), undefined);
  const tag: WireTag = { [TAG]: 'Error', c: cls, m: message, s: stack, n: attempt(() => String(error.name), cls) };
  if (depth > MAX_DEPTH) return tag;
  if (error instanceof MongoError || typeof (error as { addErrorLabel?: unknown }).addErrorLabel === 'function') {
    try {
      const labels = (error as MongoError).errorLabels;
      if (Array.isArray(labels) && labels.length !== 0) tag.l = labels.map(String);
    } catch {
      // no labels then
    }
  }
  // An Error met again inside its own fields: each level would walk every field again, exponentially (e.self = e,
  // e.o = { e }: out of memory). A cycle, refused in an argument (lenient) as the BSON serializer refuses it; else the field is dropped.
  const onPath = (ctx.errors ??= new Set());
  if (onPath.has(error)) throw new PathError('Cannot convert circular structure to BSON', 'cycle');
  onPath.add(error);
  try {
    encErrorFields(error, tag, ctx, depth, enc);
  } finally {
    onPath.delete(error);
  }
  return tag;
}

function encErrorFields(error: Error, tag: WireTag, ctx: EncodeContext, depth: number, enc: Enc): void {
  for (const key of attempt(() => Object.getOwnPropertyNames(error), [])) {
    if (key === 'stack' || key === 'message') continue; // restored by their own means
    let enumerable = false;
    try {
      const descriptor = Object.getOwnPropertyDescriptor(error, key);
      if (descriptor === undefined) continue;
      enumerable = descriptor.enumerable === true;
      const value = 'value' in descriptor ? descriptor.value : descriptor.get?.call(error);
      if (key === 'errorLabelSet' && value instanceof Set) continue; // MongoError's labels: sent as `l`
      const encoded = enc(value, ctx, depth + 1);
      if (encoded === LEFT_OUT) continue; // a lenient encode's symbol: the BSON serializer drops the field
      setOwn(enumerable ? (tag.f ??= {}) : (tag.h ??= {}), key, encoded);
    } catch (failure) {
      // An argument's field the BSON serializer would refuse (a cycle, a symbol Map key...) is refused as there; it reads enumerable ones only.
      if (ctx.lenient && enumerable && failure instanceof PathError) throw withSegment(failure, key);
      // else a field that cannot cross (a function, a socket...) is dropped
    }
  }
}

/** Defines a tag's fields on `target`: `f` enumerable, `h` not. */
function defineFields(target: object, t: WireTag, hooks: DecodeHooks, dec: Dec): void {
  const { f, h } = t as { f?: Record<string, unknown>; h?: Record<string, unknown> };
  if (f !== undefined) for (const k in f) defineOwn(target, k, dec(f[k], hooks), true);
  if (h !== undefined) for (const k in h) defineOwn(target, k, dec(h[k], hooks), false);
}

/**
 * An instance of `cls` without running its constructor (the driver's take internal arguments): the nearest
 * base taking (message) runs with new.target = cls, so MongoError's labels are set up as this driver does.
 */
function constructError(cls: new (...args: any[]) => Error, message: string): Error {
  let base = cls === MongoError || cls.prototype instanceof MongoError ? (MongoError as Function) : undefined;
  for (let p: object | null = cls.prototype; base === undefined && p !== null; p = Object.getPrototypeOf(p) as object | null) {
    base = BUILTIN_ERRORS.find((ctor) => ctor.prototype === p);
  }
  base ??= Error;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0; // the stack comes from the wire: don't pay for capturing one here
  try {
    return Reflect.construct(base, base === AggregateError ? [[], message] : [message], cls) as Error;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

const ERROR: Handler = {
  tag: 'Error',
  serialize: encError,
  deserialize(t, hooks, dec) {
    const error = constructError((classNamed(t.c as string) ?? Error) as new (...args: any[]) => Error, t.m as string);
    for (const label of (t.l as string[] | undefined) ?? []) (error as Partial<MongoError>).addErrorLabel?.(label);
    defineFields(error, t, hooks, dec);
    if (error.name !== t.n) defineOwn(error, 'name', t.n, false);
    defineOwn(error, 'stack', typeof t.s === 'string' ? t.s : `${String(t.n)}: ${t.m}`, false);
    return error;
  },
};

/** The fields `keys` of `value` encoded (with `tag`, the non-enumerable ones into `tag.h`); refuses symbol keys as encode does. */
function encFields(value: object, keys: string[], ctx: EncodeContext, depth: number, enc: Enc, tag?: WireTag): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key of keys) {
    const e = encField(value, key, ctx, depth, enc);
    if (e === LEFT_OUT) continue;
    setOwn(tag === undefined || Object.prototype.propertyIsEnumerable.call(value, key) ? fields : (tag.h ??= {}), key, e);
  }
  if (ctx.symbolKeys) rejectSymbolKeys(value);
  return fields;
}

/** A class instance crossing as a plain object of its own enumerable fields. */
export function encPlainFields(value: object, ctx: EncodeContext, depth: number, enc: Enc): unknown {
  const out = encFields(value, Object.keys(value), ctx, depth, enc);
  return TAG in out ? { [TAG]: 'Object', v: out } : out;
}

/** A driver data class: its own fields (enumerable and not, e.g. BulkWriteResult's `result`). */
const DATA_CLASS: Handler = {
  tag: 'Class',
  serialize(value: object, ctx, depth, enc) {
    const tag: WireTag = { [TAG]: 'Class', c: classTable().names.get(Object.getPrototypeOf(value) as object)! };
    tag.f = encFields(value, Object.getOwnPropertyNames(value), ctx, depth, enc, tag);
    return tag;
  },
  deserialize(t, hooks, dec) {
    // a class the other thread has and this one does not (driver version skew): its plain fields
    const ctor = classNamed(t.c as string);
    const obj = ctor === undefined ? {} : (Object.create(ctor.prototype as object) as object);
    defineFields(obj, ctor === undefined ? { f: t.f } : t, hooks, dec);
    return obj;
  },
};

export const DRIVER_PLAIN: Handler = { serialize: encPlainFields };

export const DRIVER_OBJECT: Handler = {
  serialize(value: object) {
    throw new PathError(`a class instance with hidden state cannot cross to <to> (${constructorName(value)}: a driver object crosses only as a handle)`);
  },
};

export const FORBIDDEN: Handler = {
  serialize(value: object, ctx, depth, enc) {
    if (ctx.lenient) return encPlainFields(value, ctx, depth, enc);
    throw new PathError(`a ${constructorName(value)} cannot cross to <to>`);
  },
};

/** The tagged handlers of this module, for decode. */
export const CLASS_HANDLERS = [ERROR, DATA_CLASS];
