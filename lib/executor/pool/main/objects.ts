// The objects a pool worker holds and the user functions requests hand it, seen from the main thread: their
// ids, weak references (a collected handle is released in the worker, in batches), how they cross the boundary
// (the codec's hooks), and which objects are made again on their next use after a worker loss or client.close().
import type { MessagePort } from 'node:worker_threads';
import type { ClassName } from '../../../registry/kinds.js';
import { encodeArgs, type DecodeHooks, type EncodeHooks } from '../codec/index.js';
import type { Request } from '../protocol.js';
import { refOf as handleRef } from './arguments.js';
import { WorkerLostError } from './errors.js';
import { RemoteRef, type ReleaseToken, type Slot, type SlotObjects } from './remote-ref.js';

export type UserFunction = (...args: unknown[]) => unknown;

/** What the objects need of their slot (WorkerSlot). */
export interface ObjectsHost extends Slot {
  /** Counts the slot's workers: a function handed out by a lost one is not called on its successor. */
  readonly generation: number;
  /** The ordered channel, undefined once the worker is lost or the pool closed. */
  port(): MessagePort | undefined;
  /** A message of rotor's own, after what is queued. */
  postNow(m: Request): void;
}

export class RemoteObjects implements SlotObjects {
  private nextId = 1;
  private readonly refs = new Map<number, WeakRef<RemoteRef>>();
  private releases: ReleaseToken[] = [];
  private readonly finalizer = new FinalizationRegistry<ReleaseToken>((token) => this.release(token));
  /** Objects to make again on their next use (after a worker loss, or a client.close()). */
  private readonly rebuild = new WeakSet<RemoteRef>();
  readonly functions = new Map<number, UserFunction>();
  private nextFunction = 1;
  /** Registered by the encode in progress. */
  private owned: number[] | undefined;
  /** Those of blocking requests still waiting: they must be synchronous. */
  readonly blockingFunctions = new Set<number>();
  /** Of closed clients' objects: kept for a reconnect, but the worker holds them no more. */
  private readonly dormant = new Set<number>();

  constructor(private readonly slot: ObjectsHost, private readonly forgetKept: (fnIds: readonly number[]) => void) {}

  newRef(cls: ClassName, parent: RemoteRef | undefined, id = this.nextId++): RemoteRef {
    const ref = new RemoteRef(this.slot, id, cls, parent);
    this.refs.set(id, new WeakRef(ref));
    this.finalizer.register(ref, ref.token);
    return ref;
  }

  refOf(id: number): RemoteRef | undefined {
    return this.refs.get(id)?.deref();
  }

  private live(): RemoteRef[] {
    return [...this.refs.values()].map((weak) => weak.deref()).filter((ref) => ref !== undefined);
  }

  private release(token: ReleaseToken): void {
    this.forgetFunctions(token.functions);
    token.unwatch?.();
    // A fresh RemoteRef may already stand for the same id (the worker sent it again): keep it.
    if (this.refs.get(token.id)?.deref() === undefined) this.refs.delete(token.id);
    if (!this.slot.port()) return; // nothing to release in a closed pool, or on a lost worker
    if (this.releases.push(token) === 1) setImmediate(() => this.flushReleases());
  }

  /** Tells the worker which objects this thread dropped (first thing in a stats request: its counts are then what the caller left alive). */
  flushReleases(): void {
    const tokens = this.releases;
    this.releases = [];
    if (tokens.length > 0) this.slot.postNow({ op: 'release', ids: tokens.map((t) => t.id), seen: tokens.map((t) => t.seen) });
  }

  ensureAlive(ref: RemoteRef): void {
    if (ref.lost) throw ref.lost;
    if (!this.rebuild.has(ref)) return;
    if (ref.parent) this.ensureAlive(ref.parent);
    this.rebuild.delete(ref);
    for (const id of ref.token.functions ?? []) this.dormant.delete(id);
    const { r: _r, sync: _sync, ...recipe } = ref.recipe!;
    this.slot.post(recipe);
  }

  awaitsRebuild(ref: RemoteRef): boolean {
    return this.rebuild.has(ref);
  }

  /** After `client.close()`, as the driver's: open cursors and sessions are over; the rest is made again if used (it reconnects). */
  forgetClient(client: RemoteRef): void {
    this.slot.hold(client, false);
    for (const ref of this.live()) {
      if (ref.root !== client) continue;
      for (const id of ref.token.functions ?? []) this.dormant.add(id);
      if (ref.resolved.stateful || !ref.recipe) {
        ref.ended = true;
        ref.lost ??= new WorkerLostError(`${ref.cls} was released when its client closed`);
      } else {
        if (ref === client && ref.recipe.op === 'construct') ref.recipe = { ...ref.recipe, closed: true };
        this.rebuild.add(ref);
      }
    }
  }

  /** The worker died: clients holding open cursors, sessions or streams there are lost; the rest is made again when used. */
  workerLost(cause: Error): void {
    const live = this.live();
    const holdsState = (ref: RemoteRef): boolean => ref.resolved.stateful && !ref.ended;
    const poisoned = new Set(live.filter(holdsState).map((ref) => ref.root));
    for (const ref of live) {
      if (ref.recipe && !holdsState(ref) && !poisoned.has(ref.root)) this.rebuild.add(ref);
      else ref.lost ??= new WorkerLostError(`${ref.cls} was lost with its pool worker: ${cause.message}`, { cause });
    }
  }

  /** The pool closed: nothing is left to release. */
  closed(): void {
    this.releases = [];
  }

  forgetFunctions(ids: number[] | undefined): void {
    if (!ids) return;
    for (const id of ids) {
      this.functions.delete(id);
      this.dormant.delete(id);
    }
    this.forgetKept(ids);
  }

  /** User functions the worker may still call: those of live objects and requests in flight. */
  get liveFunctions(): number {
    return this.functions.size - this.dormant.size;
  }

  /** Encodes `args` into `m.args`; returns the function ids that registered. */
  encodeInto(m: Request & { args?: unknown[] }, args: unknown[], materialize: boolean): number[] | undefined {
    this.owned = undefined;
    try {
      m.args = encodeArgs(args, materialize ? this.materializeHooks : this.encodeHooks);
      return this.owned;
    } catch (error) {
      this.forgetFunctions(this.owned);
      throw error;
    } finally {
      this.owned = undefined;
    }
  }

  readonly encodeHooks: EncodeHooks = {
    symbolKeys: 'drop', // as the driver's BSON serializer ignores them
    lenient: true,
    refOf: (value) => {
      const found = handleRef(value);
      if (!found) return undefined;
      const ref = found.replicas?.find((r) => r.slot === this.slot) ?? found;
      if (ref.slot !== this.slot) throw new TypeError(`a ${ref.cls} handle from another pool worker cannot be used here`);
      this.ensureAlive(ref);
      return { id: ref.id, cls: ref.cls };
    },
    functionRef: (fn) => {
      const id = this.nextFunction++;
      this.functions.set(id, fn as UserFunction);
      (this.owned ??= []).push(id);
      return id;
    },
  };
  private readonly materializeHooks: EncodeHooks = { ...this.encodeHooks, materialize: true };

  readonly decodeHooks: DecodeHooks = {
    ref: (wire) => {
      const ref = this.refOf(wire.id) ?? this.newRef(wire.cls as ClassName, undefined, wire.id);
      if (wire.n !== undefined && wire.n > ref.token.seen) ref.token.seen = wire.n;
      return ref;
    },
    // Id 0: a driver object's function (it stays in the worker). Others: one the driver handed to a
    // user function (lookup's callback), called there, once, by the worker that made it.
    fn: (fnId) => {
      if (fnId === 0) {
        return () => {
          throw new TypeError('rotor: this function belongs to a driver object in the pool worker and cannot be called from the main thread');
        };
      }
      const generation = this.slot.generation;
      return (...args: unknown[]) => {
        if (!this.slot.isClosed && this.slot.generation === generation) this.slot.postNow({ op: 'call-function', fn: fnId, args: encodeArgs(args, this.encodeHooks) });
      };
    },
  };
}
