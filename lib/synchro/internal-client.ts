// The file's internal client (bare driver): setup and checks that are not under test — dropping
// the file's databases, initialData, outcome, collection/index assertions, fail points, server
// parameters. Nothing the test exercises goes through it.
import * as driver from 'mongodb';
import { AssertionFailure } from './errors.js';
import { clone, type CollectionData, type Doc, type UnifiedFile } from './format.js';
import { assertSameDocuments } from './match.js';

export class InternalClient {
  private readonly client: driver.MongoClient;
  private readonly parameters = new Map<string, Promise<unknown>>();
  /** The databases the file names, found on first use (a malformed file fails its tests, not the run). */
  private databases: readonly string[] | undefined;

  constructor(
    uri: string,
    private readonly file: UnifiedFile,
  ) {
    this.client = new driver.MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  }

  async close(): Promise<void> {
    await this.client.close(true).catch(() => {});
  }

  /**
   * Every run of a test starts from the same state, whatever ran before (another target's run of
   * the same test included): the databases the file names are dropped, then initialData is set up.
   */
  async resetDatabases(): Promise<void> {
    this.databases ??= databasesOf(this.file);
    for (const name of this.databases) await this.client.db(name).dropDatabase({ writeConcern: { w: 'majority' } });
  }

  async initialData(data: CollectionData[] | undefined): Promise<void> {
    const majority = { writeConcern: { w: 'majority' as const } };
    for (const cd of data ?? []) {
      const db = this.client.db(cd.databaseName);
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
      if (cd.documents.length) await db.collection(cd.collectionName).insertMany(clone(cd.documents), majority);
      else if (!cd.createOptions) await db.createCollection(cd.collectionName, majority);
    }
  }

  async outcome(data: CollectionData[]): Promise<void> {
    for (const [i, cd] of data.entries()) {
      const docs = await this.client
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
    const list = await this.client.db(database).listCollections({}, { nameOnly: true }).toArray();
    return list.map((c) => c.name);
  }

  async indexNames(database: string, collection: string): Promise<string[]> {
    try {
      const list = await this.client.db(database).collection(collection).listIndexes().toArray();
      return list.map((i) => String(i.name));
    } catch (err) {
      if (isNamespaceNotFound(err)) return [];
      throw err;
    }
  }

  async disableFailPoint(name: string): Promise<void> {
    await this.client.db('admin').command({ configureFailPoint: name, mode: 'off' });
  }

  /** A server parameter (getParameter), asked once per file; undefined when the server does not say. */
  parameter(name: string): Promise<unknown> {
    let p = this.parameters.get(name);
    if (!p) {
      p = this.client
        .db('admin')
        .command({ getParameter: 1, [name]: 1 })
        .then((r) => r[name])
        .catch(() => undefined);
      this.parameters.set(name, p);
    }
    return p;
  }
}

/** The databases a file names (entities, initialData, outcome, operations), except the server's own. */
function databasesOf(file: UnifiedFile): string[] {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== 'object' || value === null) return;
    const v = value as Doc;
    if (v.database && typeof v.database === 'object' && typeof v.database.databaseName === 'string') names.add(v.database.databaseName);
    if (typeof v.databaseName === 'string' && typeof v.collectionName === 'string' && Array.isArray(v.documents)) names.add(v.databaseName);
    for (const child of Object.values(v)) if (typeof child === 'object') visit(child);
  };
  visit(file.createEntities);
  visit(file.initialData);
  for (const t of file.tests ?? []) {
    visit(t.outcome);
    visit(t.operations);
  }
  for (const reserved of ['admin', 'config', 'local']) names.delete(reserved);
  return [...names].sort();
}

function isNamespaceNotFound(err: unknown): boolean {
  const e = err as { code?: number; message?: string };
  return e?.code === 26 || /ns not found|namespace not found/i.test(e?.message ?? '');
}
