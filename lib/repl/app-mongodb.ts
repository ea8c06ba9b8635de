// What `import 'mongodb'` gives the app's own modules loaded by a REPL session (--import,
// .rotorrc.mjs, `import` lines): the driver's exports, with rotor classes of the session's current
// mode in place of the driver's. `new MongoClient(anything)` connects to the session's server with
// the session's options, so app functions run against the session (and Ctrl-C cancels them).
import * as driver from 'mongodb';

export * from 'mongodb';

/** Set by the session (lib/repl/app-modules.ts) before any app module is imported. */
export const SESSION_LINK = Symbol.for('rotor.repl.session');

export interface SessionLink {
  /** The rotor classes of the session's current mode. */
  classes: () => Record<string, unknown>;
  uri: string;
  options: Record<string, unknown>;
}

function link(): SessionLink {
  const found = (globalThis as Record<symbol, SessionLink | undefined>)[SESSION_LINK];
  if (!found) throw new Error("rotor: this module stands for 'mongodb' inside a rotor REPL session only");
  return found;
}

type Ctor = new (...args: unknown[]) => object;

/** A class that is always the session's current one (constructs, statics and instanceof forward). */
function current(name: string): Ctor {
  const target = { [name]: function () {} }[name]!;
  return new Proxy(target, {
    construct(_target, args) {
      const { classes, uri, options } = link();
      const Class = classes()[name] as Ctor;
      return name === 'MongoClient' ? new Class(uri, options) : new Class(...args);
    },
    get(_target, key) {
      return Reflect.get(link().classes()[name] as object, key);
    },
  }) as unknown as Ctor;
}

export const MongoClient = current('MongoClient');
export const Db = current('Db');
export const Collection = current('Collection');
export const Admin = current('Admin');
export const AbstractCursor = current('AbstractCursor');
export const FindCursor = current('FindCursor');
export const AggregationCursor = current('AggregationCursor');
export const ChangeStream = current('ChangeStream');
export const ClientSession = current('ClientSession');
export const GridFSBucket = current('GridFSBucket');
export const GridFSBucketReadStream = current('GridFSBucketReadStream');
export const GridFSBucketWriteStream = current('GridFSBucketWriteStream');

export default {
  ...driver,
  MongoClient,
  Db,
  Collection,
  Admin,
  AbstractCursor,
  FindCursor,
  AggregationCursor,
  ChangeStream,
  ClientSession,
  GridFSBucket,
  GridFSBucketReadStream,
  GridFSBucketWriteStream,
};
