// A pool executor and a client on it, for specs of the pool itself: made for one test and closed
// after it whatever the outcome (the client, then the workers).
import type * as driver from 'mongodb';
import { createRotor } from '../../lib/index.js';
import { poolModules } from '../../lib/create-rotor.js';
import type { PoolExecutor, PoolOptions } from '../../lib/executor/pool/index.js';
import { testUri } from './env.js';

export interface PoolRotor {
  executor: PoolExecutor;
  MongoClient: typeof driver.MongoClient;
}

/** A rotor on its own pool executor (one worker unless `options` say otherwise). */
export function poolRotor(options: PoolOptions = {}): PoolRotor {
  const executor = poolModules().createPoolExecutor({ workers: 1, ...options });
  return { executor, MongoClient: createRotor({ executor }).MongoClient as unknown as typeof driver.MongoClient };
}

export interface PoolClientOptions {
  pool?: PoolOptions;
  client?: driver.MongoClientOptions;
  /** The test breaks the client on purpose (a lost worker): closing it may fail, quietly. */
  closeQuietly?: boolean;
}

/**
 * Runs `use` with a client on a fresh pool executor, then closes both. The test may close the
 * client itself (closing twice is harmless); a failure to close fails the test, unless closeQuietly.
 */
export async function withPoolClient(use: (p: PoolRotor & { client: driver.MongoClient }) => Promise<void>, options: PoolClientOptions = {}): Promise<void> {
  const { executor, MongoClient } = poolRotor(options.pool);
  const client = new MongoClient(testUri(), options.client);
  try {
    await use({ executor, MongoClient, client });
  } finally {
    try {
      await (options.closeQuietly ? client.close().catch(() => {}) : client.close());
    } finally {
      await executor.close();
    }
  }
}
