// Which form of the pool's compiled modules a thread loads: the one-file bundle that `npm run build`
// writes beside them (scripts/bundle-pool.mjs: linking ES modules one by one costs a cold start
// ~0.5 ms each), or the modules themselves: under V8 coverage (c8 maps their ranges exactly, the
// bundle's composed source map loses uncovered ones), and when the bundle is missing or older than
// the modules (a tsc-only rebuild: its code would not match this build's). An installed package's
// files all carry npm's one mtime: the bundle, equal, is taken. A `tsc -w` that re-emits some
// modules but not the entry is not seen: rebuild with `npm run build`.
import { statSync } from 'node:fs';

const modifiedMs = (file: URL): number | undefined => statSync(file, { throwIfNoEntry: false })?.mtimeMs;

/** `bundle` when it is as new as `entry` (the modules' entry) and no V8 coverage is being taken, else `entry`. */
export function bundleOr(bundle: URL, entry: URL): URL {
  if (process.env.NODE_V8_COVERAGE) return entry;
  return (modifiedMs(bundle) ?? -1) >= (modifiedMs(entry) ?? Infinity) ? bundle : entry;
}
