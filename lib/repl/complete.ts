// Tab completion: members of rotor handles from the registry, collection names from the server.
//
// Nothing the user typed is run. An expression before the cursor is followed only through
// identifiers already in scope, data properties, registry properties of handles, and — without
// calling them — registry methods whose result class the registry declares (`db.collection(...)`
// is a Collection, `coll.find(...)` a FindCursor, `cursor.sort(...)` the same cursor).
import { runInContext, runInThisContext, type Context } from 'node:vm';
import { stateOf } from '../proxy/factory.js';
import { shellNames } from './shell-members.js';
import type { ClassName } from '../registry/kinds.js';
import { resolveClass } from '../registry/resolve.js';

export type CompleterResult = [completions: string[], substring: string];
export type CompleterCallback = (err: Error | null, result?: CompleterResult) => void;
export type Completer = (line: string, callback: CompleterCallback) => void;

type Token =
  | { type: 'ident'; text: string; end: number }
  | { type: 'string'; text: string; quote: string; closed: boolean; end: number }
  | { type: 'punct'; text: string; end: number }
  | { type: 'other'; text: string; end: number };

/** A rough JavaScript tokenizer: enough to find the member chain that ends at the cursor. */
export function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][\w$]*/.exec(line.slice(i))![0];
      i += m.length;
      tokens.push({ type: 'ident', text: m, end: i });
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      let text = '';
      while (j < line.length && line[j] !== c) {
        if (line[j] === '\\' && j + 1 < line.length) {
          text += line[j + 1];
          j += 2;
        } else text += line[j++];
      }
      const closed = j < line.length;
      i = closed ? j + 1 : j;
      tokens.push({ type: 'string', text, quote: c, closed, end: i });
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9][\w.]*/.exec(line.slice(i))![0];
      i += m.length;
      tokens.push({ type: 'other', text: m, end: i });
      continue;
    }
    i++;
    tokens.push({ type: 'punct', text: c, end: i });
  }
  return tokens;
}

interface Segment {
  name: string;
  call: boolean;
  /** The call's only argument, when it is a string literal (`db('x')`). */
  arg?: string;
}

export type Analysis =
  | { kind: 'member'; chain: Segment[]; prefix: string }
  | { kind: 'collection'; chain: Segment[]; prefix: string };

/** What the cursor sits on: `chain.prefix`, or `chain.collection('prefix`. Null for anything else. */
export function analyze(line: string): Analysis | null {
  const tokens = tokenize(line);
  let k = tokens.length - 1;
  const last = tokens[k];
  if (!last) return null;
  if (last.type === 'string') {
    // chain . collection ( 'prefix
    if (last.closed || last.quote === '`' || last.end !== line.length) return null;
    const [paren, name, dot] = [tokens[k - 1], tokens[k - 2], tokens[k - 3]];
    if (paren?.text !== '(' || name?.type !== 'ident' || name.text !== 'collection' || dot?.text !== '.') return null;
    const chain = chainEndingAt(tokens, k - 4);
    return chain ? { kind: 'collection', chain, prefix: last.text } : null;
  }
  let prefix = '';
  if (last.type === 'ident') {
    if (last.end !== line.length) return null;
    prefix = last.text;
    k--;
  }
  if (tokens[k]?.text !== '.' || tokens[k]!.type !== 'punct') return null;
  if (tokens[k - 1]?.text === '.' || tokens[k - 1]?.text === '?') return null; // spread, optional chaining
  const chain = chainEndingAt(tokens, k - 1);
  return chain ? { kind: 'member', chain, prefix } : null;
}

/** Reads `a.b(…).c` backwards from token `k`; null unless it starts with a plain identifier. */
function chainEndingAt(tokens: Token[], k: number): Segment[] | null {
  const segments: Segment[] = [];
  for (;;) {
    let call = false;
    let arg: string | undefined;
    if (tokens[k]?.text === ')' && tokens[k]!.type === 'punct') {
      const only = tokens[k - 1];
      if (only?.type === 'string' && only.closed && tokens[k - 2]?.text === '(') arg = only.text;
      let depth = 0;
      for (; k >= 0; k--) {
        const t = tokens[k]!;
        if (t.type !== 'punct') continue;
        if (t.text === ')') depth++;
        else if (t.text === '(' && --depth === 0) break;
      }
      if (k < 0) return null;
      k--;
      call = true;
    }
    const name = tokens[k];
    if (name?.type !== 'ident') return null;
    segments.unshift(arg === undefined ? { name: name.text, call } : { name: name.text, call, arg });
    const before = tokens[k - 1];
    if (before?.type === 'punct' && before.text === '.') {
      if (tokens[k - 2]?.text === '.' || tokens[k - 2]?.text === '?') return null;
      k -= 2;
      continue;
    }
    if (call) return null; // `use(…).` — a call on a plain function: not followed
    if (before?.type === 'ident' && (before.text === 'new' || before.text === 'typeof')) return null;
    return segments;
  }
}

/** What a chain evaluates to, as far as can be known without running anything. */
type Known = { value: unknown } | { cls: ClassName };

const NOT_IDENTIFIERS = new Set(['this', 'new', 'typeof', 'void', 'delete', 'await', 'yield', 'function', 'class', 'super', 'import', 'arguments']);

export interface Resolution {
  known: Known | undefined;
  /** The chain went through a rotor handle (then Node's completer must not take over: it would run it). */
  viaHandle: boolean;
}

export function resolveChain(chain: Segment[], context: Context): Resolution {
  const [base, ...rest] = chain;
  if (!base || base.call || NOT_IDENTIFIERS.has(base.name)) return { known: undefined, viaHandle: false };
  let known: Known | undefined = lookup(context, base.name);
  let viaHandle = false;
  for (const seg of rest) {
    if (!known) break;
    viaHandle ||= 'cls' in known || stateOf(known.value) !== undefined;
    known = step(known, seg);
  }
  if (known) viaHandle ||= 'cls' in known || stateOf(known.value) !== undefined;
  return { known, viaHandle };
}

/**
 * Whether the expression ending at the cursor contains a call or a parenthesised part. Node's own
 * completer evaluates such expressions (`coll.drop().` would drop the collection), so those are
 * never handed to it.
 */
export function tailHasCall(tokens: Token[]): boolean {
  let k = tokens.length - 1;
  while (k >= 0) {
    const t = tokens[k]!;
    if (t.type === 'ident' || t.type === 'string' || t.type === 'other' || t.text === '.' || t.text === '?') {
      k--;
      continue;
    }
    if (t.text === ')') return true;
    if (t.text === ']') {
      let depth = 0;
      for (; k >= 0; k--) {
        const u = tokens[k]!;
        if (u.type !== 'punct') continue;
        if (u.text === ']') depth++;
        else if (u.text === '[' && --depth === 0) break;
        else if (u.text === '(' || u.text === ')') return true;
      }
      k--;
      continue;
    }
    return false;
  }
  return false;
}

function lookup(context: Context, name: string): Known | undefined {
  const own = Object.getOwnPropertyDescriptor(context, name);
  if (own) return 'value' in own ? { value: own.value } : undefined; // never run a getter
  if (name in context) return undefined; // inherited: possibly an accessor
  try {
    // a `let`/`const` of an earlier line: a script-scope binding, not a property
    return { value: (context === globalThis ? runInThisContext(name) : runInContext(name, context)) as unknown };
  } catch {
    return undefined;
  }
}

/**
 * A name outside the registry on a Db handle the user holds: the REPL's shell hook makes `db.users`
 * a collection handle (a factory of a stateless class: no I/O) and throws for a typo.
 */
function shellStep(known: Known, cls: ClassName, seg: Segment): Known | undefined {
  if (seg.call || !('value' in known) || !resolveClass(cls).isA.has('Db')) return undefined;
  try {
    const value = (known.value as Record<string, unknown>)[seg.name];
    return stateOf(value) ? { value } : undefined;
  } catch {
    return undefined;
  }
}

function step(known: Known, seg: Segment): Known | undefined {
  let cls: ClassName;
  if ('value' in known) {
    const state = stateOf(known.value);
    if (!state) return seg.call ? undefined : dataProperty(known.value, seg.name);
    cls = state.cls.name;
  } else cls = known.cls;
  const attr = resolveClass(cls).attributes.get(seg.name);
  if (!attr) return shellStep(known, cls, seg);
  if (!seg.call) {
    if (attr.kind !== 'property') return undefined;
    if ('value' in known) {
      try {
        return { value: (known.value as Record<string, unknown>)[seg.name] }; // a registry property: a plain read
      } catch {
        return undefined;
      }
    }
    return attr.wrap ? { cls: attr.wrap } : undefined;
  }
  switch (attr.kind) {
    case 'factory':
      // client.db('x'), db.collection('y'): a factory of a stateless class (the registry's
      // `stateful` unset) only makes a handle, without I/O, so it is called and collection names
      // can be listed.
      if ('value' in known && seg.arg !== undefined && !resolveClass(attr.wrap).stateful) {
        return { value: (known.value as Record<string, (name: string) => unknown>)[seg.name]!(seg.arg) };
      }
      return { cls: attr.wrap };
    case 'delegate':
      return attr.wrap ? { cls: attr.wrap } : undefined;
    case 'chain':
      return known; // returns the same handle
    case 'event':
      return attr.returnsHandle ? known : undefined;
    case 'async':
    case 'user-callback':
    case 'async-iterator':
    case 'property':
    default:
      return undefined; // futures, iterators: nothing to complete
  }
}

function dataProperty(value: unknown, name: string): Known | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  for (let o: object | null = value; o; o = Object.getPrototypeOf(o) as object | null) {
    const d = Object.getOwnPropertyDescriptor(o, name);
    if (d) return 'value' in d ? { value: d.value } : undefined;
  }
  return undefined;
}

function classOf(known: Known | undefined): ClassName | undefined {
  if (!known) return undefined;
  return 'cls' in known ? known.cls : stateOf(known.value)?.cls.name;
}

export interface CompleterDeps {
  context: () => Context;
  /** Node's own completer, for everything that is not a rotor handle. */
  fallback: Completer;
  /** Collection names of a Db handle. */
  listCollections: (db: unknown) => Promise<string[]>;
  /** Database names, for `use `. */
  listDatabases?: () => Promise<string[]>;
}

const USE_LINE = /^\s*use\s+([\w$.-]*)$/;

/** Completions of a name typed after an opening quote, closed with `')` (nothing follows the cursor). */
function closing(names: string[], quote: string): string[] {
  return names.length === 1 ? names.map((n) => `${n}${quote})`) : names;
}

export function createCompleter(deps: CompleterDeps): Completer {
  return (line, callback) => {
    const use = USE_LINE.exec(line);
    if (use && deps.listDatabases) {
      const prefix = use[1]!;
      return void deps.listDatabases().then(
        (names) => callback(null, [names.filter((n) => n.startsWith(prefix)).sort(), prefix]),
        () => callback(null, [[], prefix]),
      );
    }
    let analysis: Analysis | null;
    let resolution: Resolution = { known: undefined, viaHandle: false };
    let tokens: Token[] = [];
    try {
      tokens = tokenize(line);
      analysis = analyze(line);
      if (analysis) resolution = resolveChain(analysis.chain, deps.context());
    } catch {
      analysis = null;
    }
    const { known } = resolution;
    const cls = classOf(known);
    if (!analysis || !cls) {
      if (resolution.viaHandle || tailHasCall(tokens)) return callback(null, [[], /[\w$]*$/.exec(line)![0]]);
      return deps.fallback(line, callback);
    }
    const { prefix } = analysis;
    if (analysis.kind === 'member') {
      const names = [...resolveClass(cls).names, ...shellNames(cls)].filter((n) => n.startsWith(prefix));
      return callback(null, [names, prefix]);
    }
    if (!known || !('value' in known) || !resolveClass(cls).isA.has('Db')) return callback(null, [[], prefix]);
    const quote = /(['"])[^'"]*$/.exec(line)?.[1] ?? "'";
    deps.listCollections(known.value).then(
      (names) => callback(null, [closing(names.filter((n) => n.startsWith(prefix)).sort(), quote), prefix]),
      () => callback(null, [[], prefix]),
    );
  };
}
