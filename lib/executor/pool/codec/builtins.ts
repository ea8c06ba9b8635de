// Built-in classes: what structured clone keeps, keeps but should not copy whole (views on a larger
// buffer), breaks (a Buffer arrives as a Uint8Array), and Map and Set (whose contents may need tags).
import { bsonReplacement, TAG, withSegment, type Dec, type DecodeHooks, type Handler } from './wire.js';

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

type Container = Map<unknown, unknown> | Set<unknown>;

/** A Map's or Set's contents through `step` (encode or decode), copied from the first change on. */
function copyOnWrite<A>(c: Container, step: (value: unknown, a: A, depth: number) => unknown, a: A, depth: number, encoding: boolean): Container {
  const map = c instanceof Map ? c : undefined;
  let out: Container | undefined;
  let i = 0;
  try {
    for (const [k, v] of c.entries()) {
      const sk = step(k, a, depth);
      const sv = map === undefined ? sk : step(v, a, depth);
      if (out === undefined && (sk !== k || sv !== v)) out = map === undefined ? new Set([...c].slice(0, i)) : new Map([...map].slice(0, i));
      if (out instanceof Map) out.set(sk, sv);
      else out?.add(sk);
      i++;
    }
  } catch (error) {
    throw encoding ? withSegment(error, map === undefined ? `<Set element ${i}>` : `<Map entry ${i}>`) : error;
  }
  return out ?? c;
}

/** Structured clone carries Maps and Sets themselves (decode finds them by prototype); one handler each, for crossesAsValue. */
const encContainer: Handler['serialize'] = (c: Container, ctx, depth, enc) => copyOnWrite(c, enc, ctx, depth + 1, true);
export const MAP: Handler = { serialize: encContainer };
export const SET: Handler = { serialize: encContainer };
export const decContainer = (c: Container, hooks: DecodeHooks, dec: Dec): unknown => copyOnWrite(c, dec, hooks, 0, false);
