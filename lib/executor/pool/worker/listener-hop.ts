// The worker's side of a listener the driver waits for (../listener-hop.ts): the forwarder posts the event on the
// blocking channel (which the main thread reads even while blocked in a sync call), waits on the hop flag for the
// answer, and returns or throws as the listener did, so the driver aborts the command before sending, as in-process.
import { MessageChannel, receiveMessageOnPort, threadId, type MessagePort } from 'node:worker_threads';
import { decodeThrown, type DecodeHooks } from '../codec/index.js';
import { HOP_FLAG, HOP_FLAG_LENGTH, HOP_SLICE_MS, type HopAnswer, type HopThrown } from '../listener-hop.js';
import type { Request, SyncReply, WorkerMessage } from '../protocol.js';

interface Deps {
  postSync(m: SyncReply, transfer?: MessagePort[]): void; // posts on the blocking channel, wakes the main thread
  requests: MessagePort; // the main thread's requests: answered while the worker waits, if a listener blocks on one
  onMessage(m: Request | Request[]): void;
  flush(): void; // posts the ordered channel's queue: earlier events reach the main thread first
  emit(m: WorkerMessage): void;
  decodeHooks: DecodeHooks;
}

/** Copies of what user functions handed back or threw → the main thread's token for the original (main/slot-inbox.ts KeptValues). */
export const keptBy = new WeakMap<WeakKey, number>();
let deps: Deps | undefined;
let channel: { port: MessagePort; flag: Int32Array } | undefined;
let nextHop = 1;
/** Answers read while waiting for another (a hop nested in a listener's blocking request). */
const early = new Map<number, HopAnswer>();
let pulls = 0;

export function initListenerHops(d: Deps): void {
  deps = d;
}

/** A revoked Proxy: the twin of one a user function handed back or threw (a look at it throws, as at the original). */
export function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

export function waitingForwarder(id: number, event: string, encodeArgs: (args: unknown[]) => unknown): (...args: unknown[]) => void {
  return (...args: unknown[]) => {
    const d = deps!;
    const encoded = encodeArgs(args);
    let attach: { port: MessagePort; flag: SharedArrayBuffer } | undefined;
    if (!channel) {
      const { port1, port2 } = new MessageChannel();
      const flag = new SharedArrayBuffer(HOP_FLAG_LENGTH * Int32Array.BYTES_PER_ELEMENT);
      port1.unref(); // read with receiveMessageOnPort only
      channel = { port: port1, flag: new Int32Array(flag) };
      attach = { port: port2, flag };
    }
    const hop = nextHop++;
    d.flush();
    d.postSync({ t: 'hop', w: threadId, hop, id, event, args: encoded, ...(attach ? { channel: attach } : {}) }, attach ? [attach.port] : []);
    const answer = waitFor(d, channel, hop);
    if (answer.threw) throw thrownValue(d, answer.threw);
  };
}

function waitFor(d: Deps, ch: { port: MessagePort; flag: Int32Array }, hop: number): HopAnswer {
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
      for (let got = receiveMessageOnPort(d.requests); got; got = receiveMessageOnPort(d.requests)) d.onMessage(got.message as Request | Request[]);
      continue;
    }
    Atomics.wait(ch.flag, HOP_FLAG.wake, seen, HOP_SLICE_MS);
  }
}

/** Copies the main thread keeps the originals of: when one is collected, the original is let go. */
const dropped: number[] = [];
const copies = new FinalizationRegistry<number>((token) => {
  if (dropped.push(token) === 1) setImmediate(() => deps?.emit({ t: 'hop', drop: dropped.splice(0) }));
});

/** What the forwarder throws: a value of the kind the listener threw, the driver's copy keyed to the original. */
function thrownValue(d: Deps, t: HopThrown): unknown {
  let value: unknown;
  if (t.revoked) value = revokedProxy();
  else if (t.kind === 'function') value = function thrownFunction(): void {};
  else if (t.kind === 'symbol') value = Symbol(t.description);
  else value = decodeThrown(t.error, undefined, d.decodeHooks);
  if (t.kept !== undefined && (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol') && value !== null) {
    keptBy.set(value, t.kept);
    copies.register(value, t.kept);
  }
  return value;
}
