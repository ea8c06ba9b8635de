// Inline executor: the driver runs in this thread; zero hops, AsyncLocalStorage context flows untouched.
import type { Executor } from './types.js';

type AnyRecord = Record<string | symbol, any>;

const call = (ref: object, member: string | symbol, args: unknown[]): unknown => (ref as AnyRecord)[member].apply(ref, args);

export const inlineExecutor: Executor = {
  name: 'inline',
  inProcess: true,
  invoke(ref, member, args) {
    try {
      return (ref as AnyRecord)[member].apply(ref, args);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the driver's own throw, passed on as it is
      return Promise.reject(error);
    }
  },
  call,
  chain: call,
  factory: call as Executor['factory'],
  listen: call,
  iterate: (ref, member) => call(ref, member, []) as AsyncIterator<unknown>,
  read: (ref, member) => (ref as AnyRecord)[member],
  write(ref, member, value) {
    (ref as AnyRecord)[member] = value;
  },
  probe: (ref, member) => Reflect.get(ref, member),
  assign(ref, member, value) {
    Reflect.set(ref, member, value);
  },
  expose(ref, member, wrap, probed) {
    const value = Reflect.get(ref, member) as unknown;
    // A driver method comes back bound to the driver object, so its own calls reach the driver
    // rather than the handle's futures; the same bound function while the member is unchanged.
    // Functions an app stored on the object come back as stored.
    if (typeof value !== 'function' || Object.prototype.hasOwnProperty.call(ref, member)) return wrap(value);
    const cache = probed();
    const hit = cache.get(member);
    if (hit && hit[0] === value) return hit[1];
    const bound = (value as (...args: unknown[]) => unknown).bind(ref);
    cache.set(member, [value, bound]);
    return bound;
  },
  bsonValue: (ref) => ref,
  construct: (_cls, driverClass, args) => new driverClass(...args),
  prototypeOf: (ref) => Object.getPrototypeOf(ref) as object | null,
};
