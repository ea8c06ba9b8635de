// Imported first by rotor/sync (which always runs on the pool): starts the pool's worker before the
// driver and rotor load on this thread, so the worker loads the driver meanwhile (see
// startEarlyWorker). ES modules evaluate their imports in order, and this one's import no driver.
import { startEarlyWorker } from './launch.js';

startEarlyWorker();
