// The soak's operation mix: operation i is kind i % SOAK_KINDS.length, each awaited in turn, in
// promise style on every target (rotor's callback framework and mongodb-legacy return promises
// when no callback is given). deleteMany keeps the collection at a few dozen documents.
const PAD = 'x'.repeat(200);

export const SOAK_KINDS = [
  'insertOne',
  'findOne',
  'find().toArray',
  'cursor iteration',
  'withSession',
  'aggregate',
  'updateOne',
  'deleteMany',
  'countDocuments',
  'events on/off',
  'shared AbortSignal',
  'handles created and dropped',
] as const;

export interface SoakContext {
  readonly client: any;
  readonly db: any;
  readonly coll: any;
  readonly dbName: string;
  /** One signal for every command that takes one (never aborted): listeners must not pile up on it. */
  readonly signal: AbortSignal;
}

const noop = (): void => {};

export async function soakOperation({ client, coll, dbName, signal }: SoakContext, i: number): Promise<void> {
  switch (SOAK_KINDS[((i % SOAK_KINDS.length) + SOAK_KINDS.length) % SOAK_KINDS.length]) {
    case 'insertOne':
      await coll.insertOne({ i, pad: PAD });
      return;
    case 'findOne':
      await coll.findOne({ i: i - 1 });
      return;
    case 'find().toArray':
      await coll.find({}).limit(20).toArray();
      return;
    case 'cursor iteration':
      for await (const _doc of coll.find({}, { batchSize: 5 }).limit(12)) {
        /* drained */
      }
      return;
    case 'withSession':
      await client.withSession((session: unknown) => coll.findOne({}, { session }));
      return;
    case 'aggregate':
      await coll.aggregate([{ $match: { i: { $gte: 0 } } }, { $limit: 5 }]).toArray();
      return;
    case 'updateOne':
      await coll.updateOne({ i: i - 6 }, { $set: { u: i } });
      return;
    case 'deleteMany':
      await coll.deleteMany({ i: { $lt: i - 300 } });
      return;
    case 'countDocuments':
      await coll.countDocuments({});
      return;
    case 'events on/off':
      client.on('commandStarted', noop);
      await coll.findOne({ i });
      client.off('commandStarted', noop);
      return;
    case 'shared AbortSignal':
      await coll.findOne({ i }, { signal });
      return;
    case 'handles created and dropped': {
      // A db, a collection and a cursor that is never run, all dropped: only GC releases them.
      const other = client.db(dbName).collection(`soak_handles_${i % 7}`);
      other.find({ i });
      await client.db(dbName).collection(coll.collectionName).findOne({ i });
      return;
    }
    case undefined: // not reached: the index is taken modulo the length
    default:
      throw new Error(`no soak operation for ${i}`);
  }
}

