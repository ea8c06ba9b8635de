// Errors: an error crosses with its class (nearest known one), name, message, stack, error labels
// and every own field; it is rebuilt as that class without running the class's own constructor, and
// its stack is the worker's joined to the caller's.
import { MongoError } from '../../../driver.js';
import { BUILTIN_ERRORS, classNamed, classTable } from './classes.js';
import { BOUNDARY_LINE, defineOwn, Kind, MAX_DEPTH, setOwn, TAG, type DecodeHooks, type EncodeContext, type Handler, type Walk, type WireTag } from './wire.js';

/** Error fields never copied as fields: restored by their own means. */
const ERROR_SKIPPED = new Set(['stack', 'message']);

/**
 * An error, whatever its depth: class (nearest known one up its prototype chain), name, message,
 * stack, error labels, and every own field (enumerable or not, so `cause` and AggregateError's
 * `errors` too). Lenient: a field that cannot cross is dropped, an error always crosses.
 */
export function encError(error: Error, ctx: EncodeContext, depth: number, walk: Walk): unknown {
  const t = classTable();
  let cls = 'Error';
  for (let p = Object.getPrototypeOf(error) as object | null; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    if (t.kinds.get(p) === Kind.Error) {
      cls = t.names.get(p)!;
      break;
    }
  }
  let message: string;
  let stack: string | undefined;
  let name: string;
  try {
    message = String(error.message);
  } catch {
    message = '';
  }
  try {
    stack = error.stack === undefined ? undefined : String(error.stack);
  } catch {
    stack = undefined;
  }
  try {
    name = String(error.name);
  } catch {
    name = cls;
  }
  const tag: Record<string, unknown> = { [TAG]: 'Error', c: cls, n: name, m: message, s: stack };
  if (depth > MAX_DEPTH) return tag;
  if (error instanceof MongoError || typeof (error as { addErrorLabel?: unknown }).addErrorLabel === 'function') {
    try {
      const labels = (error as MongoError).errorLabels;
      if (Array.isArray(labels) && labels.length !== 0) tag.l = labels.map(String);
    } catch {
      // no labels then
    }
  }
  let fields: Record<string, unknown> | undefined;
  let hidden: Record<string, unknown> | undefined;
  let names: string[];
  try {
    names = Object.getOwnPropertyNames(error);
  } catch {
    names = [];
  }
  for (const key of names) {
    if (ERROR_SKIPPED.has(key)) continue;
    try {
      const descriptor = Object.getOwnPropertyDescriptor(error, key);
      if (descriptor === undefined) continue;
      const value = 'value' in descriptor ? descriptor.value : descriptor.get?.call(error);
      if (key === 'errorLabelSet' && value instanceof Set) continue; // MongoError's labels: sent as `l`
      const encoded = walk.enc(value, ctx, depth + 1);
      if (descriptor.enumerable) setOwn((fields ??= {}), key, encoded);
      else setOwn((hidden ??= {}), key, encoded);
    } catch {
      // a field that cannot cross (a function, a socket...) is dropped: the error itself must cross
    }
  }
  if (fields !== undefined) tag.f = fields;
  if (hidden !== undefined) tag.h = hidden;
  return tag;
}

function decError(t: WireTag, hooks: DecodeHooks, walk: Walk): Error {
  const entry = classNamed(t.c as string);
  const cls = (entry?.ctor ?? Error) as new (...args: any[]) => Error;
  const message = t.m as string;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0; // the stack comes from the wire: don't pay for capturing one here
  let error: Error;
  try {
    error = constructError(cls, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
  const labels = t.l as string[] | undefined;
  if (labels !== undefined && typeof (error as MongoError).addErrorLabel === 'function') {
    for (const label of labels) (error as MongoError).addErrorLabel(label);
  }
  const fields = t.f as Record<string, unknown> | undefined;
  if (fields !== undefined) for (const k in fields) defineOwn(error, k, walk.dec(fields[k], hooks), true);
  const hidden = t.h as Record<string, unknown> | undefined;
  if (hidden !== undefined) for (const k in hidden) defineOwn(error, k, walk.dec(hidden[k], hooks), false);
  if (error.name !== t.n) defineOwn(error, 'name', t.n, false);
  setStack(error, typeof t.s === 'string' ? t.s : `${String(t.n)}: ${message}`);
  return error;
}

/**
 * An instance of `cls` made without running its own constructor (driver error constructors take
 * driver-internal arguments): the nearest base whose constructor is (message) runs with new.target =
 * cls, so the prototype is cls's and MongoError's label set is initialised however this driver
 * version keeps it. The own fields are then copied from the wire.
 */
function constructError(cls: new (...args: any[]) => Error, message: string): Error {
  if (cls === MongoError || cls.prototype instanceof MongoError) return Reflect.construct(MongoError, [message], cls);
  for (let p: object | null = cls.prototype; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    const base = BUILTIN_PROTOS.get(p);
    if (base === undefined) continue;
    if (base === (AggregateError as unknown)) return Reflect.construct(base, [[], message], cls);
    return Reflect.construct(base, [message], cls);
  }
  return Reflect.construct(Error, [message], cls);
}
const BUILTIN_PROTOS = new Map<object, ErrorConstructor>(BUILTIN_ERRORS.map(([, ctor]) => [ctor.prototype, ctor]));

/** A known error class, whatever its depth in the value. */
export const ERROR: Handler = {
  tag: 'Error',
  serialize: (value: Error, ctx, depth, walk) => encError(value, ctx, depth, walk),
  deserialize: decError,
};

/** A non-error rejection value (see encodeError): the value itself. */
export const THROWN: Handler = {
  tag: 'Thrown',
  serialize: (value, ctx, depth, walk) => ({ [TAG]: 'Thrown', v: walk.enc(value, ctx, depth) }),
  deserialize: (t, hooks, walk) => walk.dec(t.v, hooks),
};

export function setStack(error: Error, stack: string): void {
  defineOwn(error, 'stack', stack, false);
}

/** `${workerStack}\n<boundary line>\n${caller frames}` (the caller stack's own header line dropped). */
export function joinStacks(workerStack: string, callerStack: string): string {
  const lines = callerStack.split('\n');
  const frames = lines.length > 0 && !/^\s+at /.test(lines[0]!) ? lines.slice(1) : lines;
  return frames.length === 0 ? workerStack : `${workerStack}\n${BOUNDARY_LINE}\n${frames.join('\n')}`;
}

export function describeThrown(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
