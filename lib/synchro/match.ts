// The unified test format's "Evaluating Matches": expected values from a test file against what an
// operation returned, an event carried or an error held. Pure: no driver objects are needed beyond
// the BSON value classes (recognised by their `_bsontype`, so values from any copy of bson work).
import { BSON } from 'mongodb';
import { bsonType, bytesOf, getKey, hasKey, isPlainObject, keysOf, numeric, sameValue, show, typeName, TYPES, type Doc } from './values.js';

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
  if (op) return special(op, (expected as Record<string, unknown>)[op], actual, root, path, ctx);
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

function special(op: string, arg: unknown, actual: unknown, root: boolean, path: string, ctx: MatchContext): void {
  switch (op) {
    case '$$exists':
      // At a value position (not under a key) only "exists" has meaning: the value is there.
      if (arg && actual === undefined) fail(path, 'expected a value');
      if (!arg && actual !== undefined) fail(path, `expected no value, got ${show(actual)}`);
      return;
    case '$$unsetOrMatches':
      if (actual === undefined) return;
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
      throw new TypeError(`unknown special operator ${op}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Shapes

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

function scalar(expected: unknown, actual: unknown, path: string): void {
  if (!sameValue(expected, actual)) fail(path, `expected ${show(expected)}, got ${show(actual)}`);
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
