// One run of one test under one target: its entities, fail points and threads; the operations in
// order with their expectResult/expectError, then expectEvents and outcome.
import { createEntities, commonOptions } from './create-entities.js';
import { EntityMap, type ClientEntity } from './entities.js';
import { AssertionFailure, describeError, prefixed, RunnerError } from './errors.js';
import { checkError } from './expect-error.js';
import { checkEvents } from './expect-events.js';
import { clone, type Doc, type LoadedFile, type Operation, type UnifiedTest } from './format.js';
import type { InternalClient } from './internal-client.js';
import { match, MatchError, type MatchContext } from './match.js';
import { invoke, mappingFor, type OpEnv } from './operations.js';
import type { ServerInfo } from './server-info.js';
import type { SynchroTarget } from './targets.js';
import { testRunnerOperation, type TestRunnerContext } from './test-runner-operations.js';
import { show } from './values.js';

/** What a test run shares with the other runs of its file. */
export interface FileContext {
  readonly file: LoadedFile;
  readonly uri: string;
  readonly server: ServerInfo;
  readonly internal: InternalClient;
}

export class TestRun implements TestRunnerContext {
  readonly entities: EntityMap;
  readonly failPoints: string[] = [];
  readonly ctx: MatchContext;
  readonly internal: InternalClient;
  private readonly env: OpEnv;

  constructor(
    private readonly fileContext: FileContext,
    private readonly test: UnifiedTest,
    private readonly target: SynchroTarget,
  ) {
    this.internal = fileContext.internal;
    this.entities = new EntityMap(target);
    this.ctx = { entity: (name) => this.entities.valueOf(name), sessionLsid: (name) => this.entities.lsid(name) };
    this.env = { target, entities: this.entities, execute: (op) => this.run(op, -1, true) };
  }

  async execute(): Promise<void> {
    const test = this.test;
    if (test.expectLogMessages) throw new RunnerError('expectLogMessages is not supported by this runner');
    if (test.expectTracingMessages) throw new RunnerError('expectTracingMessages is not supported by this runner');
    await this.setup();
    await this.createEntities(this.fileContext.file.content.createEntities ?? []);
    for (const [i, op] of test.operations.entries()) await this.run(op, i, false);
    for (const c of this.entities.clients()) c.stopObserving();
    await this.entities.flush();
    await this.disableFailPoints();
    for (const [i, expected] of (test.expectEvents ?? []).entries()) checkEvents(expected, i, this.entities, this.ctx);
    if (test.outcome) await this.internal.outcome(test.outcome);
  }

  /**
   * Reset and initialData, tried twice: a previous run's unacknowledged (w:0) writes can still be
   * landing on the server when the next run drops its databases.
   */
  private async setup(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.internal.resetDatabases();
        await this.internal.initialData(this.fileContext.file.content.initialData);
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
    for (const name of this.failPoints.splice(0)) await this.internal.disableFailPoint(name);
  }

  createEntities(list: Doc[]): Promise<void> {
    return createEntities(list, this.entities, this.target, this.fileContext);
  }

  /** runOnThread's operations: asserted like the test's own, their error kept by the thread. */
  operation(op: Operation): Promise<void> {
    return this.run(op, -1, false);
  }

  /**
   * Executes one operation with its assertions. `propagate`: nested operations (withTransaction's
   * callback) hand their error on after asserting it, so the enclosing operation sees it.
   */
  private async run(op: Operation, index: number, propagate: boolean): Promise<void> {
    const where = `${index >= 0 ? `operation ${index + 1} ` : ''}${op.name} on ${op.object}`;
    try {
      if (op.object === 'testRunner') {
        await testRunnerOperation(op.name, clone<Doc>(op.arguments ?? {}), this);
        return;
      }
      const entry = this.entities.entry(op.object);
      const mapping = mappingFor(entry.kind, op.name);
      const args = commonOptions(clone<Doc>(op.arguments ?? {}), this.entities);
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
        checkError(op.expectError, error, this.target, this.ctx);
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
}
