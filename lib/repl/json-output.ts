// `--json=canonical|relaxed`: --eval values as Extended JSON, as mongosh's --json prints them, except
// that relaxed mode keeps a Long beyond 2^53 exact (as `{"$numberLong": "…"}`, its canonical form)
// where mongosh 2.12 prints a rounded number.
import { BSON, Long } from 'mongodb';

export const JSON_MODES = ['canonical', 'relaxed'] as const;
export type JsonMode = (typeof JSON_MODES)[number];

export function toExtendedJson(value: unknown, mode: JsonMode): string {
  // (value, replacer, space, options): the one signature bson 6 and 7 both read the same way.
  return BSON.EJSON.stringify(mode === 'relaxed' ? exactLongs(value) : value, undefined, 2, { relaxed: mode === 'relaxed' });
}

const SAFE = Long.fromNumber(Number.MAX_SAFE_INTEGER);
const isPlain = (v: object): boolean => [Object.prototype, null].includes(Object.getPrototypeOf(v) as object | null);

/** `value` with each Long a double cannot hold replaced by its canonical form (copies, never edits). */
function exactLongs(value: unknown): unknown {
  if (value instanceof Long) return value.greaterThan(SAFE) || value.lessThan(SAFE.negate()) ? { $numberLong: value.toString() } : value;
  if (Array.isArray(value)) return value.map(exactLongs);
  if (typeof value === 'object' && value !== null && isPlain(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, exactLongs(v)]));
  }
  return value;
}
