// `for await` over a cursor, change stream or GridFS download stream. Inline: the driver's own
// async iterator (documents are plain data, nothing to wrap).
import type { HandleState } from '../proxy/factory.js';

export function iterate(state: HandleState, member: string | symbol): AsyncIterator<unknown> {
  return state.runtime.executor.invokeSync(state.ref, member, []) as AsyncIterator<unknown>;
}
