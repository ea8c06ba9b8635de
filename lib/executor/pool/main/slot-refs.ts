// A slot's remote objects: ids, the RemoteRef standing for each (weakly held; a collected one is
// released in the worker, in batches), and which to make again after the worker was lost or their
// client closed.
import type { ClassName } from '../../../registry/kinds.js';
import type { WireRef } from '../codec/index.js';
import { WorkerLostError } from './errors.js';
import { RemoteRef, type ReleaseToken, type Slot } from './remote-ref.js';

/** What the table needs of its slot (WorkerSlot) beyond the Slot interface. */
export interface RefHost extends Slot {
  /** An open pool and a live worker: something to release objects in. */
  readonly reachable: boolean;
  forgetFunctions(ids: number[] | undefined): void;
}

export class RefTable {
  private nextId = 1;
  private readonly refs = new Map<number, WeakRef<RemoteRef>>();
  private releases: ReleaseToken[] = [];
  private readonly finalizer = new FinalizationRegistry<ReleaseToken>((token) => this.release(token));
  /** Objects to make again on their next use (after a worker loss, or a client.close()). */
  private readonly rebuild = new WeakSet<RemoteRef>();
  /** Functions of closed clients' objects (a `lookup`...): kept for a reconnect, but the worker holds them no more. */
  readonly dormant = new Set<number>();

  constructor(private readonly host: RefHost) {}

  newRef(cls: ClassName, parent: RemoteRef | undefined, id = this.nextId++): RemoteRef {
    const ref = new RemoteRef(this.host, id, cls, parent);
    this.refs.set(id, new WeakRef(ref));
    this.finalizer.register(ref, ref.token);
    return ref;
  }

  get(id: number): RemoteRef | undefined {
    return this.refs.get(id)?.deref();
  }

  refFor(wire: WireRef): RemoteRef {
    const ref = this.get(wire.id) ?? this.newRef(wire.cls as ClassName, undefined, wire.id);
    if (wire.n !== undefined && wire.n > ref.token.seen) ref.token.seen = wire.n;
    return ref;
  }

  private release(token: ReleaseToken): void {
    this.host.forgetFunctions(token.functions);
    this.sleep(token.functions, false);
    token.unwatch?.();
    // A fresh RemoteRef may already stand for the same id (the worker sent it again): keep it.
    const current = this.refs.get(token.id);
    if (current && !current.deref()) this.refs.delete(token.id);
    if (!this.host.reachable) return; // nothing to release in a closed pool, or on a lost worker
    if (this.releases.push(token) === 1) setImmediate(() => this.flushReleases());
  }

  flushReleases(): void {
    const tokens = this.releases;
    this.releases = [];
    if (tokens.length === 0 || !this.host.reachable) return;
    this.host.post({ op: 'release', ids: tokens.map((t) => t.id), seen: tokens.map((t) => t.seen) });
  }

  /** The pool closed: releases waiting for their setImmediate are dropped. */
  dropReleases(): void {
    this.releases = [];
  }

  ensureAlive(ref: RemoteRef): void {
    if (ref.lost) throw ref.lost;
    if (!this.rebuild.has(ref)) return;
    if (ref.parent) this.ensureAlive(ref.parent);
    this.rebuild.delete(ref);
    this.sleep(ref.token.functions, false);
    const { r: _r, sync: _sync, ...recipe } = ref.recipe!;
    this.host.post(recipe);
  }

  awaitsRebuild(ref: RemoteRef): boolean {
    return this.rebuild.has(ref);
  }

  /**
   * After `client.close()` the worker holds nothing of the client. The driver lets a closed client
   * be used again (it reconnects), so rebuildable handles are made again on their next use; open
   * cursors and sessions are over, as the driver's are.
   */
  forgetClient(client: RemoteRef): void {
    this.host.hold(client, false);
    for (const ref of this.live()) {
      if (ref.root !== client) continue;
      this.sleep(ref.token.functions, true);
      if (ref.resolved.stateful || !ref.recipe) {
        ref.ended = true;
        ref.lost ??= new WorkerLostError(`${ref.cls} was released when its client closed`);
      } else {
        if (ref === client && ref.recipe.op === 'construct') ref.recipe = { ...ref.recipe, closed: true };
        this.rebuild.add(ref);
      }
    }
  }

  /** The worker was lost: clients that held open cursors, sessions or streams there are lost; the rest are rebuilt on their next command. */
  workerLost(cause: Error): void {
    const live = this.live();
    const holdsState = (ref: RemoteRef): boolean => ref.resolved.stateful && !ref.ended;
    const poisoned = new Set(live.filter(holdsState).map((ref) => ref.root));
    for (const ref of live) {
      if (!ref.recipe || holdsState(ref) || poisoned.has(ref.root)) ref.lost ??= new WorkerLostError(`${ref.cls} was lost with its pool worker: ${cause.message}`, { cause });
      else this.rebuild.add(ref);
    }
  }

  private sleep(ids: number[] | undefined, asleep: boolean): void {
    for (const id of ids ?? []) {
      if (asleep) this.dormant.add(id);
      else this.dormant.delete(id);
    }
  }

  private live(): RemoteRef[] {
    return [...this.refs.values()].map((weak) => weak.deref()).filter((ref) => ref !== undefined);
  }
}
