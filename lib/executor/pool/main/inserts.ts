// In-process, the driver writes the `_id` it generates into the caller's own documents
// (insertOne, insertMany, bulkWrite inserts). Across the worker boundary it only sees a copy, so the
// ids it reports come back onto the caller's documents: code reading `doc._id` after an insert
// behaves the same in both executors.
type Doc = Record<string, unknown>;

const isDoc = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

export function adoptInsertedIds(member: string, args: unknown[], result: unknown): void {
  if (!isDoc(result)) return;
  if (member === 'insertOne') {
    const doc = args[0];
    if (isDoc(doc) && doc._id === undefined && result.insertedId !== undefined) doc._id = result.insertedId;
    return;
  }
  const ids = result.insertedIds as Record<number, unknown> | undefined;
  if (!isDoc(ids) || !Array.isArray(args[0])) return;
  const list = args[0] as unknown[];
  for (const [index, id] of Object.entries(ids)) {
    const item = list[Number(index)];
    const doc = member === 'insertMany' ? item : member === 'bulkWrite' && isDoc(item) && isDoc(item.insertOne) ? item.insertOne.document : undefined;
    if (isDoc(doc) && doc._id === undefined) doc._id = id;
  }
}
