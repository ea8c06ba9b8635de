// Messages between the main thread and a pool worker, and the registry's allowlist. One MessageChannel carries
// everything in order, both ways (long arrays in `part` slices, so neither thread stalls on one huge clone); a second
// carries only blocking replies, read with receiveMessageOnPort while the main thread waits on the shared flag.
import type { Attribute, ClassName, FetchRole } from '../../registry/kinds.js';
import { resolveClass } from '../../registry/resolve.js';
import { attempt } from '../../util/attempt.js';
import type { HopMessage } from './listener-hop.js';

/** What the worker gets once, through tinypool, when it starts: its two ports and the wake-up flag. */
export interface Attach {
  op: 'attach';
  port: import('node:worker_threads').MessagePort;
  syncPort: import('node:worker_threads').MessagePort;
  /** Int32Array over a SharedArrayBuffer: [0] counts blocking replies posted (Atomics.notify). */
  flag: SharedArrayBuffer;
}

/** A pool worker's workerData (tinypool hands it over as the second element of an array; main/launch.ts makes it). */
export interface PoolWorkerData {
  /** Marks rotor's own worker, for rotor/register (preloaded in every thread) to stay out of it. */
  readonly rotorPoolWorker: true;
  /** Int32Array over it: [0] becomes 1 once the worker's code runs (worker/entry.ts). */
  readonly started: SharedArrayBuffer;
}

/** Main → worker. `r`: a request id, else fire-and-forget (in order; a failure marks the object broken); `sync`: reply on the blocking channel. */
export type Request = { r?: number; sync?: true } &
  (
    | { op: 'invoke'; id: number; member: string; args: unknown[]; abortId?: number }
    /** A cursor's next batch, read by the member with the registry's cursor role `mode`. */
    | { op: 'nextBatch'; id: number; mode: FetchRole }
    | { op: 'stream'; id: number; action: 'write' | 'end' | 'read' | 'abort'; data?: Uint8Array }
    | { op: 'construct'; id: number; cls: ClassName; args: unknown[]; closed?: true }
    | { op: 'factory'; id: number; member: string; args: unknown[]; newId: number; cls: ClassName; abortId?: number }
    | { op: 'chain'; id: number; member: string; args: unknown[] }
    | { op: 'call'; id: number; member: string; args: unknown[] }
    | { op: 'read'; id: number; member: string }
    | { op: 'probe'; id: number; member: string }
    | { op: 'write'; id: number; member: string; args: [unknown] }
    | { op: 'label'; id: number }
    | { op: 'subscribe' | 'unsubscribe'; id: number; event: string }
    | { op: 'abort'; abortId: number }
    | { op: 'release'; ids: number[]; seen: number[] }
    /** `kept`: the main thread holds what the user function handed back (see main/slot-inbox.ts KeptValues); `revoked`: it is a revoked Proxy. */
    | { op: 'callback-result'; callId: number; ok?: unknown; error?: unknown; kept?: number; revoked?: true }
    /** The main thread calls a function the worker handed to a user function (lookup's callback). */
    | { op: 'call-function'; fn: number; args: unknown[] }
    | { op: 'stats' }
  );

/** Abort ids, shared by all slots: an invoke's stand-in signal in the worker is found by it. */
let nextAbortId = 1;
export const newAbortId = (): number => nextAbortId++;

/** An event's `cause` where the driver squashes a listener's throw: MongoClient.close() (its endSessions). */
export const SWALLOWED_CAUSE = -1;

/** Worker → main, on the ordered channel. */
export type WorkerMessage =
  | { r: number; ok: unknown; parts?: true; kept?: number }
  | { r: number; error: unknown; kept?: number }
  /** A slice of a long array result; the final `ok` holds the last slice. */
  | { r: number; part: unknown[] }
  /** `cause`: the request in whose operation the driver emitted it, or SWALLOWED_CAUSE. */
  | { t: 'event'; id: number; event: string; args: unknown; cause?: number }
  | { t: 'callback'; callId: number; fn: number; args: unknown }
  /** A listener the driver waits for (./listener-hop.ts): calls come on the blocking channel, drops here. */
  | HopMessage;

/** Worker → main, on the blocking channel: blocking replies, and user-function calls made meanwhile (the main thread reads only this channel then). */
export type SyncReply = { r: number; ok: unknown; kept?: number } | { r: number; error: unknown; kept?: number } | { t: 'callback'; callId: number; fn: number; args: unknown } | HopMessage;

/** Long array results cross in slices of this many elements, each its own message. */
export const PART_SIZE = 512;

/** Symbols travel by name. */
type SymbolName = '@@asyncDispose' | '@@asyncIterator';
const SYMBOL_BY_NAME: Record<SymbolName, symbol> = {
  '@@asyncDispose': (Symbol as unknown as { asyncDispose?: symbol }).asyncDispose ?? Symbol.for('nodejs.asyncDispose'),
  '@@asyncIterator': Symbol.asyncIterator,
};
export function memberName(member: string | symbol): string {
  if (typeof member === 'string') return member;
  for (const [name, sym] of Object.entries(SYMBOL_BY_NAME)) if (sym === member) return name;
  throw new TypeError(`the pool executor cannot send member ${String(member)}`);
}
export function memberKey(member: string): string | symbol {
  // Own keys only: `in` would find Object.prototype's ('toString' would become a function).
  return member.startsWith('@@') && Object.hasOwn(SYMBOL_BY_NAME, member) ? SYMBOL_BY_NAME[member as SymbolName] : member;
}

const ALLOWED_KINDS: Record<'invoke' | 'call' | 'chain' | 'factory' | 'read' | 'write', ReadonlyArray<Attribute['kind']>> = {
  invoke: ['async', 'user-callback'], call: ['delegate'], chain: ['chain'], factory: ['factory'], read: ['property'], write: ['property'],
};

/** The allowlist: only a member the registry lists for the class with a kind that fits the operation (never `constructor`, `__proto__`, `then`...). */
export function checkAllowed(cls: ClassName, op: keyof typeof ALLOWED_KINDS, member: string): Attribute {
  const attr = resolveClass(cls).attributes.get(memberKey(member));
  if (!attr || !ALLOWED_KINDS[op].includes(attr.kind) || (op === 'write' && !(attr.kind === 'property' && attr.writable))) {
    throw new TypeError(`rotor pool worker refused '${op} ${cls}.${member}': not in the registry's allowlist for that operation`);
  }
  return attr;
}

/** Forwarding events is allowed only for a class whose registry entry has a member adding listeners (on, once...). */
export function checkSubscribable(cls: ClassName): void {
  for (const attr of resolveClass(cls).attributes.values()) if (attr.kind === 'event' && attr.listeners === 'adds') return;
  throw new TypeError(`rotor pool worker refused 'subscribe ${cls}': no member adding listeners in the registry`);
}

/** `new` is allowed only for the registry's classes that the driver exports. */
export function checkConstructible(cls: string): ClassName {
  if (!attempt(() => resolveClass(cls as ClassName).exported, false)) throw new TypeError(`rotor pool worker refused 'construct ${cls}': not an exported class in the registry`);
  return cls as ClassName;
}
