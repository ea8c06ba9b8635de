// The unified test format runner: one test of one file against one target at a time. Setup and
// checks that are not under test (initialData, outcome, fail points, collection/index assertions)
// go through an internal client of the bare driver; everything the test exercises goes through
// the target's module and the entities made from it.
import * as driver from 'mongodb';
import {
  ClientEntity,
  EntityMap,
  RunnerError,
  ThreadEntity,
  TimeoutError,
  withTimeout,
  type RecordedEvent,
} from './entities.js';
import { compareVersions, parseVersion, SCHEMA_VERSION, type CollectionData, type Doc, type ExpectedError, type LoadedFile, type Operation, type RunOnRequirement, type UnifiedTest } from './format.js';
import { assertSameDocuments, match, MatchError, matches, show, type MatchContext } from './match.js';
import { call, callSync, invoke, mappingFor, type OpEnv } from './operations.js';
import type { SynchroTarget } from './targets.js';

export type Topology = 'single' | 'replicaset' | 'sharded' | 'load-balanced';

export interface ServerInfo {
  readonly version: number[];
  readonly topology: Topology;
  readonly auth: boolean;
  readonly serverless: boolean;
}

export type Status = 'pass' | 'fail' | 'skip';

export interface Outcome {
  readonly status: Status;
  /** Why it failed or was skipped. */
  readonly message?: string;
  readonly ms: number;
}

/** A failed assertion of the test (as opposed to an unexpected error). */
export class AssertionFailure extends Error {
  override name = 'AssertionFailure';
}

/** Reads the server's version and topology with a client of the bare driver. */
export async function probeServer(uri: string): Promise<ServerInfo> {
  const client = new driver.MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  try {
    const admin = client.db('admin');
    const hello = await admin.command({ hello: 1 }).catch(() => admin.command({ isMaster: 1 }));
    const build = await admin.command({ buildInfo: 1 });
    const version = Array.isArray(build.versionArray) ? (build.versionArray as number[]).slice(0, 3).map(Number) : parseVersion(String(build.version));
    const loadBalanced = /[?&]loadBalanced=true/i.test(uri);
    const topology: Topology = loadBalanced ? 'load-balanced' : hello.msg === 'isdbgrid' ? 'sharded' : hello.setName ? 'replicaset' : 'single';
    const auth = /^mongodb(\+srv)?:\/\/[^/?#]*@/.test(uri);
    return { version, topology, auth, serverless: false };
  } finally {
    await client.close();
  }
}

const TRANSACTION_STATES: Record<string, string[]> = {
  none: ['NO_TRANSACTION'],
  starting: ['STARTING_TRANSACTION'],
  in_progress: ['TRANSACTION_IN_PROGRESS'],
  committed: ['TRANSACTION_COMMITTED', 'TRANSACTION_COMMITTED_EMPTY'],
  aborted: ['TRANSACTION_ABORTED'],
};

/** Runs the tests of one file; owns the file's internal client. */
export class FileRunner {
  private readonly internal: driver.MongoClient;
  private readonly parameters = new Map<string, Promise<unknown>>();

  constructor(
    readonly file: LoadedFile,
    readonly uri: string,
    readonly server: ServerInfo,
    private readonly timeoutMS: number,
  ) {
    this.internal = new driver.MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  }

  async close(): Promise<void> {
    await this.internal.close(true).catch(() => {});
  }

  /** Whether the file can be read at all; a reason when it cannot (every test then fails with it). */
  schemaProblem(): string | undefined {
    const version = String(this.file.content.schemaVersion ?? '');
    const [major, minor] = parseVersion(version);
    const [supMajor, supMinor] = parseVersion(SCHEMA_VERSION);
    if (!version || major !== supMajor || minor! > supMinor!) return `unsupported schemaVersion ${version || '(none)'} (this runner reads ${supMajor}.0 to ${SCHEMA_VERSION})`;
    return undefined;
  }

  /** The reason a test does not run here (skipReason, unmet runOnRequirements), if any. */
  async skipReason(test: UnifiedTest): Promise<string | undefined> {
    if (test.skipReason) return test.skipReason;
    return (await this.unmet(this.file.content.runOnRequirements)) ?? (await this.unmet(test.runOnRequirements));
  }

  async run(test: UnifiedTest, target: SynchroTarget): Promise<Outcome> {
    const started = Date.now();
    const done = (status: Status, message?: string): Outcome => ({ status, ...(message === undefined ? {} : { message }), ms: Date.now() - started });
    const problem = this.schemaProblem();
    if (problem) return done('fail', problem);
    const skip = await this.skipReason(test);
    if (skip) return done('skip', skip);
    const state = new TestState(this, test, target);
    let failure: string | undefined;
    try {
      await withTimeout(state.execute(), this.timeoutMS, 'test');
    } catch (err) {
      failure = describeError(err);
    } finally {
      await withTimeout(state.cleanup(), 15_000, 'cleanup').catch(() => {});
    }
    return done(failure === undefined ? 'pass' : 'fail', failure);
  }

  // ---- the internal client's work

  /**
   * Every run of a test starts from the same state, whatever ran before (another target's run of
   * the same test included): the databases the file names are dropped, then initialData is set up.
   */
  async resetDatabases(): Promise<void> {
    for (const name of this.databases) await this.internal.db(name).dropDatabase({ writeConcern: { w: 'majority' } });
  }

  /** The databases a file names (entities, initialData, outcome), except the server's own. */
  private get databases(): string[] {
    if (!this.databaseNames) {
      const names = new Set<string>();
      const visit = (value: unknown): void => {
        if (Array.isArray(value)) return value.forEach(visit);
        if (typeof value !== 'object' || value === null) return;
        const v = value as Doc;
        if (v.database && typeof v.database === 'object' && typeof v.database.databaseName === 'string') names.add(v.database.databaseName);
        if (typeof v.databaseName === 'string' && typeof v.collectionName === 'string' && Array.isArray(v.documents)) names.add(v.databaseName);
        for (const child of Object.values(v)) if (typeof child === 'object') visit(child);
      };
      const c = this.file.content;
      visit(c.createEntities);
      visit(c.initialData);
      for (const t of c.tests ?? []) {
        visit(t.outcome);
        visit(t.operations);
      }
      for (const reserved of ['admin', 'config', 'local']) names.delete(reserved);
      this.databaseNames = [...names].sort();
    }
    return this.databaseNames;
  }

  private databaseNames: string[] | undefined;

  async initialData(data: CollectionData[] | undefined): Promise<void> {
    const majority = { writeConcern: { w: 'majority' as const } };
    for (const cd of data ?? []) {
      const db = this.internal.db(cd.databaseName);
      const names = [cd.collectionName];
      if (cd.createOptions?.encryptedFields) names.push(`enxcol_.${cd.collectionName}.esc`, `enxcol_.${cd.collectionName}.ecoc`);
      for (const name of names) {
        try {
          await db.dropCollection(name, majority);
        } catch (err) {
          if (!isNamespaceNotFound(err)) throw err;
        }
      }
      if (cd.createOptions) await db.createCollection(cd.collectionName, { ...cd.createOptions, ...majority });
      if (cd.documents.length) await db.collection(cd.collectionName).insertMany(clone(cd.documents) as Doc[], majority);
      else if (!cd.createOptions) await db.createCollection(cd.collectionName, majority);
    }
  }

  async outcome(data: CollectionData[]): Promise<void> {
    for (const [i, cd] of data.entries()) {
      const docs = await this.internal
        .db(cd.databaseName)
        .collection(cd.collectionName)
        .find({}, { sort: { _id: 1 }, readPreference: 'primary', readConcern: { level: 'local' } })
        .toArray();
      try {
        assertSameDocuments(cd.documents, docs, `outcome[${i}] ${cd.databaseName}.${cd.collectionName}`);
      } catch (err) {
        throw new AssertionFailure((err as Error).message);
      }
    }
  }

  async collectionNames(database: string): Promise<string[]> {
    const list = await this.internal.db(database).listCollections({}, { nameOnly: true }).toArray();
    return list.map((c) => c.name);
  }

  async indexNames(database: string, collection: string): Promise<string[]> {
    try {
      const list = await this.internal.db(database).collection(collection).listIndexes().toArray();
      return list.map((i) => String(i.name));
    } catch (err) {
      if (isNamespaceNotFound(err)) return [];
      throw err;
    }
  }

  async disableFailPoint(name: string): Promise<void> {
    await this.internal.db('admin').command({ configureFailPoint: name, mode: 'off' });
  }

  // ---- runOnRequirements

  private async unmet(requirements: RunOnRequirement[] | undefined): Promise<string | undefined> {
    if (!requirements?.length) return undefined;
    const reasons: string[] = [];
    for (const r of requirements) {
      const why = await this.unmetOne(r);
      if (why === undefined) return undefined;
      reasons.push(why);
    }
    return `runOnRequirements not met: ${reasons.join('; or ')}`;
  }

  private async unmetOne(r: RunOnRequirement): Promise<string | undefined> {
    const s = this.server;
    const version = s.version.join('.');
    if (r.minServerVersion && compareVersions(s.version, parseVersion(r.minServerVersion)) < 0) return `server ${version} < ${r.minServerVersion}`;
    if (r.maxServerVersion && compareVersions(s.version, parseVersion(r.maxServerVersion)) > 0) return `server ${version} > ${r.maxServerVersion}`;
    if (r.topologies && !r.topologies.some((t) => t === s.topology || (t === 'sharded-replicaset' && s.topology === 'sharded'))) {
      return `topology ${s.topology} not in [${r.topologies.join(', ')}]`;
    }
    if (r.serverless === 'require' && !s.serverless) return 'needs serverless';
    if (r.serverless === 'forbid' && s.serverless) return 'not on serverless';
    if (r.auth === true && !s.auth) return 'needs authentication';
    if (r.auth === false && s.auth) return 'needs authentication off';
    if (r.authMechanism) {
      if (!s.auth) return `needs auth mechanism ${r.authMechanism}`;
      const mechanisms = await this.parameter('authenticationMechanisms');
      if (!Array.isArray(mechanisms) || !mechanisms.some((m) => String(m).toLowerCase() === r.authMechanism!.toLowerCase())) return `needs auth mechanism ${r.authMechanism}`;
    }
    if (r.csfle !== undefined && r.csfle !== false) return 'needs client-side encryption (not available to this runner)';
    for (const [name, want] of Object.entries(r.serverParameters ?? {})) {
      const got = await this.parameter(name);
      if (got === undefined || !matches(want, got)) return `server parameter ${name} is ${show(got)}, needs ${show(want)}`;
    }
    return undefined;
  }

  private parameter(name: string): Promise<unknown> {
    let p = this.parameters.get(name);
    if (!p) {
      p = this.internal
        .db('admin')
        .command({ getParameter: 1, [name]: 1 })
        .then((r) => r[name])
        .catch(() => undefined);
      this.parameters.set(name, p);
    }
    return p;
  }
}

/** The state of one test run: its entities, fail points and threads. */
class TestState {
  readonly entities: EntityMap;
  private readonly failPoints: string[] = [];
  private readonly ctx: MatchContext;
  private readonly env: OpEnv;

  constructor(
    private readonly runner: FileRunner,
    private readonly test: UnifiedTest,
    private readonly target: SynchroTarget,
  ) {
    this.entities = new EntityMap(target);
    this.ctx = { entity: (name) => this.entities.valueOf(name), sessionLsid: (name) => this.entities.lsid(name) };
    this.env = { target, entities: this.entities, execute: (op) => this.operation(op, -1, true) };
  }

  async execute(): Promise<void> {
    const test = this.test;
    if (test.expectLogMessages) throw new RunnerError('expectLogMessages is not supported by this runner');
    if (test.expectTracingMessages) throw new RunnerError('expectTracingMessages is not supported by this runner');
    await this.setup();
    await this.createEntities(this.runner.file.content.createEntities ?? []);
    for (const [i, op] of test.operations.entries()) await this.operation(op, i, false);
    for (const c of this.entities.clients()) c.stopObserving();
    await this.entities.flush();
    await this.disableFailPoints();
    for (const [i, expected] of (test.expectEvents ?? []).entries()) this.checkEvents(expected, i);
    if (test.outcome) await this.runner.outcome(test.outcome);
  }

  /**
   * Reset and initialData, tried twice: a previous run's unacknowledged (w:0) writes can still be
   * landing on the server when the next run drops its databases.
   */
  private async setup(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.runner.resetDatabases();
        await this.runner.initialData(this.runner.file.content.initialData);
        return;
      } catch (err) {
        if (attempt >= 2 || err instanceof RunnerError) throw new AssertionFailure(`initialData: ${describeError(err)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  async cleanup(): Promise<void> {
    await this.disableFailPoints().catch(() => {});
    await this.entities.close();
  }

  private async disableFailPoints(): Promise<void> {
    for (const name of this.failPoints.splice(0)) await this.runner.disableFailPoint(name);
  }

  // ---- entities

  private async createEntities(list: Doc[]): Promise<void> {
    const { entities, target } = this;
    const M = target.module as any;
    for (const description of list) {
      const keys = Object.keys(description);
      if (keys.length !== 1) throw new RunnerError(`an entity has exactly one key, got ${keys.join(', ')}`);
      const kind = keys[0]!;
      const d = description[kind] as Doc;
      switch (kind) {
        case 'client': {
          for (const unsupported of ['autoEncryptOpts', 'observeLogMessages', 'observeTracingMessages', 'awaitMinPoolSizeMS']) {
            if (d[unsupported] !== undefined) throw new RunnerError(`client option ${unsupported} is not supported by this runner`);
          }
          const client = new M.MongoClient(this.clientUri(d), clientOptions(d));
          const entity = new ClientEntity(d.id, client, d);
          entities.set(d.id, 'client', entity);
          await call(client, 'connect');
          break;
        }
        case 'database': {
          const client = entities.client(d.client).client;
          entities.set(d.id, 'database', callSync(client, 'db', d.databaseName, commonOptions(d.databaseOptions ?? {}, entities)));
          break;
        }
        case 'collection': {
          const db = entities.get(d.database, 'database');
          entities.set(d.id, 'collection', callSync(db, 'collection', d.collectionName, commonOptions(d.collectionOptions ?? {}, entities)));
          break;
        }
        case 'session': {
          const client = entities.client(d.client).client;
          const options = { ...(d.sessionOptions ?? {}) } as Doc;
          if (options.defaultTransactionOptions) options.defaultTransactionOptions = commonOptions(options.defaultTransactionOptions, entities);
          if (typeof options.snapshotTime === 'string') options.snapshotTime = entities.valueOf(options.snapshotTime);
          entities.set(d.id, 'session', callSync(client, 'startSession', options));
          break;
        }
        case 'bucket': {
          const db = entities.get(d.database, 'database');
          entities.set(d.id, 'bucket', new M.GridFSBucket(db, commonOptions(d.bucketOptions ?? {}, entities)));
          break;
        }
        case 'thread':
          entities.set(d.id, 'thread', new ThreadEntity(d.id));
          break;
        default:
          throw new RunnerError(`entity type '${kind}' is not supported by this runner`);
      }
    }
  }

  private clientUri(d: Doc): string {
    const { uri, server } = this.runner;
    return d.useMultipleMongoses === false && server.topology === 'sharded' ? singleHost(uri) : uri;
  }

  // ---- operations

  /**
   * Executes one operation with its assertions. `propagate`: nested operations (withTransaction's
   * callback) hand their error on after asserting it, so the enclosing operation sees it.
   */
  private async operation(op: Operation, index: number, propagate: boolean): Promise<void> {
    const where = `${index >= 0 ? `operation ${index + 1} ` : ''}${op.name} on ${op.object}`;
    try {
      if (op.object === 'testRunner') {
        await this.special(op.name, clone(op.arguments ?? {}) as Doc);
        return;
      }
      const entry = this.entities.entry(op.object);
      const mapping = mappingFor(entry.kind, op.name);
      const args = commonOptions(clone(op.arguments ?? {}) as Doc, this.entities);
      const entity = entry.kind === 'client' ? (entry.value as ClientEntity).client : entry.value;
      let result: unknown;
      let error: unknown;
      let threw = false;
      try {
        result = await invoke(entry.kind, entity, op.name, mapping, args, this.env);
      } catch (err) {
        threw = true;
        error = err;
      }
      if (threw && error instanceof RunnerError) throw error; // the runner could not run it: never an expected error
      if (op.ignoreResultAndError) {
        if (threw && propagate) throw error;
        return;
      }
      if (op.expectError) {
        if (!threw) throw new AssertionFailure(`expected an error, got result ${show(result)}`);
        this.checkError(op.expectError, error);
        if (propagate) throw error;
        return;
      }
      if (threw) throw error;
      if ('expectResult' in op) {
        try {
          match(op.expectResult, result, { root: true, rootElements: mapping.rootDocuments ?? false, ctx: this.ctx, path: 'result' });
        } catch (err) {
          if (err instanceof MatchError) throw new AssertionFailure(err.message);
          throw err;
        }
      }
      if (op.saveResultAsEntity) this.entities.set(op.saveResultAsEntity, mapping.saves ?? 'value', result);
    } catch (err) {
      if (propagate && !(err instanceof AssertionFailure) && !(err instanceof RunnerError)) throw err;
      throw prefixed(err, where);
    }
  }

  private checkError(expected: ExpectedError, err: any): void {
    const M = this.target.module as any;
    const isDriverError = err instanceof M.MongoError || (M.BSON?.BSONError && err instanceof M.BSON.BSONError);
    if (!isDriverError) throw new AssertionFailure(`expected a driver error, got ${describeError(err)}`);
    const fail = (what: string): never => {
      throw new AssertionFailure(`${what}; the error was ${describeError(err)}`);
    };
    const isServer = err instanceof M.MongoServerError;
    if (expected.isClientError === true && isServer) fail('expected a client error');
    if (expected.isClientError === false && !isServer) fail('expected a server error');
    if (expected.isTimeoutError !== undefined) {
      const isTimeout = M.MongoOperationTimeoutError ? err instanceof M.MongoOperationTimeoutError : false;
      if (isTimeout !== expected.isTimeoutError) fail(expected.isTimeoutError ? 'expected a timeout error' : 'expected no timeout error');
    }
    const related = relatedErrors(err);
    if (expected.errorContains !== undefined) {
      const want = expected.errorContains.toLowerCase();
      if (!related.some((e) => String(e?.message ?? e?.errmsg ?? '').toLowerCase().includes(want))) fail(`expected the message to contain '${expected.errorContains}'`);
    }
    if (expected.errorCode !== undefined && !related.some((e) => e?.code === expected.errorCode)) fail(`expected error code ${expected.errorCode}`);
    if (expected.errorCodeName !== undefined) {
      const want = expected.errorCodeName.toLowerCase();
      if (!related.some((e) => typeof e?.codeName === 'string' && e.codeName.toLowerCase() === want)) fail(`expected error code name ${expected.errorCodeName}`);
    }
    const labelled = M.MongoClientBulkWriteError && err instanceof M.MongoClientBulkWriteError && err.cause ? [err, err.cause] : [err];
    const hasLabel = (label: string): boolean => labelled.some((e: any) => (typeof e.hasErrorLabel === 'function' ? e.hasErrorLabel(label) : (e.errorLabels ?? []).includes(label)));
    for (const label of expected.errorLabelsContain ?? []) if (!hasLabel(label)) fail(`expected error label ${label}`);
    for (const label of expected.errorLabelsOmit ?? []) if (hasLabel(label)) fail(`expected no error label ${label}`);
    const assertMatch = (want: unknown, got: unknown, path: string, rootElements = false): void => {
      try {
        match(want, got, { root: true, rootElements, ctx: this.ctx, path });
      } catch (e) {
        if (e instanceof MatchError) fail(e.message);
        throw e;
      }
    };
    if (expected.writeErrors !== undefined) {
      const actual = err.writeErrors instanceof Map ? err.writeErrors : new Map(Object.entries(err.writeErrors ?? {}).map(([k, v]) => [Number(k), v]));
      const wantKeys = Object.keys(expected.writeErrors).map(Number);
      const extra = [...actual.keys()].map(Number).filter((k) => !wantKeys.includes(k));
      if (extra.length) fail(`unexpected write error(s) at index ${extra.join(', ')}`);
      for (const [k, v] of Object.entries(expected.writeErrors)) {
        if (!actual.has(Number(k))) fail(`expected a write error at index ${k}`);
        assertMatch(v, actual.get(Number(k)), `error.writeErrors[${k}]`);
      }
    }
    if (expected.writeConcernErrors !== undefined) assertMatch(expected.writeConcernErrors, err.writeConcernErrors ?? [], 'error.writeConcernErrors', true);
    if (expected.errorResponse !== undefined) {
      const source = M.MongoClientBulkWriteError && err instanceof M.MongoClientBulkWriteError && err.cause ? err.cause : err;
      const response = typeof source.errorResponse === 'object' && source.errorResponse !== null ? source.errorResponse : source;
      assertMatch(expected.errorResponse, response, 'error.errorResponse');
    }
    if (expected.expectResult !== undefined) {
      assertMatch(expected.expectResult, 'partialResult' in err ? err.partialResult : err, 'error.result');
    }
  }

  // ---- test runner operations

  private async special(name: string, a: Doc): Promise<void> {
    const { entities } = this;
    switch (name) {
      case 'failPoint': {
        const client = entities.client(a.client).client;
        await call(callSync(client, 'db', 'admin'), 'command', a.failPoint);
        this.failPoints.push(a.failPoint.configureFailPoint);
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
        const exists = (await this.runner.collectionNames(a.databaseName)).includes(a.collectionName);
        if (exists !== (name === 'assertCollectionExists')) throw new AssertionFailure(`expected collection ${a.databaseName}.${a.collectionName} ${exists ? 'not to exist' : 'to exist'}`);
        return;
      }
      case 'assertIndexExists':
      case 'assertIndexNotExists': {
        const exists = (await this.runner.indexNames(a.databaseName, a.collectionName)).includes(a.indexName);
        if (exists !== (name === 'assertIndexExists')) throw new AssertionFailure(`expected index ${a.indexName} on ${a.databaseName}.${a.collectionName} ${exists ? 'not to exist' : 'to exist'}`);
        return;
      }
      case 'createEntities':
        await this.createEntities(a.entities ?? []);
        return;
      case 'assertNumberConnectionsCheckedOut': {
        const n = entities.client(a.client).checkedOut;
        if (n !== a.connections) throw new AssertionFailure(`expected ${a.connections} connection(s) checked out, got ${n}`);
        return;
      }
      case 'runOnThread': {
        const thread = entities.get<ThreadEntity>(a.thread, 'thread');
        thread.run(() => this.operation(a.operation, -1, false));
        return;
      }
      case 'waitForThread':
        await withTimeout(entities.get<ThreadEntity>(a.thread, 'thread').finish(), 10_000, `waitForThread ${a.thread}`);
        return;
      case 'waitForEvent': {
        const client = entities.client(a.client);
        await client.waitFor(() => this.countEvents(client, a.event) >= a.count, 10_000, `${a.count} × ${Object.keys(a.event)[0]}`);
        return;
      }
      case 'assertEventCount': {
        const client = entities.client(a.client);
        const n = this.countEvents(client, a.event);
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

  // ---- events

  private countEvents(client: ClientEntity, expected: Doc): number {
    return client.events.filter((e) => {
      try {
        this.checkEvent(expected, e, '$');
        return true;
      } catch (err) {
        if (err instanceof AssertionFailure) return false;
        throw err;
      }
    }).length;
  }

  private checkEvents(expected: { client: string; eventType?: string; events: Doc[]; ignoreExtraEvents?: boolean; eventMatch?: string }, index: number): void {
    const category = expected.eventType ?? 'command';
    // `eventMatch: prefix` is an older spelling of ignoreExtraEvents.
    const ignoreExtra = expected.ignoreExtraEvents ?? expected.eventMatch === 'prefix';
    const actual = this.entities.client(expected.client).events.filter((e) => e.category === category);
    const where = `expectEvents[${index}] (${expected.client}, ${category})`;
    const summary = (list: RecordedEvent[]): string => list.map(eventLabel).join(', ') || 'none';
    const tooFew = actual.length < expected.events.length;
    const tooMany = !ignoreExtra && actual.length > expected.events.length;
    if (tooFew || tooMany) {
      const want = expected.events.map((e) => Object.keys(e)[0]).join(', ') || 'none';
      throw new AssertionFailure(`${where}: expected ${expected.events.length} event(s) [${want}], observed ${actual.length} [${summary(actual)}]`);
    }
    expected.events.forEach((e, i) => this.checkEvent(e, actual[i]!, `${where}.events[${i}]`));
  }

  /** Throws an AssertionFailure when the recorded event does not match the expected one. */
  private checkEvent(expected: Doc, recorded: RecordedEvent, path: string): void {
    const keys = Object.keys(expected);
    if (keys.length !== 1) throw new RunnerError(`${path}: an expected event has exactly one key`);
    const type = keys[0]!;
    const want = (expected[type] ?? {}) as Doc;
    const fail = (msg: string): never => {
      throw new AssertionFailure(`${path}: ${msg}`);
    };
    if (recorded.type !== type) fail(`expected ${type}, observed ${eventLabel(recorded)}`);
    const e = recorded.event;
    const check = (wanted: unknown, got: unknown, at: string): void => {
      try {
        match(wanted, got, { root: true, ctx: this.ctx, path: at });
      } catch (err) {
        if (err instanceof MatchError) fail(err.message);
        throw err;
      }
    };
    for (const [field, value] of Object.entries(want)) {
      switch (field) {
        case 'command':
        case 'reply':
          check(value, e[field], field);
          break;
        case 'commandName':
        case 'databaseName':
        case 'reason':
        case 'awaited':
        case 'interruptInUseConnections':
          if (e[field] !== value) fail(`${field}: expected ${show(value)}, observed ${show(e[field])}`);
          break;
        case 'hasServiceId': {
          const has = e.serviceId != null && !/^0+$/.test(String(e.serviceId.toHexString?.() ?? e.serviceId));
          if (has !== value) fail(`hasServiceId: expected ${String(value)}`);
          break;
        }
        case 'hasServerConnectionId': {
          const id = e.serverConnectionId;
          const has = id != null && Number(id) > 0;
          if (has !== value) fail(`hasServerConnectionId: expected ${String(value)}, observed ${show(id)}`);
          break;
        }
        case 'previousDescription':
        case 'newDescription':
          for (const [k, v] of Object.entries((value ?? {}) as Doc)) {
            if (e[field]?.[k] !== v) fail(`${field}.${k}: expected ${show(v)}, observed ${show(e[field]?.[k])}`);
          }
          break;
        default:
          throw new RunnerError(`${path}: unsupported event assertion '${field}'`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

function eventLabel(e: RecordedEvent): string {
  return e.event?.commandName ? `${e.type}(${e.event.commandName})` : e.type;
}

/** Converts the common options of a named-arguments object (session, read/write concern, read preference). */
function commonOptions(a: Doc, entities: EntityMap): Doc {
  const out: Doc = {};
  for (const [key, value] of Object.entries(a)) {
    switch (key) {
      case 'session':
        out.session = typeof value === 'string' ? entities.get(value, 'session') : value;
        break;
      case 'writeConcern': {
        const { journal, ...rest } = (value ?? {}) as Doc;
        out.writeConcern = journal === undefined ? rest : { ...rest, j: journal };
        break;
      }
      case 'readPreference': {
        const { tagSets, ...rest } = (value ?? {}) as Doc;
        out.readPreference = tagSets === undefined ? rest : { ...rest, tags: tagSets };
        break;
      }
      default:
        out[key] = value;
    }
  }
  return out;
}

/** A client entity's options: monitoring on, the URI options applied over the connection string's. */
function clientOptions(d: Doc): Doc {
  // __skipPingOnConnect (the driver's option for test runners): connect() selects a server without
  // checking out a connection, so CMAP expectations see only the operations' connections.
  const options: Doc = { monitorCommands: true, serverSelectionTimeoutMS: 10_000, __skipPingOnConnect: true };
  for (const [key, value] of Object.entries((d.uriOptions ?? {}) as Doc)) {
    if (value && typeof value === 'object' && '$$placeholder' in value) throw new RunnerError(`uriOptions.${key}: $$placeholder values are not supported by this runner`);
    if (key === 'readPreferenceTags' && Array.isArray(value)) {
      options.readPreferenceTags = value.map((tags: string) =>
        Object.fromEntries(
          String(tags)
            .split(',')
            .filter(Boolean)
            .map((kv) => kv.split(':')),
        ),
      );
    } else options[key] = value;
  }
  if (d.serverApi) options.serverApi = d.serverApi;
  return options;
}

function singleHost(uri: string): string {
  return uri.replace(/^(mongodb:\/\/(?:[^@/]*@)?)([^/?]+)/, (_, prefix: string, hosts: string) => prefix + hosts.split(',')[0]);
}

function isNamespaceNotFound(err: unknown): boolean {
  const e = err as { code?: number; message?: string };
  return e?.code === 26 || /ns not found|namespace not found/i.test(e?.message ?? '');
}

/** The server and runner errors a BulkWriteException-style error aggregates. */
function relatedErrors(err: any): any[] {
  const out: any[] = [err];
  if (err?.cause) out.push(err.cause);
  if (err?.errorResponse && typeof err.errorResponse === 'object') out.push(err.errorResponse);
  const writeErrors = err?.writeErrors instanceof Map ? [...err.writeErrors.values()] : Array.isArray(err?.writeErrors) ? err.writeErrors : [];
  out.push(...writeErrors);
  if (err?.writeConcernError) out.push(err.writeConcernError);
  if (Array.isArray(err?.writeConcernErrors)) out.push(...err.writeConcernErrors);
  return out.filter((e) => e != null);
}

/** `Name: message` for a thrown value; assertion and runner errors print their message only. */
export function describeError(err: unknown): string {
  if (err instanceof AssertionFailure || err instanceof TimeoutError) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

function prefixed(err: unknown, where: string): Error {
  if (err instanceof AssertionFailure || err instanceof RunnerError) {
    const copy = new (err.constructor as new (m: string) => Error)(`${where}: ${err.message}`);
    return copy;
  }
  return new AssertionFailure(`${where}: unexpected ${describeError(err)}`);
}

/** Deep copy of test-file data (plain objects and arrays; BSON values are shared), so no run sees another's changes. */
export function clone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clone) as T;
  if (typeof value === 'object' && value !== null && !(value as { _bsontype?: string })._bsontype && !(value instanceof Date) && !(value instanceof RegExp)) {
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto === Object.prototype || proto === null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = clone(v);
      return out as T;
    }
  }
  return value;
}
