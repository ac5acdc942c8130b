// One progress line: rewritten in place on a terminal, plain lines otherwise.
export class Progress {
  #tty: boolean;
  #shown = false;
  constructor(readonly out: NodeJS.WritableStream) {
    this.#tty = !!(out as NodeJS.WriteStream).isTTY;
  }
  /** Transient status (only shown on a terminal). */
  update(s: string): void {
    if (!this.#tty) return;
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
