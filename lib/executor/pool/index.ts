// The pool executor: the driver lives in tinypool worker threads; the main thread holds RemoteRefs. Every
// operation is one message to the worker (./main/slot.ts); creation and chaining are validated on shadows
// (./main/shadow.ts) and sent without waiting: only reads of live state and a few sync methods block.
import { EventEmitter } from 'node:events';
import type { ResourceLimits } from 'node:worker_threads';
import type { Executor } from '../types.js';
import type { ClassName } from '../../registry/kinds.js';
import { resolveClass } from '../../registry/resolve.js';
import { memberName, newAbortId, type Request } from './protocol.js';
import { registerSlots } from './main/internals.js';
import { RemoteRef, type Slot } from './main/remote-ref.js';
import { WorkerSlot } from './main/slot.js';
import { sumStats, type PoolStats } from './main/stats.js';
import { applyToShadow, constructShadow, factoryShadow, NO_SHADOW } from './main/shadow.js';
import { cursorCall, cursorChain, cursorIterate, cursorRead, isCursorClass } from './main/cursor.js';
import { command, releasesClient } from './main/command.js';
import { ASYNC, runAsync } from './main/steps.js';
import { extractSignal, refOf, slotOfArgs } from './main/arguments.js';
import { relayFor, routeRelays, withMadeId } from './main/gridfs.js';
import { assignInsertIds, idRoleOf } from './main/inserts.js';
import { PoolClosedError } from './main/errors.js';
import { attempt } from '../../util/attempt.js';

export { WorkerLostError, PoolClosedError } from './main/errors.js';
export { RemoteRef } from './main/remote-ref.js';
// For specs: how many listener calls the main thread served without a hop (reached through createRotor's poolModules()).
export { listenerHopsServed } from './main/listener-hops.js';
export type { PoolStats, SlotStats } from './main/stats.js';

export interface PoolOptions {
  /** Worker threads. Default 1. */
  workers?: number;
  /**
   * With several workers: false (default) puts each client on one worker (clients round robin);
   * true gives each client a driver client on every worker, spreading its stateless commands
   * while cursors, sessions and streams stay pinned to the worker that made them.
   */
  span?: boolean;
  /** Passed to the worker threads (maxOldGenerationSizeMb...). */
  resourceLimits?: ResourceLimits;
}

export interface PoolExecutor extends Executor {
  /** Starts the workers in the background; a started worker with nothing to do does not keep the process alive. */
  warm(): void;
  close(): Promise<void>;
  stats(): Promise<PoolStats>;
}

const notOurs = (): TypeError => new TypeError('the pool executor was given an object it did not create');

/** One of this executor's refs (a TypeError for anything else). */
export function ownRef(ref: object): RemoteRef {
  if (!(ref instanceof RemoteRef)) throw notOurs();
  return ref;
}

/** One of this executor's refs, its object made again first if its worker was lost. */
export function asRef(ref: object): RemoteRef {
  ownRef(ref).slot.objects.ensureAlive(ref as RemoteRef);
  return ref as RemoteRef;
}

export function createPoolExecutor(options: PoolOptions = {}): PoolExecutor {
  const count: unknown = options.workers ?? 1; // from JavaScript callers, anything
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) {
    throw new TypeError(`rotor: the pool's workers must be a whole number ≥ 1, not ${typeof count === 'string' ? `'${count}'` : String(count)}`);
  }
  const slots: WorkerSlot[] = [];
  let nextSlot = 0;
  let closed = false;
  const slot = (): WorkerSlot => {
    if (slots.length < count) slots.push(new WorkerSlot(options.resourceLimits));
    return slots[nextSlot++ % slots.length]!;
  };

  const executor: PoolExecutor = routeRelays<PoolExecutor>({
    name: 'pool',
    inProcess: false,
    invoke(refObject, member, args) {
      if (!(refObject instanceof RemoteRef)) return Promise.reject(notOurs());
      const attr = refObject.resolved.attributes.get(member);
      return releasesClient(attr) ? closeShared(refObject, member, args) : runAsync(command(refObject, member, args, ASYNC, attr));
    },
    call(refObject, member, args) {
      const ref = asRef(refObject);
      const attr = ref.resolved.attributes.get(member);
      const m: Request = { op: 'call', id: ref.id, member: memberName(member), args: [] };
      if (attr?.kind === 'delegate' && attr.returnsNothing && applyToShadow(ref, m.member, args)) return ref.slot.post(m, args, ref);
      const remote = (): unknown => ref.slot.requestSync(m, args);
      return isCursorClass(ref.resolved) ? cursorCall(ref, attr, args, remote) : remote();
    },
    chain(refObject, member, args) {
      if (refObject instanceof RemoteRef && refObject.lost) return; // its next command reports the loss
      const ref = asRef(refObject);
      const name = memberName(member);
      const attr = ref.resolved.attributes.get(member);
      if (cursorChain(ref, attr, args)) return;
      assignInsertIds(ref, idRoleOf(attr), args); // a bulk operation's insert/raw
      // Validated by the driver's own code on the shadow, so a bad argument throws here, synchronously.
      if (applyToShadow(ref, name, args)) ref.slot.post({ op: 'chain', id: ref.id, member: name, args: [] }, args, ref);
      else ref.slot.requestSync({ op: 'chain', id: ref.id, member: name, args: [] }, args);
    },
    factory(refObject, member, args, cls) {
      if (refObject instanceof RemoteRef && refObject.lost) {
        // A handle of a lost object is still a handle: its commands fail with the loss, as the parent's do.
        return Object.assign(new RemoteRef(refObject.slot, 0, cls, refObject), { lost: refObject.lost });
      }
      const parent = asRef(refObject);
      if (!parent.replicas) return factoryOne(parent, member, args, cls);
      if (resolveClass(cls).spannable) return span(parent.replicas.map((r) => factoryOne(r, member, [...args], cls) as RemoteRef));
      return factoryOne(parent.nextReplica(slotOfArgs(args)), member, args, cls);
    },
    listen: (refObject, member, args) => listen(asRef(refObject), memberName(member), args),
    read: (refObject, member) => readRemote(asRef(refObject), member),
    write(refObject, member, value) {
      const ref = asRef(refObject);
      const name = memberName(member);
      if (ref.shadow) {
        (ref.shadow as Record<string, unknown>)[name] = value; // the driver's setter validates here
        ref.slot.post({ op: 'write', id: ref.id, member: name, args: [undefined] }, [value], ref);
      } else ref.slot.requestSync({ op: 'write', id: ref.id, member: name, args: [undefined] }, [value]);
    },
    probe: (refObject, member) => (refObject instanceof RemoteRef ? probeRemote(refObject, member) : undefined),
    expose: (refObject, member, wrap) => exposeCopy(executor.probe(refObject, member), wrap),
    assign(refObject, member, value) {
      if (refObject instanceof RemoteRef) (refObject.expando ??= new Map()).set(member, value);
    },
    construct(cls, driverClass, args) {
      if (closed) throw new PoolClosedError(`new ${cls}()`);
      const client = resolveClass(cls).client;
      if (client && options.span && count > 1) {
        while (slots.length < count) slot();
        return span(slots.map((s) => constructOn(s, cls, driverClass, args)));
      }
      const spanningParent = args.map(refOf).find((a) => a?.replicas);
      if (spanningParent && resolveClass(cls).spannable) {
        return span(spanningParent.replicas!.map((r) => constructOn(r.slot, cls, driverClass, args.map((a) => (refOf(a) === spanningParent ? r : a)))));
      }
      return constructOn(client ? slot() : (slotOfArgs(args) ?? slot()), cls, driverClass, args);
    },
    iterate: (refObject) => cursorIterate(asRef(refObject), ASYNC) as AsyncIterator<unknown>,
    wouldFetch(refObject) {
      const ref = asRef(refObject);
      return !ref.ended && (ref.cursor?.buffer.length ?? 0) === 0; // batches are buffered here, on the main thread
    },
    label(refObject) {
      const ref = asRef(refObject);
      return ref.shadow && ref.resolved.label ? ref.resolved.label(ref.shadow) : String(ref.slot.requestSync({ op: 'label', id: ref.id }));
    },
    classOf: (ref) => (ref instanceof RemoteRef ? ref.resolved : undefined),
    prototypeOf: () => undefined, // refs are not driver objects: handles answer their rotor class's prototype
    warm() {
      if (closed) return;
      while (slots.length < count) slots.push(new WorkerSlot(options.resourceLimits));
      for (const s of slots) s.warm();
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.close()));
    },
    async stats() {
      return sumStats(slots.filter((s) => !s.isClosed).length, await Promise.all(slots.map((s) => s.stats())));
    },
  });
  registerSlots(executor, slots); // fault specs reach a worker thread through them (./main/internals.ts)
  return executor;
}

/** A property: fixed ones from the shadow, live ones from the worker (cursors count their local buffer). */
function readRemote(ref: RemoteRef, member: string | symbol): unknown {
  const name = memberName(member);
  const attr = ref.resolved.attributes.get(member);
  if (ref.shadow && attr?.kind === 'property' && attr.fixed && !attr.wrap) return (ref.shadow as Record<string, unknown>)[name];
  const remote = (): unknown => ref.slot.requestSync({ op: 'read', id: ref.id, member: name });
  return isCursorClass(ref.resolved) ? cursorRead(ref, attr, remote) : remote();
}

/** Overlapping close() calls share one (the driver's do too): a second one would find the client already released. */
function closeShared(ref: RemoteRef, member: string | symbol, args: unknown[]): Promise<unknown> {
  const closing = closings.get(ref) ?? runAsync(command(ref, member, args, ASYNC)).finally(() => closings.delete(ref));
  closings.set(ref, closing);
  return closing;
}
const closings = new WeakMap<RemoteRef, Promise<unknown>>();

/**
 * A member outside the registry (duck typing, a library reading driver internals): what the app assigned, else
 * a bounded copy of the worker's value (worker/snapshot.ts), kept for this tick so repeated reads cost one round
 * trip. Never throws. (Not the shadow's: fields such as `topology` appear only once the client connects.)
 */
function probeRemote(ref: RemoteRef, member: string | symbol): unknown {
  if (ref.expando?.has(member)) return ref.expando.get(member);
  if (typeof member === 'symbol' || ref.lost || ref.slot.isClosed) return undefined;
  const cached = probes.get(ref);
  if (cached?.has(member)) return cached.get(member);
  const value = attempt(() => {
    ref.slot.objects.ensureAlive(ref);
    return ref.slot.requestSync({ op: 'probe', id: ref.id, member });
  }, undefined);
  if (probes.size === 0) setImmediate(() => probes.clear());
  if (cached) cached.set(member, value);
  else probes.set(ref, new Map([[member, value]]));
  return value;
}
const probes = new Map<RemoteRef, Map<string, unknown>>();

/**
 * A member outside the registry as a handle reads it: the driver objects of registered classes inside the worker's
 * copy (`topology.client`) become handles too. Only the copy's own plain containers are walked, never a driver object's graph.
 */
function exposeCopy(value: unknown, wrap: (value: unknown) => unknown): unknown {
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

/** Listeners live on a main-thread emitter per handle; the worker forwards an event only while it has listeners for it. */
function listen(ref: RemoteRef, member: string, args: unknown[]): unknown {
  const emitter = (ref.emitter ??= new EventEmitter());
  // A client spanning several workers hears each worker's events through the one emitter.
  const sources = ref.replicas ?? [ref];
  for (const r of sources) r.emitter = emitter;
  const before = new Set(emitter.eventNames());
  const result = (emitter as unknown as Record<string, (...a: unknown[]) => unknown>)[member]!.apply(emitter, args);
  const attr = ref.resolved.attributes.get(member);
  const effect = attr?.kind === 'event' ? attr.listeners : undefined;
  if (effect === 'adds') {
    const event = args[0] as string;
    if (!before.has(event)) for (const r of sources) r.slot.post({ op: 'subscribe', id: r.id, event });
  } else if (effect === 'removes') {
    const now = new Set(emitter.eventNames());
    for (const event of before) {
      if (now.has(event) || typeof event !== 'string') continue;
      for (const r of sources) r.slot.post({ op: 'unsubscribe', id: r.id, event });
    }
  }
  return result === emitter ? undefined : result;
}

/** A synchronous factory on one worker's object: validated on the shadow, sent without waiting. */
function factoryOne(parent: RemoteRef, member: string | symbol, args: unknown[], cls: ClassName): object {
  parent.slot.objects.ensureAlive(parent);
  const upload = withMadeId(parent.resolved.attributes.get(member), memberName(member), args);
  const signal = extractSignal(upload.args, parent.resolved.attributes.get(upload.member)?.optionsAt);
  // A cursor opened with an aborted signal is made, as the driver's is: its reads reject.
  if (signal?.aborted && !isCursorClass(resolveClass(cls))) throw signal.reason;
  const shadow = factoryShadow(parent, upload.member, upload.args, cls); // throws what the driver throws, before a ref exists
  const ref = parent.slot.objects.newRef(cls, parent);
  const abortId = signal ? newAbortId() : undefined;
  send(parent.slot, ref, shadow, { op: 'factory', id: parent.id, member: upload.member, args: [], newId: ref.id, cls, ...(abortId !== undefined ? { abortId } : {}) }, upload.args);
  if (signal) {
    // A cursor opened with a signal: aborting it fails the cursor's pending and later reads at once.
    ref.signal = signal;
    parent.slot.watchSignal(ref, signal, abortId!);
  }
  return relayFor(ref, upload.id) ?? ref;
}

function constructOn(target: Slot, cls: ClassName, driverClass: new (...args: any[]) => object, args: unknown[]): RemoteRef {
  // The driver's constructor errors (a bad URI, an invalid option) throw here, from the shadow.
  const shadow = constructShadow(cls, driverClass, args);
  const ref = target.objects.newRef(cls, args.map(refOf).find((a): a is RemoteRef => a !== undefined));
  send(target, ref, shadow, { op: 'construct', id: ref.id, cls, args: [] }, args);
  return ref;
}

/** Sends what makes `ref`: without waiting when its shadow validated it, else blocking for the worker's verdict. */
function send(target: Slot, ref: RemoteRef, shadow: object | typeof NO_SHADOW, recipe: Request, args: unknown[]): void {
  if (shadow === NO_SHADOW) target.requestSync(recipe, args);
  else {
    ref.shadow = shadow;
    target.post(recipe, args, ref);
  }
  ref.recipe = recipe;
}

function span(replicas: RemoteRef[]): RemoteRef {
  return Object.assign(replicas[0]!, { replicas });
}
