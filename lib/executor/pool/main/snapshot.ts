// A member outside the registry, read from the pool: the worker answers with a copy made for this read
// (../worker/snapshot.ts); the driver objects of registered classes inside it (`topology.client`) become
// handles too. Only the copy's own plain containers are walked, never a driver object's graph.
export function exposeCopy(value: unknown, wrap: (value: unknown) => unknown): unknown {
  const top = wrap(value);
  if (top !== value || typeof value !== 'object' || value === null) return top;
  const pending: object[] = [value];
  const seen = new Set<object>();
  for (let container = pending.pop(); container !== undefined; container = pending.pop()) {
    if (seen.has(container)) continue;
    seen.add(container);
    const fields = container as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      const v = fields[key];
      if (typeof v !== 'object' || v === null) continue;
      const wrapped = wrap(v);
      if (wrapped !== v) fields[key] = wrapped;
      else if (Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype) pending.push(v);
    }
  }
  return value;
}
