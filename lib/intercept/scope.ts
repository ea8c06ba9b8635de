// Where a handle points: database, collection (from the registry's namespace member, read once:
// it is fixed) and its client's first host (from the connection string, without credentials).
import type { HandleState, Server } from '../proxy/state.js';

export interface Scope {
  readonly database: string | undefined;
  readonly collection: string | undefined;
  readonly server: Server | undefined;
}

export function scopeOf(state: HandleState): Scope {
  const names = (state.names ??= namesOf(state));
  return { database: names.database, collection: names.collection, server: state.server };
}

function namesOf(state: HandleState): { database: string | undefined; collection: string | undefined } {
  const member = state.cls.namespaceMember;
  let ns: unknown;
  try {
    ns = member === undefined ? undefined : state.runtime.executor.read(state.ref, member);
  } catch {
    ns = undefined;
  }
  if (typeof ns === 'string') {
    const dot = ns.indexOf('.');
    return dot < 0 ? { database: ns, collection: undefined } : { database: ns.slice(0, dot), collection: ns.slice(dot + 1) || undefined };
  }
  if (typeof ns === 'object' && ns !== null) {
    const { db, collection } = ns as { db?: unknown; collection?: unknown };
    return { database: typeof db === 'string' ? db : undefined, collection: typeof collection === 'string' ? collection : undefined };
  }
  return { database: undefined, collection: undefined };
}

/** The first host of a connection string: `mongodb://u:p@h1:27018,h2/db` → h1, 27018. */
export function serverOf(uri: unknown): Server | undefined {
  if (typeof uri !== 'string') return undefined;
  const match = /^mongodb(\+srv)?:\/\/([^/?]*)/.exec(uri);
  if (!match) return undefined;
  const hosts = match[2]!.slice(match[2]!.lastIndexOf('@') + 1);
  const first = hosts.split(',')[0]!;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(first);
  const [address, port] = bracket ? [bracket[1]!, bracket[2]] : (first.split(':') as [string, string | undefined]);
  if (!address) return undefined;
  return { address: decodeURIComponent(address), port: port ? Number(port) : match[1] ? undefined : 27017 };
}
