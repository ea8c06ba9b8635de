// createEntities: clients, databases, collections, sessions, buckets and threads made through the
// target's module (or a method of another entity), and the option conversions they share with
// operations' named arguments.
import { ClientEntity, ThreadEntity, type EntityMap } from './entities.js';
import { RunnerError } from './errors.js';
import type { Doc } from './format.js';
import { call, callSync } from './operations.js';
import type { ServerInfo } from './server-info.js';
import type { SynchroTarget } from './targets.js';

/** Where the entities' clients connect. */
export interface Connection {
  readonly uri: string;
  readonly server: ServerInfo;
}

export async function createEntities(list: Doc[], entities: EntityMap, target: SynchroTarget, connection: Connection): Promise<void> {
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
        const client = new M.MongoClient(clientUri(d, connection), clientOptions(d));
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

/** Converts the common options of a named-arguments object (session, read/write concern, read preference). */
export function commonOptions(a: Doc, entities: EntityMap): Doc {
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

function clientUri(d: Doc, { uri, server }: Connection): string {
  return d.useMultipleMongoses === false && server.topology === 'sharded' ? singleHost(uri) : uri;
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
