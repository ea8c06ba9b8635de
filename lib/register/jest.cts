// rotor/register/jest, for jest's moduleNameMapper (`'^mongodb$': require.resolve('rotor/register/jest')`).
// jest runs test files in a module registry of its own, which neither Node's resolution hooks nor
// its require() reach, so rotor/register alone leaves a jest suite on the plain driver. Loaded in
// that registry, this file takes rotor's entry from Node's own require instead: rotor and the
// driver it wraps load once, outside jest's registry, where rotor's own imports of the driver stay
// the driver's. Framework and executor: ROTOR_FRAMEWORK, ROTOR_EXECUTOR, as for rotor/register.
import vm = require('node:vm');
import type nodeModule = require('node:module');
// Type-only: keeps entry.cts in the compilation (it is loaded by path, below).
import type _entry = require('./entry.cjs');

// jest hands out a `module` (and a process.getBuiltinModule) whose createRequire is its registry's;
// Node's own `process`, in the context the vm builtin belongs to, still gives Node's.
const nodeProcess: NodeJS.Process = vm.runInThisContext('process');
const nodeModuleBuiltin: typeof nodeModule = nodeProcess.getBuiltinModule('node:module');
const nodeRequire = nodeModuleBuiltin.createRequire(__filename);
export = nodeRequire('./entry.cjs') as Record<string, unknown>;
