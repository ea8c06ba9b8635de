// The worker's table of driver objects: ids the main thread holds references by, the client that
// owns each object (so `client.close()` releases everything of that client), how often each object
// was sent (so a release racing a fresh reference never drops a live object), and event forwarders.
import { resolveClass } from '../../../registry/resolve.js';
import type { ClassName } from '../../../registry/kinds.js';

export interface Entry {
  readonly obj: any;
  readonly cls: ClassName;
  /** The client that owns it (its own id for a client; 0 when unknown). */
  readonly owner: number;
  /** Times this object was sent to the main thread as a reference. */
  sent: number;
  /** The stand-in AbortSignal's id of a cursor opened with a signal. */
  abortId?: number;
  /** Event name → the listener forwarding it to the main thread. */
  forwarders?: Map<string, (...args: unknown[]) => void>;
}

const table = new Map<number, Entry>();
const idOf = new Map<object, number>();
let nextWorkerId = -1; // the worker numbers the objects it hands out with negative ids

export function entry(id: number): Entry {
  const e = table.get(id);
  if (!e) throw new TypeError(`rotor pool worker has no object #${id} (released, or created on a worker that was lost)`);
  return e;
}

export function register(obj: object, cls: ClassName, owner: number, id = nextWorkerId--): number {
  table.set(id, { obj, cls, owner, sent: 0 });
  idOf.set(obj, id);
  return id;
}

export function idFor(obj: object): number | undefined {
  return idOf.get(obj);
}

export function ownerOf(id: number): number {
  const e = entry(id);
  return resolveClass(e.cls).client ? id : e.owner;
}

/** Sessions and cursors know their client: what a callback hands out is released with it. */
export function ownerByClient(value: object): number {
  let client: object | undefined;
  try {
    client = (value as { client?: object }).client;
  } catch {
    client = undefined;
  }
  const id = client ? idOf.get(client) : undefined;
  return id === undefined ? 0 : ownerOf(id);
}

let onDrop: ((e: Entry) => void) | undefined;
/** What else goes with a dropped object (its stand-in AbortController). */
export function whenDropped(hook: (e: Entry) => void): void {
  onDrop = hook;
}

function drop(id: number, e: Entry): void {
  table.delete(id);
  idOf.delete(e.obj);
  onDrop?.(e);
  if (e.forwarders) for (const [event, forward] of e.forwarders) e.obj.off?.(event, forward);
}

/**
 * Releases ids the main thread no longer references. `seen[i]` is how many times the main thread
 * had received ids[i]: a reference sent since then is still on its way, so the object stays.
 */
export function release(ids: number[], seen: number[]): void {
  for (let i = 0; i < ids.length; i++) {
    const e = table.get(ids[i]!);
    if (e && e.sent <= (seen[i] ?? 0)) drop(ids[i]!, e);
  }
}

/** After `client.close()`: the client and everything it owns. */
export function releaseClient(clientId: number): void {
  for (const [id, e] of table) if (id === clientId || e.owner === clientId) drop(id, e);
}

export function subscribe(id: number, event: string, forward: (...args: unknown[]) => void): void {
  const e = entry(id);
  const forwarders = (e.forwarders ??= new Map());
  if (forwarders.has(event)) return;
  forwarders.set(event, forward);
  e.obj.on(event, forward);
}

export function unsubscribe(id: number, event: string): void {
  const e = table.get(id);
  const forward = e?.forwarders?.get(event);
  if (!e || !forward) return;
  e.obj.off(event, forward);
  e.forwarders!.delete(event);
}

/** Whether the client owning object `id` forwards any event to the main thread. */
export function clientForwards(id: number): boolean {
  const client = table.get(ownerOf(id));
  return client?.forwarders !== undefined && client.forwarders.size > 0;
}

export function tableStats(): { objects: number; forwarders: number } {
  let forwarders = 0;
  for (const e of table.values()) forwarders += e.forwarders?.size ?? 0;
  return { objects: table.size, forwarders };
}
