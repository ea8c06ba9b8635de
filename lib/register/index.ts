// rotor/register (ES module; `node --import rotor/register app.mjs`): installs the same as
// register.cjs — `import 'mongodb'` and `require('mongodb')` both get rotor. Loaded with require(),
// not `import './register.cjs'`: Node would parse its source for export names first.
import { createRequire } from 'node:module';
// Type-only: keeps register.cts (and what it loads by path) in every compilation of lib/**/*.ts.
import type * as _register from './register.cjs';

createRequire(import.meta.url)('./register.cjs');
