// Where an input goes: one operation per place, given the run's context and a maker of the input.
// What a place returns is what the row records (compared with the bare driver's). Places where a
// user function hands something back return `{ same }`: whether the caller got that very value or
// error (rule 2), and what it got.
import type { Ctx } from './runner.js';
import { show, showThrown } from './runner.js';

type Make = (...base: any[]) => any;
export type Place = (t: Ctx, make: Make) => unknown;

/** One document to find, update or delete. */
const seed = (t: Ctx): Promise<unknown> => t.coll.insertOne({ _id: 1, a: 1 });

/** What a caller received from a user function, against what the function handed back. */
const received = (handed: unknown, got: unknown) => ({ same: Object.is(got, handed), got: show(got) });

/** Runs `call`, which makes a user function throw `thrown`; records whether the caller caught that very value. */
async function caught(thrown: unknown, call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return { same: Object.is(error, thrown), got: showThrown(error) };
  }
  return 'no error reached the caller';
}

/**
 * A transaction around a function handing back `value` (or throwing it). The driver wants a function
 * returning a Promise (it refuses others); the sync framework wants a synchronous one. FerretDB has
 * no transactions, but a function that sends nothing never needs one.
 */
async function inTransaction(t: Ctx, value: unknown, outcome: 'return' | 'throw'): Promise<unknown> {
  const sync = () => {
    if (outcome === 'throw') throw value;
    return value;
  };
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a user's function may reject with anything (the case under test)
  const async = () => (outcome === 'throw' ? Promise.reject(value) : Promise.resolve(value));
  const fn = t.target === 'sync' ? sync : async;
  const session = t.client.startSession();
  try {
    return await session.withTransaction(fn as never);
  } finally {
    await session.endSession();
  }
}

/** An insert under a listener of `event` that throws what `make` gives (once the client is connected). */
async function throwingListener(t: Ctx, make: Make, event: 'commandStarted' | 'connectionCheckOutStarted'): Promise<unknown> {
  const client = await t.connect({ monitorCommands: true });
  const thrown = make();
  client.on(event, () => {
    throw thrown;
  });
  return caught(thrown, () => client.db(t.db.databaseName).collection<{ _id: number; a: number }>(t.prefix).insertOne({ _id: 1, a: 1 }));
}

/** Object-shaped inputs: `make` gets the base object of the place's shape. */
export const SHAPE_PLACES = {
  'insertOne document': (t, make) => t.coll.insertOne(make({ a: 1 })),
  'insertMany document': (t, make) => t.coll.insertMany([{ _id: 0 }, make({ a: 1 })]),
  'replaceOne replacement': async (t, make) => t.coll.replaceOne({ _id: 1 }, make({ a: 2 }), { upsert: true }),
  'find filter': async (t, make) => (await seed(t), t.coll.find(make({ a: 1 })).toArray()),
  'deleteMany filter': async (t, make) => (await seed(t), t.coll.deleteMany(make({ a: 2 }))),
  'insertOne options': (t, make) => t.coll.insertOne({ _id: 1 }, make({ comment: 'hostile' })),
  'find options': async (t, make) => (await seed(t), t.coll.find({}, make({ projection: { _id: 0 } })).toArray()),
  'command document': (t, make) => t.db.command(make({ ping: 1 })),
  'client options': async (t, make) => (await t.connect(make({ appName: 'hostile' }))).db('admin').command({ ping: 1 }),
} satisfies Record<string, Place>;

/** Value inputs: `make` gives the value. */
export const VALUE_PLACES = {
  'document field': (t, make) => t.coll.insertOne({ _id: 1, f: make() }),
  '$set value': (t, make) => t.coll.updateOne({ _id: 1 }, { $set: { f: make() } }, { upsert: true }),
  'filter value': async (t, make) => (await seed(t), t.coll.find({ a: make() }).toArray()),
  'option value (comment)': (t, make) => t.coll.insertOne({ _id: 1 }, { comment: make() }),
  'withSession return': async (t, make) => {
    const handed = make();
    return received(handed, await t.client.withSession(() => handed));
  },
  'withTransaction return': async (t, make) => {
    const handed = make();
    return received(handed, await inTransaction(t, handed, 'return'));
  },
  'cursor map return': async (t, make) => {
    await seed(t);
    const handed = make();
    return received(handed, (await t.coll.find().map(() => handed).toArray())[0]);
  },
} satisfies Record<string, Place>;

/** Thrown inputs: `make` gives what the user function throws. */
export const THROWN_PLACES = {
  'thrown from withSession': (t, make) => {
    const thrown = make();
    return caught(thrown, () =>
      t.client.withSession(() => {
        throw thrown;
      }),
    );
  },
  'thrown from withTransaction': (t, make) => {
    const thrown = make();
    return caught(thrown, () => inTransaction(t, thrown, 'throw'));
  },
  'thrown from cursor map': async (t, make) => {
    await seed(t);
    const thrown = make();
    return caught(thrown, () =>
      t.coll
        .find()
        .map(() => {
          throw thrown;
        })
        .toArray(),
    );
  },
  'thrown from cursor forEach': async (t, make) => {
    await seed(t);
    const thrown = make();
    return caught(thrown, () =>
      t.coll.find().forEach(() => {
        throw thrown;
      }),
    );
  },
  // An insert: in-process the listener runs in the driver's emit before the command is written, so
  // its throw means nothing is stored. The pool's worker waits in that emit for the main thread's
  // listener (lib/executor/pool/listener-hop.ts), so the server holds nothing there either.
  'thrown from a commandStarted listener': (t, make) => throwingListener(t, make, 'commandStarted'),
  // Emitted first thing in the pool's checkOut: the throw reaches the caller as it was thrown (a string stays a string).
  'thrown from a connectionCheckOutStarted listener': (t, make) => throwingListener(t, make, 'connectionCheckOutStarted'),
} satisfies Record<string, Place>;

export type ShapePlace = keyof typeof SHAPE_PLACES;
export type ValuePlace = keyof typeof VALUE_PLACES;
export type ThrownPlace = keyof typeof THROWN_PLACES;
