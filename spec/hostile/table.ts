// The hostile-input matrix (issue #21): one row per input and place, run on the bare driver and on
// rotor inline, pool and sync. Every row expects the bare driver's outcome (`same`), or a clearer
// error that the row names and explains. `issue` marks a row that covers one of issue #21's
// numbered findings. Each row also checks, on every target: what the server holds afterwards is
// what the bare driver left (nothing written twice, nothing written that the driver refused), no
// uncaught exception or unhandled rejection the driver did not cause, and the pool's counters back
// to zero once the row's clients are closed.
import { THROWN, SHAPES, VALUES, type ShapeName, type ThrownName, type ValueName } from './inputs.js';
import { SHAPE_PLACES, THROWN_PLACES, VALUE_PLACES, type Place, type ShapePlace, type ThrownPlace, type ValuePlace } from './places.js';
import { SPECIAL_ROWS } from './special-rows.js';
import type { Ctx } from './runner.js';
import { BIG_ROW_MS, CYCLE_PATH, S, TOO_DEEP, type Expect, type Row } from './row.js';

type Line<I, P> = readonly [input: I, where: P, expect?: Expect, issue?: number];

const shapeRows = (lines: ReadonlyArray<Line<ShapeName, ShapePlace>>): Row[] =>
  lines.map(([input, where, expect = S, issue]) => ({ input, where, expect, ...(issue ? { issue } : {}), run: (t: Ctx) => (SHAPE_PLACES[where] as Place)(t, SHAPES[input]) }));
const valueRows = (lines: ReadonlyArray<Line<ValueName, ValuePlace>>): Row[] =>
  lines.map(([input, where, expect = S, issue]) => ({ input, where, expect, ...(issue ? { issue } : {}), ...(input.includes('16 MiB') ? { timeoutMS: BIG_ROW_MS } : {}), run: (t: Ctx) => (VALUE_PLACES[where] as Place)(t, VALUES[input]) }));
const thrownRows = (lines: ReadonlyArray<Line<ThrownName, ThrownPlace>>): Row[] =>
  lines.map(([input, where, expect = S, issue]) => ({ input, where, expect, ...(issue ? { issue } : {}), run: (t: Ctx) => (THROWN_PLACES[where] as Place)(t, THROWN[input]) }));

const everyShape = Object.keys(SHAPES) as ShapeName[];
const everyValue = Object.keys(VALUES) as ValueName[];
const everyThrown = Object.keys(THROWN) as ThrownName[];
const grid = <I extends string, P extends string>(inputs: readonly I[], where: P, except: Partial<Record<I, [Expect, number?]>> = {}): Array<Line<I, P>> =>
  inputs.map((input) => [input, where, ...(except[input] ?? [])] as Line<I, P>);

export const ROWS: Row[] = [
  // ── documents, filters, options: every shape ────────────────────────────────────────────
  ...shapeRows(grid(everyShape, 'insertOne document', { 'frozen object': [S, 2], 'sealed object': [S, 2], 'non-extensible object': [S, 2] })),
  ...shapeRows(grid(everyShape, 'find filter')),
  ...shapeRows(grid(everyShape, 'insertOne options')),
  ...shapeRows(grid(everyShape, 'client options')),
  ...shapeRows([
    ['frozen object', 'insertMany document', S, 2],
    ['Proxy (no traps)', 'insertMany document'],
    ['revoked Proxy', 'insertMany document'],
    ['class instance with private fields', 'insertMany document'],
    ['Object.create(null)', 'insertMany document'],
    ['frozen object', 'replaceOne replacement'],
    ['Proxy (no traps)', 'replaceOne replacement'],
    ['throwing getter', 'replaceOne replacement'],
    ['revoked Proxy', 'replaceOne replacement'],
    ['Proxy (no traps)', 'deleteMany filter'],
    ['Proxy with a throwing get trap', 'deleteMany filter'],
    ['revoked Proxy', 'deleteMany filter'],
    ['class instance with private fields', 'deleteMany filter'],
    ['Map', 'deleteMany filter'],
    ['Proxy (no traps)', 'find options'],
    ['frozen object', 'find options'],
    ['throwing getter', 'find options'],
    ['revoked Proxy', 'find options'],
    ['Object.create(null)', 'find options'],
    ['Proxy (no traps)', 'command document'],
    ['revoked Proxy', 'command document'],
    ['Map', 'command document'],
  ]),
  // ── values: in a document, a filter, an option; returned by user functions ────────────
  // (Deeper than 100 levels stays off the server here: FerretDB takes over 30 s to insert a document 5,000 levels deep.)
  ...valueRows(grid(everyValue.filter((v) => !['nested 3,000 levels', 'nested 100,000 levels'].includes(v)), 'document field', { 'cycle through an object': [CYCLE_PATH], 'cycle through an array': [CYCLE_PATH], 'cycle through a Map': [CYCLE_PATH] })),
  // (A Promise returned to withSession is awaited by the driver; the sync framework's functions are synchronous.)
  ...valueRows(grid(everyValue.filter((v) => v !== 'a Promise'), 'withSession return', Object.fromEntries(everyValue.map((v) => [v, [S, 4]])))),
  ...valueRows([
    ['BigInt', 'filter value'],
    ['Symbol', 'filter value'],
    ['Map', 'filter value'],
    ['Set', 'filter value'],
    ['Uint8Array', 'filter value'],
    ['SharedArrayBuffer', 'filter value'],
    ['function', 'filter value'],
    ['Proxy (no traps)', 'filter value'],
    ['revoked Proxy', 'filter value'],
    ['class instance with private fields', 'filter value'],
    ['cycle through an object', 'filter value', CYCLE_PATH],
    ['nested 100 levels', 'filter value'],
    ['nested 3,000 levels', 'filter value', TOO_DEEP],
    ['string with a NUL', 'filter value'],
    ['undefined', 'filter value'],
    ['BigInt', '$set value'],
    ['Map', '$set value'],
    ['cycle through an object', '$set value', CYCLE_PATH],
    ['BigInt', 'option value (comment)'],
    ['Symbol', 'option value (comment)'],
    ['cycle through an object', 'option value (comment)', CYCLE_PATH],
    ['revoked Proxy', 'option value (comment)'],
    ['frozen object', 'withTransaction return', S, 4],
    ['cycle through an object', 'withTransaction return', S, 4],
    ['Proxy (no traps)', 'withTransaction return', S, 4],
    ['class instance with private fields', 'withTransaction return', S, 4],
    ['BigInt', 'withTransaction return', S, 4],
    ['string over 16 MiB', 'withTransaction return', S, 4],
    ['cycle through an object', 'cursor map return'],
    ['Proxy (no traps)', 'cursor map return'],
    ['Symbol', 'cursor map return'],
    ['function', 'cursor map return'],
    ['class instance with private fields', 'cursor map return'],
    ['nested 100,000 levels', 'cursor map return'],
    ['null', 'cursor map return'],
  ]),
  // The driver awaits each mapped value (a revoked Proxy fails there, a Promise is resolved): the sync framework cannot wait.
  { ...valueRows([['a Promise', 'cursor map return']])[0]!, notOn: { sync: "the sync framework's functions are synchronous: toArray() cannot wait for a Promise" } },
  { ...valueRows([['revoked Proxy', 'cursor map return']])[0]!, notOn: { sync: 'the sync framework cannot await a mapped value, so nothing reads its then' } },
  // ── what user functions throw ──────────────────────────────────────────────────────────
  ...thrownRows(grid(everyThrown, 'thrown from withSession', {
    "an app's Error subclass": [S, 10],
    'a string': [S, 10],
    'a number': [S, 10],
    undefined: [S, 10],
    'a frozen Error': [S, 10],
    'an Error with a Proxy field': [S, 4],
    'an Error that is its own cause': [S, 10],
    'an Error with a BigInt field': [S, 10],
    'a Proxy around an Error': [S, 10],
    'a revoked Proxy': [S, 10],
  })),
  ...thrownRows(grid(everyThrown, 'thrown from withTransaction', {
    "an app's Error subclass": [S, 10],
    'a string': [S, 10],
    'a number': [S, 10],
    undefined: [S, 10],
    'a frozen Error': [S, 10],
    'an Error with a Proxy field': [S, 4],
    'an Error that is its own cause': [S, 10],
    'an Error with a BigInt field': [S, 10],
    'a Proxy around an Error': [S, 10],
    'a revoked Proxy': [S, 10],
  })),
  ...thrownRows(grid(everyThrown, 'thrown from cursor map')),
  ...thrownRows([
    ["an app's Error subclass", 'thrown from cursor forEach'],
    ['a string', 'thrown from cursor forEach'],
    ['a revoked Proxy', 'thrown from cursor forEach'],
  ]),
  ...thrownRows(grid(everyThrown, 'thrown from a commandStarted listener', Object.fromEntries(everyThrown.map((name) => [name, [S, 7]])))),
  ...thrownRows(grid(everyThrown, 'thrown from a connectionCheckOutStarted listener', Object.fromEntries(everyThrown.map((name) => [name, [S, 7]])))),
  // ── function-valued options, 16 MiB documents, signals, GridFS ─────────────────────────
  ...SPECIAL_ROWS,
];
