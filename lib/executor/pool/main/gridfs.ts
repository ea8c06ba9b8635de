// GridFS streams in the pool executor: real Node streams on the main thread, relaying chunks to and
// from the driver's stream in the worker. Backpressure crosses the boundary: a write completes only
// once the worker's stream accepted the chunk; a download reads ahead of its consumer by a bounded
// number of bytes (a round trip per chunk consumed would leave the worker idle half the time).
import { Readable, Writable } from 'node:stream';
import { ObjectId } from '../../../driver.js';
import type { Attribute, ClassName } from '../../../registry/kinds.js';
import { resolveClass } from '../../../registry/resolve.js';
import type { Executor } from '../../types.js';
import { inlineExecutor } from '../../inline.js';
import { attempt } from '../../../util/attempt.js';
import { RemoteRef } from './remote-ref.js';

/** How far a download reads ahead of its consumer (its highWaterMark): the worker fetches while the consumer works. */
const READ_AHEAD_BYTES = 2 * 1024 * 1024;

/** How many bytes of an upload may be on their way to the worker's stream (its backpressure bound). */
const WRITE_AHEAD_BYTES = 4 * 1024 * 1024;

function run(remote: RemoteRef, action: 'write' | 'end' | 'read' | 'abort', data?: Uint8Array): Promise<unknown> {
  remote.slot.objects.ensureAlive(remote);
  const done = remote.slot.request({ op: 'stream', id: remote.id, action, ...(data ? { data } : {}) });
  if (action === 'abort' || action === 'end') void done.then(() => (remote.ended = true), () => {});
  return done;
}

export class PoolUploadStream extends Writable {
  readonly className: ClassName;
  /** Set once the upload finished: the files-collection document, as the driver's stream has it. */
  gridFSFile: unknown = null;
  /** Bytes sent to the worker and not yet accepted by its stream. */
  private inFlight = 0;
  private failure: Error | undefined;
  /** A write or the final waiting for the bytes in flight to go down. */
  private waiting: (() => void) | undefined;
  /** `id`: chosen here, so `uploadStream.id` is known at once, as with the driver. */
  constructor(readonly remote: RemoteRef, readonly id: unknown) {
    super();
    this.className = remote.cls;
  }
  // A write completes while fewer than WRITE_AHEAD_BYTES are in flight: the next chunk crosses
  // while the worker writes this one. The worker's stream gets them in order (one ordered port).
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.failure) return callback(this.failure);
    let accepted: Promise<unknown>;
    try {
      accepted = run(this.remote, 'write', chunk);
      // Cloned now: the callback below may run before this tick ends, and the chunk is then the
      // writer's to refill.
      this.remote.slot.flush();
    } catch (error) {
      return callback(error as Error);
    }
    this.inFlight += chunk.length;
    const settled = (): void => {
      this.inFlight -= chunk.length;
      this.waiting?.();
    };
    accepted.then(settled, (error: Error) => {
      this.failure ??= error;
      // No write or final waits to report it: the stream fails now.
      if (!this.waiting && !this.destroyed) this.destroy(error);
      settled();
    });
    this.untilBelow(WRITE_AHEAD_BYTES, callback);
  }
  /** Calls `callback` once fewer than `limit` bytes are in flight, with the failure if a write failed. */
  private untilBelow(limit: number, callback: (error?: Error | null) => void): void {
    if (this.failure) return callback(this.failure);
    if (this.inFlight < limit) return callback();
    this.waiting = () => {
      if (this.inFlight >= limit && !this.failure) return;
      this.waiting = undefined;
      callback(this.failure);
    };
  }
  override _final(callback: (error?: Error | null) => void): void {
    // Every write accepted first: a failed one fails the upload instead of ending it.
    this.untilBelow(1, (error) => {
      if (error) return callback(error);
      let file: Promise<unknown>;
      try {
        file = run(this.remote, 'end');
      } catch (lost) {
        return callback(lost as Error);
      }
      file.then((value) => {
        this.gridFSFile = value;
        callback();
      }, callback);
    });
  }
  async abort(): Promise<void> {
    await run(this.remote, 'abort');
    this.destroy();
  }
}

export class PoolDownloadStream extends Readable {
  readonly className: ClassName;
  /** abort() or destroy() told the worker to drop its stream (once). */
  private released = false;
  constructor(readonly remote: RemoteRef) {
    super({ highWaterMark: READ_AHEAD_BYTES });
    this.className = remote.cls;
    // The registry's chaining members that a Node stream lacks (the driver stream's byte range:
    // start, end) are the worker's stream's: applied there, in order, before the first read.
    for (const [member, attr] of remote.resolved.attributes) {
      if (attr.kind !== 'chain' || typeof member !== 'string' || member in this) continue;
      Object.defineProperty(this, member, {
        value: (...args: unknown[]): this => {
          remote.slot.requestSync({ op: 'chain', id: remote.id, member, args: [] }, args);
          return this;
        },
        configurable: true,
        writable: true,
      });
    }
  }
  // Node calls _read again only after a push: one read in flight, in order.
  override _read(): void {
    let reply: Promise<unknown>;
    try {
      reply = run(this.remote, 'read');
    } catch (error) {
      this.destroy(error as Error);
      return;
    }
    reply.then(
      (chunk) => {
        if (this.destroyed) return;
        if (chunk === null) this.remote.ended = true;
        // The codec gives a Buffer (a view on the cloned bytes): no copy here.
        this.push(chunk === null ? null : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
      },
      (error: Error) => {
        // After abort() the worker's stream fails the read in flight: that is no error of ours.
        if (!this.destroyed && !this.released) this.destroy(error);
      },
    );
  }
  /** Destroyed before its end (a for-await left early): the worker's stream closes its cursor too. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.remote.ended && !this.released) {
      this.released = true;
      // A throw: the worker is gone, and its stream with it.
      void attempt(() => run(this.remote, 'abort').catch(() => {}), undefined);
    }
    callback(error);
  }
  async abort(): Promise<void> {
    this.released = true;
    await run(this.remote, 'abort');
    this.destroy();
  }
}

export type PoolStream = PoolUploadStream | PoolDownloadStream;

export function isPoolStream(value: unknown): value is PoolStream {
  return value instanceof PoolUploadStream || value instanceof PoolDownloadStream;
}

/** The executor members whose first argument is a handle's ref, which may be a relay stream. */
const ROUTED = ['invoke', 'call', 'chain', 'factory', 'listen', 'read', 'write', 'probe', 'assign', 'iterate', 'wouldFetch', 'label', 'classOf'] as const;
type RefMethod = (ref: object, a?: unknown, b?: unknown, c?: unknown) => unknown;

/**
 * The pool executor as handles see it: a relay stream is a Node stream on this thread, so the
 * inline executor answers for it, except for the driver stream's own fields, which the pool reads
 * from the worker.
 */
export function routeRelays<E extends Executor>(pool: E): E {
  const relay: Executor = {
    ...inlineExecutor,
    read: (s, member) => (Reflect.has(s, member) ? inlineExecutor.read(s, member) : pool.read((s as PoolStream).remote, member)),
    wouldFetch: () => true,
    label: (s) => String((s as PoolStream).remote.id),
    classOf: (s) => resolveClass((s as PoolStream).className),
  };
  const routed = { ...pool } as Record<string, unknown>;
  for (const key of ROUTED) {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- executors' members never use `this`
    const [own, relayed] = [pool[key], relay[key]] as [RefMethod, RefMethod];
    // A RemoteRef first: one instanceof on every command's path.
    routed[key] = (ref: object, a?: unknown, b?: unknown, c?: unknown) => (ref instanceof RemoteRef || !isPoolStream(ref) ? own : relayed)(ref, a, b, c);
  }
  return routed as E;
}

/**
 * A factory whose registry entry has a madeId: the id of what it makes is taken from its argument,
 * or made here and sent through the member `via` names, so the main thread knows it at once.
 */
export function withMadeId(attr: Attribute | undefined, member: string, args: unknown[]): { member: string; args: unknown[]; id?: unknown } {
  const made = attr?.kind === 'factory' ? attr.madeId : undefined;
  if (!made) return { member, args };
  if ('at' in made) return { member, args, id: args[made.at] };
  const id = new ObjectId();
  return { member: made.via, args: [id, ...args], id };
}

/** The main-thread stream relaying `ref`'s driver stream, for a class the registry marks `relay`. */
export function relayFor(ref: RemoteRef, id: unknown): PoolStream | undefined {
  const relay = ref.resolved.relay;
  return relay === 'upload' ? new PoolUploadStream(ref, id) : relay === 'download' ? new PoolDownloadStream(ref) : undefined;
}
