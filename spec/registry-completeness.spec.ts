// Every member of every wrapped driver class is either in its table (lib/registry/classes.ts) or
// deliberately not wrapped, with a reason: checked against whichever driver major `import 'mongodb'`
// resolves to in this run (7 normally, 6 under the loader hook). Needs no server.
import * as assert from 'uvu/assert';
import * as mongodb from 'mongodb';
import { inspect } from 'node:util';
import { CLASSES } from '../lib/registry/classes.js';
import { resolveClass } from '../lib/registry/resolve.js';
import { SYMBOL_ATTRIBUTES, type AgnosticClass, type Attribute, type ClassName, type Static } from '../lib/registry/kinds.js';
import { driverMajor, suite } from './support/env.js';

const test = suite('registry completeness');
const major = driverMajor();

/** Symbols found on the prototypes that belong to Node, not to any API a handle should expose. */
const IGNORED_SYMBOLS: ReadonlyArray<{ readonly matches: (s: symbol) => boolean; readonly reason: string }> = [
  {
    // Symbol(kCapture): a private (unregistered) symbol on EventEmitter.prototype.
    matches: (s) => s.description === 'kCapture' && Symbol.keyFor(s) === undefined,
    reason: "Node-internal: EventEmitter's captureRejections flag",
  },
  {
    // Symbol(nodejs.rejection) === EventEmitter.captureRejectionSymbol, defined on stream prototypes.
    matches: (s) => s === Symbol.for('nodejs.rejection'),
    reason: "Node-internal: the captureRejections hook Node's streams implement",
  },
];

const STATIC_BUILTINS = new Set<PropertyKey>(['length', 'name', 'prototype']);

// Never connected: every object below is created without I/O.
const client = new mongodb.MongoClient('mongodb://127.0.0.1:1/');
const db = client.db('x');
const coll = db.collection('y');

type Ctor = abstract new (...args: never[]) => unknown;

/** The driver classes of this run, found on instances for the ones the driver does not export. */
function driverClasses(): Record<ClassName, Ctor> {
  const ns = mongodb as unknown as Record<string, Ctor>;
  // initializeOrderedBulkOp() needs a connected topology (MongoNotConnectedError otherwise), so
  // FindOperators comes from BulkOperationBase.prototype.find on a bare `{ s }`: it only records
  // the selector and returns `new FindOperators(this)`.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with its own `this` through Reflect.apply
  const findOperators = Reflect.apply(mongodb.OrderedBulkOperation.prototype.find, { s: {} }, [{}]) as object;
  const fromInstances: Partial<Record<ClassName, Ctor>> = {
    ListSearchIndexesCursor: coll.listSearchIndexes().constructor as Ctor,
    RunCommandCursor: db.runCursorCommand({ ping: 1 }).constructor as Ctor,
    BulkOperationBase: Object.getPrototypeOf(mongodb.OrderedBulkOperation) as Ctor,
    FindOperators: findOperators.constructor as Ctor,
  };
  const out = {} as Record<ClassName, Ctor>;
  for (const name of Object.keys(CLASSES) as ClassName[]) {
    const C = CLASSES[name].exported ? ns[name] : fromInstances[name];
    if (typeof C !== 'function') throw new Error(`mongodb ${major}: no class found for ${name}`);
    out[name] = C;
  }
  return out;
}
const DRIVER = driverClasses();

/** The table and the tables it extends, nearest first. */
function tableChain(name: ClassName): AgnosticClass[] {
  const chain: AgnosticClass[] = [];
  for (let t: AgnosticClass | undefined = CLASSES[name]; t; t = t.extends ? CLASSES[t.extends] : undefined) {
    if (chain.includes(t)) throw new Error(`${name}: cycle in extends`);
    chain.push(t);
  }
  return chain;
}

function merged(name: ClassName) {
  const attributes = new Set<string>();
  const statics = new Set<string>();
  const notWrapped = new Set<string>();
  for (const t of tableChain(name)) {
    for (const k of Object.keys(t.attributes)) attributes.add(k);
    for (const k of Object.keys(t.statics ?? {})) statics.add(k);
    for (const k of Object.keys(t.notWrapped ?? {})) notWrapped.add(k);
  }
  return { attributes, statics, notWrapped };
}

/** A table key for a prototype key: symbols by their SYMBOL_ATTRIBUTES name; null for ignored Node symbols. */
function keyName(key: string | symbol): string | null {
  if (typeof key === 'string') return key;
  for (const [name, sym] of Object.entries(SYMBOL_ATTRIBUTES)) if (sym === key) return name;
  if (IGNORED_SYMBOLS.some((i) => i.matches(key))) return null;
  return key.toString();
}

/** Own string and symbol keys of every prototype up to (not including) Object.prototype. */
function prototypeMembers(C: Ctor): Set<string> {
  const names = new Set<string>();
  for (let p: object | null = C.prototype as object; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const key of Reflect.ownKeys(p)) {
      if (key === 'constructor') continue;
      const name = keyName(key);
      if (name !== null) names.add(name);
    }
  }
  return names;
}

function staticMembers(C: Ctor): Set<string> {
  const names = new Set<string>();
  for (const key of Reflect.ownKeys(C)) {
    if (STATIC_BUILTINS.has(key)) continue;
    const name = keyName(key);
    if (name !== null) names.add(name);
  }
  return names;
}

function wrapsOf(a: Attribute | Static): ClassName | undefined {
  return 'wrap' in a ? a.wrap : undefined;
}

test.after(async () => {
  await client.close();
});

/** Every symbol key on the prototype chains of the driver classes of this run. */
function prototypeSymbols(): Set<symbol> {
  const symbols = new Set<symbol>();
  for (const C of Object.values(DRIVER)) {
    for (let p: object | null = C.prototype as object; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      for (const key of Reflect.ownKeys(p)) if (typeof key === 'symbol') symbols.add(key);
    }
  }
  return symbols;
}

test(`each ignored Node symbol has a reason and is on a wrapped class's prototype chain (no stale entry)`, () => {
  const symbols = [...prototypeSymbols()];
  const bad: string[] = [];
  for (const [i, ignored] of IGNORED_SYMBOLS.entries()) {
    if (ignored.reason.trim() === '') bad.push(`IGNORED_SYMBOLS[${i}]: no reason`);
    if (!symbols.some((s) => ignored.matches(s))) bad.push(`IGNORED_SYMBOLS[${i}] (${ignored.reason}): on no prototype of mongodb ${major}'s classes`);
  }
  assert.equal(bad, [], bad.join('; '));
});

for (const name of Object.keys(CLASSES) as ClassName[]) {
  const table = CLASSES[name];

  test(`${name}: every member of mongodb ${major}'s ${name} is classified`, () => {
    const C = DRIVER[name];
    assert.is(C.name, name, `the driver class found for ${name} is ${C.name}`);
    const known = merged(name);
    const unclassified: string[] = [];
    for (const member of prototypeMembers(C)) {
      if (!known.attributes.has(member) && !known.notWrapped.has(member)) unclassified.push(`${name}.${member}`);
    }
    for (const member of staticMembers(C)) {
      if (!known.statics.has(member) && !known.notWrapped.has(member)) unclassified.push(`${name}.${member} (static)`);
    }
    assert.equal(unclassified, [], `unclassified members of mongodb ${major}: ${unclassified.join(', ')}`);
  });

  test(`${name}: the table's exported flag matches mongodb ${major}'s index`, () => {
    assert.is(table.name, name, `CLASSES.${name} holds the table named ${table.name}`);
    assert.is(name in mongodb, table.exported, `${name} exported by the driver: ${name in mongodb}`);
  });

  test(`${name}: every wrap, Factory target and extends names a registered class`, () => {
    const bad: string[] = [];
    if (table.extends && !(table.extends in CLASSES)) bad.push(`extends ${table.extends}`);
    for (const [member, attribute] of Object.entries(table.attributes)) {
      const target = wrapsOf(attribute);
      if (target !== undefined && !(target in CLASSES)) bad.push(`${member} → ${target}`);
      if (attribute.kind === 'factory' && attribute.wrap === undefined) bad.push(`${member}: Factory without a class`);
      if (member.startsWith('[') && !(member in SYMBOL_ATTRIBUTES)) bad.push(`${member}: not in SYMBOL_ATTRIBUTES`);
    }
    for (const [member, attribute] of Object.entries(table.statics ?? {})) {
      if (attribute.kind !== 'static') bad.push(`static ${member} is not a Static`);
      const target = wrapsOf(attribute);
      if (target !== undefined && !(target in CLASSES)) bad.push(`static ${member} → ${target}`);
    }
    assert.equal(bad, [], `${name}: ${bad.join(', ')}`);
  });

  test(`${name}: notWrapped reasons are given and no name is both wrapped and not`, () => {
    const bad: string[] = [];
    for (const [member, reason] of Object.entries(table.notWrapped ?? {})) {
      if (typeof reason !== 'string' || reason.trim() === '') bad.push(`${name}.${member}: empty reason`);
    }
    const known = merged(name);
    for (const member of known.notWrapped) {
      if (known.attributes.has(member) || known.statics.has(member)) bad.push(`${name}.${member}: both wrapped and notWrapped`);
    }
    if ('constructor' in table.attributes && Object.hasOwn(table.attributes, 'constructor')) bad.push(`${name}.constructor: listed`);
    assert.equal(bad, [], bad.join(', '));
  });
}

test('cursor roles (Buffered) sit on cursors and change streams only, one named member per role (a symbol-keyed alias aside), and each names a driver member of that class', () => {
  const withRoles: string[] = [];
  const drivers = driverClasses();
  for (const name of Object.keys(CLASSES) as ClassName[]) {
    const cls = resolveClass(name);
    if (cls.buffers.size === 0) continue;
    withRoles.push(name);
    // next, hasNext and close: what the pool's iteration and `for await` need of any cursor.
    for (const role of ['next', 'hasNext', 'close'] as const) assert.ok(cls.buffers.has(role), `${name} has no '${role}' member`);
    const rolesOf = (symbolKeyed: boolean): string[] =>
      [...cls.attributes].flatMap(([key, a]) => ((typeof key === 'symbol') === symbolKeyed && 'buffer' in a && a.buffer !== undefined ? [a.buffer] : []));
    const roles = rolesOf(false);
    assert.is(new Set(roles).size, roles.length, `${name}: a role played twice (${roles.join()})`);
    // A symbol-keyed member may only be an alias of a role a named member plays ([Symbol.asyncDispose] is close()).
    for (const alias of rolesOf(true)) assert.ok(roles.includes(alias), `${name}: a symbol-keyed member plays '${alias}' alone`);
    const proto = (drivers[name] as unknown as { prototype: object }).prototype;
    for (const member of cls.buffers.values()) if (major === 7 || member !== 'bufferedCount') assert.ok(member in proto, `${name}.${member}`);
  }
  assert.equal(withRoles.sort(), ['AbstractCursor', 'AggregationCursor', 'ChangeStream', 'FindCursor', 'ListCollectionsCursor', 'ListIndexesCursor', 'ListSearchIndexesCursor', 'RunCommandCursor']);
  assert.ok(resolveClass('FindCursor').readAhead && !resolveClass('ChangeStream').readAhead);
});

test('labels are cheap strings that never throw, and a client label never shows credentials', async () => {
  const secret = new mongodb.MongoClient('mongodb://alice:s3cret@127.0.0.1:1,localhost:2/?authSource=admin');
  try {
    const label = CLASSES.MongoClient.label!(secret);
    assert.is(label, '127.0.0.1:1,localhost:2');
    assert.not.match(label, /alice|s3cret/);
    assert.is(CLASSES.Db.label!(db), 'x');
    assert.is(CLASSES.Collection.label!(coll), 'x.y');
    assert.is(CLASSES.FindCursor.label!(coll.find()), 'x.y');
    assert.is(CLASSES.ListSearchIndexesCursor.label!(coll.listSearchIndexes()), 'x.y');
    const session = secret.startSession();
    assert.is(CLASSES.ClientSession.label!(session), 'active');
    await session.endSession();
    assert.is(CLASSES.ClientSession.label!(session), 'ended');
    assert.is(CLASSES.GridFSBucket.label!(new mongodb.GridFSBucket(db)), 'x.fs');
    for (const table of Object.values(CLASSES)) {
      for (const junk of [undefined, null, {}, 42]) assert.type(table.label?.(junk) ?? '', 'string', `${table.name} label of ${inspect(junk)}`);
    }
  } finally {
    await secret.close();
  }
});

test.run();
