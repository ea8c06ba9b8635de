// The import graph of compiled modules (dist/lib/**/*.js, .cjs) and its cycles. The compiled output
// holds value imports only: tsc drops `import type` and imports used only as types, so a cycle
// here is one that matters at load time. Dynamic import() is left out (it does not run at load).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Module (path relative to the root) → the modules it imports (relative paths inside the root). */
export type ImportGraph = Map<string, string[]>;

const STATIC_IMPORT = /^\s*(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]/gm;
/** `export * as default from './self.js'`: an entry's own namespace as its default export (import mongodb from 'rotor'), not a dependency. */
const OWN_NAMESPACE = /^\s*export\s*\*\s*as\s+default\s+from\s*['"]([^'"]+)['"]/gm;
const BARE_IMPORT = /^\s*import\s*['"]([^'"]+)['"]/gm;
const REQUIRE = /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

function modules(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return modules(path);
      return /\.c?js$/.test(name) ? [path] : [];
    });
}

/** The relative imports of every module under `root` (package imports are not followed). */
export function importGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of modules(root)) {
    const source = readFileSync(file, 'utf8');
    const targets = new Set<string>();
    for (const re of [STATIC_IMPORT, BARE_IMPORT, REQUIRE]) {
      for (const m of source.matchAll(re)) {
        const spec = m[1]!;
        if (spec.startsWith('.')) targets.add(relative(root, resolve(dirname(file), spec)));
      }
    }
    for (const m of source.matchAll(OWN_NAMESPACE)) if (resolve(dirname(file), m[1]!) === file) targets.delete(relative(root, file));
    graph.set(relative(root, file), [...targets].sort());
  }
  return graph;
}

const TYPE_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/**
 * The relative imports of every TypeScript source under `root` (.ts and .cts files, not .d.ts),
 * type-only ones included (`import type`, `import('./x.js').T`): a cycle here is one between
 * concepts, even where the compiled output leaves it out.
 */
export function sourceImportGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  const sources = (dir: string): string[] =>
    readdirSync(dir)
      .sort()
      .flatMap((name) => {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) return sources(path);
        return /\.c?ts$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
      });
  for (const file of sources(root)) {
    const source = readFileSync(file, 'utf8');
    const targets = new Set<string>();
    for (const re of [STATIC_IMPORT, BARE_IMPORT, REQUIRE, TYPE_IMPORT]) {
      for (const m of source.matchAll(re)) {
        const spec = m[1]!;
        if (spec.startsWith('.')) targets.add(relative(root, resolve(dirname(file), spec)).replace(/\.js$/, '.ts').replace(/\.cjs$/, '.cts'));
      }
    }
    for (const m of source.matchAll(OWN_NAMESPACE)) if (resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts') === file) targets.delete(relative(root, file));
    graph.set(relative(root, file), [...targets].sort());
  }
  return graph;
}

/** Strongly connected components with more than one module (or a module importing itself), each sorted. */
export function cycles(graph: ImportGraph): string[][] {
  // Tarjan's algorithm.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** One import path around a component, for messages: a → b → c → a. */
export function cyclePath(graph: ImportGraph, component: readonly string[]): string {
  const members = new Set(component);
  const start = component[0]!;
  // Breadth-first from start's successors back to start, inside the component.
  const previous = new Map<string, string>();
  const queue = (graph.get(start) ?? []).filter((w) => members.has(w));
  for (const w of queue) previous.set(w, start);
  while (queue.length) {
    const v = queue.shift()!;
    if (v === start) break;
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w) || previous.has(w)) continue;
      previous.set(w, v);
      queue.push(w);
    }
  }
  const path = [start];
  for (let v = previous.get(start); v !== undefined && v !== start; v = previous.get(v)) path.unshift(v);
  path.unshift(start);
  return path.join(' → ');
}
