// Flattens a class table with its `extends` chain into lookup maps the Proxy factory reads.
import { CLASSES } from './classes.js';
import { loadedDriverMajor } from './driver-major.js';
import { OPTIONS_AT, OPTIONS_AT_MAJORS } from './generated/options-at.js';
import { SYMBOL_ATTRIBUTES, type AgnosticClass, type Attribute, type BufferRole, type ClassName, type DriverMajor, type Static } from './kinds.js';

export interface ResolvedClass {
  readonly name: ClassName;
  readonly exported: boolean;
  /** Every exposed member, own and inherited, keyed by name or well-known symbol. */
  readonly attributes: ReadonlyMap<PropertyKey, Attribute>;
  /** String member names, sorted: Object.keys, `in`, REPL completion, "did you mean". */
  readonly names: string[];
  /** This class and its ancestors, for `instanceof`. */
  readonly isA: ReadonlySet<ClassName>;
  readonly statics: ReadonlyMap<string, Static>;
  readonly passThrough: boolean;
  readonly stateful: boolean;
  readonly spannable: boolean;
  readonly client: boolean;
  readonly relay: AgnosticClass['relay'];
  readonly shadowValidatesOnly: boolean;
  readonly endedBy: ReadonlySet<string>;
  readonly awaitedEvents: ReadonlySet<string>;
  readonly crosses: 'handle' | 'fields';
  /** The member playing each BufferRole (a cursor's: its documents an executor may buffer); empty for other classes. */
  readonly buffers: ReadonlyMap<BufferRole, string>;
  readonly readAhead: boolean;
  /** The member naming the object's database and collection (a NamespaceProperty), if the class has one. */
  readonly namespaceMember: string | undefined;
  readonly keepsSignal: boolean;
  readonly label: AgnosticClass['label'];
  /** Driver members deliberately not exposed, own and inherited, with the reason (for error messages). */
  readonly notWrapped: ReadonlyMap<string, string>;
  /** Accessors built by the Proxy factory on first access to each member. */
  readonly accessors: Map<PropertyKey, unknown>;
}

const cache = new Map<ClassName, ResolvedClass>();

function keyOf(name: string): PropertyKey {
  return SYMBOL_ATTRIBUTES[name] ?? name;
}

export function resolveClass(name: ClassName): ResolvedClass {
  const hit = cache.get(name);
  if (hit) return hit;
  const table = CLASSES[name];
  if (!table) throw new TypeError(`rotor has no agnostic class '${name}'`);
  const parent = table.extends ? resolveClass(table.extends) : undefined;
  const attributes = new Map<PropertyKey, Attribute>(parent?.attributes);
  for (const [member, attr] of Object.entries(table.attributes)) attributes.set(keyOf(member), withOptionsAt(name, member, attr));
  const statics = new Map<string, Static>(parent?.statics);
  for (const [member, attr] of Object.entries(table.statics ?? {})) statics.set(member, attr);
  const resolved: ResolvedClass = {
    name,
    exported: table.exported,
    attributes,
    names: [...attributes.keys()].filter((k): k is string => typeof k === 'string').sort(),
    isA: new Set<ClassName>([name, ...(parent?.isA ?? [])]),
    statics,
    passThrough: table.passThrough ?? parent?.passThrough ?? false,
    stateful: table.stateful ?? parent?.stateful ?? false,
    spannable: table.spannable ?? false,
    client: table.client ?? false,
    relay: table.relay ?? parent?.relay,
    shadowValidatesOnly: table.shadowValidatesOnly ?? false,
    endedBy: new Set([...(parent?.endedBy ?? []), ...(table.endedBy ?? [])]),
    awaitedEvents: new Set([...(parent?.awaitedEvents ?? []), ...(table.awaitedEvents ?? [])]),
    crosses: table.crosses ?? parent?.crosses ?? 'handle',
    buffers: new Map([...attributes].flatMap(([key, attr]) => ('buffer' in attr && attr.buffer !== undefined && typeof key === 'string' ? [[attr.buffer, key] as const] : []))),
    readAhead: table.readAhead ?? parent?.readAhead ?? false,
    namespaceMember: [...attributes].find(([key, attr]) => typeof key === 'string' && attr.kind === 'property' && attr.namespace)?.[0] as string | undefined,
    keepsSignal: table.keepsSignal ?? parent?.keepsSignal ?? false,
    label: table.label ?? parent?.label,
    notWrapped: new Map([...(parent?.notWrapped ?? []), ...Object.entries(table.notWrapped ?? {})]),
    accessors: new Map(),
  };
  cache.set(name, resolved);
  return resolved;
}

/** `attr` with its `optionsAt` from the generated table (the driver's declarations), when it takes options. */
function withOptionsAt(cls: ClassName, member: string, attr: Attribute): Attribute {
  const entry = OPTIONS_AT[cls]?.[member];
  if (entry === undefined || attr.kind === 'property' || attr.kind === 'async-iterator') return attr;
  // Positions that differ between majors: the loaded driver's (else the newest major's).
  const at = typeof entry === 'number' ? entry : entry[(loadedDriverMajor() ?? OPTIONS_AT_MAJORS[0]) as DriverMajor];
  return at === undefined ? attr : { ...attr, optionsAt: at };
}

export const CLASS_NAMES = Object.keys(CLASSES) as ClassName[];

/**
 * Driver class names whose objects cross a thread boundary only as handles (the pool codec refuses
 * them as values): every registered class but those marked `crosses: 'fields'`, and the live
 * internals the entries list.
 */
export function handleOnlyClasses(): ReadonlySet<string> {
  return (handleOnly ??= new Set(CLASS_NAMES.flatMap((name) => [...(resolveClass(name).crosses === 'handle' ? [name] : []), ...(CLASSES[name].internals ?? [])])));
}
let handleOnly: ReadonlySet<string> | undefined;

const optionKeys = CLASS_NAMES.flatMap((name) => CLASSES[name].optionKeys ?? []);

/** Option keys whose values are handles, from the entries' `optionKeys`: `session`, `keyVaultClient`. */
export const HANDLE_OPTION_KEYS: readonly string[] = optionKeys.filter((key) => !key.includes('.'));

/** The entries' dotted `optionKeys`, as paths into constructor options: `['autoEncryption', 'keyVaultClient']`. */
export const HANDLE_OPTION_PATHS: ReadonlyArray<readonly string[]> = optionKeys.filter((key) => key.includes('.')).map((key) => key.split('.'));
