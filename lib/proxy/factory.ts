// The one Proxy factory: every handle (client, db, collection, cursor, session, bucket, stream) is a
// Proxy over a small state object. The get trap looks the member up in the class's registry table
// once, caches an accessor for it, and from then on only calls that accessor. Members outside the
// registry answer like the driver object (undefined when absent), or throw in a strict runtime.
import { inspect } from 'node:util';
import type { Attribute, ClassName } from '../registry/kinds.js';
import type { ResolvedClass } from '../registry/resolve.js';
import type { Ref } from '../executor/types.js';
import type { Runtime } from '../runtime-types.js';
import { nearestName } from './nearest.js';
import { STATE, stateOf, type HandleState } from './state.js';
import { subclassOwner, type Subclass } from './subclass.js';
import { unwrapArgs } from './unwrap.js';
import { wrapUserFunction } from '../special/user-callbacks.js';
import { interceptSteps, interceptedMethod, isIntercepted } from '../intercept/method.js';

export { stateOf, type HandleState } from './state.js';

type Accessor = (state: HandleState) => unknown;

/** The handle for a driver object (the same one every time: identity is kept per runtime). */
export function handleFor(runtime: Runtime, cls: ResolvedClass, ref: Ref, sub?: Subclass): object {
  const existing = runtime.handleOf(ref);
  if (existing) return existing;
  const state = new HandleTarget(cls, ref, runtime);
  if (sub) state.sub = sub;
  const proxy = new Proxy(state, cls.passThrough ? streamTraps : sub ? subclassTraps : traps);
  state.proxy = proxy;
  runtime.rememberHandle(ref, proxy);
  return proxy;
}

/** Wraps a driver object of a registered class as a handle; anything else is returned as is. */
export function wrapValue(runtime: Runtime, value: unknown, declared?: ClassName): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (declared && Array.isArray(value)) return value.map((v) => wrapValue(runtime, v, declared));
  if (stateOf(value)) return value;
  const cls = runtime.classOf(value) ?? (declared ? runtime.resolved(declared) : undefined);
  return cls ? handleFor(runtime, cls, value) : value;
}

// ---------------------------------------------------------------------------------------------
// Accessors: one per (class, member), built on first access from the registry entry.

/** The accessor of a registry or universal member; undefined for anything else (not cached: typos must not grow the table). */
export function accessorFor(cls: ResolvedClass, key: PropertyKey): Accessor | undefined {
  let accessor = cls.accessors.get(key) as Accessor | undefined;
  if (accessor) return accessor;
  const attr = cls.attributes.get(key);
  accessor = attr ? attributeAccessor(key as string | symbol, attr) : universalAccessor(cls, key);
  if (accessor) cls.accessors.set(key, accessor);
  return accessor;
}

/** A registry member of a handle's own class, as the handle itself would answer it. */
export function memberOf(state: HandleState, key: PropertyKey): unknown {
  return state.methods?.get(key) ?? accessorFor(state.cls, key)!(state);
}

/**
 * A member neither the registry nor every handle has. Default: the driver object's answer (so
 * duck typing and driver internals read as bare). Strict: today's TypeError, with "did you mean".
 */
function outsideRegistry(state: HandleState, key: PropertyKey): unknown {
  if (state.runtime.strict) {
    if (typeof key === 'symbol') return undefined;
    return state.runtime.shell?.(state.proxy, String(key)) ?? unknownAttribute(state.cls, String(key));
  }
  return state.runtime.executor.expose(state.ref, key as string | symbol, (v) => wrapValue(state.runtime, v), () => (state.probed ??= new Map()));
}

function attributeAccessor(name: string | symbol, attr: Attribute): Accessor {
  if (attr.kind === 'property') {
    const wrap = attr.wrap;
    return wrap
      ? (s) => wrapValue(s.runtime, s.runtime.executor.read(s.ref, name), wrap)
      : (s) => s.runtime.executor.read(s.ref, name);
  }
  return (s) => bindMethod(s, name, attr); // cached per handle; the get trap finds it there next time
}

function bindMethod(state: HandleState, name: string | symbol, attr: Attribute): unknown {
  const method = makeMethod(state, name, attr);
  (state.methods ??= new Map()).set(name, method);
  return method;
}

function makeMethod(state: HandleState, name: string | symbol, attr: Attribute): (...args: unknown[]) => unknown {
  const { runtime, ref } = state;
  const { framework, executor } = runtime;
  // Interceptors: decided once per handle and member, so a runtime without them runs the plain methods below.
  if (runtime.interceptors && isIntercepted(attr)) return interceptedMethod(state, name, attr, (v, declared) => wrapValue(runtime, v, declared));
  switch (attr.kind) {
    case 'async': {
      const wrap = attr.wrap;
      if (wrap) {
        return (...args) => {
          const callback = framework.takeCallback(args, 0);
          const op = executor.invoke(ref, name, unwrapArgs(args)).then((v) => wrapValue(runtime, v, wrap));
          return framework.chainFuture(op, callback);
        };
      }
      return (...args) => {
        const callback = framework.takeCallback(args, 0);
        return framework.chainFuture(executor.invoke(ref, name, unwrapArgs(args)), callback);
      };
    }
    case 'delegate': {
      const wrap = attr.wrap;
      return wrap
        ? (...args) => wrapValue(runtime, executor.call(ref, name, unwrapArgs(args)), wrap)
        : (...args) => executor.call(ref, name, unwrapArgs(args));
    }
    case 'factory': {
      const wrap = attr.wrap;
      return (...args) => wrapValue(runtime, executor.factory(ref, name, unwrapArgs(args), wrap), wrap);
    }
    case 'chain':
      return (...args) => {
        executor.chain(ref, name, unwrapArgs(args));
        return state.proxy;
      };
    case 'event':
      return attr.returnsHandle
        ? (...args) => {
            executor.listen(ref, name, args);
            return state.proxy;
          }
        : (...args) => executor.listen(ref, name, args);
    case 'user-callback': {
      const wrap = attr.wrap;
      return (...args) => {
        const callback = framework.takeCallback(args, 1);
        wrapUserFunction(args, (v) => wrapValue(runtime, v));
        let op = executor.invoke(ref, name, unwrapArgs(args));
        if (wrap) op = op.then((v) => wrapValue(runtime, v, wrap));
        return framework.chainFuture(op, callback);
      };
    }
    case 'async-iterator':
      return () => executor.iterate(ref, name);
    case 'property': // an accessor (attributeAccessor), never a method
    default:
      throw new TypeError(`unknown attribute kind in the registry: ${JSON.stringify(attr)}`);
  }
}

// Members every handle answers, whatever its class.
const inspectLabel = (s: HandleState): string => {
  let label = '';
  try {
    const executor = s.runtime.executor;
    label = executor.label ? executor.label(s.ref) : s.cls.label ? s.cls.label(s.ref) : '';
  } catch {
    /* a label must never throw */
  }
  return label ? `${s.cls.name} <${label}>` : s.cls.name;
};
/**
 * The Proxy's target. util.inspect formats a Proxy's target without running traps, so the target
 * carries the label; and console.dir (customInspect: false), showProxy or showHidden print the
 * target's own properties at any depth: the driver object, the client's options and credentials
 * behind it are private fields, which no inspect option reveals.
 */
class HandleTarget implements HandleState {
  readonly #cls: ResolvedClass;
  readonly #ref: Ref;
  readonly #runtime: Runtime;
  #proxy: object | undefined;
  #probed: HandleState['probed'];
  #sub: Subclass | undefined;
  methods: Map<PropertyKey, unknown> | undefined = undefined;

  constructor(cls: ResolvedClass, ref: Ref, runtime: Runtime) {
    this.#cls = cls;
    this.#ref = ref;
    this.#runtime = runtime;
  }
  get cls(): ResolvedClass {
    return this.#cls;
  }
  get ref(): Ref {
    return this.#ref;
  }
  get runtime(): Runtime {
    return this.#runtime;
  }
  get proxy(): object {
    return this.#proxy!;
  }
  set proxy(value: object) {
    this.#proxy = value;
  }
  get probed(): HandleState['probed'] {
    return this.#probed;
  }
  set probed(value: HandleState['probed']) {
    this.#probed = value;
  }
  get sub(): Subclass | undefined {
    return this.#sub;
  }
  set sub(value: Subclass | undefined) {
    this.#sub = value;
  }

  [inspect.custom](this: object): string {
    // Node calls this with the Proxy itself as `this`.
    return inspectLabel(stateOf(this) ?? (this as HandleState));
  }
}
/** Never the driver object's: a handle is never a thenable, nor a test-framework or React value. */
const PROTOCOL_PROBES = new Set<PropertyKey>(['then', 'asymmetricMatch', '$$typeof', 'nodeType']);

function universalAccessor(cls: ResolvedClass, key: PropertyKey): Accessor | undefined {
  if (key === 'constructor') return (s) => s.runtime.classes[s.cls.name];
  if (key === Symbol.toStringTag) return () => cls.name;
  if (key === 'toString') return (s) => () => inspectLabel(s);
  if (key === 'valueOf') return (s) => () => s.proxy;
  if (key === inspect.custom) return (s) => () => inspectLabel(s);
  // for...of over a cursor: only where the executor can block (the sync framework's), else absent.
  if (key === Symbol.iterator && cls.attributes.has(Symbol.asyncIterator)) return (s) => s.runtime.executor.iterateSync && (() => iterateSync(s));
  // JSON shows the inspect label: the driver's objects throw (cycles), and a client's options hold credentials.
  if (key === 'toJSON') return (s) => () => inspectLabel(s);
  // In a document, a handle is what the driver object would be to the BSON serializer (which then
  // refuses it, as bare); a class that lists toBSON itself (ClientSession) keeps its own.
  if (key === 'toBSON') return (s) => (s.runtime.executor.bsonValue ? () => s.runtime.executor.bsonValue!(s.ref) : undefined);
  if (PROTOCOL_PROBES.has(key)) return () => undefined;
  return undefined;
}

function iterateSync(state: HandleState): Iterator<unknown> {
  const iterator = state.runtime.executor.iterateSync!(state.ref);
  return state.runtime.interceptors ? interceptSteps(state, iterator, true) : iterator;
}

const UNIVERSAL = new Set<PropertyKey>(['constructor', 'toString', 'valueOf', 'toJSON', Symbol.toStringTag, inspect.custom]);

function unknownAttribute(cls: ResolvedClass, name: string): never {
  const reason = cls.notWrapped.get(name);
  if (reason) throw new TypeError(`${cls.name}.${name} is not exposed by rotor: ${reason}`);
  const near = nearestName(name, cls.names);
  throw new TypeError(`${cls.name} has no attribute '${name}'${near ? `; did you mean '${near}'?` : ''}`);
}

// ---------------------------------------------------------------------------------------------
// Traps.

/** Whether assignments, definitions and deletions of `key` go to the driver object (non-strict, outside the registry). */
const assignable = (state: HandleState, key: PropertyKey): boolean =>
  !state.runtime.strict && !state.cls.attributes.has(key) && !UNIVERSAL.has(key) && !PROTOCOL_PROBES.has(key) && key !== STATE;

const traps: ProxyHandler<HandleState> = {
  get(state, key) {
    // Hot path: a method this handle already handed out is returned straight from its cache.
    const method = state.methods?.get(key);
    if (method !== undefined) return method;
    if (key === STATE) return state;
    const accessor = accessorFor(state.cls, key);
    return accessor ? accessor(state) : outsideRegistry(state, key);
  },
  set(state, key, value) {
    const attr = state.cls.attributes.get(key);
    if (attr?.kind === 'property' && attr.writable) {
      state.runtime.executor.write(state.ref, key, value);
      return true;
    }
    if (assignable(state, key)) {
      state.runtime.executor.assign(state.ref, key, value);
      return true;
    }
    throw new TypeError(
      attr ? `${state.cls.name}.${String(key)} is read-only` : `${state.cls.name} has no attribute '${String(key)}' to assign`,
    );
  },
  has: (state, key) =>
    state.cls.attributes.has(key) || UNIVERSAL.has(key) || (!PROTOCOL_PROBES.has(key) && !state.runtime.strict && state.runtime.executor.probe(state.ref, key) !== undefined),
  ownKeys: (state) => state.cls.names,
  getOwnPropertyDescriptor(state, key) {
    if (!state.cls.attributes.has(key)) return undefined;
    return { configurable: true, enumerable: true, writable: false, value: memberOf(state, key) };
  },
  getPrototypeOf: (state) => {
    const driver = state.runtime.executor.prototypeOf(state.ref);
    return driver !== undefined ? driver : (state.runtime.classes[state.cls.name]?.prototype ?? null);
  },
  defineProperty(state, key, descriptor) {
    // A subclass's class fields define properties on the handle: plain data properties are assigned.
    if (assignable(state, key) && 'value' in descriptor && descriptor.configurable === true) {
      state.runtime.executor.assign(state.ref, key, descriptor.value);
      return true;
    }
    throw new TypeError(`cannot define '${String(key)}' on a ${state.cls.name} handle`);
  },
  deleteProperty(state, key) {
    if (assignable(state, key)) {
      // Reads back undefined, as after a delete (the executor interface has no removal).
      state.runtime.executor.assign(state.ref, key, undefined);
      return true;
    }
    throw new TypeError(`cannot delete '${String(key)}' from a ${state.cls.name} handle`);
  },
  setPrototypeOf: () => false,
  preventExtensions: () => false,
};

/**
 * Handles made by a subclass's constructor: the subclass's own members come first (JavaScript's
 * lookup order: the subclass's prototype before the base class's), and getPrototypeOf answers the
 * subclass's prototype, so `instanceof MyClient` holds (and, inline, `instanceof mongodb.MongoClient`
 * through the rotor prototype's parent).
 */
const subclassTraps: ProxyHandler<HandleState> = {
  ...traps,
  get(state, key) {
    const owner = key === STATE ? undefined : subclassOwner(state.sub!, key);
    if (!owner) return traps.get!(state, key, state.proxy);
    const descriptor = Object.getOwnPropertyDescriptor(owner, key)!;
    // A value assigned on the instance shadows a data property of the subclass's prototype.
    if ('value' in descriptor && typeof descriptor.value !== 'function' && !state.runtime.strict) {
      const own = state.runtime.executor.probe(state.ref, key);
      if (own !== undefined) return own;
    }
    return Reflect.get(owner, key, state.proxy);
  },
  set(state, key, value) {
    const owner = subclassOwner(state.sub!, key);
    // eslint-disable-next-line @typescript-eslint/unbound-method -- a subclass's setter, called below with the proxy as `this`
    const setter = owner && Object.getOwnPropertyDescriptor(owner, key)!.set;
    if (setter) {
      setter.call(state.proxy, value);
      return true;
    }
    return traps.set!(state, key, value, state.proxy);
  },
  has: (state, key) => subclassOwner(state.sub!, key) !== undefined || traps.has!(state, key),
  getPrototypeOf: (state) => state.sub!.proto,
};

/**
 * Node streams: registry members go through accessors; anything else passes through to the
 * stream, because Node's stream utilities (pipeline, finished) duck-type stream internals.
 */
const streamTraps: ProxyHandler<HandleState> = {
  ...traps,
  get(state, key) {
    if (key === STATE) return state;
    if (state.cls.attributes.has(key) || UNIVERSAL.has(key)) return accessorFor(state.cls, key)!(state);
    const value = Reflect.get(state.ref, key) as unknown;
    if (typeof value !== 'function') return value;
    const cached = state.methods?.get(key);
    if (cached) return cached;
    const bound = (value as (...a: unknown[]) => unknown).bind(state.ref);
    (state.methods ??= new Map()).set(key, bound);
    return bound;
  },
  set(state, key, value) {
    return Reflect.set(state.ref, key, value);
  },
  has: (state, key) => state.cls.attributes.has(key) || Reflect.has(state.ref, key),
  getOwnPropertyDescriptor(state, key) {
    if (state.cls.attributes.has(key)) return traps.getOwnPropertyDescriptor!(state, key);
    const d = Reflect.getOwnPropertyDescriptor(state.ref, key);
    return d ? { ...d, configurable: true } : undefined;
  },
};
