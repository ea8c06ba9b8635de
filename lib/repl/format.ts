// How the REPL prints results: BSON values the way MongoDB users read them (ObjectId('…'),
// ISODate('…'), Long('…'), Decimal128('…')), everything else through util.inspect; the connection's
// password is never printed.
import { inspect, types, type InspectOptions, type InspectOptionsStylized } from 'node:util';
import { Binary, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, UUID } from 'mongodb';
import { redact } from './credentials.js';
import { stateOf } from '../proxy/factory.js';

type Style = Parameters<InspectOptionsStylized['stylize']>[1];
type Show = (value: any) => string;

/** A page of a cursor's documents, as the REPL prints it. */
export class CursorPage {
  constructor(
    readonly documents: unknown[],
    /** More documents are waiting: `it` shows them. */
    readonly more: boolean,
    /** 'exhausted': the cursor had been read to its end (or closed) before it was printed. */
    readonly state?: 'exhausted',
  ) {}
}

export const MORE_HINT = 'Type "it" for more';
export const EXHAUSTED_HINT = '(exhausted cursor: its documents were read already; rewind() or run the query again)';

/** A cursor that cannot be previewed without consuming it (it has no working clone()). */
export class Unpaged {
  constructor(readonly cursor: object) {}
}

export const ITERATE_HINT = 'not previewed: iterate it with for await (const doc of cursor), or await cursor.toArray()';

type Custom = (this: any, depth: number, options: InspectOptionsStylized, inspectFn: typeof inspect) => string;

/** A custom inspect that prints `show(value)` in a style. */
const styled =
  (show: Show, style: Style): Custom =>
  function (this: unknown, _depth, options) {
    return options.stylize(show(this), style);
  };

/** The printed forms, which read as the REPL's constructors of the same names (ObjectId('…')). */
const FORMS: Array<[proto: object, custom: Custom]> = [
  [ObjectId.prototype, styled((v: ObjectId) => `ObjectId('${v.toHexString()}')`, 'special')],
  [Long.prototype, styled((v: Long) => (v.unsigned ? `Long('${v.toString()}', true)` : `Long('${v.toString()}')`), 'number')],
  [Decimal128.prototype, styled((v: Decimal128) => `Decimal128('${v.toString()}')`, 'number')],
  [Int32.prototype, styled((v: Int32) => `Int32(${v.valueOf()})`, 'number')],
  [Double.prototype, styled((v: Double) => `Double(${v.valueOf()})`, 'number')],
  [UUID.prototype, styled((v: UUID) => `UUID('${v.toHexString()}')`, 'special')],
  [Binary.prototype, styled((v: Binary) => `Binary.createFromBase64('${v.toString('base64')}', ${v.sub_type})`, 'special')],
  [MaxKey.prototype, styled(() => 'MaxKey()', 'special')],
  [Code.prototype, withoutNew(Code.prototype)],
  [DBRef.prototype, withoutNew(DBRef.prototype)],
  [MinKey.prototype, styled(() => 'MinKey()', 'special')],
  [Timestamp.prototype, styled((v: Timestamp) => `Timestamp({ t: ${v.t}, i: ${v.i} })`, 'number')],
];

/**
 * `Promise { <pending> }`, as Node prints a bare one: a promise made inside a statement also
 * carries async_hooks' own symbols (its AsyncLocalStorage store: rotor's Statement), hidden here.
 */
const showPromise: Custom = function (this: Promise<unknown>, _depth, options, inspectFn) {
  for (const symbol of Object.getOwnPropertySymbols(this)) {
    const d = Object.getOwnPropertyDescriptor(this, symbol);
    if (d?.enumerable && d.configurable) void Object.defineProperty(this, symbol, { ...d, enumerable: false });
  }
  const proto = Promise.prototype as unknown as Record<symbol, unknown>;
  const self = proto[inspect.custom];
  delete proto[inspect.custom];
  try {
    return inspectFn(this, options);
  } finally {
    proto[inspect.custom] = self;
  }
};

/** bson's own inspect form (read once, before any patch), without its leading `new `: Code('…'), as mongosh prints it. */
function withoutNew(proto: object): Custom {
  const bsonForm = (proto as Record<symbol, Custom | undefined>)[inspect.custom];
  return function (this: unknown, depth, options, inspectFn) {
    return bsonForm ? bsonForm.call(this, depth, options, inspectFn).replace(/^new /, '') : inspectFn(this, { ...options, customInspect: false });
  };
}

const showDate: Show = (d: Date) => (Number.isNaN(d.getTime()) ? 'Invalid Date' : `ISODate('${d.toISOString()}')`);

export interface WriterOptions {
  colors: boolean;
  breakLength?: number;
  /** Strings never printed as such (the connection's password, e.g. in client.options.credentials). */
  secrets?: string[];
}

/**
 * Renders `value` with BSON forms. util.inspect has no per-type hook, so for the duration of this
 * synchronous call the BSON classes and Date answer `util.inspect.custom`; the previous state is
 * restored before returning, whatever happens. (Values from another realm, e.g. a vm context, keep
 * their own Date: the REPL runs in the process's realm.)
 */
export function formatValue(value: unknown, options: WriterOptions): string {
  const inspectOptions: InspectOptions = {
    colors: options.colors,
    depth: 8,
    showProxy: false,
    breakLength: options.breakLength ?? 100,
  };
  const patches: Array<[proto: object, custom: Custom]> = [
    ...FORMS,
    [Date.prototype, styled(showDate, 'date')],
    [Promise.prototype, showPromise],
  ];
  const saved = patches.map(([proto]) => [proto, Object.getOwnPropertyDescriptor(proto, inspect.custom)] as const);
  try {
    for (const [proto, custom] of patches) {
      Object.defineProperty(proto, inspect.custom, { configurable: true, writable: true, value: custom });
    }
    let text = render(value, inspectOptions);
    for (const secret of options.secrets ?? []) text = text.split(inspect(secret)).join("'<redacted>'");
    return text;
  } finally {
    for (const [proto, descriptor] of saved) {
      if (descriptor) Object.defineProperty(proto, inspect.custom, descriptor);
      else delete (proto as Record<symbol, unknown>)[inspect.custom];
    }
  }
}

/**
 * A statement's value as mongosh prints it: a string as its text (no quotes), a database as its
 * name, a collection as its namespace; anything else as formatValue prints it.
 */
export function formatResult(value: unknown, options: WriterOptions): string {
  if (typeof value === 'string') return (options.secrets ?? []).reduce((text, secret) => text.split(secret).join('<redacted>'), value);
  const cls = stateOf(value)?.cls;
  if (cls?.isA.has('Db')) return (value as { databaseName: string }).databaseName;
  if (cls?.isA.has('Collection')) return (value as { namespace: string }).namespace;
  return formatValue(value, options);
}

function render(value: unknown, options: InspectOptions): string {
  if (value instanceof CursorPage) {
    if (value.state === 'exhausted') return `[]  ${EXHAUSTED_HINT}`;
    // One document per line (util.inspect would lay short documents out in a grid).
    const docs = value.documents.length
      ? `[\n${value.documents.map((d) => indent(inspect(d, options))).join(',\n')}\n]`
      : '[]';
    return value.more ? `${docs}\n${MORE_HINT}` : docs;
  }
  if (value instanceof Unpaged) return `${inspect(value.cursor, options)}  (${ITERATE_HINT})`;
  // Errors, thrown or returned: one readable line, no stack (the REPL prefixes thrown ones with "Uncaught").
  if (types.isNativeError(value) || value instanceof Error) return redact(formatError(value));
  return inspect(value, options);
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ');
}

/** `Name: message` with the server's code name when there is one; never a stack trace. */
export function formatError(err: unknown): string {
  if (!(err instanceof Error) && !(typeof err === 'object' && err !== null && 'message' in err)) return inspect(err); // `throw 5`
  const e = err as Error & { codeName?: string; code?: unknown };
  const tag = e.codeName ? `[${e.codeName}]` : typeof e.code === 'string' ? `[${e.code}]` : '';
  // mongosh habits: `db.users` is a typo on a handle here, not a collection.
  const collection = /^Db has no attribute '([^']+)'$/.exec(String(e.message))?.[1];
  const hint = collection ? ` (for a collection, use db.collection('${collection}'))` : '';
  return `${e.name ?? 'Error'}${tag}: ${e.message}${hint}${writeErrorsOf(err)}${partialResultOf(err)}`;
}

/** What a bulk write did before it failed (mongosh's `Result:`): the driver's BulkWriteResult counts. */
function partialResultOf(err: object): string {
  const result = (err as { result?: unknown }).result;
  if (!result || typeof result !== 'object' || !('insertedCount' in result)) return '';
  const r = result as Record<string, unknown>;
  const shown = Object.fromEntries(['insertedCount', 'matchedCount', 'modifiedCount', 'deletedCount', 'upsertedCount', 'upsertedIds', 'insertedIds'].map((k) => [k, r[k]]));
  return `\nResult: ${formatValue(shown, { colors: false, breakLength: Infinity })}`;
}

/** A bulk write's failed operations, one per line (the driver's message names only the first). */
function writeErrorsOf(err: object): string {
  const list = (err as { writeErrors?: unknown }).writeErrors;
  const errors = Array.isArray(list) ? list : list && typeof list === 'object' ? [list] : [];
  if (!errors.length) return '';
  const lines = errors.map((w: { index?: unknown; code?: unknown; errmsg?: unknown; err?: { errmsg?: unknown; code?: unknown; index?: unknown } }) => {
    const index = w.index ?? w.err?.index;
    const code = w.code ?? w.err?.code;
    const message = w.errmsg ?? w.err?.errmsg;
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a code is a number; String() keeps anything else the server sent printable
    return `  writeErrors[${String(index)}]: ${String(message)}${code === undefined ? '' : ` (code ${String(code)})`}`;
  });
  return `\n${lines.join('\n')}`;
}
