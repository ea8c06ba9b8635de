// How a slot's requests reach the worker: encoded at the call, posted at once (send) or batched per
// tick (queue), with a fallback for what structured clone refuses.
import type { MessagePort } from 'node:worker_threads';
import type { Request } from '../protocol.js';

/** What the outbox needs of its slot. */
export interface OutboxHost {
  /** The ordered channel, undefined once the worker is lost. */
  port(): MessagePort | undefined;
  /** Encodes an argument list; the function ids it registers are collected until takeOwned(). */
  encodeArgs(args: unknown[], materialize: boolean): unknown[];
  /** The function ids registered since the last call (and forgets the list). */
  takeOwned(): number[] | undefined;
  forgetFunctions(ids: number[] | undefined): void;
  /** Fails request `r` (if still pending). */
  fail(r: number, error: Error): void;
}

interface Queued {
  m: Request & { args?: unknown[] };
  args: unknown[] | undefined;
  pending: { functions: number[] | undefined };
}

const cannotCross = (m: Request, error: unknown): TypeError =>
  new TypeError(`rotor: an argument of ${'member' in m ? m.member : m.op} cannot cross to the pool worker: ${(error as Error).message}`, { cause: error });

export class Outbox {
  /**
   * Commands issued in the same tick cross in one message (80 concurrent findOne: one hop, not 80).
   * Their arguments are encoded at the call (so encode errors and callback ownership stay with the
   * caller); structured clone happens at the flush, where a refusal falls back to one message each.
   */
  private entries: Queued[] = [];
  private readonly flushSoon = (): void => this.flush();

  constructor(private readonly host: OutboxHost) {}

  /**
   * Encodes `args` into `m.args` and posts `m`. Values structured clone refuses (a Proxy, which it
   * cannot read through) are encoded again, materialized through their traps, before giving up
   * with a TypeError that names the member: never a lost worker. Returns the function ids the
   * arguments registered.
   */
  send(m: Request & { args?: unknown[] }, args: unknown[] | undefined, port: MessagePort): number[] | undefined {
    const host = this.host;
    this.flush(); // what was queued before goes first: one ordered stream
    host.takeOwned();
    try {
      if (args) m.args = host.encodeArgs(args, false);
      try {
        port.postMessage(m);
      } catch (error) {
        if (!args || (error as Error).name !== 'DataCloneError') throw error;
        host.forgetFunctions(host.takeOwned());
        m.args = host.encodeArgs(args, true);
        try {
          port.postMessage(m);
        } catch (again) {
          throw cannotCross(m, again);
        }
      }
      return host.takeOwned();
    } catch (error) {
      host.forgetFunctions(host.takeOwned());
      throw error;
    }
  }

  queue(m: Request & { args?: unknown[] }, args: unknown[] | undefined, pending: { functions: number[] | undefined }): void {
    const host = this.host;
    host.takeOwned();
    try {
      if (args) m.args = host.encodeArgs(args, false);
      pending.functions = host.takeOwned();
    } finally {
      host.takeOwned();
    }
    if (this.entries.push({ m, args, pending }) === 1) queueMicrotask(this.flushSoon);
  }

  flush(): void {
    const batch = this.entries;
    if (batch.length === 0) return;
    this.entries = [];
    const port = this.host.port();
    if (!port) return; // lost meanwhile: lose() already failed these requests
    if (batch.length === 1) return this.postQueued(port, batch[0]!);
    try {
      port.postMessage(batch.map((e) => e.m));
    } catch {
      for (const e of batch) this.postQueued(port, e);
    }
  }

  /** One queued request on its own, materializing what structured clone refused (see send()). */
  private postQueued(port: MessagePort, e: Queued): void {
    const host = this.host;
    try {
      port.postMessage(e.m);
      return;
    } catch (error) {
      if (!e.args || (error as Error).name !== 'DataCloneError') return host.fail(e.m.r!, error as Error);
    }
    try {
      host.forgetFunctions(e.pending.functions);
      host.takeOwned();
      e.m.args = host.encodeArgs(e.args, true);
      e.pending.functions = host.takeOwned();
      port.postMessage(e.m);
    } catch (again) {
      host.fail(e.m.r!, cannotCross(e.m, again));
    } finally {
      host.takeOwned();
    }
  }
}
