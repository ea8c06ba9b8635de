// A pool worker: hosts driver objects (./table.ts) and runs what the main thread asks, checked against
// the registry's allowlist. tinypool hands it its two ports once (`attach`); every request and reply
// after is one message on them. `useAtomics: false`: the event loop runs between requests.
import { AsyncLocalStorage } from 'node:async_hooks';
import { MessageChannel, receiveMessageOnPort, threadId, type MessagePort } from 'node:worker_threads';
import { driver } from '../../../driver.js';
import { resolveClass } from '../../../registry/resolve.js';
import { decode, decodeError, decodeThrown, encode, encodeError, type DecodeHooks, type EncodeHooks, type WireRef } from '../codec/index.js';
import { checkAllowed, checkConstructible, checkSubscribable, memberKey, PART_SIZE, SWALLOWED_CAUSE, type Attach, type Request, type SyncReply, type WorkerMessage } from '../protocol.js';
import { aborts, broken, clientForwards, encodeHooks, entry, idFor, ownerOf, register, release, releaseClient, subscribe, tableStats, unsubscribe } from './table.js';
import { hostStream, streamAction, transferable } from './streams.js';
import { nextBatch, rewindAfterFetch, rewinding } from './cursors.js';
import { encodeLenient, leaveOutEchoedId, snapshot } from './snapshot.js';
import { HOP_FLAG, HOP_FLAG_LENGTH, type HopAnswer, type HopThrown } from '../listener-hop.js';
import { soon } from '../../../util/soon.js';

let port: MessagePort;
let syncPort: MessagePort;
let flag: Int32Array;

const callbacks = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
let nextCallId = 1;
/** Blocking requests not yet answered: while there is one, the main thread reads only the blocking channel. */
let blockingInFlight = 0;

/** Functions the driver hands to a user function (a `lookup` option's callback): the main thread may call each once. */
const handedOut = new Map<number, (...args: unknown[]) => unknown>();
let nextHandedOut = 1;
const callbackArgHooks: EncodeHooks = {
  ...encodeHooks(0),
  functionRef: (fn) => {
    handedOut.set(nextHandedOut, fn as (...args: unknown[]) => unknown);
    return nextHandedOut++;
  },
};

// A user function called by the driver runs on the main thread. Its Promise is marked handled (net's
// `lookup` ignores it); a failure goes to the call's trailing callback, as Node callback APIs expect.
function callUserFunction(fnId: number, args: unknown[]): Promise<unknown> {
  const done = new Promise((resolve, reject) => {
    const callId = nextCallId++;
    callbacks.set(callId, { resolve, reject });
    const call = { t: 'callback' as const, callId, fn: fnId, args: encode(args, callbackArgHooks) };
    if (blockingInFlight > 0) postSync(call);
    else emit(call);
  });
  const callback = args.at(-1);
  done.catch((error: unknown) => {
    if (typeof callback === 'function' && forget(callback)) callback(error);
  });
  return done;
}

/** Drops a handed-out function; true if it was still callable. */
function forget(fn: unknown): boolean {
  for (const [id, f] of handedOut) if (f === fn) return handedOut.delete(id);
  return false;
}

/** Decoding arguments: references become our objects; functions become stubs that call the main thread. */
const decodeHooks: DecodeHooks = {
  ref: (ref: WireRef) => entry(ref.id).obj,
  fn: (fnId: number) => (...args: unknown[]) => callUserFunction(fnId, args),
};

function decodeArgs(args: unknown[], abortId?: number, optionsAt?: number): unknown[] {
  const list = decode(args, decodeHooks) as unknown[];
  if (abortId !== undefined) {
    // Ours stands in for the caller's AbortSignal in the options argument, aborted when the main thread says.
    const controller = new AbortController();
    aborts.set(abortId, controller);
    const options = optionsAt === undefined ? undefined : list[optionsAt];
    if (options && typeof options === 'object' && (options as { signal?: unknown }).signal === null) (options as { signal: AbortSignal }).signal = controller.signal;
  }
  return list;
}

// The request an event was emitted in: a listener's throw fails it (WorkerSlot.listenerThrew), as it fails
// the operation in-process. Only for clients that forward events: AsyncLocalStorage slows every promise.
const operation = new AsyncLocalStorage<number>();

/** The driver's method called: its promise, with what the registry asks of its outcome (no async frame: the hot path). */
function invokeNow(m: Extract<Request, { op: 'invoke' }>): Promise<unknown> {
  const e = entry(m.id);
  const attr = checkAllowed(e.cls, 'invoke', m.member);
  const closing = attr.kind === 'async' && attr.client === 'releases';
  let args: unknown[];
  let op: Promise<unknown>;
  try {
    args = decodeArgs(m.args, m.abortId, attr.optionsAt);
    // close() squashes what its endSessions throws, a listener's throw included.
    const cause = closing ? SWALLOWED_CAUSE : m.r;
    const call = (): unknown => e.obj[memberKey(m.member)](...args);
    op = Promise.resolve(cause !== undefined && clientForwards(m.id) ? operation.run(cause, call) : call());
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what the driver threw, as thrown
    op = Promise.reject(error);
  }
  const { abortId } = m;
  if (abortId !== undefined) op = op.finally(() => aborts.delete(abortId));
  if (closing) return op.then((result) => (releaseClient(m.id), result));
  if (attr.kind === 'async' && attr.ids === 'document') return op.then((result) => (leaveOutEchoedId(args[0], result), result));
  return op;
}

/** A member the registry lists for the object's class with a kind that fits the operation. */
function member(m: Extract<Request, { op: 'chain' | 'call' | 'read' | 'write' | 'factory' }>): unknown {
  const e = entry(m.id);
  const attr = checkAllowed(e.cls, m.op, m.member);
  if (m.op === 'read') return e.obj[m.member];
  const args = decodeArgs(m.args, m.op === 'factory' ? m.abortId : undefined, attr.optionsAt);
  switch (m.op) {
    case 'chain':
      e.obj[m.member](...args);
      return undefined;
    case 'call':
      if (resolveClass(e.cls).buffers.get('rewind') === m.member && rewindAfterFetch(m.id, () => e.obj[m.member](...args))) return undefined;
      return e.obj[m.member](...args);
    case 'write':
      e.obj[m.member] = args[0];
      return undefined;
    case 'factory': {
      const made = e.obj[m.member](...args);
      hostStream(made);
      register(made, m.cls, ownerOf(m.id), m.newId);
      if (m.abortId !== undefined) entry(m.newId).abortId = m.abortId;
      return undefined;
    }
  }
}

/** Async requests: their promise; synchronous ones: their value. */
function perform(m: Request): unknown {
  if ('id' in m && broken.has(m.id)) throw broken.get(m.id);
  switch (m.op) {
    case 'invoke':
      return rewinding(m.id)?.then(() => invokeNow(m)) ?? invokeNow(m);
    case 'nextBatch':
      return nextBatch(m.id, m.mode);
    case 'chain':
    case 'call':
    case 'read':
    case 'write':
    case 'factory':
      return member(m);
    case 'stream': {
      const e = entry(m.id);
      if (!resolveClass(e.cls).relay) throw new TypeError(`rotor pool worker refused a stream action on ${e.cls}`);
      return streamAction(e.obj, m.action, m.data);
    }
    case 'stats':
      return { ...tableStats(), callbacks: callbacks.size, aborts: aborts.size, driver: import.meta.resolve('mongodb') };
    case 'construct': {
      const cls = checkConstructible(m.cls);
      const Class = (driver as unknown as Record<string, new (...a: unknown[]) => object>)[cls]!;
      const args = decodeArgs(m.args);
      const parent = args.find((a): a is object => typeof a === 'object' && a !== null && idFor(a) !== undefined);
      const owner = resolveClass(cls).client ? m.id : parent ? ownerOf(idFor(parent)!) : 0;
      const made = new Class(...args);
      register(made, cls, owner, m.id);
      // Rebuilding a client the user closed: the driver's closed client refuses operations, so ours does too.
      if (m.closed) void (made as { close(): Promise<void> }).close().catch(() => {});
      return undefined;
    }
    case 'probe':
      return snapshot((entry(m.id).obj as Record<string, unknown>)[m.member]);
    case 'label': {
      const e = entry(m.id);
      return resolveClass(e.cls).label?.(e.obj) ?? '';
    }
    case 'subscribe': {
      const e = entry(m.id);
      checkSubscribable(e.cls);
      const { id, event } = m;
      const hooks = encodeHooks(ownerOf(id));
      if (resolveClass(e.cls).awaitedEvents.has(event)) return subscribe(id, event, waitingForwarder(id, event, hooks));
      return subscribe(id, event, (...args: unknown[]) => emit({ t: 'event', id, event, args: encode(args, hooks), cause: operation.getStore() }));
    }
    case 'unsubscribe':
      return unsubscribe(m.id, m.event);
    case 'abort':
      return aborts.get(m.abortId)?.abort();
    case 'release':
      return release(m.ids, m.seen);
    case 'call-function': {
      const fn = handedOut.get(m.fn);
      handedOut.delete(m.fn);
      fn?.(...(decode(m.args, decodeHooks) as unknown[]));
      return undefined;
    }
    case 'callback-result': {
      const pending = callbacks.get(m.callId);
      if (!pending) return undefined;
      callbacks.delete(m.callId);
      // `'error' in m`, not `m.error !== undefined`: a thrown `undefined` encodes as undefined.
      const failed = 'error' in m;
      const outcome = m.revoked ? revokedProxy() : failed ? decodeError(m.error) : decode(m.ok, decodeHooks);
      if (m.kept !== undefined && typeof outcome === 'object' && outcome !== null) keptBy.set(outcome, m.kept);
      return failed ? pending.reject(outcome) : pending.resolve(outcome);
    }
  }
}

function onRequest(m: Request): void {
  if (m.sync && m.r !== undefined) blockingInFlight++; // answered exactly once, by postSync
  let value: unknown;
  try {
    value = perform(m);
  } catch (error) {
    if (m.r !== undefined) replyError(m, error);
    else {
      // A failed fire-and-forget message (a chain call with bad arguments...) fails the object's next use.
      const id = 'newId' in m ? m.newId : 'id' in m ? m.id : undefined;
      if (id !== undefined) broken.set(id, error);
    }
    return;
  }
  if (m.r === undefined) return;
  if (value instanceof Promise) value.then((v) => replyOk(m, v), (error: unknown) => replyError(m, error));
  else replyOk(m, value);
}

function onMessage(m: Request | Request[]): void {
  if (Array.isArray(m)) for (const one of m) onRequest(one);
  else onRequest(m);
}

function answer(m: Request, reply: Extract<SyncReply, { r: number }>): void {
  if (m.sync) postSync(reply);
  else emit(reply);
}

function replyOk(m: Request, value: unknown): void {
  const kept = keptBy.get(value as WeakKey);
  // The main thread has the original: nothing of the copy needs to cross.
  if (kept !== undefined) return answer(m, { r: m.r!, ok: null, kept });
  // New references in a result belong to the client of the object asked.
  const hooks = encodeHooks('id' in m && m.op !== 'construct' ? ownerOf(m.id) : 0);
  try {
    if (m.sync) postSync({ r: m.r!, ok: m.op === 'read' || m.op === 'call' ? encodeLenient(value, hooks) : encode(value, hooks) });
    else if (Array.isArray(value) && value.length > PART_SIZE) void replyInParts(m.r!, value, hooks);
    else emit({ r: m.r!, ok: encode(value, hooks) }, transferable(m, value));
  } catch (error) {
    replyError(m, error);
  }
}

function replyError(m: Request, error: unknown): void {
  answer(m, { r: m.r!, error: encodeError(error), kept: keptBy.get(error as WeakKey) });
}

/** Replies, events and callback calls of one tick cross in one message, in order: one wake-up for many answers. */
let outbox: WorkerMessage[] = [];
/** ArrayBuffers the outbox's messages hand over instead of copying (see transferable). */
let handOver: ArrayBuffer[] = [];
function emit(message: WorkerMessage, transfer?: ArrayBuffer): void {
  if (transfer) handOver.push(transfer);
  if (outbox.push(message) === 1) soon(flush);
}
function flush(): void {
  const batch = outbox;
  const transfer = handOver;
  outbox = [];
  handOver = [];
  try {
    port.postMessage(batch.length === 1 ? batch[0] : batch, transfer);
  } catch {
    // Structured clone refused a value the codec let through: sent one by one, only its request fails.
    for (const m of batch) {
      try {
        port.postMessage(m);
      } catch (error) {
        if ('r' in m && !('error' in m)) port.postMessage({ r: m.r, error: encodeError(error) });
      }
    }
  }
}

function postSync(reply: SyncReply, transfer?: MessagePort[]): void {
  syncPort.postMessage(reply, transfer);
  // Counted once posted: a reply that cannot be cloned is answered again as an error (replyOk), once.
  if ('r' in reply) blockingInFlight--;
  Atomics.add(flag, 0, 1);
  Atomics.notify(flag, 0);
}

/** A long array crosses in slices, the event loop running between them (blocking requests answered meanwhile). */
async function replyInParts(r: number, value: unknown[], hooks: EncodeHooks): Promise<void> {
  try {
    let i = 0;
    for (; value.length - i > PART_SIZE; i += PART_SIZE) {
      emit({ r, part: encode(value.slice(i, i + PART_SIZE), hooks) as unknown[] });
      await new Promise((resolve) => setImmediate(resolve));
    }
    emit({ r, ok: encode(value.slice(i), hooks), parts: true });
  } catch (error) {
    emit({ r, error: encodeError(error) });
  }
}

// A listener the driver waits for (../listener-hop.ts): the forwarder posts the event on the blocking channel (which
// the main thread reads even while blocked in a sync call), waits on the hop flag for the answer, and returns or
// throws as the listener did, so the driver aborts the command before sending, as in-process.

/** How often a waiting worker looks at its closed flag (the main thread wakes it at once otherwise). */
const HOP_SLICE_MS = 20;
/** Copies of what user functions handed back or threw → the main thread's token for the original (main/slot-inbox.ts KeptValues). */
const keptBy = new WeakMap<WeakKey, number>();
let channel: { port: MessagePort; flag: Int32Array } | undefined;
let nextHop = 1;
/** Answers read while waiting for another (a hop nested in a listener's blocking request). */
const early = new Map<number, HopAnswer>();
let pulls = 0;

/** A revoked Proxy: the twin of one a user function handed back or threw (a look at it throws, as at the original). */
function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

function waitingForwarder(id: number, event: string, hooks: EncodeHooks): (...args: unknown[]) => void {
  return (...args: unknown[]) => {
    const encoded = encode(args, hooks);
    let attach: { port: MessagePort; flag: SharedArrayBuffer } | undefined;
    if (!channel) {
      const { port1, port2 } = new MessageChannel();
      const shared = new SharedArrayBuffer(HOP_FLAG_LENGTH * Int32Array.BYTES_PER_ELEMENT);
      port1.unref(); // read with receiveMessageOnPort only
      channel = { port: port1, flag: new Int32Array(shared) };
      attach = { port: port2, flag: shared };
    }
    const hop = nextHop++;
    flush();
    postSync({ t: 'hop', w: threadId, hop, id, event, args: encoded, channel: attach }, attach ? [attach.port] : []);
    const { threw } = waitFor(channel, hop);
    if (threw) throw thrownValue(threw);
  };
}

function waitFor(ch: { port: MessagePort; flag: Int32Array }, hop: number): HopAnswer {
  for (;;) {
    const seen = Atomics.load(ch.flag, HOP_FLAG.wake);
    for (let got = receiveMessageOnPort(ch.port); got; got = receiveMessageOnPort(ch.port)) {
      const a = got.message as HopAnswer;
      early.set(a.hop, a);
    }
    const mine = early.get(hop);
    if (early.delete(hop)) return mine!;
    if (Atomics.load(ch.flag, HOP_FLAG.closed) !== 0) throw new Error('rotor: the pool closed while the worker waited for a listener on the main thread');
    const pull = Atomics.load(ch.flag, HOP_FLAG.pull);
    if (pull !== pulls) {
      // The listener made a blocking request (a property read, a bulk operation...) and waits for this
      // worker: the requests sent so far run now, inside the emit, as in-process.
      pulls = pull;
      for (let got = receiveMessageOnPort(port); got; got = receiveMessageOnPort(port)) onMessage(got.message as Request | Request[]);
      continue;
    }
    Atomics.wait(ch.flag, HOP_FLAG.wake, seen, HOP_SLICE_MS);
  }
}

/** Copies the main thread keeps the originals of: when one is collected, the original is let go. */
const dropped: number[] = [];
const copies = new FinalizationRegistry<number>((token) => {
  if (dropped.push(token) === 1) setImmediate(() => emit({ t: 'hop', drop: dropped.splice(0) }));
});

/** What the forwarder throws: a value of the kind the listener threw, the driver's copy keyed to the original. */
function thrownValue(t: HopThrown): unknown {
  const value = t.revoked ? revokedProxy() : t.kind === 'function' ? function thrownFunction(): void {} : t.kind === 'symbol' ? Symbol(t.description) : decodeThrown(t.error, undefined, decodeHooks);
  if (t.kept !== undefined && (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol') && value !== null) {
    keptBy.set(value, t.kept);
    copies.register(value, t.kept);
  }
  return value;
}

/** tinypool's task entry point: called once, with the ports every later message travels on. */
export default function attach(task: Attach): string {
  port = task.port;
  syncPort = task.syncPort;
  flag = new Int32Array(task.flag);
  port.on('message', onMessage);
  return 'attached';
}
