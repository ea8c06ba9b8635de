// The interceptor API: one function around each driver call a handle makes (createRotor({ use }),
// or a client's own `{ rotor: { use } }`). See README "Interceptors".
import type { ClassName } from '../registry/kinds.js';

/** The registry kinds rotor intercepts: operations (async, user-callback), handle factories, and cursor iteration steps. */
export type InterceptedKind = 'async' | 'user-callback' | 'factory' | 'async-iterator' | 'iterator';

/** Where a cursor read stands: the call that made the cursor and which batch fetch this is. */
export interface CursorFetch {
  /** The member that made the cursor: `find`, `aggregate`, `listCollections`... (undefined when unknown, e.g. a cursor made outside rotor). */
  readonly origin: string | undefined;
  /** 0 for the fetch that runs the cursor's command on the server, 1, 2... for the getMores after it. */
  readonly fetch: number;
}

/** What an interceptor is told about a call (read-only: change arguments through next(args)). */
export interface Call {
  /** The registry class of the handle called (`Collection`, `FindCursor`...). */
  readonly className: ClassName;
  /** The member called, by the name the app used (`insertOne`, `countDocuments`, `next`...). */
  readonly member: string;
  /** The member's kind in the registry ('iterator'/'async-iterator': one step of a for...of / for await). */
  readonly kind: InterceptedKind;
  /** The database name, where the handle has one (Db, Collection, cursors, change streams). */
  readonly database: string | undefined;
  /** The collection name, where the handle has one (Collection, a collection's cursors). */
  readonly collection: string | undefined;
  /** The first host of the handle's client's connection string (never its credentials). */
  readonly server: { readonly address: string; readonly port: number | undefined } | undefined;
  /** The arguments as the caller passed them (handles as handles; a callback framework's completion callback left out). */
  readonly args: readonly unknown[];
  /** 'inline' or 'pool' (the executor's name). */
  readonly executor: string;
  /** 'promise', 'callback' or 'sync'. */
  readonly framework: string;
  /** Cursor reads that fetch a batch (the buffer is empty), and whole-cursor reads (toArray, forEach). */
  readonly cursor: CursorFetch | undefined;
}

/**
 * The rest of the chain: runs the next interceptor, or the driver call. Pass `args` to change the
 * arguments. Returns a thenable of the result: a Promise under the promise and callback frameworks;
 * under the sync framework and for factory calls (`find()`, `db()`), an already-settled thenable
 * whose then() runs at once. Call it again only to retry after it failed.
 */
export type Next = (args?: readonly unknown[]) => PromiseLike<unknown>;

/**
 * An interceptor: returns next()'s thenable (possibly chained), or a value / thenable of its own to
 * short-circuit; throws (or rejects) to fail the call. Under the sync framework and for factory
 * calls it must answer synchronously (next().then(...), not await).
 */
export type Interceptor = (call: Call, next: Next) => unknown;

/** A misused interceptor: the error of that one call. */
export class InterceptorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RotorInterceptorError';
  }
}

/** Validates a `use` option: an array of functions (not async ones under a blocking framework: nothing could wait for them). */
export function checkInterceptors(use: unknown, where: string, blocking = false): readonly Interceptor[] | undefined {
  if (use === undefined) return undefined;
  if (!Array.isArray(use)) throw new TypeError(`rotor: ${where} must be an array of interceptors, (call, next) => result; got ${typeof use}`);
  use.forEach((u, i) => {
    if (typeof u !== 'function') throw new TypeError(`rotor: ${where}[${i}] is not a function (an interceptor is (call, next) => result); got ${u === null ? 'null' : typeof u}`);
    if (blocking && /^Async/.test((u as { constructor: { name: string } }).constructor.name)) {
      throw new TypeError(
        `rotor: ${where}[${i}]${u.name ? ` '${u.name}'` : ''} is an async function, but the sync framework runs interceptors synchronously: ` +
          'next() returns an already-settled thenable there; write next().then(onValue, onError) and return values',
      );
    }
  });
  return use.length > 0 ? Object.freeze([...(use as Interceptor[])]) : undefined;
}
