// A main-thread stand-in for a driver object that lives in a pool worker, and the worker slot (./slot.ts) and
// its object table (./objects.ts) as these objects see them, declared here so neither module imports the other.
import type { EventEmitter } from 'node:events';
import type { ClassName } from '../../../registry/kinds.js';
import { resolveClass, type ResolvedClass } from '../../../registry/resolve.js';
import type { Request } from '../protocol.js';

export interface Slot {
  readonly isClosed: boolean;
  /** One request, one reply; `signal` rejects it at once when aborted. */
  request(m: Request, args?: unknown[], signal?: AbortSignal): Promise<unknown>;
  /** `request` for the steps' runner: resolves with the reply or a failure that `outcome` throws after the await. */
  ask(m: Request, args?: unknown[], signal?: AbortSignal): Promise<unknown>;
  outcome(reply: unknown): unknown;
  /** One request, the thread blocked until its reply. */
  requestSync(m: Request, args?: unknown[], wait?: SyncWait): unknown;
  /** Fire-and-forget, in order; functions among `args` live as long as `owner`. */
  post(m: Request, args?: unknown[], owner?: RemoteRef): void;
  /** Sends what this tick queued now. */
  flush(): void;
  readonly objects: SlotObjects;
  /** A connected client keeps the process alive, as the driver's sockets do. */
  hold(client: RemoteRef, connected: boolean): void;
  watchSignal(ref: RemoteRef, signal: AbortSignal, abortId: number): void;
}

/** The objects a slot's worker holds, as the pool's modules use them (./objects.ts). */
export interface SlotObjects {
  newRef(cls: ClassName, parent: RemoteRef | undefined, id?: number): RemoteRef;
  /** Makes an object again (parents first) after a worker loss or client.close(). */
  ensureAlive(ref: RemoteRef): void;
  awaitsRebuild(ref: RemoteRef): boolean;
  forgetClient(client: RemoteRef): void;
}

/** How a blocking request waits. */
export interface SyncWait {
  /** How long the worker may take to answer, in ms (default 10 s). */
  boundMs?: number;
  /** The error thrown when the bound passes (default: WorkerLostError). */
  onTimeout?: (boundMs: number) => Error;
  /** A sync framework command: what came before its answer (events) is handled first; its functions end with it. */
  command?: boolean;
}

/** A cursor's main-thread state (./cursor.ts). */
export interface CursorState {
  buffer: unknown[];
  transforms: Array<(doc: unknown) => unknown>;
  /** A batch was fetched: chaining must ask the driver (it refuses). */
  started: boolean;
  /** The next batch, asked for as soon as the previous one arrived; `prefetched` once it has. */
  prefetch: Promise<unknown[]> | undefined;
  prefetched: boolean;
  /** close() was called: as the driver's, an 'error' arriving after it is dropped. */
  closing: boolean;
  /** close() killed a cursor still open on the server: as the driver's, it reads as exhausted. */
  killed: boolean;
  /** Whether the server side was still open after the batch the caller last took (unknown before the first). */
  open: boolean | undefined;
}

/** What releasing an object takes, held by the slot's FinalizationRegistry (so it must not point back to the ref). */
export interface ReleaseToken {
  readonly id: number;
  /** How many times the worker had sent this id as of the last reference received (see ../worker/table.ts). */
  seen: number;
  /** Function ids registered by this object's creation (a cursor's options...), forgotten with it. */
  functions: number[] | undefined;
  /** Removes the listener on the AbortSignal the cursor was opened with (see WorkerSlot.watchSignal). */
  unwatch?: () => void;
}

export class RemoteRef {
  /** Set once the object is gone (its worker died, or its client closed) and cannot be made again. */
  lost: Error | undefined;
  /** The same driver object made here, never connected: validates arguments, answers fixed properties. */
  shadow: object | undefined;
  cursor: CursorState | undefined;
  /** Main-thread listeners; the worker forwards an event only while this has listeners for it. */
  emitter: EventEmitter | undefined;
  signal: AbortSignal | undefined; // a cursor's, from its opening call
  /** A client spanning several workers: the same stateless object on each worker (this one first). */
  replicas: RemoteRef[] | undefined;
  /** Properties a caller set that the driver object does not have (duck typing, e.g. mongoose's). */
  expando: Map<PropertyKey, unknown> | undefined;
  /** How to make it again on a fresh worker; undefined for objects the worker handed out. */
  recipe: Request | undefined;
  readonly token: ReleaseToken;
  readonly resolved: ResolvedClass;
  private hasEnded = false;
  private turn = 0;

  constructor(readonly slot: Slot, readonly id: number, readonly cls: ClassName, readonly parent: RemoteRef | undefined) {
    this.token = { id, seen: 0, functions: undefined };
    this.resolved = resolveClass(cls);
  }

  /** A stateful object that ended (closed cursor, ended session) loses nothing with its worker, and stops listening to its AbortSignal. */
  get ended(): boolean {
    return this.hasEnded;
  }
  set ended(value: boolean) {
    this.hasEnded = value;
    if (value) this.token.unwatch?.();
  }

  get root(): RemoteRef {
    return this.parent ? this.parent.root : this;
  }

  /** The replica for a stateless command: the one on `pinned`'s worker (a session's), else round robin across workers. */
  nextReplica(pinned?: Slot): RemoteRef {
    return (pinned && this.replicas!.find((r) => r.slot === pinned)) || this.replicas![this.turn++ % this.replicas!.length]!;
  }
}
