// One pool worker, seen from the main thread: starting it through tinypool, the two ports every
// request and reply travel on, request ids, blocking requests, the objects it holds, and what
// happens when it dies. The pool executor (./index.ts) decides what to send; this decides how.
import { MessageChannel, type MessagePort, type ResourceLimits, type Worker } from 'node:worker_threads';
import type { Tinypool } from 'tinypool';
import type { ClassName } from '../../../registry/kinds.js';
import { stateOf } from '../../../proxy/state.js';
import { decodeThrown, encodeArgs, type DecodeHooks, type EncodeHooks } from '../codec/index.js';
import { PoolClosedError, WorkerLostError } from './errors.js';
import { THREAD } from './internals.js';
import { newAbortId, SWALLOWED_CAUSE, type Request, type SyncReply, type WorkerMessage } from '../protocol.js';
import { asDriverWouldThrow } from './listener-error.js';
import { RemoteRef, type Slot } from './remote-ref.js';
import { awaitSync, type BlockingHost, type SyncWait } from './slot-blocking.js';
import { Failure, receive, type InboxHost, type Pending } from './slot-inbox.js';
import { Outbox } from './slot-outbox.js';
import { KeptValues } from './kept-values.js';
import { ListenerHops } from './listener-hops.js';
import { threadState } from './thread-liveness.js';
import { RefTable } from './slot-refs.js';
import { heapLimitsFromFlags, startWorkerPool, takeEarlyWorker } from './launch.js';
import type { SlotStats } from './stats.js';

export { SYNC_CEILING_MS, type SyncWait } from './slot-blocking.js';

/** A worker that has not started running within this is taken for lost. */
export const START_CEILING_MS = 15_000;

type ThreadWorker = { thread: Worker; terminate(): Promise<unknown> };


export class WorkerSlot implements Slot {
  private pool: Tinypool | undefined;
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private syncPort: MessagePort | undefined;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private generation = 0;
  private sawRunning = false;
  private startedAt = 0;
  private readonly pending = new Map<number, Pending>();
  private nextRid = 1;
  private readonly functions = new Map<number, (...args: unknown[]) => unknown>();
  private nextFunction = 1;
  /** Function ids given to blocking requests still waiting (their functions must be synchronous). */
  private readonly blockingFunctions = new Set<number>();
  /** Function ids registered by the encode in progress (see hooks.functionRef). */
  private owned: number[] | undefined;
  private abortListeners = 0;
  /** What user functions handed back, kept for their caller (./kept-values.ts). */
  private readonly kept = new KeptValues();
  /** Cursors' AbortSignal listeners (see watchSignal): removed when the pool closes. */
  private readonly watched = new Set<() => void>();
  /** Clients that connected and did not close: like the driver's sockets, they keep the process alive. */
  private readonly holds = new Set<RemoteRef>();
  private closed = false;

  constructor(
    readonly index: number,
    private readonly resourceLimits: ResourceLimits | undefined,
  ) {}

  // -- worker lifetime -------------------------------------------------------------------------

  private start(): MessagePort {
    if (this.port) return this.port;
    const generation = this.generation;
    const channel = new MessageChannel();
    const sync = new MessageChannel();
    // The worker rotor/register started before the app loaded, unless this pool has limits of its own.
    const pool = (!this.resourceLimits && takeEarlyWorker()) || startWorkerPool(this.resourceLimits ?? heapLimitsFromFlags());
    // A worker that dies with no task in flight makes tinypool emit 'error': without a listener
    // that would be an uncaught exception in the user's process.
    pool.on('error', (error: Error) => this.lose(generation, error));
    const worker = (pool.threads[0] as unknown as ThreadWorker | undefined)?.thread;
    worker?.on('error', (error: Error) => this.lose(generation, error));
    worker?.on('exit', (code: number) => {
      this.lose(generation, new Error(`the worker thread exited with code ${code}`));
      // Only now: tinypool's destroy() while the thread's 'error' is still to be emitted trips over
      // its own listener cleanup (an uncaught TypeError in the host).
      void pool.destroy().catch(() => {});
    });
    pool.run({ op: 'attach', port: channel.port2, syncPort: sync.port2, flag: this.flag.buffer }, { transferList: [channel.port2, sync.port2] }).catch((error: Error) => this.lose(generation, error));
    channel.port1.on('message', (m: WorkerMessage | WorkerMessage[]) => this.onMessage(m));
    // The worker posts user-function calls on the blocking channel while it believes a blocking
    // request is in flight; one posted as that request was abandoned (timed out, or a call that
    // never settles keeps the worker believing) would wait there for the next blocking request.
    // Read while this thread is free, it runs as on the ordered channel; a late answer is dropped.
    sync.port1.on('message', (m: SyncReply) => {
      if ('t' in m) this.onMessage(m);
    });
    sync.port1.unref();
    this.pool = pool;
    this.worker = worker;
    this.port = channel.port1;
    this.syncPort = sync.port1;
    this.sawRunning = false;
    this.startedAt = Date.now();
    this.updateRef();
    return channel.port1;
  }

  /** The worker died: every request in flight fails now, with the cause; the next request starts a fresh worker. */
  private lose(generation: number, cause: Error): void {
    if (generation !== this.generation || this.closed) return;
    this.generation++;
    // As after the driver's network errors, a command in flight may have taken effect on the
    // server before the worker died: the caller is told the outcome is unknown, not that it failed.
    const error = new WorkerLostError(`rotor pool worker lost: ${cause.message} (a command in flight may or may not have taken effect on the server)`, { cause });
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) this.settle(p, error);
    this.port?.close();
    const worker = this.worker;
    this.pool = this.worker = this.port = this.syncPort = undefined;
    // Noticed before the thread's exit event (a blocking request saw it stop, or it never started):
    // make sure it is gone; its exit handler then destroys its tinypool.
    void worker?.terminate().catch(() => {});
    this.hops.close();
    this.refTable.workerLost(cause);
    this.holds.clear();
    this.updateRef();
  }

  /** The worker is gone (its thread stopped) although its exit event has not been delivered yet. */
  private workerStopped(): boolean {
    if (!this.worker) return true;
    const state = threadState(this.worker);
    if (state === 'running') {
      this.sawRunning = true;
      return false;
    }
    // Not running after it ran: stopped. Never seen running: still starting, within the ceiling.
    if (this.sawRunning) return true;
    return Date.now() - this.startedAt > START_CEILING_MS;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const closing = new PoolClosedError('a command in flight');
    for (const p of [...this.pending.values()]) this.settle(p, closing);
    this.pending.clear();
    this.closed = true;
    this.holds.clear();
    const pool = this.pool;
    this.port?.close();
    this.pool = this.worker = this.port = this.syncPort = undefined;
    this.refTable.dropReleases();
    this.hops.close();
    for (const unwatch of [...this.watched]) unwatch();
    await pool?.destroy();
  }

  /** Starts the worker now rather than on the first request (it loads the driver meanwhile). */
  warm(): void {
    if (!this.closed) this.start();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The process stays up while requests are in flight or a client is connected, as with the driver. */
  private updateRef(): void {
    if (!this.port) return;
    // The thread too (tinypool unrefs it): a worker that dies must still get its exit event
    // delivered, to fail what is pending, before the process may end.
    if (this.pending.size > 0 || this.holds.size > 0) {
      this.port.ref();
      this.worker?.ref();
    } else {
      this.port.unref();
      this.worker?.unref();
    }
  }

  hold(client: RemoteRef, connected: boolean): void {
    if (connected === this.holds.has(client)) return;
    if (connected) this.holds.add(client);
    else this.holds.delete(client);
    this.updateRef();
  }

  // -- identity (./slot-refs.ts) ------------------------------------------------------------------

  private readonly refTable = new RefTable({
    slot: this,
    forgetFunctions: (ids) => this.forgetFunctions(ids),
    reachable: () => !this.closed && this.port !== undefined,
    postNow: (m) => this.postNow(m),
    post: (m) => this.post(m),
    unhold: (client) => this.hold(client, false),
    dormant: (ids, asleep) => {
      for (const id of ids ?? []) if (asleep) this.dormantFunctions.add(id);
      else this.dormantFunctions.delete(id);
    },
  });
  /** Functions of closed clients, kept for a reconnect but not held by the worker (see RefHost.dormant). */
  private readonly dormantFunctions = new Set<number>();

  newRef(cls: ClassName, parent: RemoteRef | undefined, id?: number): RemoteRef {
    return this.refTable.newRef(cls, parent, id);
  }

  /** Re-sends the creation of a rebuildable object (parents first) after a worker loss or client.close(). */
  ensureAlive(ref: RemoteRef): void {
    this.refTable.ensureAlive(ref);
  }

  /** Made on a worker that was lost and not made again yet. */
  awaitsRebuild(ref: RemoteRef): boolean {
    return this.refTable.awaitsRebuild(ref);
  }

  /** After `client.close()` the worker holds nothing of the client (see RefTable.forgetClient). */
  forgetClient(client: RemoteRef): void {
    this.refTable.forgetClient(client);
  }

  // -- encoding ----------------------------------------------------------------------------------

  private readonly encodeHooks: EncodeHooks = {
    symbolKeys: 'drop', // as the driver's BSON serializer ignores them
    lenient: true,
    refOf: (value) => {
      const found = value instanceof RemoteRef ? value : stateOf(value)?.ref;
      if (!(found instanceof RemoteRef)) return undefined;
      const ref = found.replicas?.find((r) => r.slot === this) ?? found;
      if (ref.slot !== this) throw new TypeError(`a ${ref.cls} handle from another pool worker cannot be used here`);
      this.ensureAlive(ref);
      return { id: ref.id, cls: ref.cls };
    },
    functionRef: (fn) => {
      const id = this.nextFunction++;
      this.functions.set(id, fn as (...args: unknown[]) => unknown);
      (this.owned ??= []).push(id);
      return id;
    },
  };
  private readonly materializeHooks: EncodeHooks = { ...this.encodeHooks, materialize: true };

  private readonly outbox = new Outbox({
    port: () => this.port,
    encodeArgs: (args, materialize) => encodeArgs(args, materialize ? this.materializeHooks : this.encodeHooks),
    takeOwned: () => {
      const owned = this.owned;
      this.owned = undefined;
      return owned;
    },
    forgetFunctions: (ids) => this.forgetFunctions(ids),
    fail: (r, error) => this.fail(r, error),
  });

  readonly decodeHooks: DecodeHooks = {
    ref: (wire) => this.refTable.refFor(wire),
    // Id 0: a function of a driver object, which stays in the worker. Others: a function the driver
    // handed to a user function (lookup's callback), called there, once, and only in the worker
    // that made it (a fresh worker numbers its functions from 1 again).
    fn: (fnId) => {
      if (fnId === 0) {
        return () => {
          throw new TypeError('rotor: this function belongs to a driver object in the pool worker and cannot be called from the main thread');
        };
      }
      const generation = this.generation;
      return (...args: unknown[]) => {
        if (!this.closed && this.generation === generation) this.postNow({ op: 'call-function', fn: fnId, args: encodeArgs(args, this.encodeHooks) });
      };
    },
  };

  /** What a blocking request's wait (./slot-blocking.ts) reads and does here. */
  private readonly blocking: BlockingHost = {
    flag: this.flag,
    encodeHooks: this.encodeHooks,
    decodeHooks: this.decodeHooks,
    kept: this.kept,
    generation: () => this.generation,
    syncPort: () => this.syncPort,
    port: () => this.port,
    fn: (id) => this.functions.get(id),
    blocking: (id) => this.blockingFunctions.has(id),
    workerStopped: () => this.workerStopped(),
    lose: (cause) => this.lose(this.generation, cause),
    onMessage: (message) => this.onMessage(message),
    hop: (m) => this.hops.receive(m),
  };

  private fail(r: number, error: Error): void {
    const p = this.pending.get(r);
    if (!p) return;
    this.pending.delete(r);
    this.settle(p, error);
    this.updateRef();
  }

  private forgetFunctions(ids: number[] | undefined): void {
    if (!ids) return;
    for (const id of ids) {
      this.functions.delete(id);
      this.dormantFunctions.delete(id);
    }
    this.kept.forget(ids);
  }

  /**
   * Sends what this tick queued now rather than at its end: a caller whose data is the user's again
   * once it returns (a stream's chunk, after its write callback) has it cloned here.
   */
  flush(): void {
    if (this.port) this.outbox.flush();
  }

  /** A control message of rotor's own (no user data), after whatever is queued. */
  private postNow(m: Request): void {
    if (!this.port) return;
    this.outbox.flush();
    this.port.postMessage(m);
  }

  /**
   * Tells the worker an operation's signal fired. Never throws and never starts a worker: an abort
   * after the pool closed or its worker was lost has nothing left to stop (and runs in the signal's
   * listener, where a throw would be an uncaught exception).
   */
  abort(abortId: number): void {
    if (!this.closed) this.postNow({ op: 'abort', abortId });
  }

  private usable(what: string): MessagePort {
    if (this.closed) throw new PoolClosedError(what);
    return this.start();
  }

  // -- requests ----------------------------------------------------------------------------------

  /** Fire-and-forget, in order. Functions among `args` live as long as `owner` (or until the pool closes). */
  post(m: Request, args?: unknown[], owner?: RemoteRef): void {
    const port = this.usable(m.op);
    const functions = this.outbox.send(m, args, port);
    if (functions && owner) (owner.token.functions ??= []).push(...functions);
  }

  /**
   * One request, one reply. `signal` rejects at once when aborted, and aborts the operation in the
   * worker. A failure the worker reports is thrown here, after the await: the error built at this
   * point carries the caller's async frames, joined under the worker's stack, without capturing a
   * stack on every request (that cost ~15 µs per command).
   */
  async request(m: Request, args?: unknown[], signal?: AbortSignal): Promise<unknown> {
    const reply = await this.exchange(m, args, signal);
    if (reply instanceof Failure) {
      if (reply.kept) throw reply.kept.value; // what the user's function threw, handed back as is
      // A thrown primitive comes back as itself, as in-process.
      throw decodeThrown(reply.wire, new Error().stack, this.decodeHooks);
    }
    return reply;
  }

  private exchange(m: Request, args: unknown[] | undefined, signal: AbortSignal | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let port: MessagePort;
      try {
        port = this.usable(`${'member' in m ? m.member : m.op}`);
      } catch (error) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what usable() threw, passed on as is
        reject(error);
        return;
      }
      const r = (m.r = this.nextRid++);
      const pending: Pending = { resolve, reject, parts: undefined, signal: undefined, onAbort: undefined, functions: undefined };
      if (signal) {
        if (signal.aborted) return reject(signal.reason as Error);
        // An invoke's options carry a stand-in signal in the worker (see worker.ts decodeArgs).
        const abortId = m.op === 'invoke' ? ((m as { abortId?: number }).abortId = newAbortId()) : undefined;
        pending.signal = signal;
        pending.onAbort = () => {
          // The caller gave up: reject now, tell the worker; whatever it answers later is dropped.
          if (!this.pending.delete(r)) return;
          this.settle(pending, signal.reason as Error);
          if (abortId !== undefined) this.postNow({ op: 'abort', abortId });
          this.updateRef();
        };
        signal.addEventListener('abort', pending.onAbort, { once: true });
        this.abortListeners++;
      }
      try {
        this.outbox.queue(m, args, pending);
      } catch (error) {
        this.settle(pending, error as Error);
        return;
      }
      void port;
      this.pending.set(r, pending);
      if (this.pending.size === 1) this.updateRef();
    });
  }

  /**
   * A cursor opened with `signal`: aborting it aborts the cursor's operation in the worker. The
   * listener goes when the cursor ends, its handle is collected, or the pool closes; it counts in
   * poolStats().abortListeners meanwhile.
   */
  watchSignal(ref: RemoteRef, signal: AbortSignal, abortId: number): void {
    if (signal.aborted) return; // its reads fail at once on this thread; nothing to tell the worker
    const onAbort = (): void => {
      unwatch();
      this.postNow({ op: 'abort', abortId }); // nothing to tell a closed pool or a lost worker
    };
    const unwatch = (): void => {
      if (!this.watched.delete(unwatch)) return;
      signal.removeEventListener('abort', onAbort);
      this.abortListeners--;
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.abortListeners++;
    this.watched.add(unwatch);
    ref.token.unwatch = unwatch;
  }

  /** Settles a request exactly once and drops what it held (abort listener, callbacks). */
  private settle(p: Pending, error: Error | undefined, value?: unknown): void {
    if (p.onAbort) {
      p.signal!.removeEventListener('abort', p.onAbort);
      p.onAbort = undefined;
      this.abortListeners--;
    }
    this.forgetFunctions(p.functions);
    if (error) p.reject(error);
    else p.resolve(value);
  }

  /**
   * A blocking request: synchronous members (answered without I/O, so the default bound is
   * SYNC_CEILING_MS), and every command of the sync framework (bounded by `wait.boundMs`). A
   * worker that dies meanwhile is noticed within LIVENESS_SLICE_MS. While waiting, user functions
   * the worker calls back (withSession's function) run here, synchronously: the worker posts those
   * calls on the blocking channel while a blocking request is in flight, since this thread cannot
   * read the other one.
   */
  requestSync(m: Request, args?: unknown[], wait?: SyncWait): unknown {
    const port = this.usable(`${'member' in m ? m.member : m.op}`);
    this.hops.beforeBlocking(m);
    const r = (m.r = this.nextRid++);
    m.sync = true;
    const functions = this.outbox.send(m, args, port);
    this.hops.afterBlocking();
    // A blocking request's own functions must be synchronous: one returning a Promise would wait
    // for this thread, which waits for the worker.
    if (functions) for (const id of functions) this.blockingFunctions.add(id);
    this.listenerErrors.set(r, undefined);
    try {
      const value = awaitSync(this.blocking, m, r, wait);
      const listenerError = this.listenerErrors.get(r);
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- what the listener threw, as thrown in-process
      if (listenerError !== undefined) throw listenerError;
      return value;
    } finally {
      this.listenerErrors.delete(r);
      if (functions) for (const id of functions) this.blockingFunctions.delete(id);
      if (wait?.transientFunctions) this.forgetFunctions(functions);
    }
  }

  // -- worker → main (./slot-inbox.ts) ----------------------------------------------------------

  private readonly inbox: InboxHost = {
    pending: this.pending,
    decodeHooks: this.decodeHooks,
    encodeHooks: this.encodeHooks,
    kept: this.kept,
    refOf: (id) => this.refTable.get(id),
    functionOf: (id) => this.functions.get(id),
    postNow: (m) => this.postNow(m),
    settle: (p, error, value) => this.settle(p, error, value),
    idle: () => this.updateRef(),
    listenerThrew: (cause, error) => this.listenerThrew(cause, error),
    hop: (m) => this.hops.receive(m),
  };

  /** Listeners the driver waits for: the worker waits in its emit until they ran here (./main/listener-hops.ts). */
  private readonly hops = new ListenerHops({ ...this.inbox, port: () => this.port, onMessage: (m) => this.onMessage(m) });

  /** Blocking requests waiting for their answer, and listener errors that fail them (see listenerThrew). */
  private readonly listenerErrors = new Map<number, unknown>();

  /**
   * In-process, a listener that throws on an event the driver emits during an operation
   * (commandSucceeded...) fails that operation with its error. Here the listener runs once the event
   * crossed: the request it belongs to fails with the error instead of its answer (the worker's
   * answer is dropped). An event of no request still in flight throws as an emitter's would.
   */
  private listenerThrew(cause: number | undefined, thrown: unknown): void {
    if (cause === SWALLOWED_CAUSE) return;
    let error: unknown;
    try {
      error = cause === undefined ? thrown : asDriverWouldThrow(thrown);
    } catch (decorating) {
      error = decorating;
    }
    const p = cause === undefined ? undefined : this.pending.get(cause);
    if (p) {
      this.pending.delete(cause!);
      this.settle(p, error as Error);
      this.updateRef();
    } else if (cause !== undefined && this.listenerErrors.has(cause)) {
      if (this.listenerErrors.get(cause) === undefined) this.listenerErrors.set(cause, error);
    } else {
      process.nextTick(() => {
        throw error;
      });
    }
  }

  private onMessage(message: WorkerMessage | WorkerMessage[]): void {
    receive(this.inbox, message);
  }

  // -- introspection -----------------------------------------------------------------------------

  async stats(): Promise<SlotStats> {
    const local = { callbacks: this.functions.size - this.dormantFunctions.size, abortListeners: this.abortListeners, pending: this.pending.size };
    if (this.closed || !this.port) return { objects: 0, forwarders: 0, ...local };
    // Releases waiting for their setImmediate go first, so the count is what the caller left alive.
    this.refTable.flushReleases();
    const remote = (await this.request({ op: 'stats' })) as { objects: number; forwarders: number; callbacks: number };
    // Calls of user functions the worker still waits on count as pending: a call whose answer can
    // never cross (a value the codec refuses) must show here, not read as zero.
    return { objects: remote.objects, forwarders: remote.forwarders, ...local, pending: local.pending + remote.callbacks };
  }

  /** For fault specs (./internals.ts): the worker thread itself. */
  get [THREAD](): Worker | undefined {
    return this.worker;
  }
}
