// Attribute kinds: what each driver member is, and how a handle exposes it (Motor's
// MotorAttributeFactory family). Tables in ./classes.ts are written with these helpers.

/** Names of the agnostic classes; a `wrap` names the class whose handle wraps a result. */
export type ClassName =
  | 'MongoClient'
  | 'Db'
  | 'Collection'
  | 'Admin'
  | 'AbstractCursor'
  | 'FindCursor'
  | 'AggregationCursor'
  | 'ListCollectionsCursor'
  | 'ListIndexesCursor'
  | 'ListSearchIndexesCursor'
  | 'RunCommandCursor'
  | 'ChangeStream'
  | 'ClientSession'
  | 'GridFSBucket'
  | 'GridFSBucketReadStream'
  | 'GridFSBucketWriteStream'
  | 'BulkOperationBase'
  | 'OrderedBulkOperation'
  | 'UnorderedBulkOperation'
  | 'FindOperators'
  | 'ClientEncryption';

/**
 * What a cursor member does with the cursor's documents, for an executor that reads them in whole
 * batches away from the driver object and iterates them where the caller is (the pool's
 * main-thread buffer, lib/executor/pool/main/cursor.ts; its worker reads batches by role too), and
 * for what else must tell cursors apart (the REPL: which member closes one, which ones end).
 * Members without a role go to the driver.
 * One union per way a member is reached (command, method, property, chaining).
 */
export type CommandRole =
  /** Takes one document, fetching a batch when the buffer is empty (reading ahead where the class does). */
  | 'next'
  /** Takes one document; a fetch answers with what the server has now (tailable reads): no read-ahead. */
  | 'tryNext'
  /** Whether a document is buffered, fetching a batch if not. */
  | 'hasNext'
  /** The buffer, then everything the driver has left, in one request. */
  | 'drain'
  /** Calls a function with each document, in order; `false` stops. */
  | 'each'
  /** Closes the driver cursor; what is buffered stays readable (a read-ahead joins it). */
  | 'close';
/** The roles that fetch a batch when the buffer is empty (what the pool's `nextBatch` request names). */
export type FetchRole = Extract<CommandRole, 'next' | 'tryNext'>;
export type MethodRole =
  /** How many documents are buffered: here plus in the driver. */
  | 'count'
  /** Takes buffered documents, without fetching (the pool's worker sends them along with each batch). */
  | 'take'
  /** Drops the buffer; the driver starts over. */
  | 'rewind'
  /** A Node Readable over the same iteration. */
  | 'stream';
export type StateRole =
  /** True only once the buffer is drained too. */
  | 'closed'
  /** True for a cursor released with its client. */
  | 'killed';
/** A document transform, applied where the documents are read (map). */
export type ChainRole = 'transform';
export type BufferRole = CommandRole | MethodRole | StateRole | ChainRole;

interface Base {
  /** Wrap the result (or each element of an array result) as a handle of this class. */
  readonly wrap?: ClassName;
}

/**
 * The member's options object (at its `optionsAt`) holds a `projection`: mongosh reads a plain
 * object there as the projection itself when it holds no option of the method
 * (`find(filter, { _id: 0 })`); the REPL does too (lib/repl/projection.ts), an app never.
 */
interface Projecting {
  readonly projectionInOptions?: boolean;
}

/**
 * What a client's command does to the client as a whole, for an executor that keeps one driver
 * client per pool worker (a spanning client) and forgets what a closed client made.
 */
export type ClientRole =
  /** Concerns the driver client on every worker (connect). */
  | 'everyReplica'
  /** Lets go of everything the client made (close, asyncDispose); where nothing is left to let go of, it succeeds. */
  | 'releases';

/**
 * Where a called member takes the driver's options object (`{ session, signal, ... }`): the position
 * of the parameter the driver's declarations name `options`. Registry data the tables never state:
 * generated from the driver's .d.ts (lib/types/generate/options-at.ts → ./generated/options-at.ts)
 * and merged into each resolved attribute (./resolve.ts). The pool reads a call's AbortSignal there
 * only, the REPL adds its Ctrl-C signal there.
 */
interface TakesOptions {
  readonly optionsAt?: number;
}
/** Members that are not called take no options. */
interface NotCalled {
  readonly optionsAt?: undefined;
}

/**
 * The `_id`s a write gives the caller's own documents in-process, for an executor whose driver sees
 * only copies (the pool sets them on the calling thread, lib/executor/pool/main/inserts.ts).
 */
export type IdRole =
  /** insertOne(doc): the collection's pkFactory, unless forceServerObjectId. */
  | 'document'
  /** insertMany(docs). */
  | 'documents'
  /** bulkWrite([{ insertOne: { document } }]). */
  | 'writeModels'
  /** A client's bulkWrite([{ name: 'insertOne', document }]): the client's pkFactory, once the call returned. */
  | 'clientWriteModels'
  /** A bulk operation's insert(doc). */
  | 'bulkInsert'
  /** A bulk operation's raw({ insertOne }). */
  | 'bulkRaw';
/** How the driver's write models name an insert: the key of a bulkWrite model, the name of a client bulkWrite model. */
export const INSERT_MODEL = 'insertOne';

/** Returns the driver's promise through the framework's future (Motor's AsyncCommand). */
export interface AsyncCommand extends Base, Projecting, TakesOptions {
  readonly kind: 'async';
  readonly buffer?: CommandRole;
  readonly client?: ClientRole;
  readonly ids?: IdRole;
}
/**
 * A property read through to the driver object (Motor's ReadOnlyProperty); `writable` allows
 * assignment. `fixed`: set when the object is made (names, options, concerns) and never changed by
 * its use, so an executor may answer it from a copy made alongside (the pool's main-thread shadow).
 */
export interface Property extends Base, NotCalled {
  readonly kind: 'property';
  readonly writable?: boolean;
  readonly fixed?: boolean;
  readonly buffer?: StateRole;
  /** Names where the object points: `db` (Db), `db.collection` (Collection), or a `{ db, collection }` namespace (cursors). */
  readonly namespace?: boolean;
}
/** A synchronous method (Motor's DelegateMethod): its result is returned as is, or wrapped. */
export interface Delegate extends Base, TakesOptions {
  readonly kind: 'delegate';
  /** Called for its effect and returns nothing: an executor may apply it in order without waiting. */
  readonly returnsNothing?: boolean;
  readonly buffer?: MethodRole;
}
/** A cursor-chaining method (Motor's MotorCursorChainingMethod): applies to the delegate, returns the same handle. */
export interface Chain extends TakesOptions {
  readonly kind: 'chain';
  readonly buffer?: ChainRole;
  readonly ids?: IdRole;
}
/** A synchronous factory of another handle: cursors, change streams, GridFS streams, bulk ops, db(), collection(). */
export interface Factory extends Projecting, TakesOptions {
  readonly kind: 'factory';
  readonly wrap: ClassName;
  /**
   * The id of what it makes is known to the caller at once (an upload's `stream.id`): the argument
   * at `at`, or, with `via`, made on the calling thread and sent as the first argument of that
   * member (openUploadStream → openUploadStreamWithId), for an executor that makes the object elsewhere.
   */
  readonly madeId?: { readonly at: number } | { readonly via: string };
}
/** EventEmitter methods: registering ones return the handle for chaining; listeners get the driver's payloads. */
export interface EventMethod extends TakesOptions {
  readonly kind: 'event';
  readonly returnsHandle: boolean;
  /** Whether it adds or removes listeners (an executor that forwards events subscribes accordingly). */
  readonly listeners?: 'adds' | 'removes';
}
/**
 * Takes a user function the driver calls back (withSession, withTransaction, forEach): the function's
 * arguments are wrapped (a session becomes a handle) and the method returns a future. A second
 * trailing function is the callback framework's completion callback.
 */
export interface UserCallback extends Base, TakesOptions {
  readonly kind: 'user-callback';
  readonly buffer?: CommandRole;
}
/** Symbol.asyncIterator: `for await` over documents, changes or chunks. */
export interface AsyncIteration extends NotCalled {
  readonly kind: 'async-iterator';
}
/** A static member of the class (MongoClient.connect, Db.SYSTEM_*): async when `async` is set. */
export interface Static extends Base {
  readonly kind: 'static';
  readonly async?: boolean;
}

/** The driver majors rotor supports (package.json peerDependencies). */
export type DriverMajor = 6 | 7;
/**
 * One member's options position in the generated table (./generated/options-at.ts): a number where
 * the supported majors' declarations agree, else one per major (a major left out takes no options there).
 */
export type OptionsAtEntry = number | Readonly<Partial<Record<DriverMajor, number>>>;

export type Attribute = AsyncCommand | Property | Delegate | Chain | Factory | EventMethod | UserCallback | AsyncIteration;

// Helpers, so tables read like Motor's class bodies: `insertOne: AsyncCommand()`.
export const AsyncCommand = (wrap?: ClassName): AsyncCommand => (wrap ? { kind: 'async', wrap } : { kind: 'async' });
/** A client command with a ClientRole: `close: ClientCommand('releases')`. */
export const ClientCommand = (client: ClientRole, wrap?: ClassName): AsyncCommand => ({ ...AsyncCommand(wrap), client });
export const ReadOnlyProperty = (wrap?: ClassName): Property => (wrap ? { kind: 'property', wrap } : { kind: 'property' });
export const WritableProperty = (): Property => ({ kind: 'property', writable: true, fixed: true });
export const FixedProperty = (): Property => ({ kind: 'property', fixed: true });
/** The fixed property naming the object's database (and collection): what interceptors and tracing report. */
export const NamespaceProperty = (): Property => ({ kind: 'property', fixed: true, namespace: true });
export const DelegateMethod = (wrap?: ClassName): Delegate => (wrap ? { kind: 'delegate', wrap } : { kind: 'delegate' });
export const SetterMethod = (): Delegate => ({ kind: 'delegate', returnsNothing: true });
export const CursorChainingMethod = (): Chain => ({ kind: 'chain' });
/** The same kind outside cursors (streams, bulk operations): applies to the driver object, returns the handle. */
export const ChainingMethod = (): Chain => ({ kind: 'chain' });
export const Factory = (wrap: ClassName, madeId?: Factory['madeId']): Factory => (madeId ? { kind: 'factory', wrap, madeId } : { kind: 'factory', wrap });
/** An EventEmitter method whose own result is returned (emit, listenerCount, listeners...). */
export const EventMethod = (): EventMethod => ({ kind: 'event', returnsHandle: false });
/** An EventEmitter method that returns the emitter (on, once, off...): the handle is returned, for chaining. */
export const ChainingEventMethod = (listeners?: 'adds' | 'removes'): EventMethod => (listeners ? { kind: 'event', returnsHandle: true, listeners } : { kind: 'event', returnsHandle: true });
export const UserCallbackMethod = (wrap?: ClassName): UserCallback => (wrap ? { kind: 'user-callback', wrap } : { kind: 'user-callback' });
export const AsyncIterator = (): AsyncIteration => ({ kind: 'async-iterator' });
export const StaticProperty = (): Static => ({ kind: 'static' });
/** A cursor member with a role (see CommandRole): `next: Buffered('next', AsyncCommand())`. */
export const Buffered = <A extends AsyncCommand | Property | Delegate | Chain | UserCallback>(role: NonNullable<A['buffer']>, attr: A): A => ({ ...attr, buffer: role });
/** A find-like member whose options hold a projection (see Projecting). */
/** A write that gives the caller's documents their `_id` in-process (see IdRole): `insertOne: AssignsIds('document', AsyncCommand())`. */
export const AssignsIds = <A extends AsyncCommand | Chain>(ids: IdRole, attr: A): A => ({ ...attr, ids });
export const ProjectionInOptions = <A extends AsyncCommand | Factory>(attr: A): A => ({ ...attr, projectionInOptions: true });
export const StaticAsyncCommand = (wrap?: ClassName): Static => (wrap ? { kind: 'static', async: true, wrap } : { kind: 'static', async: true });

/** One agnostic class: Motor's AgnosticCollection and friends, as data. */
export interface AgnosticClass {
  readonly name: ClassName;
  /** Inherited table (AbstractCursor for FindCursor...). */
  readonly extends?: ClassName;
  /** The driver's export of the same name; absent for classes the driver does not export (found on instances). */
  readonly exported: boolean;
  /** Members exposed on handles, by name (symbols use their well-known names, see SYMBOL_ATTRIBUTES). */
  readonly attributes: Readonly<Record<string, Attribute>>;
  /** Statics on the class itself. */
  readonly statics?: Readonly<Record<string, Static>>;
  /** Driver members deliberately not exposed, each with a one-line reason. */
  readonly notWrapped?: Readonly<Record<string, string>>;
  /**
   * Node streams: Node's stream machinery duck-types stream objects (`_readableState`, `req`,
   * `setHeader`...), so members outside the table pass through instead of throwing.
   */
  readonly passThrough?: boolean;
  /**
   * Holds server-side or transactional state (cursor, session, stream, bulk op): it cannot be
   * rebuilt on a fresh pool worker, and a pool keeps it on the worker that made it.
   */
  readonly stateful?: boolean;
  /**
   * A cursor whose next batch may be fetched while this one is read (find, aggregate...; not a change
   * stream, whose next batch waits for the server): see CommandRole 'next'.
   */
  readonly readAhead?: boolean;
  /**
   * The driver keeps an AbortSignal given in the options of the call that made it and honours it
   * in the object's later reads (a cursor's getMores): `find(filter, { signal })`.
   */
  readonly keepsSignal?: boolean;
  /** Stateless, so a client spanning several pool workers has one on each (commands spread round robin). */
  readonly spannable?: boolean;
  /**
   * A client: what is made from it belongs to it (a pool worker forgets it all when it closes), it
   * keeps the process alive while connected, and a pool places each one on a worker (or on every
   * worker, spanning).
   */
  readonly client?: boolean;
  /**
   * A Node stream an out-of-process executor relays: the caller holds a real stream on its own
   * thread that forwards chunks to ('upload') or from ('download') the driver's.
   */
  readonly relay?: 'upload' | 'download';
  /**
   * The driver object made on the calling thread beside a remote one (the pool's shadow) only
   * validates the call that makes it, and is ended at once with its `endedBy` member (a session:
   * the shadow client keeps no list of them).
   */
  readonly shadowValidatesOnly?: boolean;
  /**
   * Events the driver emits synchronously inside an operation, before anything is sent, whose
   * listener's throw aborts that operation: an executor that forwards events (the pool) runs their
   * listeners before the operation goes on, so the driver does what it does in-process.
   */
  readonly awaitedEvents?: readonly string[];
  /** Members after which a stateful object holds nothing more (close, endSession, execute). */
  readonly endedBy?: readonly string[];
  /**
   * Option keys under which a handle of this class goes back into the driver (`{ session }`): the
   * handle is unwrapped there before each call, as an argument handle is. A dotted key is a path
   * into an options object nested in a constructor's options (`autoEncryption.keyVaultClient`),
   * unwrapped when the object is made.
   */
  readonly optionKeys?: readonly string[];
  /**
   * How an object of this class that is not a handle (yet) crosses a thread boundary, say between
   * the pool's worker and the main thread: 'handle' (the default) only as a handle, since it holds
   * live state; 'fields' as a plain object of its own enumerable fields (FindOperators: its one
   * field is its bulk operation, which crosses as a handle).
   */
  readonly crosses?: 'handle' | 'fields';
  /**
   * Driver classes with no table of their own that this class keeps inside its internals and that
   * hold live state (the client's `s.authProviders`): like this class, they cross only as handles,
   * so never (a duck-typed read of the internals leaves them out).
   */
  readonly internals?: readonly string[];
  /** A short label for util.inspect: `Collection <test.users>`. Reads the driver object. */
  readonly label?: (delegate: any) => string;
}

/** Well-known symbols a table may list, by the names used in the tables. */
export const SYMBOL_ATTRIBUTES: Readonly<Record<string, symbol>> = {
  '[Symbol.asyncIterator]': Symbol.asyncIterator,
  '[Symbol.asyncDispose]': (Symbol as unknown as { asyncDispose: symbol }).asyncDispose ?? Symbol.for('nodejs.asyncDispose'),
};
