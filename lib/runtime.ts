// A runtime pairs a framework with an executor and owns the rotor classes built for that pair
// (Motor's create_class_with_framework, without generating classes: each is a thin constructor
// whose instances are Proxy handles).
import { driver } from './driver.js';
import type { DriverInfo } from 'mongodb';
import type { Executor } from './executor/types.js';
import type { Framework } from './framework/types.js';
import type { Interceptor } from './intercept/types.js';
import { serverOf } from './intercept/scope.js';
import { CLASS_NAMES, resolveClass, type ResolvedClass } from './registry/resolve.js';
import { driverClassOf } from './registry/driver-classes.js';
import { handleFor, stateOf, wrapValue } from './proxy/factory.js';
import { definePrototypeMembers } from './proxy/prototype.js';
import { markRotorPrototype } from './proxy/subclass.js';
import { unwrapArgs, unwrapConstructorArgs } from './proxy/unwrap.js';

export const ROTOR_VERSION = '0.1.0';

export type { RotorClass, Runtime } from './runtime-types.js';
import type { RotorClass, Runtime } from './runtime-types.js';

const driverExports = driver as unknown as Record<string, unknown>;

export function createRuntime(framework: Framework, executor: Executor, options: { strict?: boolean; interceptors?: readonly Interceptor[] } = {}): Runtime {
  const classes: Record<string, RotorClass> = {};
  // Identity: the handle rides on the driver object under a key private to this runtime (cheaper
  // than a WeakMap entry per handle); objects that refuse new properties use a WeakMap.
  const key = Symbol(`rotor.${framework.name}.${executor.name}`);
  const sealed = new WeakMap<object, object>();
  const runtime: Runtime = {
    framework,
    executor,
    strict: options.strict ?? false,
    interceptors: options.interceptors,
    handleOf: (ref) => (ref as Record<symbol, object | undefined>)[key] ?? sealed.get(ref),
    rememberHandle(ref, handle) {
      if (Object.isExtensible(ref)) Object.defineProperty(ref, key, { value: handle, configurable: true });
      else sealed.set(ref, handle);
    },
    classes,
    classOf: (value) => executor.classOf?.(value) ?? driverClassOf(value),
    resolved: resolveClass,
  };
  for (const name of CLASS_NAMES) classes[name] = makeClass(runtime, resolveClass(name));
  return runtime;
}

function makeClass(runtime: Runtime, cls: ResolvedClass): RotorClass {
  const driverClass = driverExports[cls.name] as (new (...args: any[]) => object) | undefined;
  const { executor, framework } = runtime;
  const RotorClass = function (this: unknown, ...args: unknown[]): object {
    if (!new.target) throw new TypeError(`Class constructor ${cls.name} cannot be invoked without 'new'`);
    if (!driverClass) throw new TypeError(`${cls.name} cannot be constructed: the installed mongodb does not export it`);
    // `class MyClient extends MongoClient`: the handle answers the subclass's own members first.
    const sub = new.target === (RotorClass as unknown) ? undefined : { proto: (new.target as { prototype: object }).prototype };
    if (cls.name !== 'MongoClient') return handleFor(runtime, cls, executor.construct(cls.name, driverClass, unwrapConstructorArgs(args)), sub);
    const own = (args[1] as { rotor?: Record<string, unknown> } | undefined)?.rotor;
    if (own && typeof own === 'object' && runtime.select) {
      // `new MongoClient(uri, { rotor: { executor: 'pool' } })`: this client gets its own pairing.
      const { rotor: _rotor, ...driverOptions } = args[1] as Record<string, unknown>;
      const Other = runtime.select(own).classes.MongoClient!;
      return Reflect.construct(Other, [args[0], driverOptions, ...args.slice(2)], sub ? new.target : Other) as object;
    }
    const ref = executor.construct(cls.name, driverClass, clientArgs(runtime, args));
    if (canAppendMetadata) executor.call(ref, 'appendMetadata', [driverInfo(runtime)]);
    const handle = handleFor(runtime, cls, ref, sub);
    if (runtime.interceptors) stateOf(handle)!.server = serverOf(args[0]);
    return handle;
  } as unknown as RotorClass;
  Object.defineProperty(RotorClass, 'name', { value: cls.name });
  Object.defineProperty(RotorClass, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      // Subclasses inherit this static: for them, the ordinary prototype-chain check (getPrototypeOf answers the subclass's prototype).
      if (this !== RotorClass) return typeof this === 'function' && Function.prototype[Symbol.hasInstance].call(this, value);
      return stateOf(value)?.cls.isA.has(cls.name) ?? false;
    },
  });
  // The driver's members on the prototype; inline, its parent is the driver's prototype, so a
  // subclass's handles are `instanceof` the driver class too.
  definePrototypeMembers(RotorClass.prototype, cls);
  markRotorPrototype(RotorClass.prototype);
  if (executor.inProcess && driverClass) Object.setPrototypeOf(RotorClass.prototype, driverClass.prototype);
  for (const [member, attr] of cls.statics) {
    if (attr.async) {
      const wrap = attr.wrap;
      Object.defineProperty(RotorClass, member, {
        enumerable: true,
        value(this: unknown, ...args: unknown[]) {
          const callback = framework.takeCallback(args, 0);
          let op: PromiseLike<unknown>;
          if (member === 'connect' && cls.name === 'MongoClient') {
            // Through our own constructor (or the subclass's it was called on, as the driver's `new this()`),
            // so the client carries rotor's handshake metadata.
            const Ctor = typeof this === 'function' && Object.prototype.isPrototypeOf.call(RotorClass.prototype, this.prototype as object) ? (this as RotorClass) : RotorClass;
            const client = new Ctor(...args) as { connect(): unknown };
            if (framework.blocking) return (client.connect(), client); // connect() already waited (or threw)
            op = Promise.resolve(client.connect()).then(() => client);
          } else {
            op = executor.invoke(driverClass ?? {}, member, unwrapArgs(args)).then((v) => wrapValue(runtime, v, wrap));
          }
          return (framework.wrapStatic ?? framework.chainFuture)(op, callback);
        },
      });
    } else {
      Object.defineProperty(RotorClass, member, { enumerable: true, get: () => driverClass?.[member as keyof typeof driverClass] });
    }
  }
  return RotorClass;
}

/**
 * MongoClient arguments: handles unwrapped as for any constructor (autoEncryption.keyVaultClient),
 * and rotor named in the handshake's driverInfo (platform_info) unless the user set their own.
 */
function clientArgs(runtime: Runtime, args: unknown[]): unknown[] {
  const [uri, options = {}, ...rest] = unwrapConstructorArgs(args);
  if (typeof options !== 'object' || options === null) return [uri, options, ...rest];
  const opts = { ...(options as Record<string, unknown>) };
  if (!canAppendMetadata) opts.driverInfo ??= driverInfo(runtime);
  return [uri, opts, ...rest];
}

const canAppendMetadata = typeof (driver.MongoClient.prototype as { appendMetadata?: unknown }).appendMetadata === 'function';

function driverInfo(runtime: Runtime): DriverInfo {
  return { name: 'rotor', version: ROTOR_VERSION, platform: `${runtime.framework.platformInfo()} ${runtime.executor.name}` };
}
