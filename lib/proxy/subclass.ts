// Subclasses of rotor classes (`class MyClient extends MongoClient { hello() {} }`). The base
// constructor still returns the Proxy handle; its traps look members up on the subclass's own
// prototypes first (the chain below the first rotor prototype), so overrides win over the
// registry and `super.find()` reaches the registry member through the rotor prototype.

export interface Subclass {
  /** `new.target.prototype`: what getPrototypeOf answers, so `instanceof MyClient` holds. */
  readonly proto: object;
}

/** Prototypes of rotor classes: where a subclass's own chain ends. */
const rotorPrototypes = new WeakSet<object>();

export function markRotorPrototype(proto: object): void {
  rotorPrototypes.add(proto);
}

/** The subclass prototype that owns `key` (looked up live, so members added later are seen), if any. */
export function subclassOwner(sub: Subclass, key: PropertyKey): object | undefined {
  for (let p: object | null = sub.proto; p && !rotorPrototypes.has(p); p = Object.getPrototypeOf(p) as object | null) {
    if (Object.prototype.hasOwnProperty.call(p, key)) return p;
  }
  return undefined;
}
