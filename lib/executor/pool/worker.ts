// A pool worker: hosts driver objects in a table and runs what the main thread asks, checked
// against the registry's allowlist. Loaded by tinypool (`useAtomics: false`, so between tasks the
// worker's event loop keeps running: heartbeats, pool maintenance, change-stream events).
import { BroadcastChannel, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import * as driver from 'mongodb';
import type { ClassName } from '../../registry/kinds.js';
import { driverClassOf } from '../../registry/driver-classes.js';
import { resolveClass } from '../../registry/resolve.js';
import { streamAction } from '../../special/pool-gridfs.js';
import { checkAllowed, SYMBOL_BY_NAME, type CallbackReply, type Control, type Reply, type SymbolName, type Task, type WorkerSetup } from './protocol.js';
import { decode, decodeError, encode, encodeError, type DecodeHooks, type EncodeHooks, type WireRef } from './codec.js';

interface Entry {
  readonly obj: any;
  readonly cls: ClassName;
  /** The client that owns it: `client.close()` releases everything a client owns. */
  readonly owner: number;
}

const table = new Map<number, Entry>();
const idOf = new Map<object, number>();
let nextWorkerId = -1; // the worker numbers objects it hands out with negative ids
const aborts = new Map<number, AbortController>();
/** Aborts that arrived before their command started. */
const abortedEarly = new Set<number>();
const callbacks = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
let nextCallId = 1;
const forwarders = new Map<string, (...args: unknown[]) => void>();
const streamIterators = new WeakMap<object, AsyncIterator<unknown>>();

function entry(id: number): Entry {
  const e = table.get(id);
  if (!e) throw new TypeError(`rotor pool worker has no object #${id} (released, or created on a worker that was lost)`);
  return e;
}

function register(obj: object, cls: ClassName, owner: number, id = nextWorkerId--): number {
  table.set(id, { obj, cls, owner });
  idOf.set(obj, id);
  return id;
}

/** Sessions and cursors know their client: what a callback hands out is released with it. */
function ownerByClient(value: object): number {
  const client = (value as { client?: object }).client;
  const id = client ? idOf.get(client) : undefined;
  return id === undefined ? 0 : ownerOf(id, table.get(id)!.cls);
}

function ownerOf(id: number, cls: ClassName): number {
  return cls === 'MongoClient' ? id : entry(id).owner;
}

/** Encoding results: driver objects of registered classes travel as references. */
function encodeHooks(owner: number): EncodeHooks {
  return {
    to: 'the main thread',
    // Driver-made values may hold functions (client.options.pkFactory.createPk): they cross as
    // stubs that say where the function lives.
    functionRef: () => 0,
    // What goes back is what the driver produced (deserialized documents, results): no symbol keys.
    symbolKeys: 'drop',
    refOf(value) {
      const known = idOf.get(value);
      if (known !== undefined) return { id: known, cls: table.get(known)!.cls };
      const cls = driverClassOf(value);
      if (!cls) return undefined;
      return { id: register(value, cls.name, cls.name === 'MongoClient' ? 0 : owner || ownerByClient(value)), cls: cls.name };
    },
  };
}

/** Decoding arguments: references become our objects; functions become stubs that call the main thread. */
const decodeHooks: DecodeHooks = {
  ref: (ref: WireRef) => entry(ref.id).obj,
  fn: (fnId: number) =>
    (...args: unknown[]) =>
      new Promise((resolve, reject) => {
        const callId = nextCallId++;
        callbacks.set(callId, { resolve, reject });
        events.postMessage({ type: 'callback', callId, fn: fnId, args: encode(args, encodeHooks(0)) });
      }),
};

function memberKey(member: string): string | symbol {
  return member in SYMBOL_BY_NAME ? SYMBOL_BY_NAME[member as SymbolName] : member;
}

function decodeArgs(args: unknown, abortId?: number): unknown[] {
  const list = decode(args, decodeHooks) as unknown[];
  if (abortId !== undefined) {
    // The caller passed an AbortSignal: ours stands in for it, aborted when the main thread says so.
    const controller = new AbortController();
    aborts.set(abortId, controller);
    if (abortedEarly.delete(abortId)) controller.abort();
    for (const a of list) if (a && typeof a === 'object' && 'signal' in a && (a as { signal: unknown }).signal === null) (a as { signal: AbortSignal }).signal = controller.signal;
  }
  return list;
}

async function nextBatch(e: Entry, mode: 'next' | 'tryNext'): Promise<unknown[]> {
  const first = await e.obj[mode]();
  if (first === null) return [];
  // Everything the driver already holds crosses in one message; later next() calls are local.
  const rest = typeof e.obj.readBufferedDocuments === 'function' ? e.obj.readBufferedDocuments() : [];
  return [first, ...rest];
}

function releaseOwned(clientId: number): void {
  for (const [id, e] of table) {
    if (id === clientId || e.owner === clientId) {
      table.delete(id);
      idOf.delete(e.obj);
    }
  }
}

async function run(task: Task): Promise<unknown> {
  switch (task.op) {
    case 'invoke': {
      const e = entry(task.id);
      checkAllowed(e.cls, 'invoke', task.member);
      try {
        const result = await e.obj[memberKey(task.member)](...decodeArgs(task.args, task.abortId));
        if (e.cls === 'MongoClient' && task.member === 'close') releaseOwned(task.id);
        return encode(result, encodeHooks(ownerOf(task.id, e.cls)));
      } finally {
        if (task.abortId !== undefined) aborts.delete(task.abortId);
      }
    }
    case 'nextBatch':
      return encode(await nextBatch(entry(task.id), task.mode), encodeHooks(0));
    case 'stream': {
      const e = entry(task.id);
      if (e.cls !== 'GridFSBucketReadStream' && e.cls !== 'GridFSBucketWriteStream') throw new TypeError(`rotor pool worker refused a stream action on ${e.cls}`);
      return encode(await streamAction(e.obj, task.action, task.data, streamIterators), encodeHooks(0));
    }
    case 'stats':
      drainControl();
      return { objects: table.size, forwarders: forwarders.size, callbacks: callbacks.size, driver: import.meta.resolve('mongodb') };
    default:
      throw new TypeError(`rotor pool worker: unknown task ${JSON.stringify((task as { op?: unknown }).op)}`);
  }
}

/**
 * Property values are the driver's own structures (client.options holds promises, a logger...):
 * what cannot cross is left out, level by level, instead of failing the read. Only the rare
 * failing value pays for the walk.
 */
function encodeLenient(value: unknown, hooks: EncodeHooks, depth = 0): unknown {
  try {
    return encode(value, hooks);
  } catch (error) {
    if (depth > 8 || value === null || typeof value !== 'object' || value instanceof Promise) return undefined;
    if (Array.isArray(value)) return value.map((v) => encodeLenient(v, hooks, depth + 1));
    if (depth === 0 && Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null && driverClassOf(value)) throw error;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const v = encodeLenient((value as Record<string, unknown>)[key], hooks, depth + 1);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
}

/** Applies one control message; returns the answer for sync requests. */
function control(message: Control): unknown {
  switch (message.op) {
    case 'construct': {
      const Class = (driver as unknown as Record<string, new (...a: unknown[]) => object>)[message.cls];
      if (!Class) throw new TypeError(`rotor pool worker cannot construct ${message.cls}`);
      const args = decodeArgs(message.args);
      const parent = args.find((a): a is object => typeof a === 'object' && a !== null && idOf.has(a));
      const parentId = parent ? idOf.get(parent)! : undefined;
      const owner = message.cls === 'MongoClient' ? message.id : parentId !== undefined ? ownerOf(parentId, table.get(parentId)!.cls) : 0;
      const made = register(new Class(...args), message.cls, owner, message.id);
      // Rebuilding a client the user closed: the driver's closed client refuses operations, so ours does too.
      if (message.closed) void (table.get(made)!.obj as driver.MongoClient).close().catch(() => {});
      return undefined;
    }
    case 'chain': {
      const e = entry(message.id);
      checkAllowed(e.cls, 'chain', message.member);
      e.obj[message.member](...decodeArgs(message.args));
      return undefined;
    }
    case 'factory': {
      const e = entry(message.id);
      checkAllowed(e.cls, 'factory', message.member);
      register(e.obj[message.member](...decodeArgs(message.args, message.abortId)), message.cls, ownerOf(message.id, e.cls), message.newId);
      return undefined;
    }
    case 'subscribe':
    case 'unsubscribe': {
      const e = entry(message.id);
      const key = `${message.id}:${message.event}`;
      if (message.op === 'subscribe') {
        checkAllowed(e.cls, 'subscribe', 'on');
        if (forwarders.has(key)) return undefined;
        const id = message.id;
        const event = message.event;
        const owner = ownerOf(id, e.cls);
        const forward = (...args: unknown[]): void => {
          events.postMessage({ type: 'event', id, event, args: encode(args, encodeHooks(owner)) });
        };
        forwarders.set(key, forward);
        e.obj.on(event, forward);
      } else {
        const forward = forwarders.get(key);
        if (forward) e.obj.off(message.event, forward);
        forwarders.delete(key);
      }
      return undefined;
    }
    case 'abort': {
      const controller = aborts.get(message.abortId);
      if (controller) controller.abort();
      else abortedEarly.add(message.abortId);
      return undefined;
    }
    case 'release':
      for (const id of message.ids) {
        const e = table.get(id);
        if (!e) continue;
        table.delete(id);
        idOf.delete(e.obj);
        for (const key of forwarders.keys()) if (key.startsWith(`${id}:`)) forwarders.delete(key);
      }
      return undefined;
    case 'call': {
      const e = entry(message.id);
      checkAllowed(e.cls, 'call', message.member);
      return encode(e.obj[message.member](...decodeArgs(message.args)), encodeHooks(ownerOf(message.id, e.cls)));
    }
    case 'read': {
      const e = entry(message.id);
      checkAllowed(e.cls, 'read', message.member);
      return encodeLenient(e.obj[message.member], encodeHooks(ownerOf(message.id, e.cls)));
    }
    case 'label': {
      const e = entry(message.id);
      return resolveClass(e.cls).label?.(e.obj) ?? '';
    }
    case 'write': {
      const e = entry(message.id);
      checkAllowed(e.cls, 'write', message.member);
      e.obj[message.member] = decode(message.value, decodeHooks);
      return undefined;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Channels, opened when tinypool loads this module (before any task).

const setup = (workerData as [unknown, WorkerSetup])[1];
const controlChannel = new BroadcastChannel(setup.control);
const replies = new BroadcastChannel(setup.replies);
const events = new BroadcastChannel(setup.events);
const flag = new Int32Array(setup.flag);

function onControl(message: Control): void {
  let reply: Reply | undefined;
  try {
    const value = control(message);
    if ('sync' in message && message.sync) reply = { ok: value };
  } catch (error) {
    if ('sync' in message && message.sync) reply = { error: encodeError(error) };
    // A failed fire-and-forget message (a chain call with bad arguments...) surfaces on the next
    // command that uses the object: the object is marked broken with the error.
    else markBroken(message, error);
  }
  if (reply) {
    replies.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  }
}

const broken = new Map<number, unknown>();
function markBroken(message: Control, error: unknown): void {
  const id = 'newId' in message ? message.newId : 'id' in message ? message.id : undefined;
  if (id !== undefined) broken.set(id, error);
}

function drainControl(): void {
  const port = controlChannel as unknown as MessagePort;
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) onControl(m.message as Control);
}

controlChannel.onmessage = (event) => onControl((event as MessageEvent).data as Control);
events.onmessage = (event) => {
  const reply = (event as MessageEvent).data as CallbackReply;
  const pending = callbacks.get(reply.callId);
  if (!pending) return;
  callbacks.delete(reply.callId);
  if ('error' in reply && reply.error !== undefined) pending.reject(decodeError(reply.error));
  else pending.resolve(decode(reply.ok, decodeHooks));
};
// The channels must not keep a worker alive on their own; tinypool owns the worker's lifetime.
controlChannel.unref();
events.unref();
replies.unref();
// Channels open: the main thread may send now.
Atomics.store(flag, 1, 1);
Atomics.notify(flag, 1);

/** tinypool's task entry point. */
export default async function handle(task: Task): Promise<Reply> {
  try {
    drainControl();
    if ('id' in task && broken.has(task.id)) throw broken.get(task.id);
    return { ok: await run(task) };
  } catch (error) {
    return { error: encodeError(error) };
  }
}
