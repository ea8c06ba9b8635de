// Piped input, one line at a time: Node's REPL evaluates each line as it arrives, so lines after
// an `await` would run before it settles (and end of input would close the session under it).
// The gate hands the REPL its next line only once it is ready for one, ends its input once the
// source has ended and every line has been evaluated, and knows where each statement started
// (errors are reported as stdin:line).
import { PassThrough } from 'node:stream';
import { createInterface, type Interface } from 'node:readline';

export class LineGate {
  readonly input = new PassThrough();
  /** Line number (1-based) where the statement being evaluated started. */
  statementLine = 0;
  private readonly lines: string[] = [];
  private handed = 0;
  private waiting = false;
  private ended = false;
  private continuing = false;
  private readonly reader: Interface;

  constructor(private readonly source: NodeJS.ReadableStream) {
    const rl = (this.reader = createInterface({ input: source, crlfDelay: Infinity, terminal: false }));
    rl.on('line', (line) => {
      this.lines.push(line);
      this.pump();
    });
    rl.on('close', () => {
      this.ended = true;
      this.pump();
    });
  }

  /** The REPL wants its next line; `continuing`: it is the rest of an unfinished statement. */
  ready(continuing: boolean): void {
    this.waiting = true;
    this.continuing = continuing;
    this.pump();
  }

  /** Stops reading the source (the session could not start). */
  close(): void {
    this.reader.close();
    (this.source as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  }

  private pump(): void {
    if (!this.waiting) return;
    const line = this.lines.shift();
    if (line !== undefined) {
      this.waiting = false;
      this.handed++;
      if (!this.continuing) this.statementLine = this.handed;
      this.input.write(`${line}\n`);
    } else if (this.ended && !this.input.writableEnded) {
      this.input.end();
    }
  }
}
