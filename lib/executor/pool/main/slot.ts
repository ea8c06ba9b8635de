// One pool worker, seen from the main thread: its start and death, the two channels every request
// and reply cross, request ids, blocking waits, the user functions requests carry, and what keeps
// the process alive. Its objects are in ./slot-refs.ts; the calls it receives run in ./slot-inbox.ts.
import { MessageChannel, receiveMessageOnPort, type MessagePort, type ResourceLimits, type Worker } from 'node:worker_threads';
import type { Tinypool } from 'tinypool';
import type { ClassName } from '../../../registry/kinds.js';
import { MongoRuntimeError } from '../../../driver.js';
import { decode, decodeThrown, encodeArgs, type DecodeHooks, type EncodeHooks } from '../codec/index.js';
import { newAbortId, SWALLOWED_CAUSE, type Request, type SyncReply, type WorkerMessage } from '../protocol.js';
import { refOf as handleRef } from './arguments.js';
import { dropsEvent } from './cursor.js';
import { PoolClosedError, WorkerLostError } from './errors.js';
import { THREAD } from './internals.js';
import { heapLimitsFromFlags, startWorkerPool, takeEarlyWorker } from './launch.js';
import { ListenerHops } from './listener-hops.js';
import type { RemoteRef, SyncWait } from './remote-ref.js';
import { KeptValues, runUserFunction, type InboxHost, type UserFunction } from './slot-inbox.js';
import { RefTable, type RefHost } from './slot-refs.js';
import type { SlotStats } from './stats.js';
import { threadState } from './thread-liveness.js';

/** A worker that has not started running within this is taken for lost. */
const START_CEILING_MS = 15_000;
/** A blocking request waits no longer for a live worker, unless its SyncWait says otherwise. */
const SYNC_CEILING_MS = 10_000;
/** While blocked, the worker's liveness is checked this often. */
const LIVENESS_SLICE_MS = 20;

type Sent = Request & { args?: unknown[] };

/** A request in flight; queued (with its message) until the tick's flush. */
interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  m: Sent;
  args: unknown[] | undefined;
  parts: unknown[] | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Function ids its arguments registered: forgotten when it settles. */
  functions: number[] | undefined;
}

/** A failure the worker reported, decoded where the caller awaits it (see request); `kept`: what a user function threw. */
class Failure {
  constructor(
    readonly wire: unknown,
    readonly kept?: { value: unknown },
  ) {}
}

const nameOf = (m: Request): string => ('member' in m ? m.member : m.op);
const describe = (m: Request): string => `${m.op}${'member' in m ? ` ${m.member}` : ''}`;
const throwLater = (error: unknown): void =>
  process.nextTick(() => {
    throw error;
  });

export class WorkerSlot implements RefHost, InboxHost {
  private pool: Tinypool | undefined;
  private worker: Worker | undefined;
  /** Every request, and the replies but those to blocking requests. */
  private ordered: MessagePort | undefined;
  private syncPort: MessagePort | undefined;
  /** [0] counts the replies posted on the blocking channel (Atomics.notify). */
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private generation = 0;
  private sawRunning = false;
  private startedAt = 0;
  private closed = false;
  private readonly pending = new Map<number, Pending>();
  private nextRid = 1;
  /** Requests of this tick: they cross in one message (80 concurrent findOne: one hop, not 80). */
  private queued: Pending[] = [];
  private readonly flushSoon = (): void => this.flush();
  /** Blocking requests waiting, each with the first error a listener threw during it (see listenerThrew). */
  private readonly listenerErrors = new Map<number, unknown>();
  readonly functions = new Map<number, UserFunction>();
  private nextFunction = 1;
  /** Function ids registered by the encode in progress. */
  private owned: number[] | undefined;
  readonly blockingFunctions = new Set<number>();
  /** Cursors' AbortSignal listeners (see watchSignal). */
  private readonly watched = new Set<() => void>();
  /** Clients that connected and did not close: like the driver's sockets, they keep the process alive. */
  private readonly holds = new Set<RemoteRef>();
  private readonly refs = new RefTable(this);
  readonly kept = new KeptValues();
  private readonly hops = new ListenerHops(this);

  constructor(
    readonly index: number,
    private readonly resourceLimits: ResourceLimits | undefined,
  ) {}

  // -- worker lifetime -------------------------------------------------------------------------

  private start(): MessagePort {
    if (this.ordered) return this.ordered;
    const generation = this.generation;
    const channel = new MessageChannel();
    const sync = new MessageChannel();
    // The worker rotor/register started before the app loaded, unless this pool has limits of its own.
    const pool = (!this.resourceLimits && takeEarlyWorker()) || startWorkerPool(this.resourceLimits ?? heapLimitsFromFlags());
    const lose = (error: Error): void => this.lose(generation, error);
    // A worker that dies with no task in flight makes tinypool emit 'error': unheard, an uncaught exception.
    pool.on('error', lose);
    const worker = (pool.threads[0] as unknown as { thread: Worker } | undefined)?.thread;
    worker?.on('error', lose);
    worker?.on('exit', (code: number) => {
      lose(new Error(`the worker thread exited with code ${code}`));
      // Only now: tinypool's destroy() while the thread's 'error' is still to come trips over its own
      // listener cleanup (an uncaught TypeError in the host).
      void pool.destroy().catch(() => {});
    });
    pool.run({ op: 'attach', port: channel.port2, syncPort: sync.port2, flag: this.flag.buffer }, { transferList: [channel.port2, sync.port2] }).catch(lose);
    channel.port1.on('message', (m: WorkerMessage | WorkerMessage[]) => this.onMessage(m));
    // The worker posts user-function calls on the blocking channel while it believes a blocking
    // request is in flight; one posted as that request was abandoned would wait there for the next.
    // Read while this thread is free, it runs as on the ordered channel; a late answer is dropped.
    sync.port1.on('message', (m: SyncReply) => 't' in m && this.onMessage(m));
    sync.port1.unref();
    this.pool = pool;
    this.worker = worker;
    this.ordered = channel.port1;
    this.syncPort = sync.port1;
    this.sawRunning = false;
    this.startedAt = Date.now();
    this.updateRef();
    return channel.port1;
  }

  /** Fails every request in flight and lets go of the worker; returns its thread. */
  private detach(error: Error): Worker | undefined {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) this.settle(p, error);
    this.ordered?.close();
    const worker = this.worker;
    this.pool = this.worker = this.ordered = this.syncPort = undefined;
    this.holds.clear();
    this.hops.close();
    return worker;
  }

  /** The worker died: what is in flight fails now, with the cause; the next request starts a fresh worker. */
  private lose(generation: number, cause: Error): void {
    if (generation !== this.generation || this.closed) return;
    this.generation++;
    // As after the driver's network errors, a command in flight may have taken effect on the server.
    const lost = new WorkerLostError(`rotor pool worker lost: ${cause.message} (a command in flight may or may not have taken effect on the server)`, { cause });
    // Noticed before its exit event (a blocking request saw it stop): make sure it is gone.
    void this.detach(lost)?.terminate().catch(() => {});
    this.refs.workerLost(cause);
  }

  /** The worker's thread stopped, although its exit event may not have been delivered yet. */
  private workerStopped(): boolean {
    if (!this.worker) return true;
    if (threadState(this.worker) === 'running') {
      this.sawRunning = true;
      return false;
    }
    // Never seen running: still starting, within the ceiling.
    return this.sawRunning || Date.now() - this.startedAt > START_CEILING_MS;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const pool = this.pool;
    this.detach(new PoolClosedError('a command in flight'));
    this.closed = true;
    this.refs.dropReleases();
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

  get reachable(): boolean {
    return !this.closed && this.ordered !== undefined;
  }

  port(): MessagePort | undefined {
    return this.ordered;
  }

  private usable(what: string): MessagePort {
    if (this.closed) throw new PoolClosedError(what);
    return this.start();
  }

  /** The process stays up while requests are in flight or a client is connected, as with the driver. */
  private updateRef(): void {
    if (!this.ordered) return;
    // The thread too (tinypool unrefs it): a worker that dies must get its exit event delivered first.
    if (this.pending.size > 0 || this.holds.size > 0) {
      this.ordered.ref();
      this.worker?.ref();
    } else {
      this.ordered.unref();
      this.worker?.unref();
    }
  }

  hold(client: RemoteRef, connected: boolean): void {
    if (connected === this.holds.has(client)) return;
    if (connected) this.holds.add(client);
    else this.holds.delete(client);
    this.updateRef();
  }

  newRef(cls: ClassName, parent: RemoteRef | undefined, id?: number): RemoteRef {
    return this.refs.newRef(cls, parent, id);
  }

  refOf(id: number): RemoteRef | undefined {
    return this.refs.get(id);
  }

  ensureAlive(ref: RemoteRef): void {
    this.refs.ensureAlive(ref);
  }

  awaitsRebuild(ref: RemoteRef): boolean {
    return this.refs.awaitsRebuild(ref);
  }

  forgetClient(client: RemoteRef): void {
    this.refs.forgetClient(client);
  }

  forgetFunctions(ids: number[] | undefined): void {
    if (!ids) return;
    for (const id of ids) this.functions.delete(id);
    this.kept.forget(ids);
  }

  // -- main → worker -----------------------------------------------------------------------------

  readonly encodeHooks: EncodeHooks = {
    symbolKeys: 'drop', // as the driver's BSON serializer ignores them
    lenient: true,
    refOf: (value) => {
      const found = handleRef(value);
      if (!found) return undefined;
      const ref = found.replicas?.find((r) => r.slot === this) ?? found;
      if (ref.slot !== this) throw new TypeError(`a ${ref.cls} handle from another pool worker cannot be used here`);
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

  /** Encodes `args` into `m.args`; returns the function ids that registered. */
  private encode(m: Sent, args: unknown[], materialize: boolean): number[] | undefined {
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

  /**
   * Posts `m`. What structured clone refuses (a Proxy, which it cannot read through) is encoded again,
   * materialized through its traps, before giving up with a TypeError naming the member: never a
   * lost worker. Returns the function ids of the arguments posted.
   */
  private postEncoded(port: MessagePort, m: Sent, args: unknown[] | undefined, functions: number[] | undefined): number[] | undefined {
    try {
      port.postMessage(m);
      return functions;
    } catch (error) {
      if (!args || (error as Error).name !== 'DataCloneError') throw error;
    }
    this.forgetFunctions(functions);
    let materialized: number[] | undefined;
    try {
      materialized = this.encode(m, args, true);
      port.postMessage(m);
      return materialized;
    } catch (again) {
      this.forgetFunctions(materialized);
      throw new TypeError(`rotor: an argument of ${nameOf(m)} cannot cross to the pool worker: ${(again as Error).message}`, { cause: again });
    }
  }

  /** Posts `m` now, after what is queued; returns the function ids its arguments registered. */
  private send(m: Sent, args: unknown[] | undefined, port: MessagePort): number[] | undefined {
    this.flush();
    const functions = args && this.encode(m, args, false);
    try {
      return this.postEncoded(port, m, args, functions);
    } catch (error) {
      this.forgetFunctions(functions);
      throw error;
    }
  }

  /** Fire-and-forget, in order. Functions among `args` live as long as `owner` (or until the pool closes). */
  post(m: Request, args?: unknown[], owner?: RemoteRef): void {
    const functions = this.send(m, args, this.usable(m.op));
    if (functions && owner) (owner.token.functions ??= []).push(...functions);
  }

  /** A control message of rotor's own (no user data), after whatever is queued. */
  postNow(m: Request): void {
    if (!this.ordered) return;
    this.flush();
    this.ordered.postMessage(m);
  }

  /**
   * Sends what this tick queued now rather than at its end: a caller whose data is the user's again
   * once it returns (a stream's chunk) has it cloned here. A batch clone refuses goes one by one.
   */
  flush(): void {
    const batch = this.queued;
    if (batch.length === 0) return;
    this.queued = [];
    const port = this.ordered;
    if (!port) return; // lost meanwhile: its requests failed already
    if (batch.length > 1) {
      try {
        return port.postMessage(batch.map((p) => p.m));
      } catch {
        // one of them cannot be cloned: each on its own, below
      }
    }
    for (const p of batch) {
      try {
        p.functions = this.postEncoded(port, p.m, p.args, p.functions);
      } catch (error) {
        this.fail(p.m.r!, error);
      }
    }
  }

  /**
   * One request, one reply. `signal` rejects at once when aborted, and aborts the operation in the
   * worker. A failure is thrown here, after the await: the error built at this point carries the
   * caller's async frames under the worker's stack, with no stack captured per request (~15 µs each).
   */
  async request(m: Request, args?: unknown[], signal?: AbortSignal): Promise<unknown> {
    this.usable(nameOf(m));
    if (signal?.aborted) throw signal.reason;
    const reply = await new Promise((resolve, reject) => this.queue(m, args, signal, resolve, reject));
    if (!(reply instanceof Failure)) return reply;
    if (reply.kept) throw reply.kept.value; // what the user's function threw, as thrown
    throw decodeThrown(reply.wire, new Error().stack, this.decodeHooks); // a thrown primitive comes back as itself
  }

  private queue(m: Sent, args: unknown[] | undefined, signal: AbortSignal | undefined, resolve: Pending['resolve'], reject: Pending['reject']): void {
    const r = (m.r = this.nextRid++);
    const p: Pending = { resolve, reject, m, args, parts: undefined, signal, onAbort: undefined, functions: undefined };
    if (signal) {
      // An invoke's options carry a stand-in signal in the worker, found by this id.
      const abortId = m.op === 'invoke' ? (m.abortId = newAbortId()) : undefined;
      p.onAbort = () => {
        // The caller gave up: reject now, tell the worker; what it answers later is dropped.
        if (this.fail(r, signal.reason) && abortId !== undefined) this.postNow({ op: 'abort', abortId });
      };
      signal.addEventListener('abort', p.onAbort, { once: true });
    }
    try {
      if (args) p.functions = this.encode(m, args, false);
    } catch (error) {
      return this.settle(p, error);
    }
    if (this.queued.push(p) === 1) queueMicrotask(this.flushSoon);
    this.pending.set(r, p);
    if (this.pending.size === 1) this.updateRef();
  }

  /** A cursor opened with `signal`: aborting it aborts the cursor's operation in the worker, until the cursor ends or goes. */
  watchSignal(ref: RemoteRef, signal: AbortSignal, abortId: number): void {
    if (signal.aborted) return; // its reads fail at once on this thread
    const onAbort = (): void => {
      unwatch();
      this.postNow({ op: 'abort', abortId }); // nothing to tell a closed pool or a lost worker
    };
    const unwatch = (): void => {
      if (this.watched.delete(unwatch)) signal.removeEventListener('abort', onAbort);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.watched.add(unwatch);
    ref.token.unwatch = unwatch;
  }

  /** Settles a request exactly once and drops what it held (abort listener, callbacks). */
  private settle(p: Pending, error: unknown, value?: unknown): void {
    if (p.onAbort) p.signal!.removeEventListener('abort', p.onAbort);
    p.onAbort = undefined;
    this.forgetFunctions(p.functions);
    if (error) p.reject(error as Error);
    else p.resolve(value);
  }

  /** Fails request `r` if it is still in flight. */
  private fail(r: number, error: unknown): boolean {
    const p = this.pending.get(r);
    if (!p) return false;
    this.pending.delete(r);
    this.updateRef();
    this.settle(p, error);
    return true;
  }

  /**
   * A blocking request: synchronous members (answered without I/O, within SYNC_CEILING_MS), and every
   * command of the sync framework (within `wait.boundMs`). A worker that dies meanwhile is noticed
   * within LIVENESS_SLICE_MS. The user functions it calls back meanwhile run here, synchronously: the
   * worker posts them on the blocking channel, the only one this thread reads while it waits.
   */
  requestSync(m: Request, args?: unknown[], wait?: SyncWait): unknown {
    const port = this.usable(nameOf(m));
    this.hops.beforeBlocking(m);
    const r = (m.r = this.nextRid++);
    m.sync = true;
    const functions = this.send(m, args, port);
    this.hops.afterBlocking();
    // Its own functions must be synchronous: a Promise would wait for this thread, which waits for the worker.
    for (const id of functions ?? []) this.blockingFunctions.add(id);
    this.listenerErrors.set(r, undefined);
    try {
      const value = this.awaitSync(m, r, wait);
      const listenerError = this.listenerErrors.get(r);
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- what the listener threw, as thrown in-process
      if (listenerError !== undefined) throw listenerError;
      return value;
    } finally {
      this.listenerErrors.delete(r);
      for (const id of functions ?? []) this.blockingFunctions.delete(id);
      if (wait?.transientFunctions) this.forgetFunctions(functions);
    }
  }

  private awaitSync(m: Request, r: number, wait: SyncWait | undefined): unknown {
    const syncPort = this.syncPort!;
    const generation = this.generation;
    const bound = wait?.boundMs ?? SYNC_CEILING_MS;
    let deadline = Date.now() + bound;
    for (;;) {
      // A nested blocking call (from a callback) may have seen this worker die.
      if (this.generation !== generation) throw new WorkerLostError(`rotor pool worker lost during ${describe(m)}`);
      const seen = Atomics.load(this.flag, 0);
      const got = receiveMessageOnPort(syncPort)?.message as SyncReply | undefined;
      if (got && 't' in got) {
        // The time the user's function takes here is not the worker's: it does not count against the bound.
        const started = Date.now();
        const stuck = got.t === 'hop' ? void this.hops.receive(got) : runUserFunction(this, got, true);
        deadline += Date.now() - started;
        if (stuck) throw stuck;
      } else if (got?.r === r) {
        if (wait?.deliverOrdered) this.drainOrdered();
        if (!('error' in got)) return this.kept.take(got.kept, () => decode(got.ok, this.decodeHooks));
        throw this.kept.has(got.kept) ? this.kept.take(got.kept, () => undefined) : decodeThrown(got.error, new Error().stack, this.decodeHooks);
      } else if (!got && Atomics.wait(this.flag, 0, seen, LIVENESS_SLICE_MS) === 'timed-out') {
        if (this.workerStopped()) {
          this.lose(generation, new Error(`the worker stopped during ${m.op}`));
          throw new WorkerLostError(`rotor pool worker lost during ${describe(m)} (it may or may not have taken effect on the server)`);
        }
        if (Date.now() > deadline) throw wait?.onTimeout?.(bound) ?? new WorkerLostError(`rotor pool worker did not answer ${m.op} within ${SYNC_CEILING_MS} ms`);
      }
      // (Any other reply is the late answer to a request that already gave up.)
    }
  }

  /**
   * What the worker posted on the ordered channel before answering a blocking command (monitoring
   * events, other replies) is handled before that command returns, as the driver's listeners run
   * in-process. A listener's throw is an uncaught exception, as from the port.
   */
  private drainOrdered(): void {
    const port = this.ordered;
    if (!port) return;
    for (let got = receiveMessageOnPort(port); got; got = receiveMessageOnPort(port)) {
      try {
        this.onMessage(got.message as WorkerMessage);
      } catch (error) {
        throwLater(error);
      }
    }
  }

  // -- worker → main -----------------------------------------------------------------------------

  readonly decodeHooks: DecodeHooks = {
    ref: (wire) => this.refs.refFor(wire),
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

  onMessage(message: WorkerMessage | WorkerMessage[]): void {
    if (Array.isArray(message)) for (const m of message) this.receive(m);
    else this.receive(message);
  }

  private receive(m: WorkerMessage): void {
    if ('r' in m) return this.reply(m);
    if (m.t === 'hop') return this.hops.receive(m);
    if (m.t === 'callback') return void runUserFunction(this, m, false);
    const ref = this.refs.get(m.id);
    const emitter = ref?.emitter;
    if (!ref || !emitter || dropsEvent(ref, m.event)) return;
    try {
      emitter.emit(m.event, ...(decode(m.args, this.decodeHooks) as unknown[]));
    } catch (error) {
      this.listenerThrew(m.cause, error);
    }
    if (emitter.listenerCount(m.event) === 0) this.postNow({ op: 'unsubscribe', id: m.id, event: m.event });
  }

  private reply(m: Extract<WorkerMessage, { r: number }>): void {
    const p = this.pending.get(m.r);
    if (!p) return; // aborted, or lost: the answer is dropped
    if ('part' in m) {
      (p.parts ??= []).push(...(decode(m.part, this.decodeHooks) as unknown[]));
      return;
    }
    this.pending.delete(m.r);
    if (this.pending.size === 0) this.updateRef();
    if ('error' in m) {
      // A Failure, not settle's error argument: a thrown `undefined` would read there as success.
      const kept = this.kept.has(m.kept) ? { value: this.kept.take(m.kept, () => undefined) } : undefined;
      return this.settle(p, undefined, new Failure(m.error, kept));
    }
    let value: unknown;
    try {
      value = this.kept.take(m.kept, () => decode(m.ok, this.decodeHooks));
    } catch (error) {
      return this.settle(p, error);
    }
    this.settle(p, undefined, p.parts ? p.parts.concat(value as unknown[]) : value);
  }

  /**
   * In-process, a listener that throws on an event the driver emits during an operation fails that
   * operation with its error (decorateCommandError makes one without a `name` a MongoRuntimeError;
   * its `in` check throws for a revoked Proxy). Here the request it belongs to fails so, instead of
   * with its answer. An event of no request in flight throws as an emitter's would.
   */
  private listenerThrew(cause: number | undefined, thrown: unknown): void {
    if (cause === SWALLOWED_CAUSE) return;
    let error = thrown;
    try {
      if (cause !== undefined && (typeof thrown !== 'object' || thrown === null || !('name' in thrown))) {
        error = new MongoRuntimeError('An unexpected error type: ' + typeof thrown);
      }
    } catch (decorating) {
      error = decorating;
    }
    if (cause !== undefined && this.fail(cause, error)) return;
    if (cause === undefined || !this.listenerErrors.has(cause)) return throwLater(error);
    if (this.listenerErrors.get(cause) === undefined) this.listenerErrors.set(cause, error);
  }

  async stats(): Promise<SlotStats> {
    let abortListeners = this.watched.size;
    for (const p of this.pending.values()) if (p.onAbort) abortListeners++;
    const local = { callbacks: this.functions.size - this.refs.dormant.size, abortListeners, pending: this.pending.size };
    if (!this.reachable) return { objects: 0, forwarders: 0, ...local };
    this.refs.flushReleases(); // first, so the count is what the caller left alive
    const remote = (await this.request({ op: 'stats' })) as { objects: number; forwarders: number; callbacks: number };
    // Calls of user functions the worker still waits on count as pending (one whose answer can never cross, too).
    return { objects: remote.objects, forwarders: remote.forwarders, ...local, pending: local.pending + remote.callbacks };
  }

  /** For fault specs (./internals.ts): the worker thread itself. */
  get [THREAD](): Worker | undefined {
    return this.worker;
  }
}
