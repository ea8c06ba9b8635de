// One pool worker, seen from the main thread: its requests and their replies, its loss, blocking waits, what
// keeps the process alive. Its thread, channels and outbox: ./slot-thread.ts; its objects and user functions:
// ./objects.ts (they run in ./slot-inbox.ts).
import { receiveMessageOnPort, type MessagePort, type ResourceLimits, type Worker } from 'node:worker_threads';
import { MongoRuntimeError } from '../../../driver.js';
import { decode, decodeThrown } from '../codec/index.js';
import { newAbortId, SWALLOWED_CAUSE, type Request, type SyncReply, type WorkerMessage } from '../protocol.js';
import { PoolClosedError, WorkerLostError } from './errors.js';
import { THREAD } from './internals.js';
import { emitEvent, ListenerHops } from './listener-hops.js';
import { RemoteObjects, type ObjectsHost } from './objects.js';
import type { RemoteRef, SyncWait } from './remote-ref.js';
import { KeptValues, runUserFunction, type InboxHost } from './slot-inbox.js';
import { nameOf, SlotThread, type Pending, type Sent, type ThreadHost } from './slot-thread.js';
import type { SlotStats } from './stats.js';
import { soon } from '../../../util/soon.js';

/** A blocking request's default bound; how often a blocked thread checks its worker still runs. */
const SYNC_CEILING_MS = 10_000;
const LIVENESS_SLICE_MS = 20;

/** settle()'s "no error". */
const OK = Symbol('ok');

/** A failure the worker reported, decoded where the caller awaits it; `kept`: what a user function threw. */
class Failure {
  constructor(readonly wire: unknown, readonly kept?: { value: unknown }) {}
}

const describe = (m: Request): string => `${m.op}${'member' in m ? ` ${m.member}` : ''}`;
const throwLater = (error: unknown): void =>
  process.nextTick(() => {
    throw error;
  });

export class WorkerSlot implements ObjectsHost, InboxHost, ThreadHost {
  /** The running worker: none before the first request, once lost, or closed. */
  private current: SlotThread | undefined;
  /** Counts this slot's workers (a fresh one after each loss). */
  generation = 0;
  private closed = false;
  private readonly pending = new Map<number, Pending>();
  private nextRid = 1;
  /** Blocking requests waiting, each with the first error a listener threw during it (see listenerThrew). */
  private readonly listenerErrors = new Map<number, unknown>();
  private readonly watched = new Set<() => void>();
  /** Connected clients: like the driver's sockets, they keep the process alive. */
  private readonly holds = new Set<RemoteRef>();
  readonly kept = new KeptValues();
  readonly objects: RemoteObjects = new RemoteObjects(this, (ids) => this.kept.forget(ids));
  private readonly hops = new ListenerHops(this);

  constructor(private readonly resourceLimits: ResourceLimits | undefined) {}

  // -- worker lifetime -------------------------------------------------------------------------

  private start(): SlotThread {
    const running = this.current;
    if (running) return running;
    const thread = (this.current = new SlotThread(this.resourceLimits, this, this.generation));
    this.updateRef();
    return thread;
  }

  /** Fails every request in flight and lets go of the worker; returns it. */
  private detach(error: Error): SlotThread | undefined {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) this.settle(p, error);
    const thread = this.current;
    thread?.release();
    this.current = undefined;
    this.holds.clear();
    this.hops.close();
    return thread;
  }

  /** The worker died: what is in flight fails now (as after the driver's network errors); see objects.workerLost. */
  lose(generation: number, cause: Error): void {
    if (generation !== this.generation || this.closed) return;
    this.generation++;
    const message = `rotor pool worker lost: ${cause.message} (a command in flight may or may not have taken effect on the server)`;
    void this.detach(new WorkerLostError(message, { cause }))?.worker?.terminate().catch(() => {}); // noticed before its exit event: make sure it is gone
    this.objects.workerLost(cause);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const thread = this.detach(new PoolClosedError('a command in flight'));
    this.closed = true;
    this.objects.closed();
    for (const unwatch of [...this.watched]) unwatch();
    await thread?.pool.destroy();
  }

  /** Starts the worker now rather than on the first request (it loads the driver meanwhile). */
  warm(): void {
    if (!this.closed) this.start();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  port(): MessagePort | undefined {
    return this.current?.ordered;
  }

  private usable(what: string): SlotThread {
    if (this.closed) throw new PoolClosedError(what);
    return this.start();
  }

  /** The process stays up while requests are in flight or a client is connected (the thread too: its exit must fail them). */
  private updateRef(): void {
    const thread = this.current;
    if (!thread) return;
    const keep = this.pending.size > 0 || this.holds.size > 0;
    if (keep === thread.refed) return; // two native calls a request otherwise
    thread.refed = keep;
    thread.ordered[keep ? 'ref' : 'unref']();
    thread.worker?.[keep ? 'ref' : 'unref']();
  }

  hold(client: RemoteRef, connected: boolean): void {
    if (connected === this.holds.has(client)) return;
    this.holds[connected ? 'add' : 'delete'](client);
    this.updateRef();
  }

  // -- main → worker -----------------------------------------------------------------------------

  private send(m: Sent, args: unknown[] | undefined, thread: SlotThread): number[] | undefined {
    thread.flush();
    return thread.post(m, args, args && this.objects.encodeInto(m, args, false));
  }

  /** Fire-and-forget, in order. Functions among `args` live as long as `owner` (or until the pool closes). */
  post(m: Request, args?: unknown[], owner?: RemoteRef): void {
    const functions = this.send(m, args, this.usable(m.op));
    if (functions && owner) (owner.token.functions ??= []).push(...functions);
  }

  /** A control message of rotor's own (no user data), after whatever is queued. */
  postNow(m: Request): void {
    const thread = this.current;
    if (!thread) return;
    thread.flush();
    thread.ordered.postMessage(m);
  }

  /** Sends this tick's requests now (a stream's chunk is cloned before its write callback gives it back). */
  flush(): void {
    this.current?.flush();
  }

  /** One request, one reply; an aborted `signal` rejects it at once and aborts it in the worker. */
  async request(m: Request, args?: unknown[], signal?: AbortSignal): Promise<unknown> {
    return this.outcome(await this.ask(m, args, signal));
  }

  /**
   * `request` without its async frame, for the steps' runner: the reply, or a Failure for `outcome` to throw after
   * the caller's await, so that the error carries the caller's async frames with no stack captured per request (~15 µs).
   */
  ask(m: Request, args?: unknown[], signal?: AbortSignal): Promise<unknown> {
    try {
      this.usable(nameOf(m));
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what usable() threw, as thrown
      return Promise.reject(error);
    }
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an abort reason is any value, rejected as given
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
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
      // The worker running now, as usable() saw it unless a blocking call in an argument's getter saw that one die.
      const thread = this.current;
      if (thread && thread.queued.push(p) === 1) soon(thread.flushSoon);
      this.pending.set(r, p);
      if (this.pending.size === 1) this.updateRef();
    });
  }

  /** What `ask` resolved with, as the caller sees it: the value, or the failure thrown (call it right after the await). */
  outcome(reply: unknown): unknown {
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

  /** Fails request `r` if it is still in flight. */
  fail(r: number, error: unknown): boolean {
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
    const to = this.usable(nameOf(m));
    this.hops.beforeBlocking(m);
    const r = (m.r = this.nextRid++);
    m.sync = true;
    const functions = this.send(m, args, to);
    this.hops.afterBlocking();
    // Its own functions must be synchronous: a Promise would wait for this thread, which waits for the worker.
    if (functions) for (const id of functions) this.objects.blockingFunctions.add(id);
    this.listenerErrors.set(r, undefined);
    const thread = this.current!; // kept: a listener run meanwhile may close the pool
    const generation = this.generation;
    const bound = wait?.boundMs ?? SYNC_CEILING_MS;
    let deadline = Date.now() + bound;
    try {
      for (;;) {
        // A nested blocking call (from a callback) may have seen this worker die.
        if (this.generation !== generation) throw new WorkerLostError(`rotor pool worker lost during ${describe(m)}`);
        const seen = Atomics.load(thread.flag, 0);
        const got = receiveMessageOnPort(thread.sync)?.message as SyncReply | undefined;
        if (got && 't' in got) {
          // The time the user's function takes here does not count against the bound.
          const started = Date.now();
          const stuck = got.t === 'hop' ? void this.hops.receive(got) : runUserFunction(this, got, true);
          deadline += Date.now() - started;
          if (stuck) throw stuck;
        } else if (got?.r === r) {
          if (wait?.command) this.drainOrdered();
          if ('error' in got) {
            const thrown = this.kept.take(got.kept);
            // Closed by a listener or callback run meanwhile: the worker's failure is the close's, reported as an async request's is.
            if (this.closed) throw new PoolClosedError('a command in flight');
            throw thrown ? thrown.value : decodeThrown(got.error, new Error().stack, this.objects.decodeHooks);
          }
          const kept = this.kept.take(got.kept);
          const value = kept ? kept.value : decode(got.ok, this.objects.decodeHooks);
          const listenerError = this.listenerErrors.get(r);
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- what the listener threw, as thrown in-process
          if (listenerError !== undefined) throw listenerError;
          return value;
        } else if (!got && Atomics.wait(thread.flag, 0, seen, LIVENESS_SLICE_MS) === 'timed-out') {
          if (this.current !== thread || thread.stopped()) {
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
    const port = this.current?.ordered;
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
      return this.settle(p, OK, new Failure(m.error, this.kept.take(m.kept)));
    }
    let value: unknown;
    try {
      const kept = this.kept.take(m.kept);
      value = kept ? kept.value : decode(m.ok, this.objects.decodeHooks);
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
    if (!this.current) return { objects: 0, forwarders: 0, ...local }; // closed, or no worker
    this.objects.flushReleases(); // first, so the count is what the caller left alive
    const remote = (await this.request({ op: 'stats' })) as { objects: number; forwarders: number; callbacks: number };
    // The worker's calls of user functions still unanswered count as pending (one whose answer cannot cross, too).
    return { objects: remote.objects, forwarders: remote.forwarders, ...local, pending: local.pending + remote.callbacks };
  }

  /** For fault specs (./internals.ts): the worker thread itself. */
  get [THREAD](): Worker | undefined {
    return this.current?.worker;
  }
}
