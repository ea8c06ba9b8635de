// The agnostic classes, one declarative table each: Motor's AgnosticCollection & co., as data.
//
// Every public member of the driver class (mongodb 6.x and 7.x, the union) is classified with a helper
// from ./kinds.ts; everything deliberately not exposed is listed in `notWrapped` with a reason.
// spec/registry-completeness.spec.ts walks the driver's prototypes and fails on any member missing here.
import {
  AssignsIds,
  AsyncCommand,
  ClientCommand,
  AsyncIterator,
  Buffered,
  ProjectionInOptions,
  ChainingEventMethod,
  ChainingMethod,
  CursorChainingMethod,
  DelegateMethod,
  EventMethod,
  Factory,
  ReadOnlyProperty,
  FixedProperty,
  NamespaceProperty,
  SetterMethod,
  StaticAsyncCommand,
  StaticProperty,
  UserCallbackMethod,
  WritableProperty,
  type AgnosticClass,
  type Attribute,
  type ClassName,
} from './kinds.js';

// ---------------------------------------------------------------------------------------------
// Shared tables

/** EventEmitter.prototype (and its typed overloads in the driver's TypedEventEmitter). */
export const EventEmitterAttributes: Readonly<Record<string, Attribute>> = {
  on: ChainingEventMethod('adds'),
  once: ChainingEventMethod('adds'),
  addListener: ChainingEventMethod('adds'),
  prependListener: ChainingEventMethod('adds'),
  prependOnceListener: ChainingEventMethod('adds'),
  removeListener: ChainingEventMethod('removes'),
  off: ChainingEventMethod('removes'),
  removeAllListeners: ChainingEventMethod('removes'),
  setMaxListeners: ChainingEventMethod(),
  emit: EventMethod(),
  listeners: EventMethod(),
  rawListeners: EventMethod(),
  listenerCount: EventMethod(),
  eventNames: EventMethod(),
  getMaxListeners: EventMethod(),
};

/** EventEmitter.prototype's data slots. */
export const EventEmitterNotWrapped: Readonly<Record<string, string>> = {
  _events: 'EventEmitter bookkeeping (listener storage)',
  _eventsCount: 'EventEmitter bookkeeping (listener count)',
  _maxListeners: 'EventEmitter bookkeeping; use getMaxListeners()/setMaxListeners()',
};

/** The driver's TypedEventEmitter (between driver classes and EventEmitter): logging hooks. */
export const TypedEventEmitterNotWrapped: Readonly<Record<string, string>> = {
  ...EventEmitterNotWrapped,
  emitAndLog: 'driver-internal: emits and logs a monitoring event (@internal)',
  emitAndLogHeartbeat: 'driver-internal: SDAM heartbeat logging (@internal)',
  emitAndLogCommand: 'driver-internal: command monitoring logging (@internal)',
};

/** Node's Readable (GridFSBucketReadStream's base) and Stream.prototype.pipe. */
export const ReadableAttributes: Readonly<Record<string, Attribute>> = {
  ...EventEmitterAttributes,
  // state
  readable: ReadOnlyProperty(),
  readableDidRead: ReadOnlyProperty(),
  readableAborted: ReadOnlyProperty(),
  readableHighWaterMark: ReadOnlyProperty(),
  readableBuffer: ReadOnlyProperty(),
  readableFlowing: ReadOnlyProperty(),
  readableLength: ReadOnlyProperty(),
  readableObjectMode: ReadOnlyProperty(),
  readableEncoding: ReadOnlyProperty(),
  readableEnded: ReadOnlyProperty(),
  errored: ReadOnlyProperty(),
  closed: ReadOnlyProperty(),
  destroyed: ReadOnlyProperty(),
  // flow control (the ones returning `this` keep the handle)
  destroy: ChainingMethod(),
  setEncoding: ChainingMethod(),
  unpipe: ChainingMethod(),
  resume: ChainingMethod(),
  pause: ChainingMethod(),
  wrap: ChainingMethod(),
  push: DelegateMethod(),
  unshift: DelegateMethod(),
  isPaused: DelegateMethod(),
  read: DelegateMethod(),
  pipe: DelegateMethod(), // returns the destination
  iterator: DelegateMethod(), // an async iterator of chunks
  // stream operators (experimental): new Readables synchronously, or promises
  asIndexedPairs: DelegateMethod(),
  drop: DelegateMethod(),
  filter: DelegateMethod(),
  flatMap: DelegateMethod(),
  map: DelegateMethod(),
  take: DelegateMethod(),
  compose: DelegateMethod(),
  toArray: AsyncCommand(),
  every: UserCallbackMethod(),
  forEach: UserCallbackMethod(),
  reduce: UserCallbackMethod(),
  some: UserCallbackMethod(),
  find: UserCallbackMethod(),
  '[Symbol.asyncIterator]': AsyncIterator(),
  '[Symbol.asyncDispose]': AsyncCommand(),
};

/** Node's Writable (GridFSBucketWriteStream's base) and Stream.prototype.pipe. */
export const WritableAttributes: Readonly<Record<string, Attribute>> = {
  ...EventEmitterAttributes,
  writable: ReadOnlyProperty(),
  writableFinished: ReadOnlyProperty(),
  writableObjectMode: ReadOnlyProperty(),
  writableBuffer: ReadOnlyProperty(),
  writableEnded: ReadOnlyProperty(),
  writableNeedDrain: ReadOnlyProperty(),
  writableHighWaterMark: ReadOnlyProperty(),
  writableCorked: ReadOnlyProperty(),
  writableLength: ReadOnlyProperty(),
  writableAborted: ReadOnlyProperty(),
  errored: ReadOnlyProperty(),
  closed: ReadOnlyProperty(),
  destroyed: ReadOnlyProperty(),
  write: DelegateMethod(), // returns false when the caller should wait for 'drain'
  cork: DelegateMethod(),
  uncork: DelegateMethod(),
  pipe: DelegateMethod(), // Writable.prototype.pipe throws ERR_STREAM_CANNOT_PIPE
  end: ChainingMethod(),
  setDefaultEncoding: ChainingMethod(),
  destroy: ChainingMethod(),
  '[Symbol.asyncDispose]': AsyncCommand(),
};

const StreamNotWrapped: Readonly<Record<string, string>> = {
  ...EventEmitterNotWrapped,
  _read: 'stream implementation hook, called by Node (@internal)',
  _write: 'stream implementation hook, called by Node (@internal)',
  _writev: 'stream implementation hook, called by Node',
  _final: 'stream implementation hook, called by Node (@internal)',
  _construct: 'stream implementation hook, called by Node (@internal)',
  _destroy: 'stream implementation hook, called by Node',
  _undestroy: 'Node-internal stream reset',
};

/** Cheap, never-throwing labels for util.inspect. */
const safe =
  (read: (d: any) => unknown) =>
  (delegate: any): string => {
    try {
      const value = read(delegate);
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- labels are driver values with their own toString (MongoDBNamespace, ObjectId, strings)
      return value == null ? '' : String(value);
    } catch {
      return '?';
    }
  };

const cursorLabel = safe((c) => c.namespace);

// ---------------------------------------------------------------------------------------------
// Client, database, collection

export const MongoClient: AgnosticClass = {
  name: 'MongoClient',
  exported: true,
  spannable: true,
  client: true,
  optionKeys: ['keyVaultClient', 'autoEncryption.keyVaultClient'], // ClientEncryption's and a client's autoEncryption's key vault client
  internals: ['MongoClientAuthProviders'],
  // commandStarted: Connection.sendCommand emits it before writing the command (a throw ends the
  // command; Server.command rejects through decorateCommandError). connectionCheckOutStarted:
  // ConnectionPool.checkOut emits it first thing (a throw rejects the checkout). Events emitted after
  // the reply, or outside any operation (monitors, queued checkouts), are not awaited: no operation
  // sees their listener's throw in-process either. (mongodb 6.x and 7.x alike.)
  awaitedEvents: ['commandStarted', 'connectionCheckOutStarted'],
  // Hosts only: never the connection string, which may hold credentials.
  label: safe((c) => (c.options?.hosts ?? []).map((h: unknown) => String(h)).join(',')),
  attributes: {
    ...EventEmitterAttributes,
    options: FixedProperty(),
    serverApi: FixedProperty(),
    readConcern: FixedProperty(),
    writeConcern: FixedProperty(),
    readPreference: FixedProperty(),
    bsonOptions: FixedProperty(),
    timeoutMS: FixedProperty(),
    connect: ClientCommand('everyReplica', 'MongoClient'), // resolves to the client itself
    close: ClientCommand('releases'),
    bulkWrite: AssignsIds('clientWriteModels', AsyncCommand()),
    appendMetadata: SetterMethod(),
    db: Factory('Db'),
    startSession: Factory('ClientSession'),
    watch: Factory('ChangeStream'),
    withSession: UserCallbackMethod(),
    '[Symbol.asyncDispose]': ClientCommand('releases'),
  },
  statics: {
    connect: StaticAsyncCommand('MongoClient'),
  },
  notWrapped: {
    ...TypedEventEmitterNotWrapped,
    s: 'driver-internal state (@internal)',
    topology: 'driver-internal SDAM topology (@internal)',
    mongoLogger: 'driver-internal logger (@internal)',
    connectionLock: 'driver-internal connect() de-duplication (@internal)',
    closeLock: 'driver-internal close() de-duplication (@internal)',
    driverInfoList: 'driver-internal handshake metadata (private); use appendMetadata()',
    monitorCommands: 'driver-internal APM switch (@internal); pass monitorCommands in the client options',
    autoEncrypter: 'driver-internal auto-encryption engine (@internal)',
    checkForNonGenuineHosts: 'driver-internal constructor helper (@internal)',
    asyncDispose: 'mongodb 6 internal behind [Symbol.asyncDispose] (@internal)',
    _connect: 'driver-internal: body of connect() (@internal)',
    _close: 'driver-internal: body of close() (private)',
  },
};

export const Db: AgnosticClass = {
  name: 'Db',
  exported: true,
  spannable: true,
  label: safe((d) => d.databaseName),
  attributes: {
    client: ReadOnlyProperty('MongoClient'),
    databaseName: FixedProperty(),
    options: FixedProperty(),
    secondaryOk: FixedProperty(),
    readConcern: FixedProperty(),
    readPreference: FixedProperty(),
    bsonOptions: FixedProperty(),
    writeConcern: FixedProperty(),
    namespace: NamespaceProperty(),
    timeoutMS: FixedProperty(),
    createCollection: AsyncCommand('Collection'),
    renameCollection: AsyncCommand('Collection'),
    collections: AsyncCommand('Collection'), // Collection[]
    command: AsyncCommand(),
    stats: AsyncCommand(),
    dropCollection: AsyncCommand(),
    dropDatabase: AsyncCommand(),
    createIndex: AsyncCommand(),
    removeUser: AsyncCommand(),
    setProfilingLevel: AsyncCommand(),
    profilingLevel: AsyncCommand(),
    indexInformation: AsyncCommand(),
    admin: Factory('Admin'),
    collection: Factory('Collection'),
    aggregate: Factory('AggregationCursor'),
    listCollections: Factory('ListCollectionsCursor'),
    watch: Factory('ChangeStream'),
    runCursorCommand: Factory('RunCommandCursor'),
  },
  statics: {
    SYSTEM_NAMESPACE_COLLECTION: StaticProperty(),
    SYSTEM_INDEX_COLLECTION: StaticProperty(),
    SYSTEM_PROFILE_COLLECTION: StaticProperty(),
    SYSTEM_USER_COLLECTION: StaticProperty(),
    SYSTEM_COMMAND_COLLECTION: StaticProperty(),
    SYSTEM_JS_COLLECTION: StaticProperty(),
  },
  notWrapped: {
    s: 'driver-internal state (@internal)',
  },
};

export const Collection: AgnosticClass = {
  name: 'Collection',
  exported: true,
  spannable: true,
  label: safe((c) => c.namespace),
  attributes: {
    db: ReadOnlyProperty('Db'),
    dbName: FixedProperty(),
    collectionName: FixedProperty(),
    namespace: NamespaceProperty(),
    readConcern: FixedProperty(),
    readPreference: FixedProperty(),
    bsonOptions: FixedProperty(),
    writeConcern: FixedProperty(),
    timeoutMS: FixedProperty(),
    hint: WritableProperty(),
    insertOne: AssignsIds('document', AsyncCommand()),
    insertMany: AssignsIds('documents', AsyncCommand()),
    bulkWrite: AssignsIds('writeModels', AsyncCommand()),
    updateOne: AsyncCommand(),
    replaceOne: AsyncCommand(),
    updateMany: AsyncCommand(),
    deleteOne: AsyncCommand(),
    deleteMany: AsyncCommand(),
    rename: AsyncCommand('Collection'),
    drop: AsyncCommand(),
    findOne: ProjectionInOptions(AsyncCommand()),
    options: AsyncCommand(),
    isCapped: AsyncCommand(),
    createIndex: AsyncCommand(),
    createIndexes: AsyncCommand(),
    dropIndex: AsyncCommand(),
    dropIndexes: AsyncCommand(),
    indexExists: AsyncCommand(),
    indexInformation: AsyncCommand(),
    estimatedDocumentCount: AsyncCommand(),
    countDocuments: AsyncCommand(),
    distinct: AsyncCommand(),
    indexes: AsyncCommand(),
    findOneAndDelete: AsyncCommand(),
    findOneAndReplace: AsyncCommand(),
    findOneAndUpdate: AsyncCommand(),
    count: AsyncCommand(),
    createSearchIndex: AsyncCommand(),
    createSearchIndexes: AsyncCommand(),
    dropSearchIndex: AsyncCommand(),
    updateSearchIndex: AsyncCommand(),
    find: ProjectionInOptions(Factory('FindCursor')),
    aggregate: Factory('AggregationCursor'),
    listIndexes: Factory('ListIndexesCursor'),
    listSearchIndexes: Factory('ListSearchIndexesCursor'),
    watch: Factory('ChangeStream'),
    initializeOrderedBulkOp: Factory('OrderedBulkOperation'),
    initializeUnorderedBulkOp: Factory('UnorderedBulkOperation'),
  },
  notWrapped: {
    s: 'driver-internal state (@internal)',
    client: 'driver-internal back-reference (@internal); use collection.db.client',
    fullNamespace: 'driver-internal MongoDBNamespace (@internal); use namespace',
  },
};

export const Admin: AgnosticClass = {
  name: 'Admin',
  exported: true,
  spannable: true,
  label: () => 'admin',
  attributes: {
    command: AsyncCommand(),
    buildInfo: AsyncCommand(),
    serverInfo: AsyncCommand(),
    serverStatus: AsyncCommand(),
    ping: AsyncCommand(),
    removeUser: AsyncCommand(),
    validateCollection: AsyncCommand(),
    listDatabases: AsyncCommand(),
    replSetGetStatus: AsyncCommand(),
  },
  notWrapped: {
    s: 'driver-internal state (@internal)',
  },
};

// ---------------------------------------------------------------------------------------------
// Cursors

export const AbstractCursor: AgnosticClass = {
  name: 'AbstractCursor',
  exported: true,
  stateful: true,
  endedBy: ['close'],
  readAhead: true,
  keepsSignal: true,
  label: cursorLabel,
  attributes: {
    ...EventEmitterAttributes,
    id: ReadOnlyProperty(),
    namespace: NamespaceProperty(),
    readPreference: ReadOnlyProperty(),
    readConcern: ReadOnlyProperty(),
    closed: Buffered('closed', ReadOnlyProperty()),
    killed: Buffered('killed', ReadOnlyProperty()),
    loadBalanced: ReadOnlyProperty(),
    // @internal in the typings, exposed (wrapped) on purpose: Motor's cursor.session / cursor.client.
    session: ReadOnlyProperty('ClientSession'),
    client: ReadOnlyProperty('MongoClient'),
    bufferedCount: Buffered('count', DelegateMethod()),
    readBufferedDocuments: Buffered('take', DelegateMethod()),
    stream: Buffered('stream', DelegateMethod()), // a Node Readable of documents
    rewind: Buffered('rewind', DelegateMethod()),
    hasNext: Buffered('hasNext', AsyncCommand()),
    next: Buffered('next', AsyncCommand()),
    tryNext: Buffered('tryNext', AsyncCommand()),
    close: Buffered('close', AsyncCommand()),
    toArray: Buffered('drain', AsyncCommand()),
    forEach: Buffered('each', UserCallbackMethod()),
    addCursorFlag: CursorChainingMethod(),
    map: Buffered('transform', CursorChainingMethod()), // the driver returns `this`
    withReadPreference: CursorChainingMethod(),
    withReadConcern: CursorChainingMethod(),
    maxTimeMS: CursorChainingMethod(),
    batchSize: CursorChainingMethod(),
    '[Symbol.asyncIterator]': AsyncIterator(),
    '[Symbol.asyncDispose]': Buffered('close', AsyncCommand()), // the driver's close()
  },
  statics: {
    CLOSE: StaticProperty(),
  },
  notWrapped: {
    ...TypedEventEmitterNotWrapped,
    isDead: 'driver-internal (@internal); use closed / killed',
    server: 'driver-internal pinned server (@internal)',
    signal: 'driver-internal AbortSignal (protected)',
    abortListener: 'driver-internal (private)',
    trackCursor: 'driver-internal (private)',
    getMore: 'driver-internal: next()/hasNext() issue getMores (@internal)',
    cursorInit: 'driver-internal (@internal)',
    fetchBatch: 'driver-internal (@internal)',
    cleanup: 'driver-internal (@internal)',
    emitClose: 'driver-internal (@internal)',
    transformDocument: 'driver-internal: applies map() (@internal)',
    throwIfInitialized: 'driver-internal guard (@internal)',
    asyncDispose: 'mongodb 6 internal behind [Symbol.asyncDispose] (@internal)',
    _initialize: 'driver-internal: runs the initial command (@internal)',
    documents: 'driver-internal buffer (@internal); use readBufferedDocuments()',
    hasEmittedClose: 'driver-internal (@internal)',
    cursorClient: 'driver-internal (@internal); use client',
    cursorNamespace: 'driver-internal (@internal); use namespace',
    cursorId: 'driver-internal (@internal); use id',
    initialized: 'driver-internal (@internal)',
    isClosed: 'driver-internal (@internal); use closed',
    isKilled: 'driver-internal (@internal); use killed',
    cursorOptions: 'driver-internal (@internal)',
    cursorSession: 'driver-internal (@internal); use session',
    deserializationOptions: 'driver-internal (@internal)',
    timeoutContext: 'driver-internal CSOT state (@internal)',
    transform: 'driver-internal (@internal); use map()',
  },
};

/** FindCursor and AggregationCursor extend the driver's (unexported) ExplainableCursor. */
const ExplainableNotWrapped: Readonly<Record<string, string>> = {
  resolveExplainTimeoutOptions: 'driver-internal explain() argument parsing (protected)',
};

export const FindCursor: AgnosticClass = {
  name: 'FindCursor',
  extends: 'AbstractCursor',
  exported: true,
  label: cursorLabel,
  attributes: {
    clone: Factory('FindCursor'),
    count: AsyncCommand(),
    explain: AsyncCommand(),
    filter: CursorChainingMethod(),
    hint: CursorChainingMethod(),
    min: CursorChainingMethod(),
    max: CursorChainingMethod(),
    returnKey: CursorChainingMethod(),
    showRecordId: CursorChainingMethod(),
    addQueryModifier: CursorChainingMethod(),
    comment: CursorChainingMethod(),
    maxAwaitTimeMS: CursorChainingMethod(),
    maxTimeMS: CursorChainingMethod(),
    project: CursorChainingMethod(),
    sort: CursorChainingMethod(),
    allowDiskUse: CursorChainingMethod(),
    collation: CursorChainingMethod(),
    limit: CursorChainingMethod(),
    skip: CursorChainingMethod(),
  },
  notWrapped: {
    ...ExplainableNotWrapped,
    numReturned: 'driver-internal limit bookkeeping (@internal)',
    cursorFilter: 'driver-internal (@internal); set with filter()',
    findOptions: 'driver-internal (@internal)',
  },
};

export const AggregationCursor: AgnosticClass = {
  name: 'AggregationCursor',
  extends: 'AbstractCursor',
  exported: true,
  label: cursorLabel,
  attributes: {
    pipeline: FixedProperty(),
    clone: Factory('AggregationCursor'), // also for ListSearchIndexesCursor: the driver clones into an AggregationCursor
    explain: AsyncCommand(),
    addStage: CursorChainingMethod(),
    group: CursorChainingMethod(),
    limit: CursorChainingMethod(),
    match: CursorChainingMethod(),
    out: CursorChainingMethod(),
    project: CursorChainingMethod(),
    lookup: CursorChainingMethod(),
    redact: CursorChainingMethod(),
    skip: CursorChainingMethod(),
    sort: CursorChainingMethod(),
    unwind: CursorChainingMethod(),
    geoNear: CursorChainingMethod(),
  },
  notWrapped: {
    ...ExplainableNotWrapped,
    aggregateOptions: 'driver-internal (@internal)',
  },
};

export const ListCollectionsCursor: AgnosticClass = {
  name: 'ListCollectionsCursor',
  extends: 'AbstractCursor',
  exported: true,
  label: cursorLabel,
  attributes: {
    parent: ReadOnlyProperty('Db'),
    filter: ReadOnlyProperty(),
    options: ReadOnlyProperty(),
    clone: Factory('ListCollectionsCursor'),
  },
};

export const ListIndexesCursor: AgnosticClass = {
  name: 'ListIndexesCursor',
  extends: 'AbstractCursor',
  exported: true,
  label: cursorLabel,
  attributes: {
    parent: ReadOnlyProperty('Collection'),
    options: ReadOnlyProperty(),
    clone: Factory('ListIndexesCursor'),
  },
};

/** From `collection.listSearchIndexes()`; no I/O until iterated. Its whole surface is AggregationCursor's. */
export const ListSearchIndexesCursor: AgnosticClass = {
  name: 'ListSearchIndexesCursor',
  extends: 'AggregationCursor',
  exported: false,
  label: cursorLabel,
  attributes: {},
};

/** From `db.runCursorCommand({...})`; no I/O until iterated. */
export const RunCommandCursor: AgnosticClass = {
  name: 'RunCommandCursor',
  extends: 'AbstractCursor',
  exported: false,
  label: cursorLabel,
  attributes: {
    command: ReadOnlyProperty(),
    getMoreOptions: ReadOnlyProperty(),
    setComment: CursorChainingMethod(),
    setMaxTimeMS: CursorChainingMethod(),
    setBatchSize: CursorChainingMethod(),
    // The driver overrides these to always throw MongoAPIError (use the setX() methods above).
    clone: DelegateMethod(),
    withReadConcern: DelegateMethod(),
    addCursorFlag: DelegateMethod(),
    maxTimeMS: DelegateMethod(),
    batchSize: DelegateMethod(),
  },
  notWrapped: {
    db: 'driver-internal (@internal)',
  },
};

// ---------------------------------------------------------------------------------------------
// Change streams, sessions

export const ChangeStream: AgnosticClass = {
  name: 'ChangeStream',
  exported: true,
  stateful: true,
  endedBy: ['close'],
  label: safe((c) => c.namespace),
  attributes: {
    ...EventEmitterAttributes,
    pipeline: FixedProperty(),
    options: ReadOnlyProperty(),
    // MongoClient | Db | Collection: the proxy wraps by the value's own class, 'MongoClient' is the fallback.
    parent: ReadOnlyProperty('MongoClient'),
    namespace: NamespaceProperty(),
    type: FixedProperty(),
    streamOptions: ReadOnlyProperty(), // mongodb 6 only
    resumeToken: ReadOnlyProperty(),
    closed: Buffered('closed', ReadOnlyProperty()),
    bufferedCount: Buffered('count', DelegateMethod()), // mongodb 7 only
    stream: Buffered('stream', DelegateMethod()), // a Node Readable of change events
    hasNext: Buffered('hasNext', AsyncCommand()),
    next: Buffered('next', AsyncCommand()),
    tryNext: Buffered('tryNext', AsyncCommand()),
    close: Buffered('close', AsyncCommand()),
    '[Symbol.asyncIterator]': AsyncIterator(),
    '[Symbol.asyncDispose]': AsyncCommand(),
  },
  statics: {
    RESPONSE: StaticProperty(),
    MORE: StaticProperty(),
    INIT: StaticProperty(),
    CLOSE: StaticProperty(),
    CHANGE: StaticProperty(),
    END: StaticProperty(),
    ERROR: StaticProperty(),
    RESUME_TOKEN_CHANGED: StaticProperty(),
  },
  notWrapped: {
    ...TypedEventEmitterNotWrapped,
    cursor: 'driver-internal ChangeStreamCursor (@internal)',
    isClosed: 'driver-internal (@internal); use closed',
    mode: 'driver-internal emitter/iterator mode (@internal)',
    timeoutContext: 'driver-internal CSOT state (private)',
    contextOwner: 'driver-internal CSOT state (private)',
    asyncDispose: 'mongodb 6 internal behind [Symbol.asyncDispose] (@internal)',
    _setIsEmitter: 'driver-internal (@internal)',
    _setIsIterator: 'driver-internal (@internal)',
    _createChangeStreamCursor: 'driver-internal (@internal)',
    _closeEmitterModeWithError: 'driver-internal (@internal)',
    _streamEvents: 'driver-internal (@internal)',
    _endStream: 'driver-internal (@internal)',
    _processChange: 'driver-internal (@internal)',
    _processErrorStreamMode: 'driver-internal (@internal)',
    _processErrorIteratorMode: 'driver-internal (@internal)',
    _resume: 'driver-internal (private)',
  },
};

export const ClientSession: AgnosticClass = {
  name: 'ClientSession',
  exported: true,
  stateful: true,
  shadowValidatesOnly: true,
  optionKeys: ['session'],
  endedBy: ['endSession'],
  label: safe((s) => (s.hasEnded ? 'ended' : s.inTransaction() ? 'in transaction' : 'active')),
  attributes: {
    ...EventEmitterAttributes,
    hasEnded: ReadOnlyProperty(),
    clientOptions: ReadOnlyProperty(),
    supports: ReadOnlyProperty(),
    clusterTime: ReadOnlyProperty(),
    operationTime: ReadOnlyProperty(),
    explicit: ReadOnlyProperty(),
    defaultTransactionOptions: ReadOnlyProperty(),
    snapshotEnabled: ReadOnlyProperty(),
    timeoutMS: ReadOnlyProperty(),
    transaction: ReadOnlyProperty(), // public (deprecated) in mongodb 6, @internal in 7
    id: ReadOnlyProperty(),
    serverSession: ReadOnlyProperty(),
    loadBalanced: ReadOnlyProperty(),
    isPinned: ReadOnlyProperty(),
    endSession: AsyncCommand(),
    commitTransaction: AsyncCommand(),
    abortTransaction: AsyncCommand(),
    advanceOperationTime: DelegateMethod(),
    advanceClusterTime: DelegateMethod(),
    equals: DelegateMethod(),
    incrementTransactionNumber: DelegateMethod(),
    inTransaction: DelegateMethod(),
    startTransaction: DelegateMethod(),
    toBSON: DelegateMethod(), // always throws: a session is not a document
    withTransaction: UserCallbackMethod(),
    '[Symbol.asyncDispose]': AsyncCommand(),
  },
  notWrapped: {
    ...TypedEventEmitterNotWrapped,
    pin: 'driver-internal load-balancer pinning (@internal)',
    unpin: 'driver-internal load-balancer pinning (@internal)',
    asyncDispose: 'mongodb 6 internal behind [Symbol.asyncDispose] (@internal)',
    client: 'driver-internal back-reference (@internal)',
    sessionPool: 'driver-internal server session pool (@internal)',
    owner: 'driver-internal implicit-session owner (@internal)',
    pinnedConnection: 'driver-internal (@internal)',
    txnNumberIncrement: 'driver-internal (@internal)',
    timeoutContext: 'driver-internal CSOT state (@internal)',
    _serverSession: 'driver-internal (@internal); use serverSession',
  },
};

// ---------------------------------------------------------------------------------------------
// GridFS

export const GridFSBucket: AgnosticClass = {
  name: 'GridFSBucket',
  exported: true,
  spannable: true,
  label: safe((b) => `${b.s.db.databaseName}.${b.s.options.bucketName}`),
  attributes: {
    ...EventEmitterAttributes,
    openUploadStream: Factory('GridFSBucketWriteStream', { via: 'openUploadStreamWithId' }),
    openUploadStreamWithId: Factory('GridFSBucketWriteStream', { at: 0 }),
    openDownloadStream: Factory('GridFSBucketReadStream'),
    openDownloadStreamByName: Factory('GridFSBucketReadStream'),
    find: Factory('FindCursor'),
    delete: AsyncCommand(),
    rename: AsyncCommand(),
    drop: AsyncCommand(),
  },
  statics: {
    INDEX: StaticProperty(),
  },
  notWrapped: {
    ...TypedEventEmitterNotWrapped,
    s: 'driver-internal state (@internal)',
  },
};

export const GridFSBucketReadStream: AgnosticClass = {
  name: 'GridFSBucketReadStream',
  exported: true,
  stateful: true,
  relay: 'download',
  endedBy: ['abort', 'destroy'],
  passThrough: true,
  label: safe((r) => r.s.file?.filename ?? r.s.filter?.filename ?? r.s.filter?._id),
  attributes: {
    ...ReadableAttributes,
    start: CursorChainingMethod(),
    end: CursorChainingMethod(),
    abort: AsyncCommand(),
  },
  statics: {
    FILE: StaticProperty(),
  },
  notWrapped: {
    ...StreamNotWrapped,
    s: 'driver-internal state (@internal)',
  },
};

export const GridFSBucketWriteStream: AgnosticClass = {
  name: 'GridFSBucketWriteStream',
  exported: true,
  stateful: true,
  relay: 'upload',
  endedBy: ['abort', 'destroy'],
  passThrough: true,
  label: safe((w) => `${w.filename} (${w.id})`),
  attributes: {
    ...WritableAttributes,
    bucket: ReadOnlyProperty('GridFSBucket'),
    chunks: ReadOnlyProperty('Collection'),
    files: ReadOnlyProperty('Collection'),
    filename: ReadOnlyProperty(),
    options: ReadOnlyProperty(),
    done: ReadOnlyProperty(),
    id: ReadOnlyProperty(),
    chunkSizeBytes: ReadOnlyProperty(),
    bufToStore: ReadOnlyProperty(),
    length: ReadOnlyProperty(),
    n: ReadOnlyProperty(),
    pos: ReadOnlyProperty(),
    state: ReadOnlyProperty(),
    writeConcern: ReadOnlyProperty(),
    gridFSFile: ReadOnlyProperty(),
    abort: AsyncCommand(),
  },
  notWrapped: {
    ...StreamNotWrapped,
    timeoutContext: 'driver-internal CSOT state (@internal)',
  },
};

// ---------------------------------------------------------------------------------------------
// Bulk operations

const bulkLabel = safe((b) => `${b.s.namespace} (${b.length} ops)`);

export const BulkOperationBase: AgnosticClass = {
  name: 'BulkOperationBase',
  exported: false, // declared in the typings, not exported by the driver's index
  stateful: true,
  endedBy: ['execute'],
  label: bulkLabel,
  attributes: {
    isOrdered: ReadOnlyProperty(),
    operationId: ReadOnlyProperty(),
    length: ReadOnlyProperty(),
    bsonOptions: ReadOnlyProperty(),
    writeConcern: ReadOnlyProperty(),
    batches: ReadOnlyProperty(),
    insert: AssignsIds('bulkInsert', ChainingMethod()), // returns the bulk op itself
    raw: AssignsIds('bulkRaw', ChainingMethod()),
    find: Factory('FindOperators'),
    execute: AsyncCommand(),
  },
  notWrapped: {
    s: 'driver-internal state (@internal)',
    collection: 'driver-internal back-reference (private)',
    retryWrites: 'driver-internal (@internal)',
    handleWriteError: 'implementation hook of execute() (public in the typings, called only by the driver)',
    addToOperationsList: 'implementation hook behind insert/raw/find().*: takes the driver-internal BatchType',
    shouldForceServerObjectId: 'driver-internal (private)',
  },
};

export const OrderedBulkOperation: AgnosticClass = {
  name: 'OrderedBulkOperation',
  extends: 'BulkOperationBase',
  exported: true,
  label: bulkLabel,
  attributes: {},
};

export const UnorderedBulkOperation: AgnosticClass = {
  name: 'UnorderedBulkOperation',
  extends: 'BulkOperationBase',
  exported: true,
  label: bulkLabel,
  attributes: {},
};

/**
 * From `bulk.find(selector)`. The modifiers (upsert, collation, arrayFilters, hint) return the
 * FindOperators itself; the terminal operations return the parent bulk op, Ordered or Unordered,
 * so they declare BulkOperationBase (whose table is the whole public surface of both); the proxy
 * picks the value's own class (wrapValue → runtime.classOf) when it is a registered one.
 */
export const FindOperators: AgnosticClass = {
  name: 'FindOperators',
  exported: false,
  stateful: true,
  crosses: 'fields',
  label: safe((f) => f.bulkOperation.s.namespace),
  attributes: {
    bulkOperation: ReadOnlyProperty('BulkOperationBase'),
    update: DelegateMethod('BulkOperationBase'),
    updateOne: DelegateMethod('BulkOperationBase'),
    replaceOne: DelegateMethod('BulkOperationBase'),
    deleteOne: DelegateMethod('BulkOperationBase'),
    delete: DelegateMethod('BulkOperationBase'),
    upsert: ChainingMethod(),
    collation: ChainingMethod(),
    arrayFilters: ChainingMethod(),
    hint: ChainingMethod(),
  },
};

// ---------------------------------------------------------------------------------------------
// Explicit encryption

export const ClientEncryption: AgnosticClass = {
  name: 'ClientEncryption',
  exported: true,
  label: safe((e) => e._keyVaultNamespace),
  attributes: {
    createDataKey: AsyncCommand(),
    rewrapManyDataKey: AsyncCommand(),
    deleteKey: AsyncCommand(),
    getKeys: Factory('FindCursor'),
    getKey: AsyncCommand(),
    getKeyByAltName: AsyncCommand(),
    addKeyAltName: AsyncCommand(),
    removeKeyAltName: AsyncCommand(),
    // Resolves to { collection, encryptedFields }: the collection inside is not wrapped (no kind for it).
    createEncryptedCollection: AsyncCommand(),
    encrypt: AsyncCommand(),
    encryptExpression: AsyncCommand(),
    decrypt: AsyncCommand(),
  },
  statics: {
    // A getter: throws if mongodb-client-encryption is not installed; read only when asked for.
    libmongocryptVersion: StaticProperty(),
  },
  notWrapped: {
    getMongoCrypt: 'driver-internal static: loads mongodb-client-encryption (@internal)',
    askForKMSCredentials: 'driver-internal: called by the state machine (@internal)',
    _encrypt: 'driver-internal body of encrypt()/encryptExpression() (@internal)',
    _client: 'driver-internal (@internal)',
    _keyVaultClient: 'driver-internal (@internal)',
    _keyVaultNamespace: 'driver-internal (@internal)',
    _proxyOptions: 'driver-internal (@internal)',
    _tlsOptions: 'driver-internal (@internal)',
    _kmsProviders: 'driver-internal (@internal)',
    _kmsConnectCallback: 'driver-internal (@internal)',
    _credentialProviders: 'driver-internal (@internal)',
    _timeoutMS: 'driver-internal (@internal)',
    _mongoCrypt: 'driver-internal libmongocrypt handle (@internal)',
  },
};

// ---------------------------------------------------------------------------------------------

export const CLASSES: Readonly<Record<ClassName, AgnosticClass>> = {
  MongoClient,
  Db,
  Collection,
  Admin,
  AbstractCursor,
  FindCursor,
  AggregationCursor,
  ListCollectionsCursor,
  ListIndexesCursor,
  ListSearchIndexesCursor,
  RunCommandCursor,
  ChangeStream,
  ClientSession,
  GridFSBucket,
  GridFSBucketReadStream,
  GridFSBucketWriteStream,
  BulkOperationBase,
  OrderedBulkOperation,
  UnorderedBulkOperation,
  FindOperators,
  ClientEncryption,
};
