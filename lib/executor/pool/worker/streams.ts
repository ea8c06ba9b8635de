// The worker side of the GridFS stream relays (see main/gridfs.ts).
import { finished, Stream, type Readable } from 'node:stream';
import type { Request } from '../protocol.js';

// A stream made in the worker gets an 'error' listener: its errors reach the main thread through the
// action that meets them (or the next one); unheard, one would end the worker.
export function hostStream(made: unknown): void {
  if (made instanceof Stream) made.on('error', () => {});
}

const settled = (start: (done: (error?: Error | null) => void) => void): Promise<void> =>
  new Promise((resolve, reject) => start((error) => (error ? reject(error) : resolve())));

const readers = new WeakMap<object, () => Promise<Buffer | null>>();

export async function streamAction(stream: any, action: 'write' | 'end' | 'read' | 'abort', data: Uint8Array | undefined): Promise<unknown> {
  if ((action === 'write' || action === 'end') && stream.errored) throw stream.errored;
  switch (action) {
    case 'write':
      // Answered once the driver's stream took the chunk (its callback: a failed insert fails this
      // write; 'drain' never comes on an errored stream). A view: the bytes have an ArrayBuffer of their own.
      await settled((done) => stream.write(Buffer.from(data!.buffer, data!.byteOffset, data!.byteLength), done));
      return undefined;
    case 'end':
      // end's callback gets a failed finish's error (a duplicate id...): the main thread's stream must emit 'error'.
      await settled((done) => stream.end(done));
      return stream.gridFSFile ?? null;
    case 'read': {
      let read = readers.get(stream);
      if (!read) readers.set(stream, (read = readAhead(stream as Readable)));
      return read();
    }
    case 'abort':
      await stream.abort();
      return undefined;
  }
}

const READ_AHEAD_BYTES = 2 * 1024 * 1024;

// A download reads the driver's stream ahead (up to READ_AHEAD_BYTES, then pauses it); a 'read' takes all
// read since the last one: a hop per chunk would pace the download on thread wake-ups, not the server.
function readAhead(stream: Readable): () => Promise<Buffer | null> {
  let queue: Buffer[] = [];
  let size = 0;
  let ended = false;
  let error: Error | undefined;
  let wake = (): void => {};
  stream.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    size += chunk.length;
    if (size >= READ_AHEAD_BYTES) stream.pause();
    wake();
  });
  // The end, an error, or a close before the end (ERR_STREAM_PREMATURE_CLOSE).
  finished(stream, (e) => {
    ended = true;
    error = e ?? undefined;
    wake();
  });
  // Everything read ahead (at least one chunk, waiting for it if need be); null at the end.
  return async () => {
    while (queue.length === 0) {
      if (error) throw error;
      if (ended) return null;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    const chunks = queue;
    queue = [];
    size = 0;
    stream.resume();
    // Always a fresh buffer (never a view on the driver's reply): handed over, not cloned (transferable).
    return Buffer.concat(chunks);
  };
}

/** A download's bytes (a fresh buffer: readAhead) are moved, not cloned; not when in a slab shared with other Buffers. */
export function transferable(m: Request, value: unknown): ArrayBuffer | undefined {
  if (m.op !== 'stream' || m.action !== 'read' || !(value instanceof Uint8Array) || !(value.buffer instanceof ArrayBuffer)) return undefined;
  return value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value.buffer : undefined;
}
