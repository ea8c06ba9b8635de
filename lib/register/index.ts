// rotor/register (ES module; `node --import rotor/register app.mjs`): installs the same as
// register.cjs — `import 'mongodb'` and `require('mongodb')` both get rotor. Loaded with require(),
// not `import './register.cjs'`: Node would parse its source for export names first.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./register.cjs');
