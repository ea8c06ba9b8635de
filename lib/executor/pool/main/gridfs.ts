// GridFS streams in the pool executor: real Node streams on the main thread, relaying chunks to and
// from the driver's stream in the worker. Backpressure crosses the boundary: a write completes only
// once the worker's stream accepted the chunk, and a read asks the worker for one chunk at a time.
import { Readable, Writable } from 'node:stream';
import { ObjectId } from 'mongodb';
import type { ClassName } from '../../../registry/kinds.js';
import type { RemoteRef } from '../remote-ref.js';

type Action = 'write' | 'end' | 'read' | 'abort';

function run(remote: RemoteRef, action: Action, data?: Uint8Array): Promise<unknown> {
  remote.slot.ensureAlive(remote);
  const done = remote.slot.request({ op: 'stream', id: remote.id, action, ...(data ? { data } : {}) });
  if (action === 'abort' || action === 'end') void done.then(() => (remote.ended = true), () => {});
  return done;
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
      (chunk) => {
        if (chunk === null) this.remote.ended = true;
        this.push(chunk === null ? null : Buffer.from(chunk as Uint8Array));
      },
      (error: Error) => this.destroy(error),
    );
  }
  /** Byte range, before the first read (chained to the worker's stream, in order). */
  start(offset: number): this {
    this.remote.slot.requestSync({ op: 'chain', id: this.remote.id, member: 'start', args: [] }, [offset]);
    return this;
  }
  end(offset: number): this {
    this.remote.slot.requestSync({ op: 'chain', id: this.remote.id, member: 'end', args: [] }, [offset]);
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
