// `node dist/lib/types/generate/cjs-declarations.js`, after tsc: writes a `.d.cts` twin of every
// declaration file a public entry point reaches, with its relative imports pointing at the twins.
// A CommonJS TypeScript consumer (`module` node16/nodenext without "type": "module") resolves
// package.json's `require` condition to these, so `import { MongoClient } from 'rotor'` is not
// TS1479 ("an ECMAScript module cannot be imported with 'require'"): at run time `require('rotor')`
// loads the ES module itself (Node's require(esm)), whose exports the twins declare.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const libDir = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
/** The entry points' declaration files (package.json `exports` with a `require` condition). */
export const CJS_ENTRIES = ['index.d.ts', 'callback.d.ts', 'sync.d.ts', 'server/harness.d.ts', 'otel/index.d.ts'];

const RELATIVE = /((?:from|import)\s*\(?\s*['"])(\.\.?\/[^'"]+?)\.js(['"])/g;

export function writeCjsDeclarations(dir = libDir): string[] {
  const written: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!existsSync(file)) throw new Error(`declaration file missing: ${file}`);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(RELATIVE)) visit(resolve(dirname(file), `${m[2]}.d.ts`));
    const twin = file.replace(/\.d\.ts$/, '.d.cts');
    writeFileSync(twin, text.replace(RELATIVE, '$1$2.cjs$3'));
    written.push(relative(dir, twin));
  };
  for (const entry of CJS_ENTRIES) visit(join(dir, entry));
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const written = writeCjsDeclarations();
  process.stdout.write(`rotor: wrote ${written.length} CommonJS declaration twins (.d.cts)\n`);
}
