// `show dbs`, `show collections`, `show profile`: the mongosh listings, as text.
import type { Db, MongoClient } from 'mongodb';

/** mongosh's words for it. */
export const PROFILE_EMPTY = "db.system.profile is empty.\nUse db.setProfilingLevel(2) will enable profiling.\nUse db.getCollection('system.profile').find() to show raw profile entries.";

export const SHOWABLE = ['dbs', 'databases', 'collections', 'tables', 'profile'];

export async function show(what: string, client: MongoClient, db: Db): Promise<string> {
  switch (what) {
    case 'dbs':
    case 'databases': {
      const { databases } = await client.db('admin').admin().listDatabases();
      const width = Math.max(0, ...databases.map((d) => d.name.length));
      return databases.map((d) => `${d.name.padEnd(width)}  ${size(Number(d.sizeOnDisk ?? 0))}`).join('\n');
    }
    case 'collections':
    case 'tables': {
      const infos = await db.listCollections({}, { nameOnly: true }).toArray();
      return infos.map((c) => c.name).sort().join('\n');
    }
    case 'profile': {
      // Newest first by timestamp: a $natural sort needs a capped collection (FerretDB's is not).
      const entries = await db.collection('system.profile').find().sort({ ts: -1 }).limit(5).toArray();
      if (!entries.length) return PROFILE_EMPTY;
      return entries.map((e) => `${String(e.op ?? '')} ${String(e.ns ?? '')} ${String(e.millis ?? '?')}ms ${e.ts instanceof Date ? e.ts.toISOString() : ''}`).join('\n');
    }
    default:
      throw new TypeError(`show ${what}: expected one of ${SHOWABLE.join(', ')}`);
  }
}

/** 40960 → '40.00 KiB', as mongosh prints sizes. */
function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)} ${units[unit]}`;
}
