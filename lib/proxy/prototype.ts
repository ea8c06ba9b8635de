// The members of a rotor class's `prototype`, derived from the registry: methods and property
// getters that dispatch through the handle they are called on. Reflection on the class then sees
// the driver's members (`Object.getOwnPropertyNames(Collection.prototype)`), methods copied onto
// another object work, and `super.find()` in a subclass reaches the registry member.
import type { ResolvedClass } from '../registry/resolve.js';
import { memberOf } from './factory.js';
import { stateOf, type HandleState } from './state.js';

function handleState(thisArg: unknown, cls: ResolvedClass, key: PropertyKey): HandleState {
  const state = stateOf(thisArg);
  if (state && state.cls.isA.has(cls.name)) return state;
  throw new TypeError(`${cls.name}.prototype.${String(key)} called on something that is not a ${cls.name} handle`);
}

export function definePrototypeMembers(proto: object, cls: ResolvedClass): void {
  for (const [key, attr] of cls.attributes) {
    if (attr.kind === 'property') {
      Object.defineProperty(proto, key, {
        configurable: true,
        enumerable: false,
        get(this: unknown) {
          return memberOf(handleState(this, cls, key), key);
        },
        ...(attr.writable
          ? {
              set(this: unknown, value: unknown) {
                (handleState(this, cls, key).proxy as Record<PropertyKey, unknown>)[key] = value;
              },
            }
          : {}),
      });
      continue;
    }
    // A named method (`[name]() {}` gives it the member's name, as the driver's own would have).
    const holder = {
      [key as string](this: unknown, ...args: unknown[]): unknown {
        return (memberOf(handleState(this, cls, key), key) as (...a: unknown[]) => unknown)(...args);
      },
    };
    Object.defineProperty(proto, key, { configurable: true, enumerable: false, writable: true, value: Reflect.get(holder, key) });
  }
}
