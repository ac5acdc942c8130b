// A Clock (src/vrrp/instance.ts) that moves only when told: advance(ms) runs the due timers in
// deadline order, each seeing now() at its own deadline (or later, with `late`, to play a stall).
import type { Clock } from '../../src/vrrp/instance.js';

interface Timer { at: number; fn: () => void; seq: number }

export class ManualClock implements Clock {
  #now: number;
  #timers = new Set<Timer>();
  #seq = 0;

  constructor(start = 1000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const t: Timer = { at: this.#now + Math.max(0, ms), fn, seq: this.#seq++ };
    this.#timers.add(t);
    return t;
  }

  setPreciseTimeout(fn: () => void, ms: number): unknown {
    return this.setTimeout(fn, ms);
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as Timer);
  }

  get pending(): number {
    return this.#timers.size;
  }

  /** Runs every timer due within `ms`; with `late`, the loop "wakes" only at the end (a stall). */
  advance(ms: number, opts: { late?: boolean } = {}): void {
    const end = this.#now + ms;
    for (;;) {
      const next = [...this.#timers].filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.#timers.delete(next);
      this.#now = opts.late ? end : Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = end;
  }
}
