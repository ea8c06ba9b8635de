// The classes `import 'mongodb'` gives the app's own modules in a REPL session (./app-mongodb.ts):
// each always the session's current mode's, and `new MongoClient(anything)` connects to the
// session's server with the session's options, so app functions run against the session (and
// Ctrl-C cancels them).
import type { ClassName } from '../registry/kinds.js';
import { CLASS_NAMES } from '../registry/resolve.js';

/** Set by the session (lib/repl/app-modules.ts) before any app module is imported. */
export const SESSION_LINK = Symbol.for('rotor.repl.session');

export interface SessionLink {
  /** The rotor classes of the session's current mode. */
  classes: () => Record<string, unknown>;
  uri: string;
  options: Record<string, unknown>;
}

function link(): SessionLink {
  const found = (globalThis as Record<symbol, SessionLink | undefined>)[SESSION_LINK];
  if (!found) throw new Error("rotor: this module stands for 'mongodb' inside a rotor REPL session only");
  return found;
}

type Ctor = new (...args: unknown[]) => object;

/** A class that is always the session's current one (constructs, statics and instanceof forward). */
function current(name: ClassName): Ctor {
  const target = { [name]: function () {} }[name]!;
  return new Proxy(target, {
    construct(_target, args) {
      const { classes, uri, options } = link();
      const Class = classes()[name] as Ctor;
      return name === 'MongoClient' ? new Class(uri, options) : new Class(...args);
    },
    get(_target, key) {
      return Reflect.get(link().classes()[name] as object, key);
    },
  }) as unknown as Ctor;
}

/** One forwarding class per registered class: what the generated module (lib/types/generated/repl-app.ts) exports. */
export const classes: Readonly<Record<string, Ctor>> = Object.fromEntries(CLASS_NAMES.map((name) => [name, current(name)]));
