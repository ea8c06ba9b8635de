// Built-in classes: what structured clone keeps, keeps but should not copy whole (views on a larger
// buffer), breaks (a Buffer arrives as a Uint8Array), and Map and Set (whose contents may need tags).
import { bsonReplacement, TAG, withSegment, type DecodeHooks, type Handler, type Dec } from './wire.js';

/** Bytes in an ArrayBuffer of their own: a view on a pooled slab or a whole BSON reply would clone all of it. */
export function ownBytes(view: Uint8Array): Uint8Array {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && !(view.buffer instanceof SharedArrayBuffer)) return view;
  return new Uint8Array(view);
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function ownView(view: ArrayBufferView): ArrayBufferView {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) return view;
  if (view instanceof DataView) return new DataView(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
  return (view as unknown as Uint8Array).slice();
}

export const CLONE: Handler = { serialize: (value: object) => value };

export const BUFFER: Handler = {
  tag: 'Buffer',
  serialize(value: Buffer, ctx, depth, enc) {
    // mongoose's toBSON on a Buffer makes it a Binary of its subtype: sent as a Buffer, an _id matches nothing.
    const replacement = bsonReplacement(value);
    if (replacement !== value) return enc(replacement, ctx, depth + 1);
    return { [TAG]: 'Buffer', v: ownBytes(value) };
  },
  deserialize: (t) => asBuffer(t.v),
};

export const VIEW: Handler = { serialize: (value: ArrayBufferView) => ownView(value) };

/** A step of the walk: encode (`a` the context) or decode (`a` the hooks). */
type Step<A> = (value: unknown, a: A, depth: number) => unknown;

/** A Map's keys and values through `step`, copied from the first change on; `encoding` names the entry in a failure's path. */
function mapCopy<A>(map: Map<unknown, unknown>, step: Step<A>, a: A, depth: number, encoding: boolean): Map<unknown, unknown> {
  let out: Map<unknown, unknown> | undefined;
  let i = 0;
  try {
    for (const [k, v] of map) {
      const sk = step(k, a, depth);
      const sv = step(v, a, depth);
      if (out === undefined && (sk !== k || sv !== v)) out = new Map([...map].slice(0, i));
      out?.set(sk, sv);
      i++;
    }
  } catch (error) {
    throw encoding ? withSegment(error, `<Map entry ${i}>`) : error;
  }
  return out ?? map;
}

/** A Set's elements through `step`, as mapCopy. */
function setCopy<A>(set: Set<unknown>, step: Step<A>, a: A, depth: number, encoding: boolean): Set<unknown> {
  let out: Set<unknown> | undefined;
  let i = 0;
  try {
    for (const v of set) {
      const sv = step(v, a, depth);
      if (out === undefined && sv !== v) out = new Set([...set].slice(0, i));
      out?.add(sv);
      i++;
    }
  } catch (error) {
    throw encoding ? withSegment(error, `<Set element ${i}>`) : error;
  }
  return out ?? set;
}

/** Structured clone carries Maps and Sets themselves; decode finds them by prototype (decMap, decSet). */
export const MAP: Handler = { serialize: (map: Map<unknown, unknown>, ctx, depth, enc) => mapCopy(map, enc, ctx, depth + 1, true) };
export const SET: Handler = { serialize: (set: Set<unknown>, ctx, depth, enc) => setCopy(set, enc, ctx, depth + 1, true) };
export const decMap = (map: Map<unknown, unknown>, hooks: DecodeHooks, dec: Dec): unknown => mapCopy(map, dec, hooks, 0, false);
export const decSet = (set: Set<unknown>, hooks: DecodeHooks, dec: Dec): unknown => setCopy(set, dec, hooks, 0, false);
