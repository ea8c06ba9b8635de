// One pool worker, seen from the main thread: its start and death, its two channels, blocking waits,
// what keeps the process alive. Its objects and user functions: ./objects.ts (they run in ./slot-inbox.ts).
import { MessageChannel, receiveMessageOnPort, type MessagePort, type ResourceLimits, type Worker } from 'node:worker_threads';
import type { Tinypool } from 'tinypool';
import { MongoRuntimeError } from '../../../driver.js';
import { decode, decodeThrown } from '../codec/index.js';
import { newAbortId, SWALLOWED_CAUSE, type Request, type SyncReply, type WorkerMessage } from '../protocol.js';
import { PoolClosedError, WorkerLostError } from './errors.js';
import { THREAD } from './internals.js';
import { heapLimitsFromFlags, startWorkerPool, takeEarlyWorker, workerEverRan } from './launch.js';
import { emitEvent, ListenerHops } from './listener-hops.js';
import { RemoteObjects, type ObjectsHost } from './objects.js';
import type { RemoteRef, SyncWait } from './remote-ref.js';
import { KeptValues, runUserFunction, type InboxHost } from './slot-inbox.js';
import type { SlotStats } from './stats.js';
import { threadState } from './thread-liveness.js';
import { soon } from '../../../util/soon.js';

/** A worker not running within this is taken for lost; a blocking request's default bound; how often a blocked thread checks. */
const START_CEILING_MS = 15_000;
const SYNC_CEILING_MS = 10_000;
const LIVENESS_SLICE_MS = 20;

type Sent = Request & { args?: unknown[] };

/** A request in flight (queued with its message until the tick's flush); `functions`: its arguments' user functions. */
interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  m: Sent;
  args: unknown[] | undefined;
  parts: unknown[] | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  functions: number[] | undefined;
}

/** settle()'s "no error". */
const OK = Symbol('ok');

/** A failure the worker reported, decoded where the caller awaits it; `kept`: what a user function threw. */
class Failure {
  constructor(readonly wire: unknown, readonly kept?: { value: unknown }) {}
}

const nameOf = (m: Request): string => ('member' in m ? m.member : m.op);
const describe = (m: Request): string => `${m.op}${'member' in m ? ` ${m.member}` : ''}`;
const throwLater = (error: unknown): void =>
  process.nextTick(() => {
    throw error;
  });

export class WorkerSlot implements ObjectsHost, InboxHost {
  private pool: Tinypool | undefined;
  private worker: Worker | undefined;
  /** The ordered channel: every request, and the replies but those to blocking requests (on syncPort, counted in flag[0]). */
  private ordered: MessagePort | undefined;
  private syncPort: MessagePort | undefined;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  /** Counts this slot's workers (a fresh one after each loss). */
  generation = 0;
  private sawRunning = false;
  private startedAt = 0;
  private closed = false;
  private readonly pending = new Map<number, Pending>();
  private nextRid = 1;
  /** This tick's requests: they cross in one message (80 concurrent findOne: one hop, not 80). */
  private queued: Pending[] = [];
  private readonly flushSoon = (): void => this.flush();
  /** Blocking requests waiting, each with the first error a listener threw during it (see listenerThrew). */
  private readonly listenerErrors = new Map<number, unknown>();
  private readonly watched = new Set<() => void>();
  /** Connected clients: like the driver's sockets, they keep the process alive. */
  private readonly holds = new Set<RemoteRef>();
  /** Whether the channel and thread keep the process alive now (undefined: not set since the worker started). */
  private refed: boolean | undefined;
  readonly kept = new KeptValues();
  readonly objects: RemoteObjects = new RemoteObjects(this, (ids) => this.kept.forget(ids));
  private readonly hops = new ListenerHops(this);

  constructor(readonly index: number, private readonly resourceLimits: ResourceLimits | undefined) {}

  // -- worker lifetime -------------------------------------------------------------------------

  private start(): MessagePort {
    if (this.ordered) return this.ordered;
    const generation = this.generation;
    const channel = new MessageChannel();
    const sync = new MessageChannel();
    // The worker rotor/register started before the app loaded, unless this pool has limits of its own.
    const pool = (!this.resourceLimits && takeEarlyWorker()) || startWorkerPool(this.resourceLimits ?? heapLimitsFromFlags());
    const lose = (error: Error): void => this.lose(generation, error);
    pool.on('error', lose); // a worker dying with no task in flight: unheard, an uncaught exception
    const worker = (pool.threads[0] as unknown as { thread: Worker } | undefined)?.thread;
    worker?.on('error', lose);
    worker?.on('exit', (code: number) => {
      lose(new Error(`the worker thread exited with code ${code}`));
      // Not before: destroy() while the thread's 'error' is still to come throws in tinypool's cleanup.
      void pool.destroy().catch(() => {});
    });
    const attach = { op: 'attach', port: channel.port2, syncPort: sync.port2, flag: this.flag.buffer };
    pool.run(attach, { transferList: [channel.port2, sync.port2] }).catch(lose);
    channel.port1.on('message', (m: WorkerMessage | WorkerMessage[]) => this.onMessage(m));
    // A user function's call posted there as its blocking request was abandoned (timed out) runs as usual.
    sync.port1.on('message', (m: SyncReply) => 't' in m && this.onMessage(m));
    sync.port1.unref();
    this.pool = pool;
    this.worker = worker;
    this.ordered = channel.port1;
    this.syncPort = sync.port1;
    this.sawRunning = false;
    this.startedAt = Date.now();
    this.refed = undefined;
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

  /** The worker died: what is in flight fails now (as after the driver's network errors); see objects.workerLost. */
  private lose(generation: number, cause: Error): void {
    if (generation !== this.generation || this.closed) return;
    this.generation++;
    const message = `rotor pool worker lost: ${cause.message} (a command in flight may or may not have taken effect on the server)`;
    void this.detach(new WorkerLostError(message, { cause }))?.terminate().catch(() => {}); // noticed before its exit event: make sure it is gone
    this.objects.workerLost(cause);
  }

  /** The thread stopped, although its exit event may not have been delivered yet. */
  private workerStopped(): boolean {
    if (!this.worker) return true;
    const state = threadState(this.worker);
    if (state === 'running') {
      this.sawRunning = true;
      return false;
    }
    // Not running: stopped if it ever ran (seen here, or marked by the worker itself), else still
    // starting. An 'unknown' reading (no native handle) says nothing: only the ceiling then.
    const ran = this.sawRunning || (state === 'not-running' && this.pool !== undefined && workerEverRan(this.pool));
    return ran || Date.now() - this.startedAt > START_CEILING_MS;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const pool = this.pool;
    this.detach(new PoolClosedError('a command in flight'));
    this.closed = true;
    this.objects.closed();
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

  port(): MessagePort | undefined {
    return this.ordered;
  }

  private usable(what: string): MessagePort {
    if (this.closed) throw new PoolClosedError(what);
    return this.start();
  }

  /** The process stays up while requests are in flight or a client is connected (the thread too: its exit must fail them). */
  private updateRef(): void {
    if (!this.ordered) return;
    const keep = this.pending.size > 0 || this.holds.size > 0;
    if (keep === this.refed) return; // two native calls a request otherwise
    this.refed = keep;
    this.ordered[keep ? 'ref' : 'unref']();
    this.worker?.[keep ? 'ref' : 'unref']();
  }

  hold(client: RemoteRef, connected: boolean): void {
    if (connected === this.holds.has(client)) return;
    this.holds[connected ? 'add' : 'delete'](client);
    this.updateRef();
  }

  // -- main → worker -----------------------------------------------------------------------------

  /** Posts `m`; returns its functions' ids. What clone refuses (a Proxy) is encoded again through its traps: never a lost worker. */
  private postEncoded(port: MessagePort, m: Sent, args: unknown[] | undefined, functions: number[] | undefined): number[] | undefined {
    try {
      port.postMessage(m);
      return functions;
    } catch (error) {
      this.objects.forgetFunctions(functions);
      if (!args || (error as Error).name !== 'DataCloneError') throw error;
    }
    let materialized: number[] | undefined;
    try {
      materialized = this.objects.encodeInto(m, args, true);
      port.postMessage(m);
      return materialized;
    } catch (again) {
      this.objects.forgetFunctions(materialized);
      throw new TypeError(`rotor: an argument of ${nameOf(m)} cannot cross to the pool worker: ${(again as Error).message}`, { cause: again });
    }
  }

  private send(m: Sent, args: unknown[] | undefined, port: MessagePort): number[] | undefined {
    this.flush();
    return this.postEncoded(port, m, args, args && this.objects.encodeInto(m, args, false));
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

  /** Sends this tick's requests now (a stream's chunk is cloned before its write callback gives it back). */
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
   * One request, one reply; an aborted `signal` rejects it at once and aborts it in the worker. A failure is thrown
   * after the await: that error carries the caller's async frames, with no stack captured per request (~15 µs).
   */
  async request(m: Request, args?: unknown[], signal?: AbortSignal): Promise<unknown> {
    this.usable(nameOf(m));
    if (signal?.aborted) throw signal.reason;
    const reply = await new Promise((resolve, reject) => {
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
        if (args) p.functions = this.objects.encodeInto(m, args, false);
      } catch (error) {
        return this.settle(p, error);
      }
      if (this.queued.push(p) === 1) soon(this.flushSoon);
      this.pending.set(r, p);
      if (this.pending.size === 1) this.updateRef();
    });
    if (!(reply instanceof Failure)) return reply;
    if (reply.kept) throw reply.kept.value; // what the user's function threw, as thrown
    throw decodeThrown(reply.wire, new Error().stack, this.objects.decodeHooks); // a thrown primitive comes back as itself
  }

  /** A cursor opened with `signal`: aborting it aborts its operation in the worker, until it ends or goes. */
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

  /** Rejects with `error` (any value: an abort reason may be null or 0), or resolves with `value` when `error` is OK. */
  private settle(p: Pending, error: unknown, value?: unknown): void {
    if (p.onAbort) p.signal!.removeEventListener('abort', p.onAbort);
    p.onAbort = undefined;
    this.objects.forgetFunctions(p.functions);
    if (error !== OK) p.reject(error as Error);
    else p.resolve(value);
  }

  private fail(r: number, error: unknown): boolean {
    const p = this.pending.get(r);
    if (!p) return false;
    this.pending.delete(r);
    this.updateRef();
    this.settle(p, error);
    return true;
  }

  /**
   * A blocking request: synchronous members (within SYNC_CEILING_MS), and every command of the sync framework
   * (within `wait.boundMs`). A worker that dies meanwhile is noticed within LIVENESS_SLICE_MS. The user functions
   * it calls meanwhile run here: the worker posts them on the blocking channel, the only one read while waiting.
   */
  requestSync(m: Request, args?: unknown[], wait?: SyncWait): unknown {
    const port = this.usable(nameOf(m));
    this.hops.beforeBlocking(m);
    const r = (m.r = this.nextRid++);
    m.sync = true;
    const functions = this.send(m, args, port);
    this.hops.afterBlocking();
    // Its own functions must be synchronous: a Promise would wait for this thread, which waits for the worker.
    if (functions) for (const id of functions) this.objects.blockingFunctions.add(id);
    this.listenerErrors.set(r, undefined);
    const syncPort = this.syncPort!; // kept: a listener run meanwhile may close the pool
    const generation = this.generation;
    const bound = wait?.boundMs ?? SYNC_CEILING_MS;
    let deadline = Date.now() + bound;
    try {
      for (;;) {
        // A nested blocking call (from a callback) may have seen this worker die.
        if (this.generation !== generation) throw new WorkerLostError(`rotor pool worker lost during ${describe(m)}`);
        const seen = Atomics.load(this.flag, 0);
        const got = receiveMessageOnPort(syncPort)?.message as SyncReply | undefined;
        if (got && 't' in got) {
          // The time the user's function takes here does not count against the bound.
          const started = Date.now();
          const stuck = got.t === 'hop' ? void this.hops.receive(got) : runUserFunction(this, got, true);
          deadline += Date.now() - started;
          if (stuck) throw stuck;
        } else if (got?.r === r) {
          if (wait?.command) this.drainOrdered();
          if ('error' in got) {
            throw this.kept.has(got.kept) ? this.kept.take(got.kept, () => undefined) : decodeThrown(got.error, new Error().stack, this.objects.decodeHooks);
          }
          const value = this.kept.take(got.kept, () => decode(got.ok, this.objects.decodeHooks));
          const listenerError = this.listenerErrors.get(r);
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- what the listener threw, as thrown in-process
          if (listenerError !== undefined) throw listenerError;
          return value;
        } else if (!got && Atomics.wait(this.flag, 0, seen, LIVENESS_SLICE_MS) === 'timed-out') {
          if (this.workerStopped()) {
            this.lose(generation, new Error(`the worker stopped during ${m.op}`));
            throw new WorkerLostError(`rotor pool worker lost during ${describe(m)} (it may or may not have taken effect on the server)`);
          }
          if (Date.now() > deadline) {
            throw wait?.onTimeout?.(bound) ?? new WorkerLostError(`rotor pool worker did not answer ${m.op} within ${SYNC_CEILING_MS} ms`);
          }
        } // any other reply: the late answer to a request that gave up
      }
    } finally {
      this.listenerErrors.delete(r);
      if (functions) for (const id of functions) this.objects.blockingFunctions.delete(id);
      if (wait?.command) this.objects.forgetFunctions(functions);
    }
  }

  /** What the worker posted on the ordered channel so far (events, other replies), handled now: before a blocking reply or a waited-for event, as in-process. */
  drainOrdered(): void {
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

  onMessage(message: WorkerMessage | WorkerMessage[]): void {
    if (Array.isArray(message)) for (const m of message) this.receive(m);
    else this.receive(message);
  }

  private receive(m: WorkerMessage): void {
    if ('r' in m) return this.reply(m);
    if (m.t === 'hop') return this.hops.receive(m);
    if (m.t === 'callback') return void runUserFunction(this, m, false);
    emitEvent(this, m, (error) => this.listenerThrew(m.cause, error));
  }

  private reply(m: Extract<WorkerMessage, { r: number }>): void {
    const p = this.pending.get(m.r);
    if (!p) return; // aborted, or lost: the answer is dropped
    if ('part' in m) {
      (p.parts ??= []).push(...(decode(m.part, this.objects.decodeHooks) as unknown[]));
      return;
    }
    this.pending.delete(m.r);
    if (this.pending.size === 0) this.updateRef();
    if ('error' in m) {
      // A Failure, not settle's error argument: a thrown `undefined` would read there as success.
      const kept = this.kept.has(m.kept) ? { value: this.kept.take(m.kept, () => undefined) } : undefined;
      return this.settle(p, OK, new Failure(m.error, kept));
    }
    let value: unknown;
    try {
      value = m.kept === undefined ? decode(m.ok, this.objects.decodeHooks) : this.kept.take(m.kept, () => decode(m.ok, this.objects.decodeHooks));
    } catch (error) {
      return this.settle(p, error);
    }
    this.settle(p, OK, p.parts ? p.parts.concat(value as unknown[]) : value);
  }

  /**
   * In-process, a listener's throw on an event emitted during an operation fails it (decorateCommandError makes an
   * error without a `name` a MongoRuntimeError; its `in` throws for a revoked Proxy). Else it throws as an emitter's.
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
    const local = { callbacks: this.objects.liveFunctions, abortListeners, pending: this.pending.size };
    if (!this.ordered) return { objects: 0, forwarders: 0, ...local }; // closed, or no worker
    this.objects.flushReleases(); // first, so the count is what the caller left alive
    const remote = (await this.request({ op: 'stats' })) as { objects: number; forwarders: number; callbacks: number };
    // The worker's calls of user functions still unanswered count as pending (one whose answer cannot cross, too).
    return { objects: remote.objects, forwarders: remote.forwarders, ...local, pending: local.pending + remote.callbacks };
  }

  /** For fault specs (./internals.ts): the worker thread itself. */
  get [THREAD](): Worker | undefined {
    return this.worker;
  }
}
