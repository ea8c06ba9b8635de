// What the pool reads from a call's arguments before sending it: handles among them (which worker
// a pinned object lives on) and an AbortSignal (which stays on this thread).
import { HANDLE_OPTION_KEYS } from '../../../registry/resolve.js';
import { stateOf } from '../../../proxy/state.js';
import { RemoteRef, type Slot } from './remote-ref.js';

export function refOf(value: unknown): RemoteRef | undefined {
  const ref = value instanceof RemoteRef ? value : stateOf(value)?.ref;
  return ref instanceof RemoteRef ? ref : undefined;
}

/** The worker of a pinned (non-spanning) object among the arguments or their handle options: `{ session }`. */
export function slotOfArgs(args: unknown[]): Slot | undefined {
  for (const a of args) {
    const ref = refOf(a);
    if (ref) {
      if (!ref.replicas) return ref.slot;
    } else if (a && typeof a === 'object' && !Array.isArray(a)) {
      for (const key of HANDLE_OPTION_KEYS) {
        const option = refOf((a as Record<string, unknown>)[key]);
        if (option && !option.replicas) return option.slot;
      }
    }
  }
  return undefined;
}

/**
 * AbortSignals stay on the main thread: the worker gets a stand-in (`{ signal: null }`). Only the options
 * argument (`at`, the registry's optionsAt) is read: a `signal` field in a document or a filter is data.
 */
export function extractSignal(args: unknown[], at: number | undefined): AbortSignal | undefined {
  if (at === undefined) return undefined;
  const options = args[at] as { signal?: unknown } | null | undefined;
  if (!options || typeof options !== 'object' || !(options.signal instanceof AbortSignal)) return undefined;
  args[at] = { ...options, signal: null };
  return options.signal;
}
