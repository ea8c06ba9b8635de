// After tsc (`npm run build`): the pool worker's module graph (~20 ES modules) as one file,
// dist/lib/executor/pool/worker/bundle.js, which worker/entry.ts loads (but under V8 coverage). A
// worker loads it on every start, before its first command: Node 20 links ES modules one by one
// (~0.5 ms each), the one file in a third of the time (README "Cold start"). Only the worker thread
// loads it, so no module of rotor's exists twice in a thread; packages (the driver, tinypool) stay
// imports. The source map leads back to lib/**.ts.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const worker = (file) => fileURLToPath(new URL(`../dist/lib/executor/pool/worker/${file}`, import.meta.url));
await build({
  entryPoints: [worker('index.js')],
  outfile: worker('bundle.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
