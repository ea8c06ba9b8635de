// What the app's `require('mongodb')` and `import 'mongodb'` get under rotor/register
// (./register.cts puts it in the driver's place in Node's module cache): the driver's exports with
// rotor's classes in place of the driver's, for the framework and executor named by the environment
// (./rotor.ts). One object, so an app mixing import and require sees one set of classes. Also what
// rotor/register/jest hands to jest's registry.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { driver } = require('../driver.js') as typeof import('../driver.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { classes } = require('./rotor.js') as typeof import('./rotor.js');

const exportsObject: Record<string, unknown> = {};
for (const key of Object.keys(driver)) if (key !== 'default' && key !== '__esModule') exportsObject[key] = (driver as unknown as Record<string, unknown>)[key];
// The registered classes (not the rotor's runtime, poolStats, close: the driver exports no such names).
const rotor = classes as unknown as Record<string, unknown>;
for (const key of Object.keys(rotor)) if (/^[A-Z]/.test(key) && typeof rotor[key] === 'function') exportsObject[key] = rotor[key];
// Like the driver's own exports (compiled from TypeScript): flagged, not enumerable.
Object.defineProperty(exportsObject, '__esModule', { value: true });

export = exportsObject;
