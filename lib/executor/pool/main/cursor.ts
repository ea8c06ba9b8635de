// Cursors in the pool executor: whole batches cross from the worker; iteration between batches, map()
// transforms and forEach() run here on the main thread. Which member does what is the registry's BufferRole
// on it (lib/registry/kinds.ts): this module names roles, never members. Reads are steps (./steps.ts).
import { MongoAPIError, MongoCursorExhaustedError, MongoCursorInUseError, MongoInvalidArgumentError } from '../../../driver.js';
import { Readable } from 'node:stream';
import type { CursorState, RemoteRef } from './remote-ref.js';
import type { Attribute, CommandRole, FetchRole } from '../../../registry/kinds.js';
import type { ResolvedClass } from '../../../registry/resolve.js';
import { ASYNC, runAsync, runSync, type Steps, type Waiter } from './steps.js';

export function isCursorClass(cls: ResolvedClass): boolean {
  return cls.buffers.size > 0;
}

/** A cursor's state before its first read, and again after rewind() (its buffer emptied, its map() transforms kept). */
const UNREAD = { started: false, prefetch: undefined, prefetched: false, closing: false, killed: false, open: undefined } as const;

function cursorState(ref: RemoteRef): CursorState {
  return (ref.cursor ??= { buffer: [], transforms: [], ...UNREAD });
}

// The driver's own words (AbstractCursor.transformDocument): a map() to null is refused.
const TRANSFORM_TO_NULL = 'Cursor returned a `null` document, but the cursor is not exhausted.  Mapping documents to `null` is not supported in the cursor transform.';

function transform(state: CursorState, doc: unknown): unknown {
  if (state.transforms.length === 0) return doc;
  for (const t of state.transforms) doc = t(doc);
  if (doc === null) throw new MongoAPIError(TRANSFORM_TO_NULL);
  return doc;
}

/** After the app's close(), the driver drops a late 'error' (a change stream's): so does the relay. */
export function dropsEvent(ref: RemoteRef, event: string): boolean {
  return event === 'error' && ref.cursor?.closing === true;
}

/** A cursor released because its client closed reads as the driver's closed cursor: empty, quietly. */
function closedWithClient(ref: RemoteRef): boolean {
  return ref.ended && ref.lost !== undefined;
}

/**
 * Fills the local buffer with the next batch. A find or aggregate cursor read with next() by an awaiting
 * caller asks for the batch after while this one is consumed: the worker fetches and decodes it while the
 * main thread works through the documents (the pool's reason to exist). Not for tryNext and change streams
 * (their next batch waits for the server), nor a blocked thread (it could not take the answer).
 */
function* fill(ref: RemoteRef, mode: FetchRole, w: Waiter): Steps<boolean> {
  if (closedWithClient(ref)) return false;
  ref.slot.objects.ensureAlive(ref);
  if (ref.signal?.aborted) throw ref.signal.reason;
  const state = cursorState(ref);
  state.started = true;
  const ahead = state.prefetch;
  state.prefetch = undefined;
  // A batch that already arrived would hand out its documents with no event-loop turn since the last
  // batch's (a for-await working per document would hold the loop for two batches): this gives that turn.
  if (ahead && state.prefetched) yield { settle: new Promise(setImmediate) };
  // A cursor opened with a signal has its reads rejected when it fires (async waiting).
  const reply = (ahead ? yield { settle: ahead } : yield { ask: { op: 'nextBatch', id: ref.id, mode }, ref, args: undefined, signal: ref.signal }) as unknown[];
  state.open = reply[0] as boolean | undefined; // the worker's nextBatch: the server side's state, then the documents
  const count = reply.length - 1;
  if (count === 0 && mode === 'next') ref.ended = true; // exhausted: nothing left to lose with the worker
  for (let i = 1; i < reply.length; i++) state.buffer.push(reply[i]);
  if (count > 0 && mode === 'next' && ref.resolved.readAhead && !w.blocking) readAhead(ref, state);
  return count > 0;
}

function readAhead(ref: RemoteRef, state: CursorState): void {
  const next = ref.slot.request({ op: 'nextBatch', id: ref.id, mode: 'next' }, undefined, ref.signal) as Promise<unknown[]>;
  state.prefetched = false;
  next.then(
    () => {
      if (state.prefetch === next) state.prefetched = true;
    },
    () => {}, // a failure surfaces when this batch is awaited
  );
  state.prefetch = next;
}

function* next(ref: RemoteRef, mode: FetchRole, w: Waiter): Steps<unknown> {
  const state = cursorState(ref);
  // As the driver's next(), before it reads its buffer: an abort stops a for-await at the next
  // document, not after what is buffered; a cursor close() killed reads as exhausted.
  if (ref.signal?.aborted) throw ref.signal.reason;
  if (state.killed) throw new MongoCursorExhaustedError();
  if (state.buffer.length === 0 && !(yield* fill(ref, mode, w))) return null;
  return transform(state, state.buffer.shift());
}

/** The steps of a cursor's async member answered on the main thread, or undefined for members the worker answers. */
export function cursorSteps(ref: RemoteRef, member: string, attr: Attribute | undefined, args: unknown[], w: Waiter): Steps<unknown> | undefined {
  const role = attr?.kind === 'async' || attr?.kind === 'user-callback' ? attr.buffer : undefined;
  return role === undefined ? undefined : byRole(ref, role, member, args, w);
}

function* byRole(ref: RemoteRef, role: CommandRole, member: string, args: unknown[], w: Waiter): Steps<unknown> {
  const state = cursorState(ref);
  if (ref.signal?.aborted && role !== 'close') throw ref.signal.reason;
  switch (role) {
    case 'next':
    case 'tryNext':
      return yield* next(ref, role, w);
    case 'hasNext':
      return !state.killed && (state.buffer.length > 0 || (yield* fill(ref, 'next', w)));
    case 'drain': {
      if (state.killed) return [];
      // Whatever a read-ahead brought goes into the buffer first.
      const ahead = state.prefetch;
      state.prefetch = undefined;
      const batch = ahead ? ((yield { settle: ahead.catch(() => []) }) as unknown[]) : [];
      for (let i = 1; i < batch.length; i++) state.buffer.push(batch[i]);
      let rest: unknown[] = [];
      if (!closedWithClient(ref)) {
        ref.slot.objects.ensureAlive(ref);
        state.started = true;
        rest = (yield { ask: { op: 'invoke', id: ref.id, member, args: [] }, ref, args: [], signal: ref.signal }) as unknown[];
        ref.ended = true;
      }
      state.open = false;
      const docs = [...state.buffer.splice(0), ...rest];
      if (state.transforms.length === 0) return docs;
      // As the driver's toArray: each mapped value is awaited (an async map() gives its results).
      const mapped: unknown[] = [];
      for (const d of docs) mapped.push(yield { settle: transform(state, d) });
      return mapped;
    }
    case 'each': {
      // The driver's forEach refuses a non-function before it reads anything (no batch asked for).
      if (typeof args[0] !== 'function') throw new MongoInvalidArgumentError('Argument "iterator" must be a function');
      // As the driver's forEach: a for-await over the cursor, so stopping early (false, a throw)
      // closes it; what the iterator returns is not awaited (a Promise is not false).
      const iterator = args[0] as (doc: unknown) => unknown;
      if (state.killed) return undefined; // as the driver's: a killed cursor iterates nothing (an abort threw above)
      try {
        for (let doc = yield* next(ref, 'next', w); doc !== null; doc = killedMidLoop(ref) ? null : yield* next(ref, 'next', w)) if (iterator(doc) === false) break;
      } finally {
        if (!killedMidLoop(ref)) yield* endIteration(ref);
      }
      return undefined;
    }
    case 'close': {
      state.closing = true;
      if (closedWithClient(ref)) return undefined;
      // As the driver's close(), decided at the call, before anything is awaited (a loop reading on without awaiting it
      // stops at once): one whose server side was open after the batch the caller last took is killed and reads as
      // exhausted (its read-ahead batch dropped: in-process it was never fetched); one the server had finished keeps
      // its buffered documents readable (a read-ahead then brings nothing).
      killIfOpen(state);
      yield { ask: { op: 'invoke', id: ref.id, member, args: [] }, ref, args: [] };
      ref.ended = true;
      if (state.open !== undefined) return undefined;
      // No batch taken here (not started, or its reads went to the worker): the driver's own answer.
      const killed = ref.resolved.buffers.get('killed');
      if (killed !== undefined && (yield { ask: { op: 'read', id: ref.id, member: killed }, ref, args: undefined }) === true) state.killed = true;
      return undefined;
    }
  }
}

/** A close() of a cursor whose server side was open after the batch the caller last took kills it: it reads as exhausted, its read-ahead dropped. */
function killIfOpen(state: CursorState): void {
  if (state.open !== true) return;
  state.killed = true;
  state.prefetch = undefined;
}

/** The app's close() killed the cursor during a loop: the loop ends there, its buffer kept (as the driver's); an abort still throws at the next read. */
function killedMidLoop(ref: RemoteRef): boolean {
  return cursorState(ref).killed && !ref.signal?.aborted;
}

/** Leaving an iteration (done, early, or by a throw) closes the cursor, as the driver's own iterator does. */
function* endIteration(ref: RemoteRef): Steps<void> {
  const state = cursorState(ref);
  state.closing = true;
  const close = ref.resolved.buffers.get('close');
  if (close !== undefined && !closedWithClient(ref) && !ref.ended) {
    killIfOpen(state);
    try {
      yield { ask: { op: 'invoke', id: ref.id, member: close, args: [] }, ref, args: [] };
    } catch {
      /* closing is best effort */
    }
  }
  ref.ended = true;
}

/** Synchronous cursor members (`attr`, the registry's entry) with a role are answered here, the others by `remote`. */
export function cursorCall(ref: RemoteRef, attr: Attribute | undefined, args: unknown[], remote: () => unknown): unknown {
  const state = cursorState(ref);
  switch (attr?.kind === 'delegate' ? attr.buffer : undefined) {
    case 'count':
      return state.buffer.length + (closedWithClient(ref) ? 0 : (remote() as number));
    case 'take': {
      const n = typeof args[0] === 'number' ? args[0] : state.buffer.length;
      return state.buffer.splice(0, n).map((d) => transform(state, d));
    }
    case 'rewind':
      // A read-ahead's answer is dropped with the rest of the old iteration (the worker rewinds after it).
      Object.assign(state, UNREAD);
      state.buffer.length = 0;
      ref.ended = false;
      return remote();
    case 'stream':
      // A Node Readable over the same local iteration (documents arrive in whole batches).
      return Readable.from(cursorIterate(ref, ASYNC) as AsyncIterableIterator<unknown>, { objectMode: true });
    case undefined: // no role: the worker answers
      return remote();
  }
}

/** `closed` means closed and drained, as in the driver: documents buffered here count. */
export function cursorRead(ref: RemoteRef, attr: Attribute | undefined, remote: () => unknown): unknown {
  const role = attr?.kind === 'property' ? attr.buffer : undefined;
  if (role === 'closed') return (closedWithClient(ref) || (remote() as boolean)) && cursorState(ref).buffer.length === 0;
  if (role === 'killed' && (closedWithClient(ref) || cursorState(ref).killed)) return true;
  return remote();
}

/** `map(fn)` is kept here: the function runs on the main thread as documents are read. */
export function cursorChain(ref: RemoteRef, attr: Attribute | undefined, args: unknown[]): boolean {
  if (attr?.kind !== 'chain' || attr.buffer !== 'transform') return false;
  // As the driver's map(): refused once the cursor started (its documents are already coming).
  if (cursorState(ref).started) throw new MongoCursorInUseError();
  cursorState(ref).transforms.push(args[0] as (doc: unknown) => unknown);
  return true;
}

/** `for await` (awaiting) or `for...of` (blocking) over a cursor, by the same steps; leaving early closes the cursor. */
export function cursorIterate(ref: RemoteRef, w: Waiter): AsyncIterator<unknown> | Iterator<unknown> {
  if (!isCursorClass(ref.resolved)) throw new TypeError(`${ref.cls}: async iteration is not available in the pool executor`);
  let phase: 'new' | 'reading' | 'done' = 'new';
  function* step(): Steps<IteratorResult<unknown>> {
    if (phase === 'new') {
      phase = 'reading';
      if (ref.signal?.aborted) throw ref.signal.reason;
      if (cursorState(ref).killed) phase = 'done'; // as the driver's: a killed cursor iterates nothing
    }
    // As the driver's loop: a cursor the app's close() killed meanwhile ends the iteration.
    if (phase === 'done' || killedMidLoop(ref)) {
      phase = 'done';
      return { done: true, value: undefined };
    }
    try {
      const doc = yield* next(ref, 'next', w);
      if (doc !== null) return { done: false, value: doc };
    } catch (error) {
      yield* finish();
      throw error;
    }
    return yield* finish();
  }
  function* finish(): Steps<IteratorResult<unknown>> {
    const reading = phase === 'reading';
    phase = 'done';
    if (reading) yield* endIteration(ref);
    return { done: true, value: undefined };
  }
  // Calls made while one is running wait for it, as an async generator's do.
  let running: Promise<unknown> | undefined;
  const serial = (steps: () => Steps<IteratorResult<unknown>>): unknown => {
    if (w.blocking) return runSync(steps());
    const started: Promise<unknown> = running ? running.then(() => runAsync(steps()), () => runAsync(steps())) : runAsync(steps());
    running = started;
    const clear = (): void => {
      if (running === started) running = undefined;
    };
    started.then(clear, clear);
    return started;
  };
  const iterator = {
    next: () => serial(step),
    return: () => serial(finish),
    [w.blocking ? Symbol.iterator : Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator as unknown as AsyncIterator<unknown> | Iterator<unknown>;
}
