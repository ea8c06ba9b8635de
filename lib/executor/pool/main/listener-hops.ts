// The main thread's side of a listener the driver waits for (../listener-hop.ts), served free or blocked in a sync call
// (requestSync reads the blocking channel), so neither thread waits for the other. What a listener throws is kept
// here; the worker's copy, rethrown by the driver, comes back as a token, so the caller receives the very value (rule 2).
import type { MessagePort } from 'node:worker_threads';
import { decode, encodeError } from '../codec/index.js';
import type { InboxHost } from './slot-inbox.js';
import type { Request } from '../protocol.js';
import { HOP_FLAG, type HopAnswer, type HopMessage, type HopThrown } from '../listener-hop.js';
import { dropsEvent } from './cursor.js';

type HopHost = Pick<InboxHost, 'objects' | 'kept' | 'postNow'> & {
  /** Handles what the worker posted on the ordered channel before the event, first, as emitted. */
  drainOrdered(): void;
};

/** The function id kept values of listeners are filed under (no function has it: nothing forgets them but a drop). */
const LISTENER_FN = -1;

/** Requests the worker answers synchronously, so a listener may block on them while the worker waits for it. */
const ANSWERED_WHILE_WAITING = new Set<Request['op']>(['read', 'probe', 'label', 'call', 'chain', 'factory', 'write', 'construct']);

let served = 0;
/** Hops served by every pool of this process (specs: a listener added and removed makes none). */
export function listenerHopsServed(): number {
  return served;
}

/** Runs a forwarded event's listeners (what one throws goes to `threw`); with none left, the worker stops forwarding it. */
export function emitEvent(host: HopHost, m: { id: number; event: string; args: unknown }, threw: (error: unknown) => void): void {
  const ref = host.objects.refOf(m.id);
  const emitter = ref?.emitter;
  if (!ref || !emitter || dropsEvent(ref, m.event)) return;
  try {
    emitter.emit(m.event, ...(decode(m.args, host.objects.decodeHooks) as unknown[]));
  } catch (error) {
    threw(error);
  } finally {
    if (emitter.listenerCount(m.event) === 0) host.postNow({ op: 'unsubscribe', id: m.id, event: m.event });
  }
}

export class ListenerHops {
  /** Each worker's hop channel, by thread id (one at a time, but a call from a worker lost meanwhile may still arrive). */
  private readonly channels = new Map<number, { port: MessagePort; flag: Int32Array }>();
  /** Tokens of thrown values kept for the worker's copies. */
  private readonly tokens = new Set<number>();
  /** Calls being served (nested when a listener's blocking request makes the worker emit again). */
  private readonly serving: Array<{ event: string; w: number }> = [];

  constructor(private readonly host: HopHost) {}

  receive(m: HopMessage): void {
    if ('drop' in m) {
      for (const token of m.drop) if (this.tokens.delete(token)) this.host.kept.take(token);
      return;
    }
    if (m.channel) this.channels.set(m.w, { port: m.channel.port, flag: new Int32Array(m.channel.flag) });
    served++;
    let threw: HopThrown | undefined;
    this.serving.push({ event: m.event, w: m.w });
    try {
      this.host.drainOrdered();
      emitEvent(this.host, m, (error) => (threw = this.thrown(error)));
    } catch (error) {
      threw = this.thrown(error);
    } finally {
      this.serving.pop();
      this.answer(m.w, { hop: m.hop, threw });
    }
  }

  /** Before a blocking request: a worker waiting for a listener answers only what it answers synchronously (no deadlock). */
  beforeBlocking(m: Request): void {
    const event = this.serving.at(-1)?.event;
    if (event === undefined || ANSWERED_WHILE_WAITING.has(m.op)) return;
    throw new TypeError(
      `rotor: ${'member' in m ? m.member : m.op} cannot block inside a '${event}' listener: the pool worker waits in the driver's emit for the listener to return ` +
        '(as the driver waits in-process), so it cannot run a command meanwhile; start it without waiting for it, or after the event',
    );
  }

  /** After a blocking request was sent from a listener: the waiting worker answers it now. */
  afterBlocking(): void {
    const w = this.serving.at(-1)?.w;
    const ch = w === undefined ? undefined : this.channels.get(w);
    if (!ch) return;
    Atomics.add(ch.flag, HOP_FLAG.pull, 1);
    Atomics.add(ch.flag, HOP_FLAG.wake, 1);
    Atomics.notify(ch.flag, HOP_FLAG.wake);
  }

  /** The worker is gone or the pool closed: a worker still waiting wakes up, and its copies are gone. */
  close(): void {
    for (const ch of this.channels.values()) {
      Atomics.store(ch.flag, HOP_FLAG.closed, 1);
      Atomics.notify(ch.flag, HOP_FLAG.wake);
      ch.port.close();
    }
    this.channels.clear();
    for (const token of this.tokens) this.host.kept.take(token);
    this.tokens.clear();
  }

  /** What the worker's forwarder gets of a thrown value; anything with an identity is kept here (a failure always is). */
  private thrown(value: unknown): HopThrown {
    let message!: { error?: unknown; kept?: number; revoked?: true };
    this.host.kept.reply((m) => void (message = m), 0, LISTENER_FN, { error: value }, this.host.objects.encodeHooks);
    const { error, kept, revoked } = message;
    const kind = typeof value === 'function' ? 'function' : typeof value === 'symbol' ? 'symbol' : typeof value === 'object' && value !== null ? 'object' : 'primitive';
    if (kind === 'primitive') {
      // Crosses exactly, so nothing to keep.
      this.host.kept.take(kept);
      return { kind, error };
    }
    this.tokens.add(kept!);
    if (kind === 'symbol') return { kind, kept, description: (value as symbol).description ?? '' };
    return kind === 'function' ? { kind, kept } : { kind, error, kept, revoked };
  }

  private answer(w: number, answer: HopAnswer): void {
    const ch = this.channels.get(w);
    if (!ch) return; // closed meanwhile: the worker woke up on its closed flag
    try {
      ch.port.postMessage(answer);
    } catch {
      // Clone refused what the thrown value carried: the driver gets an Error saying so (the caller, the value).
      const error = encodeError(new Error('a value thrown by a listener that cannot cross to the pool worker'));
      ch.port.postMessage({ hop: answer.hop, threw: { kind: 'object', error, kept: answer.threw?.kept } } satisfies HopAnswer);
    }
    Atomics.add(ch.flag, HOP_FLAG.wake, 1);
    Atomics.notify(ch.flag, HOP_FLAG.wake);
  }
}
