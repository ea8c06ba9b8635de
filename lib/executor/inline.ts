// Inline executor: the driver runs in this thread; zero hops, AsyncLocalStorage context flows untouched.
import type { Executor, Ref } from './types.js';

type AnyRecord = Record<string | symbol, any>;

export const inlineExecutor: Executor = {
  name: 'inline',
  inProcess: true,
  invoke(ref, member, args) {
    try {
      return (ref as AnyRecord)[member].apply(ref, args);
    } catch (error) {
      return Promise.reject(error);
    }
  },
  invokeSync: (ref, member, args) => (ref as AnyRecord)[member].apply(ref, args),
  read: (ref, member) => (ref as AnyRecord)[member],
  write(ref, member, value) {
    (ref as AnyRecord)[member] = value;
  },
  construct: (driverClass, args): Ref => new driverClass(...args),
  prototypeOf: (ref) => Object.getPrototypeOf(ref) as object | null,
};
