import { MongoRuntimeError } from '../../../driver.js';

/**
 * What the caller of an operation receives when a command monitoring listener threw `thrown`:
 * in-process the throw passes the driver's Server.decorateCommandError, which turns anything
 * without a `name` into a MongoRuntimeError (and the `in` check throws a TypeError for a revoked
 * Proxy). The same here, so pool and sync callers see what the bare driver gives them.
 */
export function asDriverWouldThrow(thrown: unknown): unknown {
  if (typeof thrown !== 'object' || thrown === null || !('name' in thrown)) {
    return new MongoRuntimeError('An unexpected error type: ' + typeof thrown);
  }
  return thrown;
}
