// Types of the callback entry, derived from the driver's own types: every method that returns a
// Promise gains overloads taking a trailing Node callback (one per optional-argument prefix), and
// methods returning a wrapped class return its callback-style version.
import type * as driver from 'mongodb';

export type Callback<T = unknown> = (error: Error | undefined, result?: T) => void;

/** Driver classes whose instances rotor hands out as handles. */
type Wrapped =
  | driver.MongoClient
  | driver.Db
  | driver.Collection<any>
  | driver.Admin
  | driver.AbstractCursor<any, any>
  | driver.ChangeStream<any, any>
  | driver.ClientSession
  | driver.GridFSBucket
  | driver.OrderedBulkOperation
  | driver.UnorderedBulkOperation
  | driver.FindOperators
  | driver.ClientEncryption;

/** Argument lists a call may stop at: [a, b?, c?] → [a] | [a, b] | [a, b, c]. */
type Prefixes<A extends unknown[], Acc extends unknown[] = []> = A extends []
  ? Acc
  : A extends [infer H, ...infer T]
    ? Prefixes<T, [...Acc, H]>
    : A extends [(infer H)?, ...infer T]
      ? Acc | Prefixes<T, [...Acc, Exclude<H, undefined>]>
      : Acc;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

type CallbackOverloads<A extends unknown[], R> = UnionToIntersection<
  Prefixes<A> extends infer P ? (P extends unknown[] ? (...args: [...P, Callback<R>]) => void : never) : never
>;

export type CallbackStyle<R> = R extends Wrapped ? WithCallbacks<R> : R extends Array<infer E extends Wrapped> ? Array<WithCallbacks<E>> : R;

/**
 * Mapped types cannot carry a method's own type parameters, so the one generic factory users
 * lean on for typing — db.collection<T>() — is restated from the driver's signature.
 */
type GenericFactories<T> = T extends driver.Db
  ? {
      collection<TSchema extends driver.Document = driver.Document>(
        ...args: Parameters<driver.Db['collection']>
      ): WithCallbacks<driver.Collection<TSchema>>;
    }
  : unknown;

export type WithCallbacks<T> = Omit<MappedCallbacks<T>, keyof GenericFactories<T>> & GenericFactories<T>;

type MappedCallbacks<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R>
    ? ((...args: A) => Promise<CallbackStyle<R>>) & CallbackOverloads<A, CallbackStyle<R>>
    : T[K] extends (...args: infer A) => infer R
      ? R extends Wrapped
        ? (...args: A) => CallbackStyle<R>
        : T[K]
      : T[K];
};

/** A rotor class in the callback entry: `new` yields the callback-style handle. */
export type CallbackClass<C extends abstract new (...args: any) => any> = Omit<C, 'prototype'> &
  (new (...args: ConstructorParameters<C>) => WithCallbacks<InstanceType<C>>);
