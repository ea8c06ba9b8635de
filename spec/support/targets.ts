// The rotor targets every integration spec runs against: each framework (and, later, each executor).
// Each `rotor` has the same shape as `import * as mongodb from 'mongodb'`.
import type * as mongodb from 'mongodb';
import type { Db, MongoClient } from 'mongodb';
import { testUri, type Suite } from './env.js';
import * as promiseRotor from '../../lib/index.js';
import * as callbackRotor from '../../lib/callback.js';
import * as syncRotor from '../../lib/sync.js';
import { createRotor } from '../../lib/index.js';
import { poolModules } from '../../lib/create-rotor.js';
import { thenableFramework } from './thenable-framework.js';

export interface Target {
  /** e.g. 'promise-inline' */
  readonly name: string;
  readonly framework: 'promise' | 'callback' | 'thenable' | 'sync';
  readonly executor: 'inline' | 'pool';
  readonly rotor: typeof mongodb;
}

export const targets: Target[] = [
  { name: 'promise-inline', framework: 'promise', executor: 'inline', rotor: promiseRotor },
  { name: 'callback-inline', framework: 'callback', executor: 'inline', rotor: callbackRotor },
  {
    name: 'thenable-inline',
    framework: 'thenable',
    executor: 'inline',
    rotor: { ...promiseRotor, ...createRotor({ framework: thenableFramework, executor: 'inline' }) } as unknown as typeof mongodb,
  },
];

// The same suite again with the driver in a pool worker, for every framework.
const spanningPool = poolModules().createPoolExecutor({ workers: 2, span: true });
export const closeTargets = (): Promise<void> => spanningPool.close();

if (process.env.ROTOR_TEST_EXECUTORS !== 'inline') {
  const pool = (framework: 'promise' | 'callback' | typeof thenableFramework) => createRotor({ framework, executor: 'pool' });
  targets.push(
    { name: 'promise-pool', framework: 'promise', executor: 'pool', rotor: { ...promiseRotor, ...pool('promise') } as unknown as typeof mongodb },
    { name: 'callback-pool', framework: 'callback', executor: 'pool', rotor: { ...callbackRotor, ...pool('callback') } as unknown as typeof mongodb },
    { name: 'thenable-pool', framework: 'thenable', executor: 'pool', rotor: { ...promiseRotor, ...pool(thenableFramework) } as unknown as typeof mongodb },
    // Blocking: every command returns its value; the await-based bodies run as they are (`await value` is the value).
    { name: 'sync-pool', framework: 'sync', executor: 'pool', rotor: syncRotor as unknown as typeof mongodb },
    // Each client spread over two workers: stateless commands alternate, stateful handles pinned.
    { name: 'promise-pool-span', framework: 'promise', executor: 'pool', rotor: { ...promiseRotor, ...createRotor({ executor: spanningPool }) } as unknown as typeof mongodb },
  );
}

// ROTOR_TEST_TARGETS=sync-pool,promise-pool runs only those targets (a quick look at one pairing).
const onlyTargets = process.env.ROTOR_TEST_TARGETS?.split(',').map((t) => t.trim()).filter(Boolean);
if (onlyTargets?.length) targets.splice(0, targets.length, ...targets.filter((t) => onlyTargets.includes(t.name)));

/**
 * Connects a client of `target` to the run's server before the suite's tests and hands it, with its
 * database `name`, to `use` (which keeps them and does the suite's own setup); after the tests, drops
 * that database and closes the client.
 */
export function connectTarget<S>(test: Suite<S>, target: Target, name: string, use: (client: MongoClient, db: Db) => void | Promise<void>): void {
  let client: MongoClient | undefined;
  let db: Db;

  test.before(async () => {
    client = new target.rotor.MongoClient(testUri());
    await client.connect();
    db = client.db(name);
    await use(client, db);
  });

  test.after(async () => {
    if (!client) return;
    try {
      await db.dropDatabase();
    } finally {
      await client.close();
    }
  });
}
