// The entity map of one test: clients (with the events they observed), databases, collections,
// sessions, buckets, cursors, change streams, threads and saved values, each under its name and
// kind. Every driver object is made through the target's module or a method of another entity.
import { RunnerError } from './errors.js';
import type { Doc } from './format.js';
import type { SynchroTarget } from './targets.js';
import { withTimeout } from '../util/timeout.js';

export type EntityKind =
  | 'client'
  | 'database'
  | 'collection'
  | 'session'
  | 'bucket'
  | 'cursor'
  | 'changeStream'
  | 'thread'
  | 'topologyDescription'
  | 'value';

export type EventCategory = 'command' | 'cmap' | 'sdam';

export interface RecordedEvent {
  readonly category: EventCategory;
  /** The unified format's name: commandStartedEvent, connectionReadyEvent... */
  readonly type: string;
  /** The driver's event object, as the client emitted it. */
  readonly event: any;
}

/** Unified-format event names → the driver's event names, by category. */
export const EVENT_NAMES: Readonly<Record<string, { category: EventCategory; driver: string }>> = {
  commandStartedEvent: { category: 'command', driver: 'commandStarted' },
  commandSucceededEvent: { category: 'command', driver: 'commandSucceeded' },
  commandFailedEvent: { category: 'command', driver: 'commandFailed' },
  poolCreatedEvent: { category: 'cmap', driver: 'connectionPoolCreated' },
  poolReadyEvent: { category: 'cmap', driver: 'connectionPoolReady' },
  poolClearedEvent: { category: 'cmap', driver: 'connectionPoolCleared' },
  poolClosedEvent: { category: 'cmap', driver: 'connectionPoolClosed' },
  connectionCreatedEvent: { category: 'cmap', driver: 'connectionCreated' },
  connectionReadyEvent: { category: 'cmap', driver: 'connectionReady' },
  connectionClosedEvent: { category: 'cmap', driver: 'connectionClosed' },
  connectionCheckOutStartedEvent: { category: 'cmap', driver: 'connectionCheckOutStarted' },
  connectionCheckOutFailedEvent: { category: 'cmap', driver: 'connectionCheckOutFailed' },
  connectionCheckedOutEvent: { category: 'cmap', driver: 'connectionCheckedOut' },
  connectionCheckedInEvent: { category: 'cmap', driver: 'connectionCheckedIn' },
  serverDescriptionChangedEvent: { category: 'sdam', driver: 'serverDescriptionChanged' },
  serverHeartbeatStartedEvent: { category: 'sdam', driver: 'serverHeartbeatStarted' },
  serverHeartbeatSucceededEvent: { category: 'sdam', driver: 'serverHeartbeatSucceeded' },
  serverHeartbeatFailedEvent: { category: 'sdam', driver: 'serverHeartbeatFailed' },
  topologyDescriptionChangedEvent: { category: 'sdam', driver: 'topologyDescriptionChanged' },
  topologyOpeningEvent: { category: 'sdam', driver: 'topologyOpening' },
  topologyClosedEvent: { category: 'sdam', driver: 'topologyClosed' },
  serverOpeningEvent: { category: 'sdam', driver: 'serverOpening' },
  serverClosedEvent: { category: 'sdam', driver: 'serverClosed' },
};

/** Commands whose events are ignored unless observeSensitiveCommands (command monitoring spec). */
const SENSITIVE = new Set(['authenticate', 'saslstart', 'saslcontinue', 'getnonce', 'createuser', 'updateuser', 'copydbgetnonce', 'copydbsaslstart', 'copydb']);
/** Sensitive only with speculativeAuthenticate, which the driver shows by redacting them to `{}`. */
const HELLO = new Set(['hello', 'ismaster']);

function isEmptyDoc(value: unknown): boolean {
  return value == null || (typeof value === 'object' && Object.keys(value).length === 0);
}

/** A client entity: the target's MongoClient and what it observed. */
export class ClientEntity {
  readonly events: RecordedEvent[] = [];
  /** Connections checked out right now (from CMAP events, always counted). */
  checkedOut = 0;
  /** Listeners to detach when the test's operations end. */
  private readonly listeners: Array<[string, (e: any) => void]> = [];
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly id: string,
    readonly client: any,
    description: Doc,
  ) {
    const ignored = new Set<string>([...((description.ignoreCommandMonitoringEvents as string[] | undefined) ?? []), 'configureFailPoint']);
    const observeSensitive = description.observeSensitiveCommands === true;
    for (const type of (description.observeEvents as string[] | undefined) ?? []) {
      const known = EVENT_NAMES[type];
      if (!known) throw new RunnerError(`client '${id}': unsupported observeEvents entry '${type}'`);
      const listener = (event: any): void => {
        if (known.category === 'command') {
          if (ignored.has(event.commandName)) return;
          if (!observeSensitive && isSensitive(type, event)) return;
        }
        this.events.push({ category: known.category, type, event });
        for (const w of this.waiters) w();
      };
      this.listen(known.driver, listener);
    }
    this.listen('connectionCheckedOut', () => this.checkedOut++);
    this.listen('connectionCheckedIn', () => this.checkedOut--);
  }

  private listen(name: string, listener: (e: any) => void): void {
    this.client.on(name, listener);
    this.listeners.push([name, listener]);
  }

  /** Stops recording (the spec: listeners are disabled once the operations have run). */
  stopObserving(): void {
    for (const [name, listener] of this.listeners.splice(0)) this.client.off(name, listener);
  }

  /** Resolves when `predicate` holds, re-checked after every recorded event; rejects after `ms`. */
  async waitFor(predicate: () => boolean, ms: number, what: string): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${ms} ms waiting for ${what} on client '${this.id}'`));
      }, ms);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }
}

function isSensitive(type: string, event: any): boolean {
  const name = String(event.commandName ?? '').toLowerCase();
  if (SENSITIVE.has(name)) return true;
  if (!HELLO.has(name)) return false;
  if (type === 'commandStartedEvent') return isEmptyDoc(event.command);
  if (type === 'commandSucceededEvent') return isEmptyDoc(event.reply);
  return false;
}

/** A runner "thread": operations queued on it run in order, concurrently with the test. */
export class ThreadEntity {
  private chain: Promise<void> = Promise.resolve();
  private error: unknown;

  constructor(readonly id: string) {}

  run(task: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.error === undefined) {
        try {
          await task();
        } catch (err) {
          this.error = err;
        }
      }
    });
  }

  async finish(): Promise<void> {
    await this.chain;
    if (this.error !== undefined) {
      const err = this.error as Error;
      throw new Error(`thread '${this.id}': ${err?.message ?? String(err)}`);
    }
  }
}

/** A change stream or cursor entity; `buffered` holds a document read early (createChangeStream). */
export interface IterableEntity {
  readonly cursor: any;
  buffered: unknown[];
}

interface Entry {
  readonly kind: EntityKind;
  readonly value: any;
}

export class EntityMap {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly target: SynchroTarget) {}

  has(name: string): boolean {
    return this.entries.has(name);
  }

  set(name: string, kind: EntityKind, value: unknown): void {
    if (this.entries.has(name)) throw new RunnerError(`entity '${name}' already exists`);
    this.entries.set(name, { kind, value });
  }

  entry(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) throw new RunnerError(`no entity named '${name}'`);
    return e;
  }

  get<T = any>(name: string, ...kinds: EntityKind[]): T {
    const e = this.entry(name);
    if (kinds.length && !kinds.includes(e.kind)) throw new RunnerError(`entity '${name}' is a ${e.kind}, not a ${kinds.join(' or ')}`);
    return e.value as T;
  }

  client(name: string): ClientEntity {
    return this.get<ClientEntity>(name, 'client');
  }

  clients(): ClientEntity[] {
    return [...this.entries.values()].filter((e) => e.kind === 'client').map((e) => e.value as ClientEntity);
  }

  /** A session's logical session id, for `$$sessionLsid`. */
  lsid(name: string): unknown {
    return this.get(name, 'session').id;
  }

  /** The value behind an entity, as `$$matchesEntity` compares it. */
  valueOf(name: string): unknown {
    const e = this.entry(name);
    return e.kind === 'client' ? (e.value as ClientEntity).client : e.value;
  }

  /**
   * A ping on every client, after the operations: the server has then handled each client's
   * unacknowledged (w:0) writes before outcome is read or the next run drops the databases.
   * Listeners are already off, so nothing is observed.
   */
  async flush(): Promise<void> {
    for (const c of this.clients()) {
      try {
        await withTimeout(Promise.resolve(c.client.db('admin').command({ ping: 1 })), 5_000, 'ping');
      } catch {
        /* a closed or broken client has nothing in flight */
      }
    }
  }

  /** Closes cursors and change streams, ends sessions, closes clients; errors are ignored. */
  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    const quietly = async (fn: () => unknown): Promise<void> => {
      try {
        await withTimeout(Promise.resolve().then(fn), 5_000);
      } catch {
        /* cleanup must not fail a test */
      }
    };
    for (const e of all) if (e.kind === 'cursor' || e.kind === 'changeStream') await quietly(() => (e.value as IterableEntity).cursor.close());
    for (const e of all) if (e.kind === 'session') await quietly(() => e.value.endSession());
    for (const e of all) if (e.kind === 'thread') await quietly(() => (e.value as ThreadEntity).finish());
    for (const e of all) {
      if (e.kind !== 'client') continue;
      const c = e.value as ClientEntity;
      c.stopObserving();
      await quietly(() => c.client.db('admin').command({ ping: 1 })); // see flush()
      await quietly(() => c.client.close());
    }
  }
}
