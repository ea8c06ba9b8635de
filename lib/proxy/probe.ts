// Members outside the registry on a non-strict handle: duck typing answers like the driver object
// (`client.topology`, `session._bsontype` → undefined, an app's own `client._closeCalled`).
import type { HandleState } from './state.js';

/**
 * The driver object's value for `key`. A driver method (inherited, in-process) comes back bound to
 * the driver object, so its own calls reach the driver rather than the handle's futures; the same
 * bound function for as long as the member is unchanged. Functions an app stored on the object
 * come back as stored.
 */
export function probeMember(state: HandleState, key: string | symbol): unknown {
  const { executor } = state.runtime;
  const value = executor.probe(state.ref, key);
  if (typeof value !== 'function' || !executor.inProcess || Object.prototype.hasOwnProperty.call(state.ref, key)) return value;
  const probed = (state.probed ??= new Map());
  const hit = probed.get(key);
  if (hit && hit[0] === value) return hit[1];
  const bound = (value as (...args: unknown[]) => unknown).bind(state.ref);
  probed.set(key, [value, bound]);
  return bound;
}
