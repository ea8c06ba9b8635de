// rotor/register (ES module; `node --import rotor/register app.mjs`): installs the same hooks as
// register.cjs — `import 'mongodb'` and `require('mongodb')` both resolve to rotor.
import './register.cjs';
