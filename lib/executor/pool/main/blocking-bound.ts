// How long a blocking call may wait for its worker: a bound derived from the operation's own
// timeouts, so rotor/sync never leaves a thread blocked forever. The driver gives up within these
// (plus a retry); the margin covers crossing the thread boundary.
import type { RemoteRef } from './remote-ref.js';

export const BLOCKING_MARGIN_MS = 5_000;
/** The bound when the client sets no finite timeout (socketTimeoutMS 0, no timeoutMS). */
const DEFAULT_BLOCKING_CEILING_MS = 300_000;
/** How long the driver's convenient transactions may retry (withTransaction). */
const TRANSACTION_RETRY_MS = 120_000;

const positive = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

export function blockingCeilingMs(): number {
  return positive(Number(process.env.ROTOR_SYNC_CEILING_MS)) || DEFAULT_BLOCKING_CEILING_MS;
}

/**
 * The bound for one blocking operation on `ref`, in ms. With a socket timeout, two attempts: a retryable
 * operation retries once. An operation's own timeoutMS may extend it, never shorten it (a document field
 * of that name must not cut a wait short). The time user functions run here never counts.
 */
export function boundFor(ref: RemoteRef, args: readonly unknown[], userFunctions: boolean): number {
  const options = (ref.root.shadow as { options?: Record<string, unknown> } | undefined)?.options ?? {};
  let bound: number;
  const clientTimeout = positive(options.timeoutMS);
  const socket = positive(options.socketTimeoutMS);
  if (clientTimeout) bound = clientTimeout + BLOCKING_MARGIN_MS;
  else if (socket) {
    const attempt = (positive(options.serverSelectionTimeoutMS) || 30_000) + positive(options.connectTimeoutMS) + positive(options.waitQueueTimeoutMS) + socket;
    bound = 2 * attempt + BLOCKING_MARGIN_MS;
  } else bound = blockingCeilingMs();
  const last = args[args.length - 1] as { timeoutMS?: unknown } | null | undefined;
  const own = last && typeof last === 'object' && !Array.isArray(last) ? positive(last.timeoutMS) : 0;
  if (own) bound = Math.max(bound, own + BLOCKING_MARGIN_MS);
  if (userFunctions) bound = Math.max(bound, blockingCeilingMs() + TRANSACTION_RETRY_MS);
  return bound;
}
