// What `require('mongodb')` resolves to under rotor/register: the driver's CommonJS exports with
// rotor's classes in place of the driver's, taken from entry.js (loaded with require(esm), so
// `import` and `require` in one app share one set of rotor classes).
import driver = require('mongodb');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rotor = require('./entry.js') as Record<string, unknown>;

const exportsObject: Record<string, unknown> = {};
for (const key of Object.keys(driver)) exportsObject[key] = (driver as unknown as Record<string, unknown>)[key];
for (const key of Object.keys(rotor)) if (key !== 'default' && key !== '__esModule') exportsObject[key] = rotor[key];
// Like the driver's own exports (compiled from TypeScript): flagged, not enumerable.
if ((driver as unknown as { __esModule?: boolean }).__esModule) Object.defineProperty(exportsObject, '__esModule', { value: true });

export = exportsObject;
