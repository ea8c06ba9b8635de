// Loaded with `node --import`: resolves every `import 'mongodb'` and `require('mongodb')` to the
// mongodb 6.x install (npm alias `mongodb6`), so the same compiled suite runs against both supported
// driver majors. Both: rotor loads the driver with require() (lib/driver.cts), apps and specs with
// import; a run where they differed would mix bson classes of two majors.
import { register } from 'node:module';
import nodeModule from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier === 'mongodb') return next('mongodb6', context);
  return next(specifier, context);
}`),
  import.meta.url,
);

type ResolveFilename = (request: string, ...rest: unknown[]) => string;
const Module = nodeModule as unknown as { _resolveFilename: ResolveFilename };
const original = Module._resolveFilename;
Module._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
  return original.call(this, request === 'mongodb' ? 'mongodb6' : request, ...rest);
};
