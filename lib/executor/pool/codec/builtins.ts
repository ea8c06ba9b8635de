// Built-in classes: what structured clone keeps (Date, RegExp, ArrayBuffer, boxed primitives), keeps
// but should not copy whole (views on a larger buffer), breaks (a Buffer arrives as a Uint8Array),
// and the containers whose contents may need tags (Map, Set), copied only from a first change on.
import { bsonReplacement, TAG, withSegment, type DecodeHooks, type Handler, type Walk } from './wire.js';

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
  serialize(value: Buffer, ctx, depth, walk) {
    // A Buffer given its own toBSON (mongoose's, `new Binary(this, subtype)`) crosses as what toBSON
    // returns, as the BSON serializer sends it: as a Buffer, an _id would match nothing (gh-4506).
    const replacement = bsonReplacement(value);
    if (replacement !== value) return walk.enc(replacement, ctx, depth + 1);
    return { [TAG]: 'Buffer', v: ownBytes(value) };
  },
  deserialize: (t) => asBuffer(t.v),
};

export const VIEW: Handler = { serialize: (value: ArrayBufferView) => ownView(value) };

/** Structured clone carries a Map itself; decode finds it by prototype (see decMap). */
export const MAP: Handler = {
  serialize(map: Map<unknown, unknown>, ctx, depth, walk) {
    let out: Map<unknown, unknown> | undefined;
    let i = 0;
    try {
      for (const [k, v] of map) {
        const ek = walk.enc(k, ctx, depth + 1);
        const ev = walk.enc(v, ctx, depth + 1);
        if (out === undefined && (ek !== k || ev !== v)) out = new Map([...map].slice(0, i));
        out?.set(ek, ev);
        i++;
      }
    } catch (error) {
      throw withSegment(error, `<Map entry ${i}>`);
    }
    return out ?? map;
  },
};

/** Structured clone carries a Set itself; decode finds it by prototype (see decSet). */
export const SET: Handler = {
  serialize(set: Set<unknown>, ctx, depth, walk) {
    let out: Set<unknown> | undefined;
    let i = 0;
    try {
      for (const v of set) {
        const ev = walk.enc(v, ctx, depth + 1);
        if (out === undefined && ev !== v) out = new Set([...set].slice(0, i));
        out?.add(ev);
        i++;
      }
    } catch (error) {
      throw withSegment(error, `<Set element ${i}>`);
    }
    return out ?? set;
  },
};

export function decMap(map: Map<unknown, unknown>, hooks: DecodeHooks, walk: Walk): unknown {
  let out: Map<unknown, unknown> | undefined;
  let i = 0;
  for (const [k, v] of map) {
    const dk = walk.dec(k, hooks);
    const dv = walk.dec(v, hooks);
    if (out === undefined && (dk !== k || dv !== v)) out = new Map([...map].slice(0, i));
    out?.set(dk, dv);
    i++;
  }
  return out ?? map;
}

export function decSet(set: Set<unknown>, hooks: DecodeHooks, walk: Walk): unknown {
  let out: Set<unknown> | undefined;
  let i = 0;
  for (const v of set) {
    const d = walk.dec(v, hooks);
    if (out === undefined && d !== v) out = new Set([...set].slice(0, i));
    out?.add(d);
    i++;
  }
  return out ?? set;
}
