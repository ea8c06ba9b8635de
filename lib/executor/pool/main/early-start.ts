// Imported first by rotor/sync: starts the pool's worker before the driver and rotor load here, so
// the worker loads the driver meanwhile. ES modules evaluate their imports in order; this imports no driver.
import { startEarlyWorker } from './launch.js';

startEarlyWorker();
