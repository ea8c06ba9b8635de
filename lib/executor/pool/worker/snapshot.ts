// A bounded copy of a driver internal (`client.topology`, `client.s`...) for libraries that probe it (mongoose reads
// `client.topology` for its readyState). The graph is large and cyclic: breadth first (shallow fields always make it),
// within SNAPSHOT_DEPTH and SNAPSHOT_NODES, a class instance as its fields and getters. Never throws.
import { driverClassOf } from '../../../registry/driver-classes.js';
import { crossesAsValue, encode, NO_REFS } from '../codec/index.js';

const SNAPSHOT_DEPTH = 5;
const SNAPSHOT_NODES = 2_000;

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
  const read = (key: string): void => {
    try {
      out.push([key, (source as Record<string, unknown>)[key]]);
    } catch {
      // a getter that throws: left out
    }
  };
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
