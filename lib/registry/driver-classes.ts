// Which registered class a driver object belongs to, by its prototype chain (cached per prototype).
import { driver } from '../driver.js';
import type { ClassName } from './kinds.js';
import { CLASS_NAMES, resolveClass, type ResolvedClass } from './resolve.js';

const driverExports = driver as unknown as Record<string, unknown>;
const driverPrototypes = new Set<object>(
  Object.values(driverExports)
    .filter((v): v is { prototype: object } => typeof v === 'function' && typeof (v as { prototype?: unknown }).prototype === 'object')
    .map((v) => v.prototype),
);

/** Driver prototype → registered class (null: not one of ours). Shared by all runtimes. */
const classByPrototype = new WeakMap<object, ResolvedClass | null>();

export function driverClassOf(value: object): ResolvedClass | undefined {
  const proto = Object.getPrototypeOf(value) as object | null;
  if (!proto) return undefined;
  let cls = classByPrototype.get(proto);
  if (cls === undefined) {
    cls = findClass(proto);
    classByPrototype.set(proto, cls);
  }
  return cls ?? undefined;
}

function findClass(proto: object): ResolvedClass | null {
  // The nearest registered class in the chain, trusted only if the chain belongs to the driver
  // (a user's own class named `Collection` is data, not a handle).
  for (let p: object | null = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    const name = (p as { constructor?: { name?: string } }).constructor?.name as ClassName | undefined;
    if (!name || !CLASS_NAMES.includes(name)) continue;
    for (let q: object | null = p; q; q = Object.getPrototypeOf(q) as object | null) if (driverPrototypes.has(q)) return resolveClass(name);
    return null;
  }
  return null;
}

