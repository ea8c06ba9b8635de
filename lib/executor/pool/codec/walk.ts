// The walk, one pass each way. encode walks the value once and copies a container only from the
// first child that needed a tag (copy-on-write), so a batch of plain documents is returned as is and
// structured clone does the only copy; decode walks the clone (which it owns) and replaces tags in
// place. Copy-on-write was measured against copying every container and won in every case, most on
// untagged data, which it returns as is (numbers in the README's Benchmarks section, "Crossing the thread boundary").
//
// The hot path stays here: plain objects, arrays and primitives are handled inline, with no handler
// lookup and no allocation unless something changed. Any other object goes to its handler, found by
// exact prototype in the class table, or to encOther. Paths for error messages are built only when
// something is rejected (each level adds its key while the error unwinds), never on the happy path.
/* eslint-disable @typescript-eslint/no-unsafe-function-type -- the codec handles any callable or constructor by identity and prototype only */
import { decMap, decSet, ownBytes, ownView } from './builtins.js';
import { BSON_HANDLERS, BSONTYPE_KINDS } from './bson.js';
import { classTable, encPlainFields } from './classes.js';
import { encError } from './errors.js';
import { BY_KIND, BY_TAG } from './handlers.js';
import { BSON } from '../../../driver.js';
import { bsonReplacement, constructorName, CycleError, DepthError, isError, Kind, LEFT_OUT, MAX_DEPTH, PathError, rejectSymbolKey, setOwn, TAG, withSegment, type DecodeHooks, type EncodeContext, type Walk, type WireTag } from './wire.js';

// ─────────────────────────────────────────── paths ────────────────────────────────────────────

function pathOf(ctx: EncodeContext, segments: ReadonlyArray<string | number>): string {
  let path = ctx.root;
  const n = segments.length;
  for (let i = n - 1; i >= 0; i--) {
    if (n > 24 && i < n - 12 && i >= 12) {
      if (i === n - 13) path += '…';
      continue;
    }
    const s = segments[i]!;
    if (typeof s === 'string') path += `.${s}`;
    else path += i === n - 1 && ctx.argumentList === true ? ` ${s + 1}` : `[${s}]`;
  }
  return path;
}

export function toPublicError(error: PathError, ctx: EncodeContext): Error;
export function toPublicError(error: unknown, ctx: EncodeContext): unknown;
export function toPublicError(error: unknown, ctx: EncodeContext): unknown {
  if (!(error instanceof PathError)) return error;
  // The driver's serializer refuses a cycle with a BSONError: callers that catch that (by class or
  // name) must see the same from the pool, with where the cycle closes added.
  if (error instanceof CycleError) return new BSON.BSONError(`${error.message} (${cyclePath(ctx, error)})`);
  if (error instanceof DepthError) return new RangeError(`${pathOf(ctx, error.segments)}: ${error.message.replace('<to>', ctx.to)}`);
  return new TypeError(`${pathOf(ctx, error.segments)}: ${error.message.replace('<to>', ctx.to)}`);
}

/** "argument 1.self.back refers back to argument 1": the first place the value loops, searched from the root. */
function cyclePath(ctx: EncodeContext, error: CycleError): string {
  let ancestor: unknown;
  const loop = searchPath(ctx, (value, onPath) => onPath.has(value as object) && ((ancestor = value), true));
  if (loop === undefined) return `at ${pathOf(ctx, error.segments)}`; // it loops through a toBSON() or a BSON value's fields
  return `${pathOf(ctx, loop)} refers back to ${pathOf(ctx, searchPath(ctx, (value) => value === ancestor)!)}`;
}

/**
 * The path of `target` inside the value being encoded, for functionRef. The walk keeps no path on the
 * happy path, so it is searched for here, only when a function is met (rare: callbacks).
 */
function pathTo(ctx: EncodeContext, target: unknown): string {
  return pathOf(ctx, searchPath(ctx, (value) => value === target) ?? []);
}

/** Segments (innermost first) to the first value, depth first through objects, arrays and Maps, that `found` accepts. */
function searchPath(ctx: EncodeContext, found: (value: unknown, onPath: ReadonlySet<object>) => boolean): Array<string | number> | undefined {
  const segments: Array<string | number> = [];
  const seen = new Set<object>();
  const onPath = new Set<object>();
  const search = (value: unknown): boolean => {
    if (found(value, onPath)) return true;
    if (typeof value !== 'object' || value === null || seen.has(value) || ctx.hooks.refOf(value) !== undefined) return false;
    seen.add(value);
    onPath.add(value);
    const hit = searchIn(value, search, segments);
    onPath.delete(value);
    return hit;
  };
  return search(ctx.value) ? segments : undefined;
}

function searchIn(value: object, search: (child: unknown) => boolean, segments: Array<string | number>): boolean {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (search(value[i])) return segments.push(i), true;
    return false;
  }
  if (value instanceof Map) {
    let i = 0;
    for (const [k, v] of value) {
      if (search(k) || search(v)) return segments.push(`<Map entry ${i}>`), true;
      i++;
    }
    return false;
  }
  for (const key of Object.keys(value)) if (search((value as Record<string, unknown>)[key])) return segments.push(key), true;
  return false;
}

// ─────────────────────────────────────────── encode ───────────────────────────────────────────

export function enc(value: unknown, ctx: EncodeContext, depth: number): unknown {
  if (typeof value === 'object') return value === null ? value : encObject(value, ctx, depth);
  if (typeof value === 'function') return encFunction(value, ctx);
  if (typeof value === 'symbol') return encSymbol(value, ctx);
  return value;
}

function encSymbol(value: symbol, ctx: EncodeContext): unknown {
  if (ctx.lenient) return LEFT_OUT;
  throw new PathError(`a symbol (${String(value)}) cannot cross to <to>`);
}

/** Functions: a handle that is a function Proxy, else a callback id, else rejected. */
function encFunction(fn: Function, ctx: EncodeContext): unknown {
  const ref = ctx.hooks.refOf(fn);
  if (ref !== undefined) return ref.n === undefined ? { [TAG]: 'Ref', id: ref.id, cls: ref.cls } : { [TAG]: 'Ref', id: ref.id, cls: ref.cls, n: ref.n };
  if (ctx.hooks.functionRef !== undefined) {
    const id = ctx.hooks.functionRef(fn, pathTo(ctx, fn));
    if (id !== undefined) return { [TAG]: 'Function', id };
  }
  throw new PathError(`a function cannot cross to <to>`);
}

function encObject(value: object, ctx: EncodeContext, depth: number): unknown {
  const ref = ctx.hooks.refOf(value);
  if (ref !== undefined) return ref.n === undefined ? { [TAG]: 'Ref', id: ref.id, cls: ref.cls } : { [TAG]: 'Ref', id: ref.id, cls: ref.cls, n: ref.n };
  if (depth > MAX_DEPTH) enterDeep(value, ctx, depth);
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype) return encPlain(value as Record<string, unknown>, ctx, depth, false);
  if (proto === Array.prototype) return encArray(value as unknown[], ctx, depth);
  if (proto === null) return encPlain(value as Record<string, unknown>, ctx, depth, true);
  const kind = classTable().kinds.get(proto);
  if (kind !== undefined) return BY_KIND[kind].serialize(value, ctx, depth, WALK);
  return encOther(value, proto, ctx, depth);
}

/**
 * Deeper than MAX_DEPTH the walk keeps the objects on its path and refuses one met again inside
 * itself, as the BSON serializer does: a cycle walked that far is met again within one more lap.
 * Not before: it would slow every batch. Deep acyclic data goes on, as the driver sends it. No exit
 * hook (a frame per level, fewer levels before a stack overflow): an object is on the path if it is
 * still the one entered at the depth it was last entered at.
 */
function enterDeep(value: object, ctx: EncodeContext, depth: number): void {
  const deep = (ctx.deep ??= { path: [], depthOf: new Map() });
  const at = deep.depthOf.get(value);
  if (at !== undefined && at < depth && deep.path[at - MAX_DEPTH - 1] === value) throw new CycleError(value);
  deep.path[depth - MAX_DEPTH - 1] = value;
  deep.depthOf.set(value, depth);
}

function encPlain(obj: Record<string, unknown>, ctx: EncodeContext, depth: number, nullProto: boolean): unknown {
  // The symbol-key check is a measured 25-50% of encode on a document batch (see EncodeHooks.symbolKeys).
  if (ctx.symbolKeys) {
    const symbols = Object.getOwnPropertySymbols(obj);
    if (symbols.length !== 0) rejectSymbolKey(obj, symbols);
  }
  let out: Record<string, unknown> | undefined = ctx.materialize ? {} : undefined;
  let escape = false;
  let key: string | undefined;
  try {
    for (key in obj) {
      const v = obj[key];
      let e = v;
      if (typeof v === 'object') {
        if (v !== null) e = encObject(v, ctx, depth + 1);
      } else if (typeof v === 'function') e = encFunction(v, ctx);
      else if (typeof v === 'symbol') e = encSymbol(v, ctx);
      if (e === LEFT_OUT) {
        out ??= copyPrefix(obj, key);
        continue;
      }
      if (key === TAG) escape = true;
      if (out !== undefined) setOwn(out, key, e);
      else if (e !== v) {
        out = copyPrefix(obj, key);
        setOwn(out, key, e);
      }
    }
  } catch (error) {
    throw withSegment(error, key!);
  }
  if (escape || nullProto) return nullProto ? { [TAG]: 'Object', v: out ?? obj, n: 1 } : { [TAG]: 'Object', v: out ?? obj };
  return out ?? obj;
}

function copyPrefix(obj: Record<string, unknown>, stop: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in obj) {
    if (k === stop) break;
    setOwn(out, k, obj[k]);
  }
  return out;
}

export function encArray(arr: unknown[], ctx: EncodeContext, depth: number): unknown {
  let out: unknown[] | undefined = ctx.materialize ? [] : undefined;
  const n = arr.length;
  let i = 0;
  try {
    for (; i < n; i++) {
      const v = arr[i];
      let e = v;
      if (typeof v === 'object') {
        if (v !== null) e = encObject(v, ctx, depth + 1);
      } else if (typeof v === 'function') e = encFunction(v, ctx);
      else if (typeof v === 'symbol') e = encSymbol(v, ctx);
      if (e === LEFT_OUT) e = null;
      if (out !== undefined) out.push(e);
      else if (e !== v) {
        out = arr.slice(0, i);
        out.push(e);
      }
    }
  } catch (error) {
    throw withSegment(error, i);
  }
  return out ?? arr;
}

/** Whatever the table does not know by its exact prototype. */
function encOther(value: object, proto: object, ctx: EncodeContext, depth: number): unknown {
  if (isError(value)) return encError(value as Error, ctx, depth, WALK);
  // What the BSON serializer would do with a class instance that has toBSON: use what it returns.
  // First, before the Buffer rule: a Buffer subclass may say it is a Binary of another subtype
  // (mongoose's buffers do), which a plain Buffer would lose.
  const replacement = bsonReplacement(value);
  if (replacement !== value) return enc(replacement, ctx, depth + 1);
  if (Buffer.isBuffer(value)) return { [TAG]: 'Buffer', v: ownBytes(value) };
  if (ArrayBuffer.isView(value)) return ownView(value);
  // A BSON value from another copy of the bson package: the same accessors, rebuilt as ours.
  const bsontype = (value as { _bsontype?: unknown })._bsontype;
  if (typeof bsontype === 'string') {
    const kind = BSONTYPE_KINDS[bsontype];
    if (kind !== undefined) {
      const handler = BSON_HANDLERS[(kind === Kind.Binary && constructorName(value) === 'UUID' ? Kind.UUID : kind) as keyof typeof BSON_HANDLERS];
      if (handler === undefined) throw new PathError(`an unsupported value cannot cross to <to> (${constructorName(value)})`);
      return handler.serialize(value, ctx, depth, WALK);
    }
  }
  // A plain object from another realm (vm context).
  if (Object.getPrototypeOf(proto) === null && constructorName(value) === 'Object') return encPlain(value as Record<string, unknown>, ctx, depth, false);
  if (Array.isArray(value) && constructorName(value) === 'Array') return encArray(value, ctx, depth);
  // An unexported driver class (the table is built from what is loaded; look again if more got
  // loaded). A prototype found to be no driver class's stays one: a class that exists now cannot be
  // exported by a driver module loaded later.
  const t = classTable();
  if (!t.notDriver.has(proto)) {
    t.refreshDriverClasses();
    const kind = t.kinds.get(proto);
    if (kind !== undefined) return BY_KIND[kind].serialize(value, ctx, depth, WALK);
    t.notDriver.add(proto);
  }
  if (ctx.lenient) return encPlainFields(value, ctx, depth, WALK);
  throw new PathError(`a class instance with hidden state cannot cross to <to> (${constructorName(value)})`);
}

// ─────────────────────────────────────────── decode ───────────────────────────────────────────

export function dec(value: object, hooks: DecodeHooks): unknown {
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype) {
    const tag = (value as Record<string, unknown>)[TAG];
    if (tag !== undefined) return decTag(value, tag, hooks);
    decFields(value as Record<string, unknown>, hooks);
    return value;
  }
  if (proto === Array.prototype) {
    const arr = value as unknown[];
    for (let i = 0, n = arr.length; i < n; i++) {
      const v = arr[i];
      if (typeof v === 'object' && v !== null) {
        const d = dec(v, hooks);
        if (d !== v) arr[i] = d;
      }
    }
    return arr;
  }
  if (proto === Map.prototype) return decMap(value as Map<unknown, unknown>, hooks, WALK);
  if (proto === Set.prototype) return decSet(value as Set<unknown>, hooks, WALK);
  return value; // Date, RegExp, typed arrays, ArrayBuffer, boxed primitives: structured clone rebuilt them
}

/** Decodes the values of a plain object in place (its keys are data, never a tag). */
function decFields(obj: Record<string, unknown>, hooks: DecodeHooks): void {
  for (const k in obj) {
    const v = obj[k];
    if (typeof v === 'object' && v !== null) {
      const d = dec(v, hooks);
      if (d !== v) setOwn(obj, k, d);
    }
  }
}

export function decAny(value: unknown, hooks: DecodeHooks): unknown {
  return typeof value === 'object' && value !== null ? dec(value, hooks) : value;
}

function decTag(t: WireTag, tag: unknown, hooks: DecodeHooks): unknown {
  const decoder = typeof tag === 'string' ? BY_TAG.get(tag) : undefined;
  if (decoder === undefined) throw new TypeError(`unknown rotor wire tag ${JSON.stringify(tag)} (a codec version mismatch between threads?)`);
  return decoder(t, hooks, WALK);
}

/** What handlers get to encode and decode what they contain. */
export const WALK: Walk = { enc, dec: decAny, decFields };
