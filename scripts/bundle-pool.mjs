// After tsc (`npm run build`): the pool's compiled ES modules as two files, which a process loads on
// every pool start (but under V8 coverage: lib/util/bundle.ts). Node 20 links ES modules one by one
// (~0.5 ms each, more while the other thread loads the driver); one file takes a third of the time
// (README "Cold start"). Packages (the driver, tinypool) stay imports; the source maps lead back to lib/**.ts.
// - dist/lib/executor/pool/worker/bundle.js: the worker's ~20 modules (worker/entry.ts loads it).
//   Only the worker thread loads it, so no module of rotor's exists twice in a thread.
// - dist/lib/executor/pool/bundle.js: the main thread's pool modules (index.ts and blocking.ts with
//   what they import from the pool's folder; create-rotor.ts loads it). Every module outside the
//   folder, and the pool modules reached from outside it (SHARED), stay imports: one copy of each
//   in the thread, whichever way it was reached.
import { build } from 'esbuild';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const pool = fileURLToPath(new URL('../dist/lib/executor/pool/', import.meta.url));
const common = { bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', sourcemap: true, logLevel: 'warning' };

await build({ ...common, entryPoints: [resolve(pool, 'worker/index.js')], outfile: resolve(pool, 'worker/bundle.js') });

/** Pool modules that modules outside the folder import (rotor/register, rotor/sync, fault specs): never inlined. */
const SHARED = ['main/launch.js', 'main/early-start.js', 'main/errors.js', 'main/internals.js'].map((file) => resolve(pool, file));
const outside = (file) => !file.startsWith(pool) || file.startsWith(resolve(pool, 'worker') + sep) || SHARED.includes(file);
await build({
  ...common,
  stdin: { contents: "export * from './index.js';\nexport * from './blocking.js';\n", resolveDir: pool, sourcefile: 'bundle-entry.js' },
  outfile: resolve(pool, 'bundle.js'),
  plugins: [
    {
      name: 'pool-folder-only',
      setup(b) {
        b.onResolve({ filter: /^\.\.?\// }, ({ path, resolveDir }) => {
          const file = resolve(resolveDir, path);
          if (!outside(file)) return undefined;
          const fromBundle = relative(dirname(resolve(pool, 'bundle.js')), file).split(sep).join('/');
          return { path: fromBundle.startsWith('.') ? fromBundle : `./${fromBundle}`, external: true };
        });
      },
    },
  ],
});
