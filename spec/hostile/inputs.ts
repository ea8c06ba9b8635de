// The hostile inputs of the matrix, by name: made fresh for each run (the driver writes `_id` into
// documents). SHAPES wrap an object of the right shape for where it goes (a document, a filter,
// options); VALUES go where any value may (a field, a filter value, what a user function returns);
// THROWN are what a user function may throw.

/** An app's own error class: `instanceof` must survive wherever the driver keeps it. */
export class HostileError extends Error {
  override name = 'HostileError';
}

/** A class with a private field and a public one: the driver serializes only what it can see. */
export class WithPrivate {
  #secret = 'private';
  a = 1;
  static holds(value: unknown): boolean {
    return typeof value === 'object' && value !== null && #secret in value;
  }
}

type Base = Record<string, unknown>;

const revoked = (target: object): object => {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
};

/** Object-shaped inputs: each wraps `base` (a document, a filter, options) its own hostile way. */
export const SHAPES = {
  'plain object (control)': (b: Base) => ({ ...b }),
  'frozen object': (b: Base) => Object.freeze({ ...b }),
  'sealed object': (b: Base) => Object.seal({ ...b }),
  'non-extensible object': (b: Base) => Object.preventExtensions({ ...b }),
  'throwing getter': (b: Base) =>
    Object.defineProperty({ ...b }, 'boom', {
      enumerable: true,
      get() {
        throw new HostileError('getter boom');
      },
    }),
  'Proxy (no traps)': (b: Base) => new Proxy({ ...b }, {}),
  'Proxy with a throwing get trap': (b: Base) =>
    new Proxy({ ...b }, {
      get() {
        throw new HostileError('get trap');
      },
    }),
  'Proxy with a throwing ownKeys trap': (b: Base) =>
    new Proxy({ ...b }, {
      ownKeys() {
        throw new HostileError('ownKeys trap');
      },
    }),
  'revoked Proxy': (b: Base) => revoked({ ...b }),
  'class instance with private fields': (b: Base) => Object.assign(new WithPrivate(), b),
  'Object.create(null)': (b: Base) => Object.assign(Object.create(null) as Base, b),
  Map: (b: Base) => new Map(Object.entries(b)),
  'key __proto__ (own, as JSON.parse makes it)': (b: Base) => ({ ...(JSON.parse('{"__proto__": {"polluted": true}}') as Base), ...b }),
  'key constructor': (b: Base) => ({ ...b, constructor: { polluted: true } }),
  'symbol key': (b: Base) => ({ ...b, [Symbol('key')]: 1 }),
  'key $where': (b: Base) => ({ ...b, $where: 'this.a == 1' }),
  'dotted key': (b: Base) => ({ ...b, 'a.b': 2 }),
  'key with a NUL': (b: Base) => ({ ...b, 'a\u0000b': 1 }),
} satisfies Record<string, (base: Base) => unknown>;

const nest = (levels: number): unknown => {
  let v: unknown = { x: 1 };
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
};

export const MiB16 = 16 * 1024 * 1024;

/** Values that go where any value may. */
export const VALUES = {
  BigInt: () => 42n,
  'BigInt beyond int64': () => 2n ** 70n,
  Symbol: () => Symbol('value'),
  Map: () => new Map([['k', 1]]),
  'Map with a number key': () => new Map([[1, 'one']]),
  Set: () => new Set([1, 2]),
  Uint8Array: () => new Uint8Array([1, 2, 3]),
  Float64Array: () => new Float64Array([1.5, 2.5]),
  ArrayBuffer: () => new Uint8Array([1, 2]).buffer,
  SharedArrayBuffer: () => new SharedArrayBuffer(4),
  'Uint8Array on a SharedArrayBuffer': () => new Uint8Array(new SharedArrayBuffer(4)),
  function: () =>
    function named(): number {
      return 1;
    },
  'frozen object': () => Object.freeze({ a: 1 }),
  'Proxy (no traps)': () => new Proxy({ a: 1 }, {}),
  'revoked Proxy': () => revoked({ a: 1 }),
  'class instance with private fields': () => new WithPrivate(),
  'Object.create(null)': () => Object.assign(Object.create(null) as Base, { a: 1 }),
  'cycle through an object': () => {
    const o: any = { a: 1 };
    o.self = { back: o };
    return o;
  },
  'cycle through an array': () => {
    const a: any[] = [1];
    a.push([a]);
    return a;
  },
  'cycle through a Map': () => {
    const m = new Map<string, unknown>();
    m.set('self', m);
    return m;
  },
  'nested 100 levels': () => nest(100),
  'nested 3,000 levels': () => nest(3_000),
  'nested 100,000 levels': () => nest(100_000),
  'string over 16 MiB': () => 'x'.repeat(MiB16 + 1),
  'string with a NUL': () => 'a\u0000b',
  undefined: () => undefined,
  null: () => null,
  'a Promise': () => Promise.resolve('resolved'),
} satisfies Record<string, () => unknown>;

/** What a user function may throw. */
export const THROWN = {
  "an app's Error subclass": () => new HostileError('app error'),
  'a string': () => 'a plain string',
  'a number': () => 42,
  undefined: () => undefined,
  'a frozen Error': () => Object.freeze(new HostileError('frozen error')),
  'an Error with a Proxy field': () => Object.assign(new HostileError('proxy field'), { detail: new Proxy({ a: 1 }, {}) }),
  'an Error that is its own cause': () => {
    const e = new HostileError('own cause');
    e.cause = e;
    return e;
  },
  'an Error with a BigInt field': () => Object.assign(new HostileError('bigint field'), { n: 1n }),
  'a Proxy around an Error': () => new Proxy(new HostileError('proxied'), {}),
  'a revoked Proxy': () => revoked({ a: 1 }),
} satisfies Record<string, () => unknown>;

export type ShapeName = keyof typeof SHAPES;
export type ValueName = keyof typeof VALUES;
export type ThrownName = keyof typeof THROWN;
