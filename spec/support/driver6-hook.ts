// Loaded with `node --import`: resolves every `import 'mongodb'` to the mongodb 6.x install (npm alias
// `mongodb6`), so the same compiled suite runs against both supported driver majors.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier === 'mongodb') return next('mongodb6', context);
  return next(specifier, context);
}`),
  import.meta.url,
);
