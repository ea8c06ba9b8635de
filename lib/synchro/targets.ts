// What the runner drives: `bare` (the driver itself) or rotor with a framework and an executor.
// Each target supplies a module namespace shaped like `import * as mongodb from 'mongodb'`; the
// runner only ever reaches driver objects through it, so a missing or mis-wrapped member fails.
import type * as mongodb from 'mongodb';
import * as driver from 'mongodb';
import { createRotor, EXECUTORS, FRAMEWORKS } from '../create-rotor.js';

export interface SynchroTarget {
  /** `bare`, or `<framework>-<executor>` (e.g. `promise-inline`). */
  readonly name: string;
  /** The module the target's code would import in place of 'mongodb'. */
  readonly module: typeof mongodb;
}

export const BARE = 'bare';

/** `bare` and every framework × executor pairing rotor knows, executor by executor (a new executor joins on its own). */
export function targetNames(): string[] {
  const names = [BARE];
  for (const executor of Object.keys(EXECUTORS)) {
    for (const framework of Object.keys(FRAMEWORKS)) {
      // A blocking framework pairs only with the pool (with the driver on the blocked thread it would deadlock).
      if (FRAMEWORKS[framework]!.blocking && executor !== 'pool') continue;
      names.push(`${framework}-${executor}`);
    }
  }
  return names;
}

/**
 * Builds the named targets. rotor targets come from the package's entry points where one exists
 * for the pairing (`rotor` is promise-inline, `rotor/callback` is callback-inline, used without
 * callbacks), otherwise from createRotor() over the driver's own exports.
 */
export async function makeTargets(names: string[]): Promise<SynchroTarget[]> {
  const known = targetNames();
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new Error(`unknown synchro target(s) ${unknown.join(', ')}; available: ${known.join(', ')}`);
  const targets: SynchroTarget[] = [];
  for (const name of names) targets.push(await makeTarget(name));
  return targets;
}

async function makeTarget(name: string): Promise<SynchroTarget> {
  if (name === BARE) return { name, module: driver };
  const dash = name.lastIndexOf('-');
  const framework = name.slice(0, dash);
  const executor = name.slice(dash + 1);
  if (executor === 'inline' && framework === 'promise') return { name, module: (await import('../index.js')) as unknown as typeof mongodb };
  if (executor === 'inline' && framework === 'callback') return { name, module: (await import('../callback.js')) as unknown as typeof mongodb };
  const rotor = createRotor({ framework: framework as 'promise', executor: executor as 'inline' });
  const { runtime: _runtime, ...classes } = rotor;
  return { name, module: { ...driver, ...classes } as unknown as typeof mongodb };
}
