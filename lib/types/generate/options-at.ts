// Writes lib/registry/generated/options-at.ts: for every registry member that takes the driver's
// options object, its position, read from the driver's own declarations (each supported major's),
// never from its JavaScript. The rule is the driver's naming: the parameter called `options`. Where
// overloads disagree (listSearchIndexes(options) and listSearchIndexes(name, options)), the longest
// one's position is kept, the implementation's (where the driver reads it when every argument is
// given), and the others are noted beside it. Where majors disagree, each major has its own.
import { CLASSES } from '../../registry/classes.js';
import { CLASS_NAMES } from '../../registry/resolve.js';
import type { ClassName } from '../../registry/kinds.js';
import type { DriverTypes } from './driver.js';

/** One member in one driver: where its options are, and where shorter overloads put them. */
interface Found {
  readonly at: number | undefined;
  readonly alsoAt: readonly number[];
}

/** class → member → what one driver's declarations say (members it does not declare are absent). */
type Table = Map<ClassName, Map<string, Found>>;

/** The registry's members that are called with arguments, own and inherited, in table order. */
function calledMembers(name: ClassName): Map<string, ClassName> {
  const table = CLASSES[name];
  const members = new Map(table.extends ? calledMembers(table.extends) : []);
  for (const [member, attr] of Object.entries(table.attributes)) {
    if (member.startsWith('[') || attr.kind === 'property' || attr.kind === 'async-iterator') members.delete(member);
    else members.set(member, name);
  }
  return members;
}

/** What `driver` declares for each called registry member. */
function readDriver(driver: DriverTypes): Table {
  const { checker } = driver;
  const table: Table = new Map();
  for (const name of CLASS_NAMES) {
    const decl = driver.cls(name)?.decl;
    const symbol = decl?.name && checker.getSymbolAtLocation(decl.name);
    if (!decl || !symbol) continue; // a class this driver's typings do not declare
    const instance = checker.getDeclaredTypeOfSymbol(symbol);
    const found = new Map<string, Found>();
    for (const member of calledMembers(name).keys()) {
      const property = checker.getPropertyOfType(instance, member);
      if (!property) continue; // not declared by this major (the registry lists the union)
      const signatures = checker.getTypeOfSymbolAtLocation(property, decl).getCallSignatures();
      const positions = signatures.map((s) => s.parameters.findIndex((p) => p.name === 'options')).filter((i) => i >= 0);
      const longest = signatures.filter((s) => s.parameters.some((p) => p.name === 'options')).sort((a, b) => b.parameters.length - a.parameters.length)[0];
      const at = longest?.parameters.findIndex((p) => p.name === 'options');
      found.set(member, { at, alsoAt: [...new Set(positions)].filter((i) => i !== at).sort() });
    }
    table.set(name, found);
  }
  return table;
}

/** The driver's major version, from its package label (`mongodb@7.9.0`). */
function majorOf(driver: DriverTypes): number {
  const major = Number(/@(\d+)\./.exec(driver.label)?.[1]);
  if (!Number.isInteger(major)) throw new Error(`cannot read a major version from '${driver.label}'`);
  return major;
}

/**
 * The generated module's text, from each driver's declarations (one per supported major; two
 * drivers of the same major must agree, the first is kept).
 */
export function emitOptionsAt(drivers: readonly DriverTypes[]): string {
  const byMajor = new Map<number, { label: string; table: Table }>();
  for (const driver of drivers) {
    const major = majorOf(driver);
    if (!byMajor.has(major)) byMajor.set(major, { label: driver.label, table: readDriver(driver) });
  }
  const majors = [...byMajor.keys()].sort((a, b) => b - a);
  const blocks: string[] = [];
  for (const name of CLASS_NAMES) {
    const lines: string[] = [];
    for (const [member, owner] of calledMembers(name)) {
      const per = majors.map((major) => [major, byMajor.get(major)!.table.get(name)?.get(member)] as const).filter(([, f]) => f !== undefined);
      const positions = new Set(per.map(([, f]) => f!.at));
      const value = positions.size === 1 ? [...positions][0] : `{ ${per.flatMap(([major, f]) => (f!.at === undefined ? [] : [`${major}: ${f!.at}`])).join(', ')} }`;
      if (value === undefined) continue;
      if (owner !== name) {
        // Inherited from the registry's parent table: the driver's subclass must agree, or its own
        // table must list the member (so the generated entry lands where the resolver looks).
        for (const { label, table } of byMajor.values()) {
          const mine = table.get(name)?.get(member);
          const parent = table.get(owner)?.get(member);
          if (mine && parent && mine.at !== parent.at) throw new Error(`${label}: ${name}.${member} takes options at ${mine.at}, ${owner}.${member} at ${parent.at}; list ${member} in ${name}'s own table`);
        }
        continue;
      }
      const also = [...new Set(per.flatMap(([, f]) => f!.alsoAt))];
      const note = also.length ? ` // also ${also.join(', ')}, in a shorter overload` : '';
      lines.push(`    ${member}: ${value},${note}`);
    }
    if (lines.length) blocks.push(`  ${name}: {`, ...lines, '  },');
  }
  const labels = majors.map((m) => `${byMajor.get(m)!.label}'s`);
  return [
    `// Generated by lib/types/generate/options-at.ts from ${labels.join(' and ')} declarations; do not edit`,
    '// (npm run build:types regenerates it; spec/types-options-at.spec.ts fails while the committed copy is stale).',
    '// Where each registry member takes the driver\'s options object: the position of the parameter the',
    '// declarations name `options` (in the longest overload that has one). `{ 6: n }`: the majors differ;',
    '// a major left out declares the member without options. Read by ./resolve.ts into `optionsAt`.',
    "import type { OptionsAtEntry } from '../kinds.js';",
    '',
    '/** The driver majors read, newest first: without a loaded driver\'s version, the first one\'s positions apply. */',
    `export const OPTIONS_AT_MAJORS: readonly number[] = [${majors.join(', ')}];`,
    '',
    'export const OPTIONS_AT: Readonly<Record<string, Readonly<Record<string, OptionsAtEntry>>>> = {',
    ...blocks,
    '};',
    '',
  ].join('\n');
}
