// The worker side of the GridFS stream relays (see main/gridfs.ts). A 'read' answers with
// everything read ahead since the last one (see ReadAhead).
import { Stream, type Readable } from 'node:stream';

/**
 * A Node stream made in the worker (a GridFS stream) gets an 'error' listener: its errors reach the
 * main thread through the action that meets them (or the next one), and an 'error' event with no
 * listener would end the worker.
 */
export function hostStream(made: unknown): void {
  if (made instanceof Stream) made.on('error', () => {});
}

export type StreamAction = 'write' | 'end' | 'read' | 'abort';

/** The worker side of a stream action. */
export async function streamAction(stream: any, action: StreamAction, data: Uint8Array | undefined): Promise<unknown> {
  switch (action) {
    case 'write':
      // Answered once the driver's stream took the chunk in (its callback: a failed insert fails
      // this write; waiting for 'drain' would wait forever on an errored stream). A view, not a
      // copy: the bytes arrived in an ArrayBuffer of their own.
      if (stream.errored) throw stream.errored;
      await new Promise<void>((resolve, reject) => {
        stream.write(Buffer.from(data!.buffer, data!.byteOffset, data!.byteLength), (error?: Error | null) => (error ? reject(error) : resolve()));
      });
      return undefined;
    case 'end':
      if (stream.errored) throw stream.errored;
      // Node hands end's callback the error of a failed finish (a duplicate id, the server gone):
      // the upload failed, and the main thread's stream must emit 'error', not 'finish'.
      await new Promise<void>((resolve, reject) => {
        stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
      });
      return stream.gridFSFile ?? null;
    case 'read':
      return readAhead(stream as Readable);
    case 'abort':
      await stream.abort();
      return undefined;
  }
}

/** How many bytes a download's worker side reads ahead of the main thread's requests. */
const READ_AHEAD_BYTES = 2 * 1024 * 1024;

/**
 * The worker side of a download: reads the driver's stream ahead of the main thread's requests (up
 * to READ_AHEAD_BYTES, then pauses it), so the chunks that arrive during one round trip cross
 * together in the next answer: a thread hop per chunk would pace the download on this machine's
 * wake-up latency, not on the server.
 */
class ReadAhead {
  private queue: Buffer[] = [];
  private size = 0;
  private ended = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  constructor(private readonly stream: Readable) {
    const wake = (): void => {
      const w = this.wake;
      this.wake = undefined;
      w?.();
    };
    stream.on('data', (chunk: Buffer) => {
      this.queue.push(chunk);
      this.size += chunk.length;
      if (this.size >= READ_AHEAD_BYTES) stream.pause();
      wake();
    });
    stream.once('end', () => {
      this.ended = true;
      wake();
    });
    stream.once('error', (error) => {
      this.error = error;
      wake();
    });
    stream.once('close', () => {
      if (!this.ended) this.error ??= Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
      wake();
    });
  }
  /** Everything read ahead (at least one chunk, waiting for it if need be); null at the end. */
  async read(): Promise<Buffer | null> {
    while (this.queue.length === 0) {
      if (this.error) throw this.error;
      if (this.ended) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    const chunks = this.queue;
    this.queue = [];
    this.size = 0;
    this.stream.resume();
    // Always a fresh buffer of its own (never a view on the driver's reply): worker.ts hands it over.
    return Buffer.concat(chunks);
  }
}

const readers = new WeakMap<object, ReadAhead>();

function readAhead(stream: Readable): Promise<Buffer | null> {
  let reader = readers.get(stream);
  if (!reader) readers.set(stream, (reader = new ReadAhead(stream)));
  return reader.read();
}
