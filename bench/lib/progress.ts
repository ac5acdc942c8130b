// One progress line: rewritten in place on a terminal; elsewhere (a log file, CI) a plain line at
// most every `plainEveryMs`, so a long run still shows where it is without flooding the log.
export class Progress {
  #tty: boolean;
  #shown = false;
  #lastPlain = -Infinity;
  readonly #now: () => number;
  readonly #plainEveryMs: number;
  constructor(readonly out: NodeJS.WritableStream, o: { tty?: boolean; plainEveryMs?: number; now?: () => number } = {}) {
    this.#tty = o.tty ?? !!(out as NodeJS.WriteStream).isTTY;
    this.#plainEveryMs = o.plainEveryMs ?? 10_000;
    this.#now = o.now ?? (() => performance.now());
  }
  /** Transient status. */
  update(s: string): void {
    if (!this.#tty) {
      const t = this.#now();
      if (t - this.#lastPlain < this.#plainEveryMs) return;
      this.#lastPlain = t;
      this.out.write(`... ${s}\n`);
      return;
    }
    const cols = (this.out as NodeJS.WriteStream).columns ?? 100;
    this.out.write(`\r\x1b[K${s.slice(0, cols - 1)}`);
    this.#shown = true;
  }
  /** A line that stays. */
  line(s: string): void {
    if (this.#tty && this.#shown) this.out.write('\r\x1b[K');
    this.#shown = false;
    this.out.write(`${s}\n`);
  }
  done(): void {
    if (this.#tty && this.#shown) this.out.write('\r\x1b[K');
    this.#shown = false;
  }
}
