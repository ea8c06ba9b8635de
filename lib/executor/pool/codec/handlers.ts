// The handler table: one handler per Kind (what the class table finds by prototype) for encode, and
// one decoder per wire tag. Each concern keeps its handlers in its own module (./bson.ts,
// ./builtins.ts, ./errors.ts, ./classes.ts); the tags of the walk itself are here.
import { BSON_HANDLERS } from './bson.js';
import { BUFFER, CLONE, MAP, SET, VIEW } from './builtins.js';
import { DATA_CLASS, DRIVER_OBJECT, DRIVER_PLAIN, FORBIDDEN } from './classes.js';
import { ERROR, THROWN } from './errors.js';
import { Kind, type DecodeHooks, type Handler, type Walk, type WireTag } from './wire.js';

/** Every Kind's handler (`satisfies` makes a missing Kind a compile error). */
export const BY_KIND: Readonly<Record<Kind, Handler>> = {
  ...BSON_HANDLERS,
  [Kind.Clone]: CLONE,
  [Kind.Buffer]: BUFFER,
  [Kind.View]: VIEW,
  [Kind.Map]: MAP,
  [Kind.Set]: SET,
  [Kind.Error]: ERROR,
  [Kind.DataClass]: DATA_CLASS,
  [Kind.DriverPlain]: DRIVER_PLAIN,
  [Kind.DriverObject]: DRIVER_OBJECT,
  [Kind.Forbidden]: FORBIDDEN,
} satisfies Record<Kind, Handler>;

type Decoder = (t: WireTag, hooks: DecodeHooks, walk: Walk) => unknown;

/** Tags the walk writes itself (escaped documents, references, functions): their decoders. */
const WALK_TAGS: ReadonlyArray<[string, Decoder]> = [
  [
    'Object',
    (t, hooks, walk) => {
      const obj = t.v as Record<string, unknown>;
      walk.decFields(obj, hooks);
      if (t.n !== 1) return obj;
      const bare = Object.create(null) as Record<string, unknown>;
      for (const k in obj) bare[k] = obj[k];
      return bare;
    },
  ],
  ['Ref', (t, hooks) => hooks.ref(t.n === undefined ? { id: t.id, cls: t.cls } : { id: t.id, cls: t.cls, n: t.n })],
  [
    'Function',
    (t, hooks) => {
      if (hooks.fn === undefined) throw new TypeError(`a function (#${t.id}) came across but this side has no function stubs`);
      return hooks.fn(t.id);
    },
  ],
];

/** Wire tag → its decoder. */
export const BY_TAG: ReadonlyMap<string, Decoder> = new Map<string, Decoder>([
  ...Object.values(BY_KIND)
    .concat(THROWN)
    .filter((h): h is Handler & { tag: string; deserialize: Decoder } => h.tag !== undefined && h.deserialize !== undefined)
    .map((h): [string, Decoder] => [h.tag, h.deserialize]),
  ...WALK_TAGS,
]);
