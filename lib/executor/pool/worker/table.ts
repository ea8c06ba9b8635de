// The worker's table of driver objects: the ids the main thread holds references by, the client that
// owns each object (client.close() releases all of them), how often each was sent (a release racing a
// fresh reference never drops a live object), its event forwarders and its stand-in abort controller.
import { driverClassOf } from '../../../registry/driver-classes.js';
import { resolveClass } from '../../../registry/resolve.js';
import type { ClassName } from '../../../registry/kinds.js';
import { attempt } from '../../../util/attempt.js';
import type { EncodeHooks } from '../codec/index.js';

interface Entry {
  readonly obj: any;
  readonly cls: ClassName;
  readonly owner: number; // the owning client's id (its own for a client; 0 when unknown)
  sent: number; // times sent to the main thread as a reference
  abortId?: number; // the stand-in AbortSignal's id of a cursor opened with a signal
  forwarders?: Map<string, (...args: unknown[]) => void>; // event name → the listener forwarding it
}

const table = new Map<number, Entry>();
const idOf = new Map<object, number>();
let nextWorkerId = -1; // the objects the worker hands out get negative ids
// Stand-in AbortControllers of operations in flight and of cursors opened with a signal. Aborts come in
// order with requests: one whose id is absent came after its operation ended.
export const aborts = new Map<number, AbortController>();
/** Objects whose fire-and-forget creation or chaining failed: their next use fails with that error. */
export const broken = new Map<number, unknown>();

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

export const idFor = (obj: object): number | undefined => idOf.get(obj);

/** The client owning object `id` (0 for an object no longer here). */
export function ownerOf(id: number): number {
  const e = table.get(id);
  return e === undefined ? 0 : resolveClass(e.cls).client ? id : e.owner;
}

/** Encoding results: driver objects of registered classes cross as references. One set per owner, made once. */
const hooksByOwner = new Map<number, EncodeHooks>();
export function encodeHooks(owner: number): EncodeHooks {
  let hooks = hooksByOwner.get(owner);
  if (!hooks) hooksByOwner.set(owner, (hooks = {
    to: 'the main thread',
    // Driver-made values may hold functions (client.options.pkFactory.createPk): stubs saying where they live.
    functionRef: () => 0,
    symbolKeys: 'drop',
    refOf(value) {
      let id = idOf.get(value);
      if (id === undefined) {
        const cls = driverClassOf(value);
        if (!cls) return undefined;
        id = register(value, cls.name, cls.client ? 0 : owner || ownerByClient(value));
      }
      const e = table.get(id)!;
      return { id, cls: e.cls, n: ++e.sent };
    },
  }));
  return hooks;
}

/** Sessions and cursors know their client: what a callback hands out is released with it. */
function ownerByClient(value: object): number {
  const client = attempt(() => (value as { client?: object }).client, undefined); // a throwing getter: no owner
  const id = client ? idOf.get(client) : undefined;
  return id === undefined ? 0 : ownerOf(id);
}

function drop(id: number, e: Entry): void {
  table.delete(id);
  idOf.delete(e.obj);
  if (e.abortId !== undefined) aborts.delete(e.abortId);
  if (e.forwarders) for (const [event, forward] of e.forwarders) e.obj.off?.(event, forward);
}

/** Releases ids the main thread let go of; `seen[i]`: how often it had received ids[i] (one sent since stays). */
export function release(ids: number[], seen: number[]): void {
  for (let i = 0; i < ids.length; i++) {
    const e = table.get(ids[i]!);
    if (e && e.sent <= (seen[i] ?? 0)) drop(ids[i]!, e);
    broken.delete(ids[i]!);
  }
}

/** After `client.close()`: the client and everything it owns. */
export function releaseClient(clientId: number): void {
  for (const [id, e] of table) if (id === clientId || e.owner === clientId) drop(id, e);
  hooksByOwner.delete(clientId);
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
  return (table.get(ownerOf(id))?.forwarders?.size ?? 0) > 0;
}

export function tableStats(): { objects: number; forwarders: number } {
  let forwarders = 0;
  for (const e of table.values()) forwarders += e.forwarders?.size ?? 0;
  return { objects: table.size, forwarders };
}
