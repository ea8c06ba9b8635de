// A slot's remote objects, seen from the main thread: ids, the RemoteRef standing for each (weakly
// held; a collected one is released in the worker, in batches), and which to re-create after the
// worker was lost or their client closed.
import type { ClassName } from '../../../registry/kinds.js';
import type { WireRef } from '../codec/index.js';
import { WorkerLostError } from './errors.js';
import type { Request } from '../protocol.js';
import { RemoteRef, type ReleaseToken, type Slot } from './remote-ref.js';

/** What the table needs of its slot. */
export interface RefHost {
  readonly slot: Slot;
  forgetFunctions(ids: number[] | undefined): void;
  /** Whether the worker can be told anything (an open pool, a live worker). */
  reachable(): boolean;
  /** A control message, after whatever is queued. */
  postNow(m: Request): void;
  /** A request, fire-and-forget. */
  post(m: Request): void;
  /** The client no longer keeps the process alive. */
  unhold(client: RemoteRef): void;
  /**
   * Functions of a recipe (a client's `lookup`, loggers...) the worker no longer holds (`asleep`)
   * or holds again once the recipe is re-sent: poolStats() counts only those the worker can call.
   */
  dormant(ids: number[] | undefined, asleep: boolean): void;
}

export class RefTable {
  private nextId = 1;
  private readonly refs = new Map<number, WeakRef<RemoteRef>>();
  private releases: ReleaseToken[] = [];
  private readonly finalizer = new FinalizationRegistry<ReleaseToken>((token) => this.release(token));
  /** Objects to re-create on their next use (after a worker loss, or a client.close()). */
  private readonly rebuild = new WeakSet<RemoteRef>();

  constructor(private readonly host: RefHost) {}

  newRef(cls: ClassName, parent: RemoteRef | undefined, id = this.nextId++): RemoteRef {
    const ref = new RemoteRef(this.host.slot, id, cls, parent);
    this.refs.set(id, new WeakRef(ref));
    this.finalizer.register(ref, ref.token);
    return ref;
  }

  get(id: number): RemoteRef | undefined {
    return this.refs.get(id)?.deref();
  }

  refFor(wire: WireRef): RemoteRef {
    let ref = this.refs.get(wire.id)?.deref();
    if (!ref) ref = this.newRef(wire.cls as ClassName, undefined, wire.id);
    if (wire.n !== undefined && wire.n > ref.token.seen) ref.token.seen = wire.n;
    return ref;
  }

  private release(token: ReleaseToken): void {
    this.host.forgetFunctions(token.functions);
    token.unwatch?.();
    // A fresh RemoteRef may already stand for the same id (the worker sent it again): keep it.
    const current = this.refs.get(token.id);
    if (current && !current.deref()) this.refs.delete(token.id);
    if (!this.host.reachable()) return; // nothing to release in a closed pool, or on a lost worker
    this.releases.push(token);
    if (this.releases.length === 1) setImmediate(() => this.flushReleases());
  }

  flushReleases(): void {
    const tokens = this.releases;
    this.releases = [];
    if (tokens.length === 0 || !this.host.reachable()) return;
    this.host.postNow({ op: 'release', ids: tokens.map((t) => t.id), seen: tokens.map((t) => t.seen) });
  }

  /** The pool closed: releases waiting for their setImmediate are dropped. */
  dropReleases(): void {
    this.releases = [];
  }

  /** Re-sends the creation of a rebuildable object (parents first) after a worker loss or client.close(). */
  ensureAlive(ref: RemoteRef): void {
    if (ref.lost) throw ref.lost;
    if (!this.rebuild.has(ref)) return;
    if (ref.parent) this.ensureAlive(ref.parent);
    this.rebuild.delete(ref);
    this.host.dormant(ref.token.functions, false);
    const { r: _r, sync: _sync, ...recipe } = ref.recipe!;
    this.host.post(recipe);
  }

  /** Made on a worker that was lost and not made again yet. */
  awaitsRebuild(ref: RemoteRef): boolean {
    return this.rebuild.has(ref);
  }

  /**
   * After `client.close()` the worker holds nothing of the client. The driver lets a closed client
   * be used again (it reconnects), so rebuildable handles are re-created on their next use; open
   * cursors and sessions are over, as the driver's are.
   */
  forgetClient(client: RemoteRef): void {
    this.host.unhold(client);
    for (const weak of this.refs.values()) {
      const ref = weak.deref();
      if (!ref || ref.root !== client) continue;
      this.host.dormant(ref.token.functions, true);
      if (ref.resolved.stateful || !ref.recipe) {
        ref.ended = true;
        ref.lost ??= new WorkerLostError(`${ref.cls} was released when its client closed`);
      } else {
        if (ref === client && ref.recipe.op === 'construct') ref.recipe = { ...ref.recipe, closed: true };
        this.rebuild.add(ref);
      }
    }
  }

  /** The worker was lost: clients that held open cursors, sessions or streams there are lost; the rest are rebuilt on the next command. */
  workerLost(cause: Error): void {
    const poisoned = new Set<RemoteRef>();
    const live: RemoteRef[] = [];
    for (const weak of this.refs.values()) {
      const ref = weak.deref();
      if (!ref) continue;
      live.push(ref);
      if (ref.holdsState) poisoned.add(ref.root);
    }
    for (const ref of live) {
      if (!ref.recipe || ref.holdsState || poisoned.has(ref.root)) ref.lost ??= new WorkerLostError(`${ref.cls} was lost with its pool worker: ${cause.message}`, { cause });
      else this.rebuild.add(ref);
    }
  }
}
