// rotor/register/jest, for jest's moduleNameMapper (`'^mongodb$': require.resolve('rotor/register/jest')`).
// jest runs test files in a module registry of its own, which neither Node's resolution hooks nor
// its require() reach, so rotor/register alone leaves a jest suite on the plain driver. Loaded in
// that registry, this file takes rotor's entry from Node's own require instead: rotor and the
// driver it wraps load once, outside jest's registry, where rotor's own imports of the driver stay
// the driver's. Framework and executor: ROTOR_FRAMEWORK, ROTOR_EXECUTOR, as for rotor/register.
import nodeModule = require('node:module');
// Type-only: keeps entry.cts in the compilation (it is loaded by path, below).
import type _entry = require('./entry.cjs');

export = nodeModule.createRequire(__filename)('./entry.cjs') as Record<string, unknown>;
