// The default framework: native Promises, the driver's own promise handed straight back.
import type { Framework } from './types.js';

export const promiseFramework: Framework = {
  name: 'promise',
  takeCallback: () => undefined,
  chainFuture: (operation) => operation,
  checkContext: () => {},
  platformInfo: () => 'rotor promise',
};
