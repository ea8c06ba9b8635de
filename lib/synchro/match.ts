// The unified test format's "Evaluating Matches": expected values from a test file against what an
// operation returned, an event carried or an error held. Pure: no driver objects are needed beyond
// the BSON value classes (recognised by their `_bsontype`, so values from any copy of bson work).
import { BSON } from 'mongodb';

/** Thrown when a match fails; `path` locates the mismatch (`$.cursor.firstBatch[0].x`). */
export class MatchError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'MatchError';
  }
}

/** What special operators may look up: entities (`$$matchesEntity`) and session ids (`$$sessionLsid`). */
export interface MatchContext {
  entity?(name: string): unknown;
  sessionLsid?(name: string): unknown;
}

export interface MatchOptions {
  /** The actual value is a root-level document: it may hold keys the expected one does not. */
  root?: boolean;
  /** The expected value is an array whose elements are root-level documents (find, aggregate...). */
  rootElements?: boolean;
  ctx?: MatchContext;
  /** Prefix for error paths. */
  path?: string;
}

/** Asserts that `actual` matches `expected`; throws a MatchError naming the first difference. */
export function match(expected: unknown, actual: unknown, options: MatchOptions = {}): void {
  const path = options.path ?? '$';
  const ctx = options.ctx ?? {};
  if (options.rootElements && Array.isArray(expected)) {
    const list = asArray(actual, path);
    if (list.length !== expected.length) fail(path, `expected ${expected.length} element(s), got ${list.length}: ${show(actual)}`);
    expected.forEach((e, i) => matchValue(e, list[i], true, `${path}[${i}]`, ctx));
    return;
  }
  matchValue(expected, actual, options.root ?? false, path, ctx);
}

/** `match` as a predicate. */
export function matches(expected: unknown, actual: unknown, options: MatchOptions = {}): boolean {
  try {
    match(expected, actual, options);
    return true;
  } catch (err) {
    if (err instanceof MatchError) return false;
    throw err;
  }
}

/**
 * Exact equality for collection contents (`outcome`): no operators, no extra keys anywhere, key
 * order free, numbers compared by value.
 */
export function assertSameDocuments(expected: unknown[], actual: unknown[], path = '$'): void {
  if (actual.length !== expected.length) fail(path, `expected ${expected.length} document(s), got ${actual.length}: ${show(actual)}`);
  expected.forEach((e, i) => exactValue(e, actual[i], `${path}[${i}]`));
}

// ---------------------------------------------------------------------------------------------

const OPERATORS = new Set([
  '$$exists',
  '$$type',
  '$$matchesEntity',
  '$$matchesHexBytes',
  '$$unsetOrMatches',
  '$$sessionLsid',
  '$$lte',
  '$$matchAsDocument',
  '$$matchAsRoot',
]);

/** The operator of `{ $$op: ... }` (a plain object whose first and only key starts with `$$`). */
function operatorOf(value: unknown): string | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1 || !keys[0]!.startsWith('$$')) return undefined;
  return keys[0];
}

function fail(path: string, message: string): never {
  throw new MatchError(path, message);
}

function matchValue(expected: unknown, actual: unknown, root: boolean, path: string, ctx: MatchContext): void {
  const op = operatorOf(expected);
  if (op) return special(op, (expected as Record<string, unknown>)[op], actual, true, root, path, ctx);
  if (Array.isArray(expected)) {
    const list = asArray(actual, path);
    if (list.length !== expected.length) fail(path, `expected an array of ${expected.length}, got ${list.length}: ${show(actual)}`);
    expected.forEach((e, i) => matchValue(e, list[i], false, `${path}[${i}]`, ctx));
    return;
  }
  if (isPlainObject(expected)) {
    const doc = asDocument(actual, path);
    for (const [key, value] of Object.entries(expected)) {
      const keyPath = `${path}.${key}`;
      const present = hasKey(doc, key);
      const got = present ? getKey(doc, key) : undefined;
      const keyOp = operatorOf(value);
      if (keyOp === '$$exists') {
        const want = (value as Record<string, unknown>)[keyOp];
        if (want && !present) fail(keyPath, 'expected the key to exist');
        if (!want && present) fail(keyPath, `expected no such key, found ${show(got)}`);
        continue;
      }
      if (keyOp === '$$unsetOrMatches') {
        if (!present) continue;
        matchValue((value as Record<string, unknown>)[keyOp], got, false, keyPath, ctx);
        continue;
      }
      if (!present) fail(keyPath, `missing (expected ${show(value)})`);
      matchValue(value, got, false, keyPath, ctx);
    }
    if (!root) {
      const extra = keysOf(doc).filter((k) => !Object.prototype.hasOwnProperty.call(expected, k));
      if (extra.length) fail(path, `unexpected key(s) ${extra.join(', ')} in nested document ${show(actual)}`);
    }
    return;
  }
  scalar(expected, actual, path);
}

function special(op: string, arg: unknown, actual: unknown, present: boolean, root: boolean, path: string, ctx: MatchContext): void {
  switch (op) {
    case '$$exists':
      // At a value position (not under a key) only "exists" has meaning: the value is there.
      if (arg && actual === undefined) fail(path, 'expected a value');
      if (!arg && actual !== undefined) fail(path, `expected no value, got ${show(actual)}`);
      return;
    case '$$unsetOrMatches':
      if (actual === undefined || !present) return;
      return matchValue(arg, actual, root, path, ctx);
    case '$$type': {
      const types = Array.isArray(arg) ? (arg as string[]) : [arg as string];
      if (actual === undefined) fail(path, `expected a value of type ${types.join('|')}, got nothing`);
      for (const t of types) {
        const check = TYPES[t];
        if (!check) throw new TypeError(`$$type: unknown type alias '${t}'`);
        if (check(actual)) return;
      }
      return fail(path, `expected type ${types.join('|')}, got ${typeName(actual)} ${show(actual)}`);
    }
    case '$$matchesEntity': {
      if (!ctx.entity) throw new TypeError('$$matchesEntity needs an entity map');
      return matchValue(ctx.entity(arg as string), actual, root, path, ctx);
    }
    case '$$matchesHexBytes': {
      if (typeof arg !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(arg)) throw new TypeError(`$$matchesHexBytes: malformed hex string ${show(arg)}`);
      const bytes = bytesOf(actual);
      if (!bytes) fail(path, `expected bytes, got ${show(actual)}`);
      if (bytes.toString('hex').toLowerCase() !== arg.toLowerCase()) fail(path, `expected bytes ${arg.toLowerCase()}, got ${bytes.toString('hex')}`);
      return;
    }
    case '$$sessionLsid': {
      if (!ctx.sessionLsid) throw new TypeError('$$sessionLsid needs an entity map');
      const lsid = ctx.sessionLsid(arg as string);
      if (!sameValue(lsid, actual)) fail(path, `expected the lsid of session '${String(arg)}' ${show(lsid)}, got ${show(actual)}`);
      return;
    }
    case '$$lte': {
      const a = numeric(actual);
      const e = numeric(arg);
      if (a === undefined || e === undefined) fail(path, `$$lte needs numbers, got ${show(actual)}`);
      if (a > e) fail(path, `expected <= ${show(arg)}, got ${show(actual)}`);
      return;
    }
    case '$$matchAsDocument': {
      if (typeof actual !== 'string') fail(path, `expected an Extended JSON string, got ${show(actual)}`);
      let parsed: unknown;
      try {
        parsed = BSON.EJSON.parse(actual, { relaxed: false });
      } catch (err) {
        return fail(path, `not Extended JSON (${(err as Error).message}): ${show(actual)}`);
      }
      return matchValue(arg, parsed, false, path, ctx);
    }
    case '$$matchAsRoot':
      if (!isPlainObject(arg)) throw new TypeError('$$matchAsRoot takes a document');
      asDocument(actual, path);
      return matchValue(arg, actual, true, path, ctx);
    default:
      if (OPERATORS.has(op)) throw new TypeError(`unhandled operator ${op}`);
      throw new TypeError(`unknown special operator ${op}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Values

type Doc = Record<string, unknown> | Map<unknown, unknown>;

function bsonType(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? ((value as { _bsontype?: string })._bsontype ?? undefined) : undefined;
}

/** A document as written in a test file: a plain object that is not a BSON value. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || bsonType(value)) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === Object.prototype || proto === null;
}

/**
 * Anything the driver hands back as a document: plain objects, Maps (sort specs, client bulk
 * write results), model objects (results with getters), errors.
 */
function asDocument(actual: unknown, path: string): Doc {
  if (actual instanceof Map) return actual;
  if (typeof actual !== 'object' || actual === null || Array.isArray(actual) || bsonType(actual) || actual instanceof Date) {
    fail(path, `expected a document, got ${show(actual)}`);
  }
  return actual as Record<string, unknown>;
}

function asArray(actual: unknown, path: string): unknown[] {
  if (Array.isArray(actual)) return actual;
  return fail(path, `expected an array, got ${show(actual)}`);
}

function mapKey(doc: Map<unknown, unknown>, key: string): unknown {
  if (doc.has(key)) return key;
  const n = Number(key);
  if (key !== '' && Number.isInteger(n) && doc.has(n)) return n;
  return undefined;
}

function hasKey(doc: Doc, key: string): boolean {
  if (doc instanceof Map) {
    const k = mapKey(doc, key);
    return k !== undefined && doc.get(k) !== undefined;
  }
  const proto = Object.getPrototypeOf(doc) as object | null;
  // Plain documents: own keys only. Model objects (BulkWriteResult, errors) also expose getters.
  const present = proto === Object.prototype || proto === null ? Object.prototype.hasOwnProperty.call(doc, key) : key in doc;
  return present && (doc as Record<string, unknown>)[key] !== undefined;
}

function getKey(doc: Doc, key: string): unknown {
  if (doc instanceof Map) return doc.get(mapKey(doc, key));
  return (doc as Record<string, unknown>)[key];
}

/** Keys that count as present (undefined values are never serialized, so they are absent). */
function keysOf(doc: Doc): string[] {
  if (doc instanceof Map) return [...doc.entries()].filter(([, v]) => v !== undefined).map(([k]) => String(k));
  return Object.keys(doc).filter((k) => (doc as Record<string, unknown>)[k] !== undefined);
}

/** Int32, Long, Double, bigint and number compare by value (Decimal128 does not). */
function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  switch (bsonType(value)) {
    case 'Int32':
    case 'Double':
      return Number((value as { value: number }).value);
    case 'Long':
      return Number((value as { toString(): string }).toString());
    default:
      return undefined;
  }
}

function isLongLike(value: unknown): boolean {
  return typeof value === 'bigint' || bsonType(value) === 'Long';
}

function bigOf(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (bsonType(value) === 'Long') return BigInt((value as { toString(): string }).toString());
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (bsonType(value) === 'Int32') return BigInt((value as { value: number }).value);
  return undefined;
}

function bytesOf(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (bsonType(value) === 'Binary') {
    const b = value as { buffer: Uint8Array; position?: number };
    return Buffer.from(b.buffer.buffer, b.buffer.byteOffset, b.position ?? b.buffer.byteLength);
  }
  if (typeof value === 'string') return Buffer.from(value, 'latin1');
  return undefined;
}

function scalar(expected: unknown, actual: unknown, path: string): void {
  if (!sameValue(expected, actual)) fail(path, `expected ${show(expected)}, got ${show(actual)}`);
}

/** Equality for values that are not documents or arrays (and, recursively, for BSON values). */
function sameValue(expected: unknown, actual: unknown): boolean {
  const e = numeric(expected);
  const a = numeric(actual);
  if (e !== undefined || a !== undefined) {
    if (e === undefined || a === undefined) return false;
    if (isLongLike(expected) || isLongLike(actual)) {
      const be = bigOf(expected);
      const ba = bigOf(actual);
      if (be !== undefined && ba !== undefined) return be === ba;
    }
    if (Number.isNaN(e) && Number.isNaN(a)) return true;
    return e === a;
  }
  if (expected === null || actual === null || expected === undefined || actual === undefined) return expected === actual;
  if (typeof expected !== 'object' || typeof actual !== 'object') return expected === actual;
  if (expected instanceof Date || actual instanceof Date) {
    return expected instanceof Date && actual instanceof Date && expected.getTime() === actual.getTime();
  }
  const et = bsonType(expected);
  const at = bsonType(actual);
  if (et || at) {
    if (et === 'Binary' || at === 'Binary') {
      const eb = bytesOf(expected);
      const ab = bytesOf(actual);
      const es = (expected as { sub_type?: number }).sub_type;
      const as = (actual as { sub_type?: number }).sub_type;
      return !!eb && !!ab && eb.equals(ab) && es === as;
    }
    if (et !== at) return false;
    return canonical(expected) === canonical(actual);
  }
  if (expected instanceof RegExp || actual instanceof RegExp) return String(expected) === String(actual);
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual) || expected.length !== actual.length) return false;
    return expected.every((v, i) => sameValue(v, actual[i]));
  }
  // Plain documents inside BSON values (lsid, CodeWScope): exact, key order free.
  const ek = keysOf(expected as Doc).sort();
  const ak = keysOf(actual as Doc).sort();
  return ek.length === ak.length && ek.every((k, i) => k === ak[i] && sameValue(getKey(expected as Doc, k), getKey(actual as Doc, k)));
}

function canonical(value: unknown): string {
  try {
    return BSON.EJSON.stringify({ v: value }, { relaxed: false });
  } catch {
    return String(value);
  }
}

function exactValue(expected: unknown, actual: unknown, path: string): void {
  if (Array.isArray(expected)) {
    const list = asArray(actual, path);
    if (list.length !== expected.length) fail(path, `expected an array of ${expected.length}, got ${list.length}: ${show(actual)}`);
    expected.forEach((e, i) => exactValue(e, list[i], `${path}[${i}]`));
    return;
  }
  if (isPlainObject(expected)) {
    const doc = asDocument(actual, path);
    const want = keysOf(expected);
    const got = keysOf(doc);
    const missing = want.filter((k) => !got.includes(k));
    const extra = got.filter((k) => !want.includes(k));
    if (missing.length || extra.length) {
      fail(path, `expected ${show(expected)}, got ${show(actual)}${missing.length ? ` (missing ${missing.join(', ')})` : ''}${extra.length ? ` (extra ${extra.join(', ')})` : ''}`);
    }
    for (const k of want) exactValue(expected[k], getKey(doc, k), `${path}.${k}`);
    return;
  }
  scalar(expected, actual, path);
}

// ---------------------------------------------------------------------------------------------
// $$type aliases (the $type query operator's), over Node values: a JS number is an int and a long
// when it is an integer, and always a double (the driver decodes all three to numbers).

const TYPES: Record<string, (v: unknown) => boolean> = {
  double: (v) => typeof v === 'number' || bsonType(v) === 'Double',
  string: (v) => typeof v === 'string',
  object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && !bsonType(v) && !(v instanceof Date) && !(v instanceof RegExp),
  array: (v) => Array.isArray(v),
  binData: (v) => bsonType(v) === 'Binary' || Buffer.isBuffer(v),
  undefined: (v) => v === undefined,
  objectId: (v) => bsonType(v) === 'ObjectId',
  bool: (v) => typeof v === 'boolean',
  date: (v) => v instanceof Date,
  null: (v) => v === null,
  regex: (v) => v instanceof RegExp || bsonType(v) === 'BSONRegExp',
  dbPointer: (v) => bsonType(v) === 'DBPointer' || bsonType(v) === 'DBRef',
  javascript: (v) => bsonType(v) === 'Code' && !(v as { scope?: unknown }).scope,
  symbol: (v) => bsonType(v) === 'BSONSymbol' || bsonType(v) === 'Symbol',
  javascriptWithScope: (v) => bsonType(v) === 'Code' && !!(v as { scope?: unknown }).scope,
  int: (v) => (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 0x7fffffff) || bsonType(v) === 'Int32',
  timestamp: (v) => bsonType(v) === 'Timestamp',
  long: (v) => (typeof v === 'number' && Number.isInteger(v)) || isLongLike(v),
  decimal: (v) => bsonType(v) === 'Decimal128',
  minKey: (v) => bsonType(v) === 'MinKey',
  maxKey: (v) => bsonType(v) === 'MaxKey',
};
TYPES.number = (v) => TYPES.int!(v) || TYPES.long!(v) || TYPES.double!(v) || TYPES.decimal!(v);

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return bsonType(v) ?? (v instanceof Date ? 'date' : typeof v);
}

/** A short, deterministic rendering for messages (Extended JSON where possible). */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text = BSON.EJSON.stringify(toPlain(value) as never, { relaxed: true });
  } catch {
    text = String(value);
  }
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

function toPlain(value: unknown, depth = 0): unknown {
  if (depth > 8) return '…';
  if (value instanceof Uint8Array) return `<bytes ${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}>`;

  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toPlain(v, depth + 1)]));
  if (Array.isArray(value)) return value.map((v) => toPlain(v, depth + 1));
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Uint8Array) return `<bytes ${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}>`;
  if (value instanceof Error) return { error: value.message };
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v, depth + 1)]));
  return value;
}
