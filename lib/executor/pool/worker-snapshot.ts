// A bounded-cost copy of a driver internal for the main thread (`client.topology`, `client.s`...):
// libraries probe such members for duck typing and state (mongoose reads `client.topology` for its
// readyState). A driver object graph is large and cyclic, so this copies at most SNAPSHOT_DEPTH
// levels and SNAPSHOT_NODES values; functions, class instances' methods and what cannot cross are
// left out. It never throws. The copy is a plain object: a picture of the internal, not the internal.
import { encode } from './codec/index.js';

export const SNAPSHOT_DEPTH = 4;
export const SNAPSHOT_NODES = 500;

const NO_REFS = { refOf: () => undefined, symbolKeys: 'drop' as const, to: 'the main thread' };

export function snapshot(value: unknown): unknown {
  const budget = { nodes: SNAPSHOT_NODES };
  return copy(value, 0, budget, new Set());
}

function copy(value: unknown, depth: number, budget: { nodes: number }, seen: Set<object>): unknown {
  if (--budget.nodes < 0) return undefined;
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return undefined;
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) {
    // BSON values, dates, buffers, driver data classes: as the codec sends them, when it can.
    try {
      return encode(value, NO_REFS);
    } catch {
      // a live object (a socket, an emitter...): its own fields, below
    }
  }
  if (depth >= SNAPSHOT_DEPTH) return undefined;
  seen.add(value);
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => copy(v, depth + 1, budget, seen));
  if (value instanceof Map) return Object.fromEntries([...value].slice(0, 100).map(([k, v]) => [String(k), copy(v, depth + 1, budget, seen)]));
  const out: Record<string, unknown> = {};
  let keys: string[];
  try {
    keys = Object.keys(value);
    // A class instance's getters (topology.description...) are part of what it shows.
    for (let p = proto; p !== null && p !== Object.prototype && p !== Array.prototype; p = Object.getPrototypeOf(p) as object | null) {
      for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(p))) if (d.get && key !== '__proto__' && !keys.includes(key)) keys.push(key);
    }
  } catch {
    return undefined;
  }
  for (const key of keys) {
    if (budget.nodes <= 0) break;
    let v: unknown;
    try {
      v = (value as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    const c = copy(v, depth + 1, budget, seen);
    if (c !== undefined) out[key] = c;
  }
  return out;
}
