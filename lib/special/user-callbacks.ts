// withSession, withTransaction, cursor.forEach: the driver calls the user's function back. Its
// arguments are wrapped (the session it receives is a rotor handle) and what it returns — a
// Promise, or any framework's thenable — goes back to the driver as is, so the driver's
// convenient-transaction retry rules apply unchanged.

/** Replaces the first function in `args` with one that hands the user handles (`wrap` makes them). */
export function wrapUserFunction(args: unknown[], wrap: (value: unknown) => unknown): void {
  const index = args.findIndex((a) => typeof a === 'function');
  if (index < 0) return;
  const user = args[index] as (...a: unknown[]) => unknown;
  args[index] = function (this: unknown, ...callbackArgs: unknown[]) {
    for (let i = 0; i < callbackArgs.length; i++) callbackArgs[i] = wrap(callbackArgs[i]);
    return user.apply(this, callbackArgs);
  };
}
