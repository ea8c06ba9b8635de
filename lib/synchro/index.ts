// Synchro: the unified test format run through bare and through every rotor target, compared.
// For each file, each test runs under each target in turn (the files share fixed database names,
// so runs never overlap).
import { findFiles, loadFile, type LoadedFile } from './format.js';
import { FileRunner, type Outcome } from './file-runner.js';
import { probeServer, type ServerInfo } from './server-info.js';
import { BARE, type SynchroTarget } from './targets.js';
import type { TestRecord } from './differential.js';

export { match, matches, assertSameDocuments, MatchError } from './match.js';
export { makeTargets, targetNames, BARE, type SynchroTarget } from './targets.js';
export { summarize, differences, closingLine, formatTable, jsonReport, isRotorInduced, normalizeMessage, type TestRecord, type Summary } from './differential.js';
export { type Outcome } from './file-runner.js';
export { probeServer, type ServerInfo } from './server-info.js';

export interface SynchroOptions {
  readonly uri: string;
  /** Folders (searched recursively for .json) and files. */
  readonly inputs: readonly string[];
  /** The first should be `bare`: it is the baseline. */
  readonly targets: readonly SynchroTarget[];
  /** Per test and target. Default 20 s. */
  readonly timeoutMS?: number;
  /** Called after each test with its outcomes. */
  readonly onTest?: (record: TestRecord) => void;
}

export interface SynchroResult {
  readonly server: ServerInfo;
  readonly targets: string[];
  readonly records: TestRecord[];
  readonly durationMS: number;
}

export async function runSynchro(options: SynchroOptions): Promise<SynchroResult> {
  const started = Date.now();
  const targets = [...options.targets];
  if (!targets.some((t) => t.name === BARE)) throw new Error(`synchro needs the '${BARE}' target as its baseline`);
  targets.sort((a, b) => Number(b.name === BARE) - Number(a.name === BARE));
  const server = await probeServer(options.uri);
  const records: TestRecord[] = [];
  for (const { path, name } of findFiles([...options.inputs])) {
    let file: LoadedFile;
    try {
      file = loadFile(path, name);
    } catch (err) {
      const outcome: Outcome = { status: 'fail', message: `cannot read the file: ${(err as Error).message}`, ms: 0 };
      const record = { file: name, test: '(file)', outcomes: Object.fromEntries(targets.map((t) => [t.name, outcome])) };
      records.push(record);
      options.onTest?.(record);
      continue;
    }
    const runner = new FileRunner(file, options.uri, server, options.timeoutMS ?? 20_000);
    try {
      for (const test of file.content.tests ?? []) {
        const outcomes: Record<string, Outcome> = {};
        for (const target of targets) outcomes[target.name] = await runner.run(test, target);
        const record = { file: name, test: String(test.description), outcomes };
        records.push(record);
        options.onTest?.(record);
      }
    } finally {
      await runner.close();
    }
  }
  return { server, targets: targets.map((t) => t.name), records, durationMS: Date.now() - started };
}
