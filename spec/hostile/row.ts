// A row of the hostile-input matrix: an input, where it goes, and what is expected of rotor there.
import type { Ctx } from './runner.js';

/** `same`: the bare driver's outcome. Otherwise the error rotor gives instead, and why it is clearer. */
export type Expect = 'same' | { clearer: RegExp; why: string };

export interface Row {
  input: string;
  where: string;
  expect: Expect;
  /** The issue #21 finding (1-16) the row covers. */
  issue?: number;
  /** Targets the row does not apply to, and why. */
  notOn?: Partial<Record<'inline' | 'pool' | 'sync', string>>;
  /** How long the row may take on one target before it is recorded as hung (default ROW_MS). */
  timeoutMS?: number;
  run(t: Ctx): unknown;
}

export const S = 'same' as const;

/** How long a row may take on one target by default: a hung operation fails its row, not the run. */
export const ROW_MS = 8_000;
/** Rows that move 16 MiB or more (a loaded box takes seconds). */
export const BIG_ROW_MS = 30_000;

/** The pool's BSONError for a cycle names where the cycle closes, after the driver's own message. */
export const CYCLE_PATH: Expect = { clearer: /^threw BSONError: Cannot convert circular structure to BSON \(argument \d/, why: 'the pool adds where the cycle closes to the BSONError the driver throws' };

/** Deeper than the pool's codec can walk on its thread's stack (the driver's serializer goes further). */
export const TOO_DEEP: Expect = {
  clearer: /^threw RangeError: argument \d[^:]*: nested too deeply to cross to the worker/,
  why: 'the pool refuses before sending, naming the argument, where the driver sends what MongoDB refuses (over 100 levels; FerretDB answers)',
};
