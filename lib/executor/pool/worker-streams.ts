// The worker side of the GridFS stream relays (see main/gridfs.ts): one chunk per request, so
// backpressure crosses the thread boundary.
export type StreamAction = 'write' | 'end' | 'read' | 'abort';

const iterators = new WeakMap<object, AsyncIterator<unknown>>();

/** The worker side of a stream action. */
export async function streamAction(stream: any, action: StreamAction, data: Uint8Array | undefined): Promise<unknown> {
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
