// expectError: an operation's error against the test's expectations (client/server/timeout kind,
// message, code, code name, labels, write errors, error response, partial result).
import { AssertionFailure, describeError } from './errors.js';
import type { ExpectedError } from './format.js';
import { match, MatchError, type MatchContext } from './match.js';
import type { SynchroTarget } from './targets.js';

/** Throws an AssertionFailure when `err` does not meet `expected`. */
export function checkError(expected: ExpectedError, err: any, target: SynchroTarget, ctx: MatchContext): void {
  const M = target.module as any;
  const isDriverError = err instanceof M.MongoError || (M.BSON?.BSONError && err instanceof M.BSON.BSONError);
  if (!isDriverError) throw new AssertionFailure(`expected a driver error, got ${describeError(err)}`);
  const fail = (what: string): never => {
    throw new AssertionFailure(`${what}; the error was ${describeError(err)}`);
  };
  const isServer = err instanceof M.MongoServerError;
  if (expected.isClientError === true && isServer) fail('expected a client error');
  if (expected.isClientError === false && !isServer) fail('expected a server error');
  if (expected.isTimeoutError !== undefined) {
    const isTimeout = M.MongoOperationTimeoutError ? err instanceof M.MongoOperationTimeoutError : false;
    if (isTimeout !== expected.isTimeoutError) fail(expected.isTimeoutError ? 'expected a timeout error' : 'expected no timeout error');
  }
  const related = relatedErrors(err);
  if (expected.errorContains !== undefined) {
    const want = expected.errorContains.toLowerCase();
    if (!related.some((e) => String(e?.message ?? e?.errmsg ?? '').toLowerCase().includes(want))) fail(`expected the message to contain '${expected.errorContains}'`);
  }
  if (expected.errorCode !== undefined && !related.some((e) => e?.code === expected.errorCode)) fail(`expected error code ${expected.errorCode}`);
  if (expected.errorCodeName !== undefined) {
    const want = expected.errorCodeName.toLowerCase();
    if (!related.some((e) => typeof e?.codeName === 'string' && e.codeName.toLowerCase() === want)) fail(`expected error code name ${expected.errorCodeName}`);
  }
  const labelled = M.MongoClientBulkWriteError && err instanceof M.MongoClientBulkWriteError && err.cause ? [err, err.cause] : [err];
  const hasLabel = (label: string): boolean => labelled.some((e: any) => (typeof e.hasErrorLabel === 'function' ? e.hasErrorLabel(label) : (e.errorLabels ?? []).includes(label)));
  for (const label of expected.errorLabelsContain ?? []) if (!hasLabel(label)) fail(`expected error label ${label}`);
  for (const label of expected.errorLabelsOmit ?? []) if (hasLabel(label)) fail(`expected no error label ${label}`);
  const assertMatch = (want: unknown, got: unknown, path: string, rootElements = false): void => {
    try {
      match(want, got, { root: true, rootElements, ctx, path });
    } catch (e) {
      if (e instanceof MatchError) fail(e.message);
      throw e;
    }
  };
  if (expected.writeErrors !== undefined) {
    const actual = err.writeErrors instanceof Map ? err.writeErrors : new Map(Object.entries(err.writeErrors ?? {}).map(([k, v]) => [Number(k), v]));
    const wantKeys = Object.keys(expected.writeErrors).map(Number);
    const extra = [...actual.keys()].map(Number).filter((k) => !wantKeys.includes(k));
    if (extra.length) fail(`unexpected write error(s) at index ${extra.join(', ')}`);
    for (const [k, v] of Object.entries(expected.writeErrors)) {
      if (!actual.has(Number(k))) fail(`expected a write error at index ${k}`);
      assertMatch(v, actual.get(Number(k)), `error.writeErrors[${k}]`);
    }
  }
  if (expected.writeConcernErrors !== undefined) assertMatch(expected.writeConcernErrors, err.writeConcernErrors ?? [], 'error.writeConcernErrors', true);
  if (expected.errorResponse !== undefined) {
    const source = M.MongoClientBulkWriteError && err instanceof M.MongoClientBulkWriteError && err.cause ? err.cause : err;
    const response = typeof source.errorResponse === 'object' && source.errorResponse !== null ? source.errorResponse : source;
    assertMatch(expected.errorResponse, response, 'error.errorResponse');
  }
  if (expected.expectResult !== undefined) {
    assertMatch(expected.expectResult, 'partialResult' in err ? err.partialResult : err, 'error.result');
  }
}

/** The server and runner errors a BulkWriteException-style error aggregates. */
function relatedErrors(err: any): any[] {
  const out: any[] = [err];
  if (err?.cause) out.push(err.cause);
  if (err?.errorResponse && typeof err.errorResponse === 'object') out.push(err.errorResponse);
  const writeErrors = err?.writeErrors instanceof Map ? [...err.writeErrors.values()] : Array.isArray(err?.writeErrors) ? err.writeErrors : [];
  out.push(...writeErrors);
  if (err?.writeConcernError) out.push(err.writeConcernError);
  if (Array.isArray(err?.writeConcernErrors)) out.push(...err.writeConcernErrors);
  return out.filter((e) => e != null);
}
