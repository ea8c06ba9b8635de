// Test-file values and what operations return, compared and printed the way the unified format's
// matcher needs: numbers by value across int/long/double, BSON values by their canonical Extended
// JSON (recognised by `_bsontype`, so values from any copy of bson work), `$$type` aliases, and a
// short rendering for messages. No matching rules here: those are in match.ts.
import { BSON } from 'mongodb';

/** A document as the driver hands it back: a plain or model object, or a Map. */
export type Doc = Record<string, unknown> | Map<unknown, unknown>;

export function bsonType(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? ((value as { _bsontype?: string })._bsontype ?? undefined) : undefined;
}

/** A document as written in a test file: a plain object that is not a BSON value. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || bsonType(value)) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === Object.prototype || proto === null;
}

function mapKey(doc: Map<unknown, unknown>, key: string): unknown {
  if (doc.has(key)) return key;
  const n = Number(key);
  if (key !== '' && Number.isInteger(n) && doc.has(n)) return n;
  return undefined;
}

export function hasKey(doc: Doc, key: string): boolean {
  if (doc instanceof Map) {
    const k = mapKey(doc, key);
    return k !== undefined && doc.get(k) !== undefined;
  }
  const proto = Object.getPrototypeOf(doc) as object | null;
  // Plain documents: own keys only. Model objects (BulkWriteResult, errors) also expose getters.
  const present = proto === Object.prototype || proto === null ? Object.prototype.hasOwnProperty.call(doc, key) : key in doc;
  return present && doc[key] !== undefined;
}

export function getKey(doc: Doc, key: string): unknown {
  if (doc instanceof Map) return doc.get(mapKey(doc, key));
  return doc[key];
}

/** Keys that count as present (undefined values are never serialized, so they are absent). */
export function keysOf(doc: Doc): string[] {
  if (doc instanceof Map) return [...doc.entries()].filter(([, v]) => v !== undefined).map(([k]) => String(k));
  return Object.keys(doc).filter((k) => doc[k] !== undefined);
}

/** Int32, Long, Double, bigint and number compare by value (Decimal128 does not). */
export function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  const type = bsonType(value);
  if (type === 'Int32' || type === 'Double') return Number((value as { value: number }).value);
  if (type === 'Long') return Number((value as { toString(): string }).toString());
  return undefined;
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

export function bytesOf(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (bsonType(value) === 'Binary') {
    const b = value as { buffer: Uint8Array; position?: number };
    return Buffer.from(b.buffer.buffer, b.buffer.byteOffset, b.position ?? b.buffer.byteLength);
  }
  if (typeof value === 'string') return Buffer.from(value, 'latin1');
  return undefined;
}

/** Equality for values that are not documents or arrays (and, recursively, for BSON values). */
export function sameValue(expected: unknown, actual: unknown): boolean {
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
  // Both are non-BSON objects here; a RegExp equals only a RegExp of the same source and flags.
  if (expected instanceof RegExp || actual instanceof RegExp) return expected instanceof RegExp && actual instanceof RegExp && String(expected) === String(actual);
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

// ---------------------------------------------------------------------------------------------
// $$type aliases (the $type query operator's), over Node values: a JS number is an int and a long
// when it is an integer, and always a double (the driver decodes all three to numbers).

export const TYPES: Record<string, (v: unknown) => boolean> = {
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

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return bsonType(v) ?? (v instanceof Date ? 'date' : typeof v);
}

/** A short, deterministic rendering for messages (Extended JSON where possible). */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text = BSON.EJSON.stringify(toPlain(value), { relaxed: true });
  } catch {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- last resort for what Extended JSON cannot render
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
  if (value instanceof Error) return { error: value.message };
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v, depth + 1)]));
  return value;
}
