// mongosh habits that are not JavaScript: `it`, `use name`, `show dbs|collections|profile`,
// `help`, `exit`/`quit`, and `<handle>.help` — recognised on a whole statement before it is
// evaluated. Handle help is answered here, from the registry, without running the expression
// (the chain is followed the way completion follows it), so the Proxy factory stays as it is.
import type { Context } from 'node:vm';
import type { ClassName, Attribute } from '../registry/kinds.js';
import { resolveClass } from '../registry/resolve.js';
import { analyze, resolveChain } from './complete.js';
import { stateOf } from '../proxy/factory.js';
import { shellNames } from './shell-members.js';

export type ShellCommand =
  | { kind: 'it' }
  | { kind: 'use'; name: string }
  | { kind: 'show'; what: string }
  | { kind: 'help' }
  | { kind: 'exit'; code: number }
  | { kind: 'handle-help'; cls: ClassName; label: string };

const END = String.raw`\s*;?\s*$`;
const IT = new RegExp(`^\\s*it${END}`);
const USE = new RegExp(`^\\s*use\\s+([^\\s;'"\`()]+)${END}`);
const SHOW = new RegExp(`^\\s*show\\s+([A-Za-z]+)${END}`);
const HELP = new RegExp(`^\\s*help(?:\\s*\\(\\s*\\))?${END}`);
const EXIT = new RegExp(`^\\s*(?:exit|quit)(?:\\s*\\(\\s*(\\d*)\\s*\\))?${END}`);
const HANDLE_HELP = new RegExp(`^\\s*([\\s\\S]+?)\\.help(?:\\s*\\(\\s*\\))?${END}`);

/** The shell command a statement is, if it is one (`it`, `use x`...); `context` resolves `x.help`. */
export function shellCommand(code: string, context: Context): ShellCommand | undefined {
  if (IT.test(code)) return { kind: 'it' };
  const use = USE.exec(code);
  if (use) return { kind: 'use', name: use[1]! };
  const show = SHOW.exec(code);
  if (show) return { kind: 'show', what: show[1]! };
  if (HELP.test(code)) return { kind: 'help' };
  const exit = EXIT.exec(code);
  if (exit) return { kind: 'exit', code: Number(exit[1] || 0) };
  const handle = HANDLE_HELP.exec(code);
  if (handle) {
    const expr = handle[1]!.trim();
    const analysis = analyze(`${expr}.`);
    if (analysis?.kind !== 'member') return undefined;
    const { known } = resolveChain(analysis.chain, context);
    const cls = !known ? undefined : 'cls' in known ? known.cls : stateOf(known.value)?.cls.name;
    if (cls) return { kind: 'handle-help', cls, label: expr };
  }
  return undefined;
}

const KIND_TITLES: Array<[kind: Attribute['kind'], title: string]> = [
  ['async', 'commands (return a Promise, or call back under .framework callback)'],
  ['factory', 'factories (return a handle at once)'],
  ['chain', 'cursor chaining (return the same cursor)'],
  ['user-callback', 'take a function the driver calls'],
  ['delegate', 'synchronous methods'],
  ['property', 'properties'],
  ['event', 'events'],
  ['async-iterator', 'iteration'],
];

/** `<handle>.help`: the class's registry members, grouped by kind. */
export function handleHelp(cls: ClassName, label: string, width = 100): string {
  const resolved = resolveClass(cls);
  const lines = [`${label} is a ${cls}; its members by kind (from rotor's registry):`];
  for (const [kind, title] of KIND_TITLES) {
    const names = [...resolved.attributes].filter(([name, a]) => typeof name === 'string' && a.kind === kind).map(([name]) => name as string).sort();
    if (kind === 'async-iterator' && resolved.attributes.has(Symbol.asyncIterator)) names.push('for await (const x of handle)');
    if (!names.length) continue;
    lines.push(`  ${title}:`, ...wrap(names, width - 4).map((l) => `    ${l}`));
  }
  return lines.join('\n');
}

function wrap(words: string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + 2 + word.length > width) {
      lines.push(`${line},`);
      line = word;
    } else line = line ? `${line}, ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

export const HABITS: Array<[habit: string, what: string]> = [
  ['use name', 'switch the current database (also use(name); in scripts and --eval too)'],
  ['show dbs', 'databases with their size on disk'],
  ['show collections', 'collections of the current database (also show tables)'],
  ['show profile', 'the 5 latest system.profile entries'],
  ['it', 'the next page of the last printed cursor'],
  ['help', 'this text; <handle>.help lists a handle\'s members by kind'],
  ['print(...), printjson(x)', 'print values (BSON as the shell prints it)'],
  ['load(path)', 'run a script file in this session (top-level await works; load it again to redefine)'],
  ['sleep(ms)', 'wait'],
  ['rs.status(), sh.status()', "the server's replSetGetStatus / listShards"],
  ['exit, quit', 'end the session (also Ctrl-D, .exit)'],
  ['Ctrl-C', 'interrupt the running statement and abort its driver operations'],
];

export function guide(pageSize: number): string {
  const width = Math.max(...HABITS.map(([h]) => h.length));
  return [
    'In scope: client, db (the current database), rotor (the rotor module in the current mode), MongoClient,',
    '  GridFSBucket and the other rotor classes, ObjectId(), ISODate(), Long(), NumberLong(), NumberInt(),',
    '  Decimal128(), UUID(), BinData(), HexData(), Code(), DBRef(), MaxKey(), EJSON... as printed.',
    '  Top-level await, static `import x from \'y\'` lines, and const/let declared again work.',
    "Collections: db.users, db['my-coll'], db.getCollection('x'), db.collection('x') (a name one edit away",
    '  from a Db member is taken for a typo: did you mean). Under the sync framework (the default) a call',
    '  returns its value: db.users.countDocuments() + 1 is a number; under promise, a statement\'s value is awaited.',
    'find(filter, projection) and findOne(filter, projection): a second argument that holds no find option',
    '  (limit, sort, projection...) is the projection, as in mongosh; find(filter, projection, options) too.',
    `Shell helpers: ${SHELL_HELP}.`,
    `Cursors print their first ${pageSize} documents without moving the cursor; "it" shows the next ones.`,
    '',
    'Shell commands:',
    ...HABITS.map(([habit, what]) => `  ${habit.padEnd(width)}  ${what}`),
    '',
    'Dot-commands: .framework, .executor, .timing, .editor, .exit (.help lists them).',
  ].join('\n');
}

const SHELL_HELP = (['Db', 'Collection', 'AbstractCursor'] as const)
  .map((cls) => `${cls === 'Db' ? 'db' : cls === 'Collection' ? 'coll' : 'cursor'}.{${shellNames(cls).join(',')}}`)
  .join('; ');
