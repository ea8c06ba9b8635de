// What a slot receives from its worker: replies (whole, or in parts for long arrays), events for
// the main thread's emitters, and calls of user functions the driver makes in the worker
// (withSession's function...), which run here. Requests in flight are kept here by request id.
import { decode, type DecodeHooks, type EncodeHooks } from '../codec/index.js';
import type { KeptValues } from './kept-values.js';
import type { Request, WorkerMessage } from '../protocol.js';
import type { HopMessage } from '../listener-hop.js';
import type { RemoteRef } from './remote-ref.js';
import { dropsEvent } from './cursor.js';
import { runUserFunction } from './user-functions.js';

export interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  parts: unknown[] | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Function ids this request registered (user callbacks): forgotten when it settles. */
  functions: number[] | undefined;
}

/** A failure the worker reported, decoded where the caller awaits it (see WorkerSlot.request). */
export class Failure {
  constructor(
    readonly wire: unknown,
    /** What a user function threw, kept here: the caller gets that very value. */
    readonly kept?: { value: unknown },
  ) {}
}

/** What the inbox needs of its slot. */
export interface InboxHost {
  readonly pending: Map<number, Pending>;
  readonly decodeHooks: DecodeHooks;
  readonly encodeHooks: EncodeHooks;
  readonly kept: KeptValues;
  /** The handle of a worker object, if this thread still references it. */
  refOf(id: number): RemoteRef | undefined;
  /** A user function registered by an encode (see EncodeHooks.functionRef). */
  functionOf(id: number): ((...args: unknown[]) => unknown) | undefined;
  postNow(m: Request): void;
  settle(p: Pending, error: Error | undefined, value?: unknown): void;
  /** No request left in flight: the process may end unless a client holds it. */
  idle(): void;
  /** A listener threw on an event the driver emitted during request `cause` (if known). */
  listenerThrew(cause: number | undefined, error: unknown): void;
  /** A listener the driver waits for (./main/listener-hops.ts). */
  hop(m: HopMessage): void;
}

export function receive(host: InboxHost, message: WorkerMessage | WorkerMessage[]): void {
  if (Array.isArray(message)) for (const m of message) receiveOne(host, m);
  else receiveOne(host, message);
}

function receiveOne(host: InboxHost, m: WorkerMessage): void {
  if ('r' in m) {
    const p = host.pending.get(m.r);
    if (!p) return; // aborted, or lost: the answer is dropped
    if ('part' in m) {
      (p.parts ??= []).push(...(decode(m.part, host.decodeHooks) as unknown[]));
      return;
    }
    host.pending.delete(m.r);
    if (host.pending.size === 0) host.idle();
    if ('error' in m) {
      // What a user function threw, come back as it was thrown (see kept-values.ts).
      // A Failure, not settle's error argument: a thrown `undefined` would read there as success.
      if (host.kept.has(m.kept)) return host.settle(p, undefined, new Failure(m.error, { value: host.kept.take(m.kept, () => undefined) }));
      return host.settle(p, undefined, new Failure(m.error));
    }
    let value: unknown;
    try {
      value = host.kept.take(m.kept, () => decode(m.ok, host.decodeHooks));
    } catch (error) {
      return host.settle(p, error as Error);
    }
    host.settle(p, undefined, p.parts ? p.parts.concat(value as unknown[]) : value);
  } else if (m.t === 'event') {
    const ref = host.refOf(m.id);
    const emitter = ref?.emitter;
    if (!ref || !emitter || dropsEvent(ref, m.event)) return;
    try {
      emitter.emit(m.event, ...(decode(m.args, host.decodeHooks) as unknown[]));
    } catch (error) {
      host.listenerThrew(m.cause, error);
    }
    if (emitter.listenerCount(m.event) === 0) host.postNow({ op: 'unsubscribe', id: m.id, event: m.event });
  } else if (m.t === 'hop') {
    host.hop(m);
  } else {
    runUserFunction({ ...host, fn: (id) => host.functionOf(id), blocking: () => false }, (r) => host.postNow(r), m.callId, m.fn, m.args, false);
  }
}
