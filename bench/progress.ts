// Progress: a single redrawn line with a bar on a terminal; plain lines otherwise (CI logs).

export class Progress {
  private done = 0;
  private label = '';
  private readonly started = Date.now();
  private readonly tty: boolean;
  private drawn = false;

  constructor(
    private total: number,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {
    this.tty = Boolean(out.isTTY);
  }

  /** Shown next to the bar (terminal only). */
  status(label: string): void {
    this.label = label;
    this.draw();
  }

  /** One unit of work finished. */
  advance(n = 1): void {
    this.done = Math.min(this.total, this.done + n);
    this.draw();
  }

  /** How many units the whole run has (known once the targets have connected). */
  setTotal(total: number): void {
    this.total = total;
    this.draw();
  }

  /** A line of its own; on a terminal the bar is redrawn below it. */
  line(text: string): void {
    if (this.tty && this.drawn) this.out.write('\r\x1b[K');
    this.out.write(`${text}\n`);
    this.drawn = false;
    this.draw();
  }

  finish(): void {
    if (this.tty && this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }

  private draw(): void {
    if (!this.tty || this.total === 0) return; // nothing to measure yet (server starting)
    const fraction = this.total ? this.done / this.total : 1;
    const width = 24;
    const filled = Math.round(fraction * width);
    const elapsed = (Date.now() - this.started) / 1000;
    const eta = this.done > 0 && fraction < 1 ? ` eta ${clock((elapsed / this.done) * (this.total - this.done))}` : '';
    const text = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${clock(elapsed)}${eta}  ${this.label}`;
    const columns = this.out.columns || 100;
    this.out.write(`\r\x1b[K${text.slice(0, columns - 1)}`);
    this.drawn = true;
  }
}

export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
