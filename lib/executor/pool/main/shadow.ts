// Main-thread shadows: each client, database, collection, cursor... made through the pool is also made here, never
// connected, so the driver's own code validates arguments (a bad URI, `limit('x')` throw here, as in-process) without
// waiting on a busy worker; a shadow also answers the registry's fixed properties. Streams are not shadowed (no I/O),
// and a factory the driver refuses on an unconnected client (bulk operations) asks the worker instead.
import { MongoNotConnectedError } from '../../../driver.js';
import type { ClassName } from '../../../registry/kinds.js';
import { HANDLE_OPTION_KEYS, resolveClass } from '../../../registry/resolve.js';
import type { RemoteRef } from './remote-ref.js';
import { refOf } from './arguments.js';

/** Marks "the main thread cannot make this one: ask the worker". */
export const NO_SHADOW = Symbol('rotor.noShadow');

/** The arguments with every handle replaced by its shadow; NO_SHADOW if one has none. */
function shadowArgs(args: readonly unknown[]): unknown[] | typeof NO_SHADOW {
  const out: unknown[] = [];
  for (const a of args) {
    const ref = refOf(a);
    if (ref) {
      if (!ref.shadow) return NO_SHADOW;
      out.push(ref.shadow);
    } else if (a && typeof a === 'object' && !Array.isArray(a)) {
      // Handles in option keys (`{ session }`) become their shadows too.
      let copy: Record<string, unknown> | undefined;
      for (const key of HANDLE_OPTION_KEYS) {
        const option = refOf((a as Record<string, unknown>)[key]);
        if (!option) continue;
        if (!option.shadow) return NO_SHADOW;
        (copy ??= { ...a })[key] = option.shadow;
      }
      out.push(copy ?? a);
    } else out.push(a);
  }
  return out;
}

/** `new Class(...args)` here: throws what the driver's constructor throws. */
export function constructShadow(cls: ClassName, driverClass: new (...args: any[]) => object, args: readonly unknown[]): object | typeof NO_SHADOW {
  return resolveClass(cls).passThrough ? NO_SHADOW : makeShadow(args, (plain) => new driverClass(...plain));
}

/** `parent.member(...args)` on the parent's shadow: throws what the driver throws for bad arguments. */
export function factoryShadow(parent: RemoteRef, member: string, args: readonly unknown[], cls: ClassName): object | typeof NO_SHADOW {
  const resolved = resolveClass(cls);
  if (!parent.shadow || resolved.passThrough) return NO_SHADOW;
  const made = makeShadow(args, (plain) => (parent.shadow as Record<string, (...a: unknown[]) => object>)[member]!(...plain));
  if (made === NO_SHADOW) return NO_SHADOW;
  // A shadow session is only a validator: ended at once, so the shadow client keeps no list of them.
  if (resolved.shadowValidatesOnly) {
    for (const end of resolved.endedBy) void Promise.resolve((made as Record<string, () => unknown>)[end]!()).catch(() => {});
    return NO_SHADOW;
  }
  untrack(made);
  return made;
}

/**
 * The driver tracks each cursor it makes on its client (for `client.close()`). A shadow cursor, never closed,
 * would keep every find() reachable from the shadow client (~0.5 KB per command, found by the soak).
 */
function untrack(made: object): void {
  for (const cursor of [made, (made as { cursor?: unknown }).cursor]) {
    if (typeof cursor !== 'object' || cursor === null) continue;
    try {
      const active = (cursor as { client?: { s?: { activeCursors?: unknown } } }).client?.s?.activeCursors;
      if (active instanceof Set) active.delete(cursor);
    } catch {
      // a driver without this bookkeeping: nothing to undo
    }
  }
}

/**
 * A chaining call (sort, limit...) or a setter (appendMetadata) on the shadow: true when validated here; false
 * when the worker must be asked (no shadow, or a started cursor: the driver's refusal is the worker's answer).
 */
export function applyToShadow(ref: RemoteRef, member: string, args: readonly unknown[]): boolean {
  if (!ref.shadow || ref.cursor?.started) return false;
  const plain = shadowArgs(args);
  if (plain === NO_SHADOW) return false;
  (ref.shadow as Record<string, (...a: unknown[]) => unknown>)[member]!(...plain);
  return true;
}

/** `make` given the shadows of `args`; NO_SHADOW when one has none, or on MongoNotConnectedError ("needs a connected client": the worker's call decides). */
function makeShadow(args: readonly unknown[], make: (plain: unknown[]) => object): object | typeof NO_SHADOW {
  const plain = shadowArgs(args);
  if (plain === NO_SHADOW) return NO_SHADOW;
  try {
    return make(plain);
  } catch (error) {
    if (error instanceof MongoNotConnectedError) return NO_SHADOW;
    throw error;
  }
}
