// The operations on the `testRunner` object: fail points, session/collection/index assertions,
// createEntities, event waits and counts, threads.
import type { EntityMap, ThreadEntity } from './entities.js';
import { AssertionFailure, RunnerError } from './errors.js';
import { countEvents } from './expect-events.js';
import type { Doc, Operation } from './format.js';
import type { InternalClient } from './internal-client.js';
import { matches, type MatchContext } from './match.js';
import { call, callSync } from './operations.js';
import { show } from './values.js';
import { withTimeout } from '../util/timeout.js';

const TRANSACTION_STATES: Record<string, string[]> = {
  none: ['NO_TRANSACTION'],
  starting: ['STARTING_TRANSACTION'],
  in_progress: ['TRANSACTION_IN_PROGRESS'],
  committed: ['TRANSACTION_COMMITTED', 'TRANSACTION_COMMITTED_EMPTY'],
  aborted: ['TRANSACTION_ABORTED'],
};

/** What a test-runner operation reaches in the test run that executes it. */
export interface TestRunnerContext {
  readonly entities: EntityMap;
  readonly internal: InternalClient;
  readonly ctx: MatchContext;
  /** Fail points set on the test's clients, turned off when the test ends. */
  readonly failPoints: string[];
  createEntities(list: Doc[]): Promise<void>;
  /** Runs an operation of the test (runOnThread's). */
  operation(op: Operation): Promise<void>;
}

export async function testRunnerOperation(name: string, a: Doc, run: TestRunnerContext): Promise<void> {
  const { entities } = run;
  switch (name) {
    case 'failPoint': {
      const client = entities.client(a.client).client;
      await call(callSync(client, 'db', 'admin'), 'command', a.failPoint);
      run.failPoints.push(a.failPoint.configureFailPoint);
      return;
    }
    case 'targetedFailPoint': {
      const session = entities.get(a.session, 'session');
      if (!session.isPinned) throw new AssertionFailure(`targetedFailPoint: session '${a.session}' is not pinned to a mongos`);
      throw new RunnerError('targetedFailPoint on a pinned mongos is not supported by this runner');
    }
    case 'assertSessionTransactionState': {
      const session = entities.get(a.session, 'session');
      const state = session.transaction?.state;
      const allowed = TRANSACTION_STATES[a.state];
      if (!allowed) throw new RunnerError(`unknown transaction state '${a.state}'`);
      if (!allowed.includes(state)) throw new AssertionFailure(`expected session '${a.session}' transaction state ${a.state}, got ${state}`);
      return;
    }
    case 'assertSessionPinned':
    case 'assertSessionUnpinned': {
      const pinned = !!entities.get(a.session, 'session').isPinned;
      if (pinned !== (name === 'assertSessionPinned')) throw new AssertionFailure(`expected session '${a.session}' to be ${pinned ? 'unpinned' : 'pinned'}`);
      return;
    }
    case 'assertSessionDirty':
    case 'assertSessionNotDirty': {
      const dirty = !!entities.get(a.session, 'session').serverSession?.isDirty;
      if (dirty !== (name === 'assertSessionDirty')) throw new AssertionFailure(`expected session '${a.session}' to be ${dirty ? 'not dirty' : 'dirty'}`);
      return;
    }
    case 'assertDifferentLsidOnLastTwoCommands':
    case 'assertSameLsidOnLastTwoCommands': {
      const started = entities.client(a.client).events.filter((e) => e.type === 'commandStartedEvent');
      if (started.length < 2) throw new AssertionFailure(`${name}: fewer than two commandStartedEvents observed`);
      const [x, y] = started.slice(-2).map((e) => e.event.command?.lsid);
      if (x === undefined || y === undefined) throw new AssertionFailure(`${name}: a command has no lsid`);
      const same = matches(x, y);
      if (same !== (name === 'assertSameLsidOnLastTwoCommands')) throw new AssertionFailure(`${name}: lsids ${show(x)} and ${show(y)}`);
      return;
    }
    case 'assertCollectionExists':
    case 'assertCollectionNotExists': {
      const exists = (await run.internal.collectionNames(a.databaseName)).includes(a.collectionName);
      if (exists !== (name === 'assertCollectionExists')) throw new AssertionFailure(`expected collection ${a.databaseName}.${a.collectionName} ${exists ? 'not to exist' : 'to exist'}`);
      return;
    }
    case 'assertIndexExists':
    case 'assertIndexNotExists': {
      const exists = (await run.internal.indexNames(a.databaseName, a.collectionName)).includes(a.indexName);
      if (exists !== (name === 'assertIndexExists')) throw new AssertionFailure(`expected index ${a.indexName} on ${a.databaseName}.${a.collectionName} ${exists ? 'not to exist' : 'to exist'}`);
      return;
    }
    case 'createEntities':
      await run.createEntities(a.entities ?? []);
      return;
    case 'assertNumberConnectionsCheckedOut': {
      const n = entities.client(a.client).checkedOut;
      if (n !== a.connections) throw new AssertionFailure(`expected ${a.connections} connection(s) checked out, got ${n}`);
      return;
    }
    case 'runOnThread': {
      const thread = entities.get<ThreadEntity>(a.thread, 'thread');
      thread.run(() => run.operation(a.operation));
      return;
    }
    case 'waitForThread':
      await withTimeout(entities.get<ThreadEntity>(a.thread, 'thread').finish(), 10_000, `waitForThread ${a.thread}`);
      return;
    case 'waitForEvent': {
      const client = entities.client(a.client);
      await client.waitFor(() => countEvents(client, a.event, run.ctx) >= a.count, 10_000, `${a.count} × ${Object.keys(a.event)[0]}`);
      return;
    }
    case 'assertEventCount': {
      const client = entities.client(a.client);
      const n = countEvents(client, a.event, run.ctx);
      if (n !== a.count) throw new AssertionFailure(`expected ${a.count} × ${Object.keys(a.event)[0]}, observed ${n}`);
      return;
    }
    case 'wait':
      await new Promise((r) => setTimeout(r, Number(a.ms)));
      return;
    default:
      throw new RunnerError(`test runner operation '${name}' is not supported by this runner`);
  }
}
