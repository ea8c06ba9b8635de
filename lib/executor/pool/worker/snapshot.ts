// How the worker's values cross to the main thread where not all of them can or need to: a blocking read's value
// leniently (encodeLenient), an insert's echoed id not at all (leaveOutEchoedId), a probed driver internal (mongoose
// reads `client.topology` for its readyState) as a bounded copy (snapshot: the graph is large and cyclic, so breadth
// first, shallow fields always making it, within SNAPSHOT_DEPTH and SNAPSHOT_NODES, a class instance as its fields
// and getters; never throws).
import { ObjectId } from '../../../driver.js';
import { driverClassOf } from '../../../registry/driver-classes.js';
import { attempt } from '../../../util/attempt.js';
import { crossesAsValue, encode, NO_REFS, type EncodeHooks } from '../codec/index.js';

const SNAPSHOT_DEPTH = 5;
const SNAPSHOT_NODES = 2_000;

/** Driver structures (client.options holds promises, a logger...): what cannot cross is left out, level by level. */
export function encodeLenient(value: unknown, hooks: EncodeHooks, depth = 0): unknown {
  try {
    return encode(value, hooks);
  } catch (error) {
    if (depth > 8 || value === null || typeof value !== 'object' || value instanceof Promise) return undefined;
    if (Array.isArray(value)) return value.map((v) => encodeLenient(v, hooks, depth + 1));
    if (depth === 0 && Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null && driverClassOf(value)) throw error;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const v = encodeLenient((value as Record<string, unknown>)[key], hooks, depth + 1);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
}

/**
 * An insertOne's `insertedId` is its document's `_id`, which the main thread set and reads back from its
 * own document (main/inserts.ts insertedIdsAsCalled): left out here, it is neither encoded nor decoded.
 */
export function leaveOutEchoedId(doc: unknown, result: unknown): void {
  const id = typeof doc === 'object' && doc !== null ? (doc as { _id?: unknown })._id : undefined;
  // Only an ObjectId (the hex both ways is the cost): anything else crosses, as a Promise a pkFactory gave is refused.
  if (id instanceof ObjectId && typeof result === 'object' && result !== null && (result as { insertedId?: unknown }).insertedId === id) {
    delete (result as { insertedId?: unknown }).insertedId;
  }
}

export function snapshot(value: unknown): unknown {
  const seen = new Set<object>();
  let nodes = SNAPSHOT_NODES;
  const queue: Array<{ source: object; target: Record<string, unknown> | unknown[]; depth: number }> = [];
  /** A leaf as is (or as the codec sends it), a container as an empty copy queued for filling. */
  const start = (v: unknown, depth: number): unknown => {
    if (--nodes < 0 || typeof v === 'function' || typeof v === 'symbol') return undefined;
    if (typeof v !== 'object' || v === null) return v;
    if (seen.has(v)) return undefined;
    // A registry class's object inside (`topology.client`) crosses as its handle, not as a copy of its graph.
    if (depth > 0 && driverClassOf(v)) return v;
    const proto = Object.getPrototypeOf(v) as object | null;
    // BSON values, dates, buffers, driver data classes cross as encoded. Not a live object: encode walked its
    // graph and threw (~3 ms of a 4 ms topology snapshot); it is copied field by field.
    if (proto !== Object.prototype && proto !== Array.prototype && proto !== null && !(v instanceof Map) && crossesAsValue(v)) {
      try {
        encode(v, NO_REFS);
        return v;
      } catch {
        // a value class holding something that cannot cross: its fields, below
      }
    }
    if (depth >= SNAPSHOT_DEPTH) return undefined;
    seen.add(v);
    const target = Array.isArray(v) ? [] : {};
    queue.push({ source: v, target, depth });
    return target;
  };
  const root = start(value, 0);
  for (let i = 0; i < queue.length && nodes > 0; i++) {
    const { source, target, depth } = queue[i]!;
    for (const [key, v] of entries(source)) {
      if (nodes <= 0) break;
      const copy = start(v, depth + 1);
      if (copy === undefined) continue;
      if (Array.isArray(target)) target.push(copy);
      else target[key] = copy;
    }
  }
  return root;
}

/** Own enumerable fields, a class's getters, a Map's entries; at most 100 of an array or map. */
function entries(source: object): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  // A getter that throws: left out.
  const read = (key: string): void => attempt(() => void out.push([key, (source as Record<string, unknown>)[key]]), undefined);
  try {
    if (Array.isArray(source)) return source.slice(0, 100).map((v, i) => [String(i), v]);
    if (source instanceof Map) return [...source].slice(0, 100).map(([k, v]) => [String(k), v]);
    for (const key of Object.keys(source)) read(key);
    const proto = Object.getPrototypeOf(source) as object | null;
    if (proto !== null && proto !== Object.prototype) for (const key of gettersOf(proto)) if (!Object.hasOwn(source, key)) read(key);
  } catch {
    // a hostile object: what was read so far
  }
  return out;
}

const getterCache = new WeakMap<object, readonly string[]>();
/** The getter names of a class chain, walked once per prototype (per object, most of a topology snapshot's time). */
function gettersOf(proto: object): readonly string[] {
  let keys = getterCache.get(proto);
  if (!keys) {
    const found = new Set<string>();
    for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
      for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(p))) if (d.get && key !== '__proto__') found.add(key);
    }
    getterCache.set(proto, (keys = [...found]));
  }
  return keys;
}
