// Output that arrives while the prompt waits (a callback's console.log, a timer's print()) is
// written above the prompt, which is then drawn again with what the user had typed: the text never
// lands in the middle of the line being edited. Terminal sessions only.
import type { REPLServer } from 'node:repl';

interface Internals {
  _ttyWrite(d: string, key: unknown): void;
  _writeToOutput(s: string): void;
  _refreshLine(): void;
  prevRows?: number;
}

/**
 * Patches `output.write`: writes made by the REPL itself (readline's, or while `busy()` — a statement
 * running and printing its result) pass through; any other write clears the prompt line first and
 * redraws the prompt after. Returns the raw writer, for the REPL's own messages, and an undo.
 */
export function keepPromptBelowAsyncOutput(server: REPLServer, output: NodeJS.WritableStream, busy: () => boolean): { raw: (text: string) => void; restore: () => void } {
  const stream = output as NodeJS.WritableStream & { write: (...args: any[]) => boolean };
  // Unbound on purpose: always called as original.call(stream, …), and put back as it was by restore().
  // eslint-disable-next-line @typescript-eslint/unbound-method -- see above
  const original = stream.write;
  const hadOwn = Object.hasOwn(stream, 'write');
  const raw = (text: string): void => void original.call(stream, text);
  const rl = server as unknown as Internals;
  const ended = (): boolean => (server as unknown as { closed?: boolean }).closed === true;
  let internal = 0;
  const asInternal = <A extends unknown[]>(fn: (...args: A) => void) =>
    function (this: unknown, ...args: A): void {
      internal++;
      try {
        fn.apply(this, args);
      } finally {
        internal--;
      }
    };
  rl._ttyWrite = asInternal(rl._ttyWrite.bind(server));
  rl._writeToOutput = asInternal(rl._writeToOutput.bind(server));
  let redraw: NodeJS.Immediate | undefined;
  stream.write = function (this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
    if (internal > 0 || busy() || ended()) return original.call(stream, chunk, ...rest);
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : String(chunk);
    if (!redraw) original.call(stream, '\r\x1b[K'); // the first write of a burst takes the prompt's line
    const ok = original.call(stream, text, ...rest);
    clearImmediate(redraw);
    redraw = setImmediate(() => {
      redraw = undefined;
      if (ended() || busy()) return;
      if (!text.endsWith('\n')) raw('\n');
      rl.prevRows = 0;
      internal++;
      try {
        rl._refreshLine();
      } finally {
        internal--;
      }
    });
    return ok;
  } as typeof stream.write;
  return {
    raw,
    restore: () => {
      clearImmediate(redraw);
      if (hadOwn) stream.write = original;
      else delete (stream as { write?: unknown }).write;
    },
  };
}

/**
 * Keys typed while a statement runs wait until it has printed its result (Node's REPL holds them
 * only during a top-level await); Ctrl-C goes through at once, to interrupt it.
 */
export function holdKeysWhileBusy(server: REPLServer, busy: () => boolean): { release: () => void } {
  const rl = server as unknown as Internals;
  const ttyWrite = rl._ttyWrite.bind(server);
  const held: Array<[string, unknown]> = [];
  rl._ttyWrite = (d, key) => {
    const k = (key ?? {}) as { ctrl?: boolean; name?: string };
    if ((busy() || held.length) && !(k.ctrl && k.name === 'c')) held.push([d, key]);
    else ttyWrite(d, key);
  };
  return {
    release() {
      while (held.length && !busy()) {
        const [d, key] = held.shift()!;
        ttyWrite(d, key);
      }
    },
  };
}
