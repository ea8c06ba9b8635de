// Events in the pool executor: listeners live on a main-thread emitter per handle, and the worker
// forwards an event only while that emitter has listeners for it.
import { EventEmitter } from 'node:events';
import type { RemoteRef } from './remote-ref.js';

export function listen(ref: RemoteRef, member: string, args: unknown[]): unknown {
  const emitter = (ref.emitter ??= new EventEmitter());
  // A client spanning several workers hears each worker's events through the one emitter.
  const sources = ref.replicas ?? [ref];
  for (const r of sources) r.emitter = emitter;
  const before = new Set(emitter.eventNames());
  const result = (emitter as unknown as Record<string, (...a: unknown[]) => unknown>)[member]!.apply(emitter, args);
  const attr = ref.resolved.attributes.get(member);
  const effect = attr?.kind === 'event' ? attr.listeners : undefined;
  if (effect === 'adds') {
    const event = args[0] as string;
    if (!before.has(event)) for (const r of sources) r.slot.post({ op: 'subscribe', id: r.id, event });
  } else if (effect === 'removes') {
    const now = new Set(emitter.eventNames());
    for (const event of before) {
      if (now.has(event) || typeof event !== 'string') continue;
      for (const r of sources) r.slot.post({ op: 'unsubscribe', id: r.id, event });
    }
  }
  return result === emitter ? undefined : result;
}
