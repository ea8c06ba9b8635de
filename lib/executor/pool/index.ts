// The pool executor: the driver lives in tinypool worker threads; the main thread holds RemoteRefs.
// Async commands go through tinypool; object creation, cursor chaining, releases, subscriptions and
// the few synchronous calls (properties, sync methods) go, in order, over a control channel.
import { BroadcastChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Tinypool } from 'tinypool';
import type { Executor } from '../types.js';
import type { ClassName } from '../../registry/kinds.js';
import { resolveClass, type ResolvedClass } from '../../registry/resolve.js';
import { stateOf } from '../../proxy/factory.js';
import { decode, decodeError, encode, encodeArgs, encodeError, type DecodeHooks, type EncodeHooks, type WireRef } from './codec.js';
import { memberName, type CallbackReply, type Control, type Reply, type Task, type WorkerMessage, type WorkerSetup } from './protocol.js';
import { cursorInvoke, cursorChain, cursorIterate, cursorRead, isCursorClass, type CursorState } from '../../special/pool-cursor.js';
import { listen } from '../../special/pool-events.js';
import { isPoolStream, prepareUpload, PoolDownloadStream, PoolUploadStream } from '../../special/pool-gridfs.js';
import { inlineExecutor } from '../inline.js';
import { adoptInsertedIds } from '../../special/pool-inserts.js';

/** Classes whose objects hold server-side or transactional state: they cannot be rebuilt on a new worker. */
const STATEFUL = new Set<ClassName>(['AbstractCursor', 'ChangeStream', 'ClientSession', 'GridFSBucketReadStream', 'GridFSBucketWriteStream', 'BulkOperationBase', 'FindOperators']);

export class WorkerLostError extends Error {
  override name = 'WorkerLostError';
}

/** A main-thread stand-in for a driver object in a worker. */
export class RemoteRef {
  /** Set once the object's worker died and it could not be rebuilt. */
  lost: Error | undefined;
  /** Local cursor buffer and transforms (cursors only). */
  cursor: CursorState | undefined;
  /** Main-thread listeners; the worker forwards an event only while this has listeners for it. */
  emitter: EventEmitter | undefined;
  /** The AbortSignal a cursor was opened with. */
  signal: AbortSignal | undefined;
  /** A client spanning several workers: the same stateless object on each worker (this one first). */
  replicas: RemoteRef[] | undefined;
  /** Members an app assigned outside the registry, kept on the main thread (read back by `probe`). */
  expando: Map<string | symbol, unknown> | undefined;
  private turn = 0;
  /** The replica for a stateless command: round robin across workers. */
  nextReplica(): RemoteRef {
    const replicas = this.replicas!;
    return replicas[this.turn++ % replicas.length]!;
  }
  constructor(
    readonly slot: WorkerSlot,
    readonly id: number,
    readonly cls: ClassName,
    /** How to rebuild it on a respawned worker; undefined for objects the worker handed out. */
    public recipe: Control | undefined,
    readonly parent: RemoteRef | undefined,
  ) {}
  get resolved(): ResolvedClass {
    return resolveClass(this.cls);
  }
  get stateful(): boolean {
    for (const c of resolveClass(this.cls).isA) if (STATEFUL.has(c)) return true;
    return false;
  }
}

const SYNC_TIMEOUT_MS = 30_000;
let slotCounter = 0;

export class WorkerSlot {
  pool: Tinypool;
  private readonly setup: WorkerSetup;
  private readonly resourceLimits: object | undefined;
  private readonly control: BroadcastChannel;
  private readonly replies: BroadcastChannel;
  private readonly events: BroadcastChannel;
  private readonly flag: Int32Array;
  private nextId = 1;
  private readonly refs = new Map<number, WeakRef<RemoteRef>>();
  private readonly released: number[] = [];
  private readonly finalizer = new FinalizationRegistry<number>((id) => this.release(id));
  private readonly functions = new Map<number, (...args: unknown[]) => unknown>();
  private nextFunction = 1;
  private readonly pending = new Set<(error: Error) => void>();
  private generation = 0;
  private readonly watched = new WeakSet<object>();
  private lastLoss: Error | undefined;
  private closing = false;

  constructor(options: { resourceLimits?: object } = {}) {
    const name = `rotor-pool-${process.pid}-${slotCounter++}`;
    const flag = new SharedArrayBuffer(8);
    const setup: WorkerSetup = { control: `${name}-control`, replies: `${name}-replies`, events: `${name}-events`, flag };
    this.flag = new Int32Array(flag);
    this.control = new BroadcastChannel(setup.control);
    this.replies = new BroadcastChannel(setup.replies);
    this.events = new BroadcastChannel(setup.events);
    this.events.onmessage = (event) => this.onWorkerMessage((event as MessageEvent).data as WorkerMessage);
    this.events.unref();
    this.control.unref();
    this.replies.unref();
    this.setup = setup;
    this.resourceLimits = options.resourceLimits;
    this.pool = this.makePool();
    this.watchThreads();
  }

  private makePool(): Tinypool {
    return new Tinypool({
      filename: fileURLToPath(new URL('./worker.js', import.meta.url)),
      minThreads: 1,
      maxThreads: 1,
      // Never park the idle worker in Atomics.wait: it would freeze heartbeats, connection-pool
      // maintenance and change-stream events between tasks.
      useAtomics: false,
      concurrentTasksPerWorker: 1_000_000,
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData: this.setup,
      ...(this.resourceLimits ? { resourceLimits: this.resourceLimits } : {}),
    });
  }

  // -- identity and lifetime ------------------------------------------------------------------

  newRef(cls: ClassName, recipe: Control | undefined, parent: RemoteRef | undefined, id = this.nextId++): RemoteRef {
    const ref = new RemoteRef(this, id, cls, recipe, parent);
    this.refs.set(id, new WeakRef(ref));
    this.finalizer.register(ref, id);
    return ref;
  }

  refFor(wire: WireRef): RemoteRef {
    const existing = this.refs.get(wire.id)?.deref();
    return existing ?? this.newRef(wire.cls as ClassName, undefined, undefined, wire.id);
  }

  private release(id: number): void {
    this.refs.delete(id);
    this.released.push(id);
    if (this.released.length === 1) setImmediate(() => this.flushReleases());
  }

  private flushReleases(): void {
    if (this.released.length === 0) return;
    this.post({ op: 'release', ids: this.released.splice(0) });
  }

  // -- transport ------------------------------------------------------------------------------

  post(message: Control): void {
    this.waitReady();
    this.control.postMessage(message);
  }

  /**
   * A BroadcastChannel delivers only to channels open when a message is posted, so nothing is sent
   * before the worker has opened its side (flag[1], set by the worker on load). This blocks once,
   * while a (re)spawned worker loads (~0.2 s).
   */
  private waitReady(): void {
    if (Atomics.load(this.flag, 1) === 1) return;
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    while (Atomics.load(this.flag, 1) !== 1) {
      if (Date.now() > deadline) throw new WorkerLostError(`rotor pool worker did not start within ${SYNC_TIMEOUT_MS} ms`);
      Atomics.wait(this.flag, 1, 0, 50);
    }
  }

  /** A blocking round trip for synchronous members (~25 µs). */
  sync(message: Control): unknown {
    this.waitReady();
    Atomics.store(this.flag, 0, 0);
    this.control.postMessage(message);
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    for (;;) {
      Atomics.wait(this.flag, 0, 0, 50);
      const reply = receiveMessageOnPort(this.replies as unknown as MessagePort)?.message as Reply | undefined;
      if (reply) {
        if ('error' in reply) throw decodeError(reply.error, new Error().stack);
        return decode(reply.ok, this.decodeHooks);
      }
      if (Date.now() > deadline) throw new WorkerLostError(`rotor pool worker did not answer ${message.op} within ${SYNC_TIMEOUT_MS} ms`);
    }
  }

  async run(task: Task, abortSignal?: AbortSignal): Promise<unknown> {
    if (abortSignal?.aborted) throw abortSignal.reason;
    // Captured now, formatted only if the command fails (reading .stack here costs ~10 µs per call).
    const caller = new Error();
    const reply = await new Promise<Reply>((resolve, reject) => {
      const onLost = (error: Error): void => reject(error);
      this.pending.add(onLost);
      const settle = (): void => {
        this.pending.delete(onLost);
        abortSignal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        settle();
        // The caller gave up: reject now; whatever the worker answers later is ignored.
        reject(abortSignal!.reason);
      };
      abortSignal?.addEventListener('abort', onAbort, { once: true });
      this.pool.run(task).then(
        (r: Reply) => {
          settle();
          resolve(r);
        },
        (error: Error) => {
          settle();
          reject(new WorkerLostError(`rotor pool worker lost during ${task.op}: ${error.message}`, { cause: error }));
        },
      );
    });
    // Events the worker forwarded before answering are delivered before the result, as the driver
    // emits them before its promise settles (they travel on another channel and may lag).
    this.drainEvents();
    if ('error' in reply) throw decodeError(reply.error, caller.stack);
    return decode(reply.ok, this.decodeHooks);
  }

  private drainEvents(): void {
    const port = this.events as unknown as MessagePort;
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) this.onWorkerMessage(m.message as WorkerMessage);
  }

  // -- encoding -------------------------------------------------------------------------------

  encodeHooks(allowFunctions: boolean): EncodeHooks {
    return {
      refOf: (value) => {
        const found = value instanceof RemoteRef ? value : stateOf(value)?.ref;
        if (!(found instanceof RemoteRef)) return undefined;
        const ref = found.replicas?.find((r) => r.slot === this) ?? found;
        if (ref.slot !== this) throw new TypeError(`a ${ref.cls} handle from another pool worker cannot be used here`);
        return { id: ref.id, cls: ref.cls };
      },
      functionRef: allowFunctions
        ? (fn) => {
            const id = this.nextFunction++;
            this.functions.set(id, fn as (...args: unknown[]) => unknown);
            return id;
          }
        : undefined,
    };
  }

  readonly decodeHooks: DecodeHooks = {
    ref: (wire) => this.refFor(wire),
    fn: () => () => {
      throw new TypeError('rotor: this function belongs to a driver object in the pool worker and cannot be called from the main thread');
    },
  };

  forgetFunctions(ids: number[]): void {
    for (const id of ids) this.functions.delete(id);
  }

  get functionCount(): number {
    return this.nextFunction;
  }

  // -- worker → main --------------------------------------------------------------------------

  private onWorkerMessage(message: WorkerMessage | CallbackReply): void {
    if (message.type === 'event') {
      const ref = this.refs.get(message.id)?.deref();
      const emitter = ref?.emitter;
      if (!emitter) return;
      emitter.emit(message.event, ...(decode(message.args, this.decodeHooks) as unknown[]));
      if (emitter.listenerCount(message.event) === 0) this.post({ op: 'unsubscribe', id: message.id, event: message.event });
    } else if (message.type === 'callback') {
      const fn = this.functions.get(message.fn);
      const reply = (r: Omit<CallbackReply, 'type' | 'callId'>): void => this.events.postMessage({ type: 'callback-result', callId: message.callId, ...r });
      if (!fn) return reply({ error: encodeError(new TypeError('rotor: the callback for this operation is gone')) });
      // User callbacks run here, on the main thread, with handles for their arguments.
      Promise.resolve()
        .then(() => fn(...(decode(message.args, this.decodeHooks) as unknown[])))
        .then(
          (value) => reply({ ok: encode(value, this.encodeHooks(false)) }),
          (error: unknown) => reply({ error: encodeError(error) }),
        );
    }
  }

  // -- faults ---------------------------------------------------------------------------------

  /** Called once per tinypool instance (its single thread exists from construction), not per command. */
  private watchThreads(): void {
    for (const thread of this.pool.threads) {
      if (this.watched.has(thread)) continue;
      this.watched.add(thread);
      thread.on('exit', (code: number) => this.onWorkerExit(code));
      thread.on('error', (error: Error) => (this.lastLoss = new WorkerLostError(`rotor pool worker failed: ${error.message}`, { cause: error })));
    }
  }

  private onWorkerExit(code: number): void {
    if (this.closing) return;
    const error = this.lastLoss ?? new WorkerLostError(`rotor pool worker exited (code ${code})`);
    this.lastLoss = error;
    Atomics.store(this.flag, 1, 0); // the respawned worker sets it again once its channels are open
    this.generation++;
    // Every command in flight fails now, with the cause: an unacknowledged write is never reported as done.
    for (const reject of [...this.pending]) reject(new WorkerLostError(`rotor pool worker lost: ${error.message}`, { cause: error }));
    this.pending.clear();
    // Clients that held stateful objects there are lost; the rest are rebuilt on the next command.
    const poisoned = new Set<RemoteRef>();
    for (const weak of this.refs.values()) {
      const ref = weak.deref();
      if (ref?.stateful) poisoned.add(rootOf(ref));
    }
    for (const weak of this.refs.values()) {
      const ref = weak.deref();
      if (!ref) continue;
      if (ref.stateful || !ref.recipe || poisoned.has(rootOf(ref))) ref.lost = new WorkerLostError(`${ref.cls} was lost with its pool worker: ${error.message}`, { cause: error });
      else rebuild.add(ref);
    }
    // A fresh worker (tinypool does not replace a thread that exited): it loads, opens its
    // channels and raises the ready flag; rebuilt objects are sent after that.
    const dead = this.pool;
    this.pool = this.makePool();
    void dead.destroy().catch(() => {});
    this.watchThreads();
  }

  /**
   * After `client.close()` the worker holds nothing of the client. The driver lets a closed client
   * be used again (it reconnects), so rebuildable handles are re-created on their next use.
   */
  forgetClient(client: RemoteRef): void {
    for (const weak of this.refs.values()) {
      const ref = weak.deref();
      if (!ref || rootOf(ref) !== client) continue;
      if (ref.stateful || !ref.recipe) ref.lost ??= new WorkerLostError(`${ref.cls} was released when its client closed`);
      else {
        if (ref === client && ref.recipe.op === 'construct') ref.recipe = { ...ref.recipe, closed: true };
        rebuild.add(ref);
      }
    }
  }

  /** Re-sends the creation of rebuildable objects (parents first) to the respawned worker. */
  ensureAlive(ref: RemoteRef): void {
    if (ref.lost) throw ref.lost;
    if (!rebuild.has(ref)) return;
    if (ref.parent) this.ensureAlive(ref.parent);
    rebuild.delete(ref);
    this.sync({ ...ref.recipe!, sync: true } as Control);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.pool.destroy();
    this.control.close();
    this.replies.close();
    this.events.close();
  }
}

/** Objects to re-create (from their recipes) before their next use: after a worker loss or client.close(). */
const rebuild = new WeakSet<RemoteRef>();

function rootOf(ref: RemoteRef): RemoteRef {
  let r = ref;
  while (r.parent) r = r.parent;
  return r;
}

function asRef(ref: object): RemoteRef {
  if (!(ref instanceof RemoteRef)) throw new TypeError('the pool executor was given an object it did not create');
  ref.slot.ensureAlive(ref);
  return ref;
}

/** The worker of a pinned (non-spanning) object among the arguments or their options: `{ session }`. */
function slotOfArgs(args: unknown[]): WorkerSlot | undefined {
  const pinned = (value: unknown): WorkerSlot | undefined => {
    const ref = value instanceof RemoteRef ? value : stateOf(value)?.ref;
    return ref instanceof RemoteRef && !ref.replicas ? ref.slot : undefined;
  };
  for (const a of args) {
    const slot = pinned(a) ?? (a && typeof a === 'object' && !Array.isArray(a) ? pinned((a as { session?: unknown }).session) : undefined);
    if (slot) return slot;
  }
  return undefined;
}

/** AbortSignals stay on the main thread: the worker gets a stand-in that we abort from here. */
let nextAbortId = 1;
function extractSignal(args: unknown[]): { signal: AbortSignal; abortId: number } | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as { signal?: unknown } | null;
    if (a && typeof a === 'object' && a.signal instanceof AbortSignal) {
      args[i] = { ...a, signal: null };
      return { signal: a.signal, abortId: nextAbortId++ };
    }
  }
  return undefined;
}

export interface PoolOptions {
  /** Worker threads. Default 1. */
  workers?: number;
  /**
   * With several workers: false (default) puts each client on one worker (clients round robin);
   * true gives each client a driver client on every worker, spreading its stateless commands
   * while cursors, sessions and streams stay pinned to the worker that made them.
   */
  span?: boolean;
  /** Worker resource limits (tests use them to provoke a worker's death). */
  resourceLimits?: object;
}

export function createPoolExecutor(options: PoolOptions = {}): Executor & { slots: WorkerSlot[]; close(): Promise<void>; stats(): Promise<unknown[]> } {
  const count = Math.max(1, options.workers ?? 1);
  const slots: WorkerSlot[] = [];
  let nextSlot = 0;
  const slot = (): WorkerSlot => {
    if (slots.length < count) slots.push(new WorkerSlot(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}));
    return slots[nextSlot++ % slots.length]!;
  };

  const executor: Executor & { slots: WorkerSlot[]; close(): Promise<void>; stats(): Promise<unknown[]> } = {
    name: 'pool',
    inProcess: false,
    slots,
    async invoke(refObject, member, args) {
      if (isPoolStream(refObject)) return inlineExecutor.invoke(refObject, member, args);
      const target = asRef(refObject);
      if (target.replicas) {
        const name = memberName(member);
        // connect/close concern every worker's driver client; other commands go to one worker:
        // the one holding a stateful argument (a session), else the next in turn.
        if (target.cls === 'MongoClient' && (name === 'connect' || name === 'close')) {
          await Promise.all(target.replicas.map((r) => invokeOne(r, member, [...args])));
          return name === 'connect' ? target : undefined;
        }
        const pinned = slotOfArgs(args);
        return invokeOne((pinned && target.replicas.find((r) => r.slot === pinned)) || target.nextReplica(), member, args);
      }
      return invokeOne(target, member, args);
    },
    call(refObject, member, args) {
      if (isPoolStream(refObject)) return inlineExecutor.call(refObject, member, args);
      const ref = asRef(refObject);
      if (isCursorClass(ref.resolved)) {
        const local = cursorInvoke(ref, memberName(member), args, true);
        if (local !== undefined) return local;
      }
      return ref.slot.sync({ op: 'call', id: ref.id, member: memberName(member), args: encodeArgs(args, ref.slot.encodeHooks(false)), sync: true });
    },
    chain(refObject, member, args) {
      if (isPoolStream(refObject)) return inlineExecutor.chain(refObject, member, args);
      const ref = asRef(refObject);
      if (cursorChain(ref, memberName(member), args)) return;
      // A round trip (~25 µs), so a bad argument throws here, synchronously, as the driver does.
      ref.slot.sync({ op: 'chain', id: ref.id, member: memberName(member), args: encodeArgs(args, ref.slot.encodeHooks(false)), sync: true });
    },
    factory(refObject, member, args, cls) {
      if (isPoolStream(refObject)) return inlineExecutor.factory(refObject, member, args, cls);
      const spanning = asRef(refObject);
      if (spanning.replicas) {
        if (SPANNED.has(cls)) return span(spanning.replicas.map((r) => factoryOne(r, member, [...args], cls) as RemoteRef));
        const pinned = slotOfArgs(args);
        return factoryOne((pinned && spanning.replicas.find((r) => r.slot === pinned)) || spanning.nextReplica(), member, args, cls);
      }
      return factoryOne(spanning, member, args, cls);
    },
    listen: (refObject, member, args) => (isPoolStream(refObject) ? inlineExecutor.listen(refObject, member, args) : listen(asRef(refObject), memberName(member), args)),
    read(refObject, member) {
      if (isPoolStream(refObject)) return inlineExecutor.read(refObject, member);
      const ref = asRef(refObject);
      const remote = (): unknown => ref.slot.sync({ op: 'read', id: ref.id, member: memberName(member), sync: true });
      return isCursorClass(ref.resolved) ? cursorRead(ref, memberName(member), remote) : remote();
    },
    write(refObject, member, value) {
      if (isPoolStream(refObject)) return inlineExecutor.write(refObject, member, value);
      const ref = asRef(refObject);
      ref.slot.sync({ op: 'write', id: ref.id, member: memberName(member), value: encode(value, ref.slot.encodeHooks(false), 'value'), sync: true });
    },
    // Interim: reads outside the registry see only what the app assigned (driver internals read undefined).
    probe: (refObject, member) => (isPoolStream(refObject) ? inlineExecutor.probe(refObject, member) : asRef(refObject).expando?.get(member)),
    assign(refObject, member, value) {
      if (isPoolStream(refObject)) inlineExecutor.assign(refObject, member, value);
      else (asRef(refObject).expando ??= new Map()).set(member, value);
    },
    construct(cls, _driverClass, args) {
      if (cls === 'MongoClient' && options.span && count > 1) {
        while (slots.length < count) slot();
        return span(slots.map((s) => constructOn(s, cls, args)));
      }
      const spanningParent = args.map((a) => (a instanceof RemoteRef ? a : undefined)).find((a) => a?.replicas);
      if (spanningParent && SPANNED.has(cls)) {
        return span(spanningParent.replicas!.map((r) => constructOn(r.slot, cls, args.map((a) => (a === spanningParent ? r : a)))));
      }
      return constructOn(cls === 'MongoClient' ? slot() : (slotOfArgs(args) ?? slot()), cls, args);
    },
    iterate: (refObject, member) => (isPoolStream(refObject) ? inlineExecutor.iterate(refObject, member) : cursorIterate(asRef(refObject))),

    label(refObject) {
      if (isPoolStream(refObject)) return String(refObject.remote.id);
      const ref = asRef(refObject);
      return String(ref.slot.sync({ op: 'label', id: ref.id, sync: true }));
    },
    classOf: (ref) => (ref instanceof RemoteRef ? ref.resolved : isPoolStream(ref) ? resolveClass(ref.className) : undefined),
    prototypeOf: () => null,
    close: async () => {
      await Promise.all(slots.map((s) => s.close()));
      slots.length = 0;
    },
    stats: () => Promise.all(slots.map((s) => s.run({ op: 'stats' }))),
  };
  return executor;
}

/** An async command on one worker's object. */
async function invokeOne(ref: RemoteRef, member: string | symbol, args: unknown[]): Promise<unknown> {
  ref.slot.ensureAlive(ref);
  if (isCursorClass(ref.resolved)) {
    const local = cursorInvoke(ref, memberName(member), args);
    if (local) return local;
  }
  const name = memberName(member);
  const userCallback = ref.resolved.attributes.get(member)?.kind === 'user-callback';
  const abort = extractSignal(args);
  if (abort?.signal.aborted) throw abort.signal.reason;
  const before = ref.slot.functionCount;
  try {
    const encoded = encodeArgs(args, ref.slot.encodeHooks(userCallback));
    if (ref.cls === 'MongoClient' && name === 'close') {
      const result = await ref.slot.run({ op: 'invoke', id: ref.id, member: name, args: encoded });
      ref.slot.forgetClient(ref); // the worker dropped everything the client owned
      return result;
    }
    const pending = ref.slot.run({ op: 'invoke', id: ref.id, member: name, args: encoded, ...(abort ? { abortId: abort.abortId } : {}) }, abort?.signal);
    if (abort) abort.signal.addEventListener('abort', () => ref.slot.post({ op: 'abort', abortId: abort.abortId }), { once: true });
    const result = await pending;
    if (ref.cls === 'Collection') adoptInsertedIds(name, args, result);
    return result;
  } finally {
    if (userCallback) ref.slot.forgetFunctions(range(before, ref.slot.functionCount));
  }
}

/** A synchronous factory on one worker's object. */
function factoryOne(parent: RemoteRef, member: string | symbol, args: unknown[], cls: ClassName): object {
  parent.slot.ensureAlive(parent);
  const upload = prepareUpload(memberName(member), args);
  const abort = extractSignal(upload.args);
  if (abort?.signal.aborted) throw abort.signal.reason;
  const newRef = parent.slot.newRef(cls, undefined, parent);
  const recipe: Control = { op: 'factory', id: parent.id, member: upload.member, args: encodeArgs(upload.args, parent.slot.encodeHooks(false)), newId: newRef.id, cls, ...(abort ? { abortId: abort.abortId } : {}) };
  newRef.recipe = recipe;
  parent.slot.sync({ ...recipe, sync: true });
  if (abort) {
    // A cursor opened with a signal: aborting it fails the cursor's pending and later reads at once.
    newRef.signal = abort.signal;
    abort.signal.addEventListener('abort', () => parent.slot.post({ op: 'abort', abortId: abort.abortId }), { once: true });
  }
  if (cls === 'GridFSBucketWriteStream') return new PoolUploadStream(newRef, upload.id);
  if (cls === 'GridFSBucketReadStream') return new PoolDownloadStream(newRef);
  return newRef;
}

/** Stateless classes a spanning client has on every worker; everything else is pinned to one. */
const SPANNED = new Set<ClassName>(['MongoClient', 'Db', 'Collection', 'Admin', 'GridFSBucket']);

function span(replicas: RemoteRef[]): RemoteRef {
  const first = replicas[0]!;
  first.replicas = replicas;
  return first;
}

function constructOn(target: WorkerSlot, cls: ClassName, args: unknown[]): RemoteRef {
  const parent = args.find((a): a is RemoteRef => a instanceof RemoteRef);
  const encoded = encodeArgs(args, target.encodeHooks(false));
  const ref = target.newRef(cls, undefined, parent);
  const recipe: Control = { op: 'construct', id: ref.id, cls, args: encoded };
  ref.recipe = recipe;
  target.sync({ ...recipe, sync: true }); // the driver's constructor errors (a bad URI...) throw here
  return ref;
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}
