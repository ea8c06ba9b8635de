// A main-thread stand-in for a driver object that lives in a pool worker.
import type { EventEmitter } from 'node:events';
import type { ClassName } from '../../registry/kinds.js';
import { resolveClass, type ResolvedClass } from '../../registry/resolve.js';
import type { Request } from './protocol.js';
import type { CursorState } from './main/cursor.js';
import type { WorkerSlot } from './slot.js';


export interface ReleaseToken {
  readonly id: number;
  /** How many times the worker had sent this id as of the last reference received (see worker-table). */
  seen: number;
  /** Function ids registered by this object's creation (a cursor's options...), forgotten with it. */
  functions: number[] | undefined;
  /** Removes the listener on the AbortSignal the cursor was opened with (see WorkerSlot.watchSignal). */
  unwatch?: () => void;
}

export class RemoteRef {
  /** Set once the object is gone (its worker died, or its client closed) and cannot be rebuilt. */
  lost: Error | undefined;
  /**
   * The same driver object made on the main thread, never connected and never used for I/O: it
   * validates arguments synchronously with the driver's own code and answers fixed properties.
   */
  shadow: object | undefined;
  /** Local cursor buffer and transforms (cursors only). */
  cursor: CursorState | undefined;
  /** Main-thread listeners; the worker forwards an event only while this has listeners for it. */
  emitter: EventEmitter | undefined;
  /** The AbortSignal a cursor was opened with. */
  signal: AbortSignal | undefined;
  /** A client spanning several workers: the same stateless object on each worker (this one first). */
  replicas: RemoteRef[] | undefined;
  /** Properties a caller set that the driver object does not have (duck typing, e.g. mongoose's). */
  expando: Map<PropertyKey, unknown> | undefined;
  /**
   * A stateful object that ended (closed cursor, ended session): nothing of it is lost with its
   * worker. An ended cursor stops listening to its AbortSignal, as the driver's does once closed or
   * exhausted (a long-lived signal must not collect one listener per cursor).
   */
  get ended(): boolean {
    return this.hasEnded;
  }
  set ended(value: boolean) {
    this.hasEnded = value;
    if (value) this.token.unwatch?.();
  }
  private hasEnded = false;
  /** What its release needs, held by the slot's FinalizationRegistry (so it must not point back here). */
  readonly token: ReleaseToken;
  /** How to make it again on a fresh worker; undefined for objects the worker handed out. */
  recipe: Request | undefined;
  private turn = 0;
  /** The registry's entry for its class. */
  readonly resolved: ResolvedClass;

  constructor(
    readonly slot: WorkerSlot,
    readonly id: number,
    readonly cls: ClassName,
    readonly parent: RemoteRef | undefined,
  ) {
    this.token = { id, seen: 0, functions: undefined };
    this.resolved = resolveClass(cls);
  }


  /** Holds state a fresh worker could not rebuild, and has not ended. */
  get holdsState(): boolean {
    return this.resolved.stateful && !this.ended;
  }

  get root(): RemoteRef {
    return this.parent ? this.parent.root : this;
  }

  /** The replica for a stateless command: round robin across workers. */
  nextReplica(): RemoteRef {
    const replicas = this.replicas!;
    return replicas[this.turn++ % replicas.length]!;
  }
}
