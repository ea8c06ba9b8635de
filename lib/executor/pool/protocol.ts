// Messages between the main thread and a pool worker, and the allowlist built from the registry.
import type { Attribute, ClassName } from '../../registry/kinds.js';
import { resolveClass } from '../../registry/resolve.js';

/** What a worker is started with (tinypool workerData): channel names and the sync flag. */
export interface WorkerSetup {
  /** main → worker, ordered: object creation, chaining, releases, subscriptions, sync requests. */
  control: string;
  /** worker → main: answers to sync requests (read with receiveMessageOnPort while blocked). */
  replies: string;
  /** worker ⇄ main: forwarded events, user-callback calls and their results. */
  events: string;
  /** Int32Array over a SharedArrayBuffer: set to 1 when a sync answer is posted. */
  flag: SharedArrayBuffer;
}

/** Async commands, through tinypool. */
export type Task =
  | { op: 'invoke'; id: number; member: string; args: unknown; abortId?: number }
  | { op: 'nextBatch'; id: number; mode: 'next' | 'tryNext' }
  | { op: 'stream'; id: number; action: 'write' | 'end' | 'read' | 'abort'; data?: Uint8Array }
  | { op: 'stats' };

/** Ordered control messages; those with `sync: true` block the main thread until answered. */
export type Control =
  | { op: 'construct'; id: number; cls: ClassName; args: unknown; sync?: true; closed?: true }
  | { op: 'chain'; id: number; member: string; args: unknown; sync?: true }
  | { op: 'factory'; id: number; member: string; args: unknown; newId: number; cls: ClassName; sync?: true; abortId?: number }
  | { op: 'subscribe' | 'unsubscribe'; id: number; event: string }
  | { op: 'abort'; abortId: number }
  | { op: 'release'; ids: number[] }
  | { op: 'call'; id: number; member: string; args: unknown; sync: true }
  | { op: 'read'; id: number; member: string; sync: true }
  | { op: 'label'; id: number; sync: true }
  | { op: 'write'; id: number; member: string; value: unknown; sync: true };

/** Worker → main, on the events port. */
export type WorkerMessage =
  | { type: 'event'; id: number; event: string; args: unknown }
  | { type: 'callback'; callId: number; fn: number; args: unknown };

/** Main → worker, on the events port: the outcome of a user callback. */
export type CallbackReply = { type: 'callback-result'; callId: number; ok?: unknown; error?: unknown };

/** A task's answer: never thrown through tinypool, so errors keep their class and fields. */
export type Reply = { ok: unknown } | { error: unknown };

/** Symbols travel by name. */
export type SymbolName = '@@asyncDispose';
export const SYMBOL_BY_NAME: Record<SymbolName, symbol> = {
  '@@asyncDispose': (Symbol as unknown as { asyncDispose?: symbol }).asyncDispose ?? Symbol.for('nodejs.asyncDispose'),
};
export function memberName(member: string | symbol): string {
  if (typeof member === 'string') return member;
  for (const [name, sym] of Object.entries(SYMBOL_BY_NAME)) if (sym === member) return name;
  throw new TypeError(`the pool executor cannot send member ${String(member)}`);
}

const ALLOWED_KINDS: Record<string, ReadonlyArray<Attribute['kind']>> = {
  invoke: ['async', 'user-callback'],
  call: ['sync'],
  chain: ['chain'],
  factory: ['factory'],
  read: ['property'],
  write: ['property'],
  subscribe: ['event'],
};

/**
 * The allowlist: a member is accepted only when the registry lists it for the object's class with a
 * kind that fits the operation. Anything else (`constructor`, `__proto__`, `then`...) is refused.
 */
export function checkAllowed(cls: ClassName, op: keyof typeof ALLOWED_KINDS, member: string): Attribute {
  const key = member in SYMBOL_BY_NAME ? SYMBOL_BY_NAME[member as SymbolName] : member;
  const attr = resolveClass(cls).attributes.get(key);
  if (!attr || !ALLOWED_KINDS[op]!.includes(attr.kind) || (op === 'write' && !(attr.kind === 'property' && attr.writable))) {
    throw new TypeError(`rotor pool worker refused '${op} ${cls}.${member}': not in the registry's allowlist for that operation`);
  }
  return attr;
}
