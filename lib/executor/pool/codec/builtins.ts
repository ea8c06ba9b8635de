// Built-in classes: what structured clone keeps (Date, RegExp, ArrayBuffer, boxed primitives), what
// it keeps but should not copy whole (views on a larger buffer), what it breaks (a Buffer arrives as
// a Uint8Array) and the containers whose contents may need tags (Map, Set).
import { bsonReplacement, TAG, withSegment, type DecodeHooks, type EncodeContext, type Handler, type Walk } from './wire.js';

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
  serialize(value: Buffer, ctx: EncodeContext, depth: number, walk: Walk): unknown {
    // A Buffer given its own toBSON (mongoose decorates plain Buffers: `new Binary(this, subtype)`)
    // crosses as what toBSON returns, as the BSON serializer would send it; sent as a Buffer it would
    // become a Binary of subtype 0 and, as an _id, match nothing (mongoose's gh-4506 test). A plain
    // Buffer pays one missed property lookup.
    const replacement = bsonReplacement(value);
    if (replacement !== value) return walk.enc(replacement, ctx, depth + 1);
    return { [TAG]: 'Buffer', v: ownBytes(value) };
  },
  deserialize: (t) => asBuffer(t.v),
};

export const VIEW: Handler = { serialize: (value: ArrayBufferView) => ownView(value) };

/** Structured clone carries the Map itself; decode finds it by prototype (see decMap). */
export const MAP: Handler = {
  serialize(map: Map<unknown, unknown>, ctx: EncodeContext, depth: number, walk: Walk): unknown {
    let changed = false;
    const keys: unknown[] = [];
    const values: unknown[] = [];
    let index = 0;
    try {
      for (const [k, v] of map) {
        const ek = walk.enc(k, ctx, depth + 1);
        const ev = walk.enc(v, ctx, depth + 1);
        if (ek !== k || ev !== v) changed = true;
        keys.push(ek);
        values.push(ev);
        index++;
      }
    } catch (error) {
      throw withSegment(error, `<Map entry ${index}>`);
    }
    if (!changed) return map;
    const out = new Map<unknown, unknown>();
    for (let i = 0; i < keys.length; i++) out.set(keys[i], values[i]);
    return out;
  },
};

/** Structured clone carries the Set itself; decode finds it by prototype (see decSet). */
export const SET: Handler = {
  serialize(set: Set<unknown>, ctx: EncodeContext, depth: number, walk: Walk): unknown {
    let changed = false;
    const items: unknown[] = [];
    let index = 0;
    try {
      for (const v of set) {
        const ev = walk.enc(v, ctx, depth + 1);
        if (ev !== v) changed = true;
        items.push(ev);
        index++;
      }
    } catch (error) {
      throw withSegment(error, `<Set element ${index}>`);
    }
    return changed ? new Set(items) : set;
  },
};

export function decMap(map: Map<unknown, unknown>, hooks: DecodeHooks, walk: Walk): unknown {
  let rebuilt: Map<unknown, unknown> | undefined;
  let i = 0;
  for (const [k, v] of map) {
    const dk = walk.dec(k, hooks);
    const dv = walk.dec(v, hooks);
    if (rebuilt === undefined && (dk !== k || dv !== v)) {
      rebuilt = new Map();
      let j = 0;
      for (const [pk, pv] of map) {
        if (j++ === i) break;
        rebuilt.set(pk, pv);
      }
    }
    rebuilt?.set(dk, dv);
    i++;
  }
  return rebuilt ?? map;
}

export function decSet(set: Set<unknown>, hooks: DecodeHooks, walk: Walk): unknown {
  let changed = false;
  const items: unknown[] = [];
  for (const v of set) {
    const d = walk.dec(v, hooks);
    if (d !== v) changed = true;
    items.push(d);
  }
  return changed ? new Set(items) : set;
}
