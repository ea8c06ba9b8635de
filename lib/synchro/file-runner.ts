// The unified test format runner: one test of one file against one target at a time. Setup and
// checks that are not under test go through the file's internal client of the bare driver
// (internal-client.ts); everything the test exercises goes through the target's module and the
// entities made from it (test-run.ts).
import { describeError } from './errors.js';
import { parseVersion, SCHEMA_VERSION, type LoadedFile, type UnifiedTest } from './format.js';
import { InternalClient } from './internal-client.js';
import { unmetRequirements, type ServerInfo } from './server-info.js';
import type { SynchroTarget } from './targets.js';
import { TestRun } from './test-run.js';
import { withTimeout } from '../util/timeout.js';

export type Status = 'pass' | 'fail' | 'skip';

export interface Outcome {
  readonly status: Status;
  /** Why it failed or was skipped. */
  readonly message?: string;
  readonly ms: number;
}

/** Runs the tests of one file; owns the file's internal client. */
export class FileRunner {
  private readonly internal: InternalClient;

  constructor(
    readonly file: LoadedFile,
    readonly uri: string,
    readonly server: ServerInfo,
    private readonly timeoutMS: number,
  ) {
    this.internal = new InternalClient(uri, file.content);
  }

  async close(): Promise<void> {
    await this.internal.close();
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
    const parameter = (name: string): Promise<unknown> => this.internal.parameter(name);
    return (await unmetRequirements(this.file.content.runOnRequirements, this.server, parameter)) ?? (await unmetRequirements(test.runOnRequirements, this.server, parameter));
  }

  async run(test: UnifiedTest, target: SynchroTarget): Promise<Outcome> {
    const started = Date.now();
    const done = (status: Status, message?: string): Outcome => ({ status, ...(message === undefined ? {} : { message }), ms: Date.now() - started });
    const problem = this.schemaProblem();
    if (problem) return done('fail', problem);
    const skip = await this.skipReason(test);
    if (skip) return done('skip', skip);
    const run = new TestRun({ file: this.file, uri: this.uri, server: this.server, internal: this.internal }, test, target);
    let failure: string | undefined;
    try {
      await withTimeout(run.execute(), this.timeoutMS, 'test');
    } catch (err) {
      failure = describeError(err);
    } finally {
      await withTimeout(run.cleanup(), 15_000, 'cleanup').catch(() => {});
    }
    return done(failure === undefined ? 'pass' : 'fail', failure);
  }
}
