// A microtask for rotor's own work (a tick's batch of messages): queueMicrotask would make an
// AsyncResource for each call (~1 µs a request on each thread), for a callback that needs no caller context.
const resolved = Promise.resolve();

/** Runs `fn` as a microtask; it must not throw (a throw would be an unhandled rejection). */
export function soon(fn: () => void): void {
  void resolved.then(fn);
}
