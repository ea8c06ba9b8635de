// GridFS streams in the pool executor: real Node streams on the main thread, relaying chunks to and
// from the driver's stream in the worker. Backpressure crosses the boundary: a write completes only
// once the worker's stream accepted the chunk, and a read asks the worker for one chunk at a time.
import { Readable, Writable } from 'node:stream';
import { ObjectId } from 'mongodb';
import type { ClassName } from '../registry/kinds.js';
import type { RemoteRef } from '../executor/pool/index.js';

type Action = 'write' | 'end' | 'read' | 'abort';

function run(remote: RemoteRef, action: Action, data?: Uint8Array): Promise<unknown> {
  return remote.slot.run({ op: 'stream', id: remote.id, action, ...(data ? { data } : {}) });
}

export class PoolUploadStream extends Writable {
  readonly className: ClassName = 'GridFSBucketWriteStream';
  /** Set once the upload finished: the files-collection document, as the driver's stream has it. */
  gridFSFile: unknown = null;
  constructor(
    readonly remote: RemoteRef,
    /** Chosen here, so `uploadStream.id` is known at once, as with the driver. */
    readonly id: unknown,
  ) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    run(this.remote, 'write', chunk).then(() => callback(), callback);
  }
  override _final(callback: (error?: Error | null) => void): void {
    run(this.remote, 'end').then((file) => {
      this.gridFSFile = file;
      callback();
    }, callback);
  }
  async abort(): Promise<void> {
    await run(this.remote, 'abort');
    this.destroy();
  }
}

export class PoolDownloadStream extends Readable {
  readonly className: ClassName = 'GridFSBucketReadStream';
  constructor(readonly remote: RemoteRef) {
    super();
  }
  override _read(): void {
    run(this.remote, 'read').then(
      (chunk) => this.push(chunk === null ? null : Buffer.from(chunk as Uint8Array)),
      (error: Error) => this.destroy(error),
    );
  }
  /** Byte range, before the first read (chained to the worker's stream, in order). */
  start(offset: number): this {
    this.remote.slot.sync({ op: 'chain', id: this.remote.id, member: 'start', args: [offset], sync: true });
    return this;
  }
  end(offset: number): this {
    this.remote.slot.sync({ op: 'chain', id: this.remote.id, member: 'end', args: [offset], sync: true });
    return this;
  }
  async abort(): Promise<void> {
    await run(this.remote, 'abort');
    this.destroy();
  }
}

export type PoolStream = PoolUploadStream | PoolDownloadStream;

export function isPoolStream(value: unknown): value is PoolStream {
  return value instanceof PoolUploadStream || value instanceof PoolDownloadStream;
}

/**
 * openUploadStream → openUploadStreamWithId with an id made here, so the main thread knows it
 * synchronously; returns the member and arguments to send.
 */
export function prepareUpload(member: string, args: unknown[]): { member: string; args: unknown[]; id?: unknown } {
  if (member === 'openUploadStream') {
    const id = new ObjectId();
    return { member: 'openUploadStreamWithId', args: [id, ...args], id };
  }
  if (member === 'openUploadStreamWithId') return { member, args, id: args[0] };
  return { member, args };
}

/** The worker side of a stream action. */
export async function streamAction(stream: any, action: Action, data: Uint8Array | undefined, iterators: WeakMap<object, AsyncIterator<unknown>>): Promise<unknown> {
  switch (action) {
    case 'write':
      if (!stream.write(Buffer.from(data!))) await new Promise((resolve) => stream.once('drain', resolve));
      return undefined;
    case 'end':
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        stream.end(() => resolve());
      });
      return stream.gridFSFile ?? null;
    case 'read': {
      let it = iterators.get(stream);
      if (!it) iterators.set(stream, (it = stream[Symbol.asyncIterator]() as AsyncIterator<unknown>));
      const next = await it.next();
      return next.done ? null : next.value;
    }
    case 'abort':
      await stream.abort();
      return undefined;
  }
}
