// The monotonic clock and timers the VRRP runtime uses, injected so tests drive them virtually.
import { setPreciseTimeout, type PreciseTimer } from './precise-timer.js';

export interface Clock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  /** For deadlines that decide takeover latency; defaults to setTimeout. */
  setPreciseTimeout?(fn: () => void, ms: number): unknown;
  /** Cancels a handle of either setTimeout. */
  clearTimeout(handle: unknown): void;
}

// Node's timers run on the loop's whole-millisecond clock: a fractional delay (a deadline minus
// performance.now()) wakes the loop once at the whole millisecond, finds the timer not due, and
// again a millisecond later -- about two wake-ups per advert at 10 ms. Rounded up, one.
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.ceil(ms)),
  setPreciseTimeout: (fn, ms) => setPreciseTimeout(fn, ms),
  clearTimeout: (h) => {
    if (h && typeof (h as PreciseTimer).cancel === 'function') (h as PreciseTimer).cancel();
    else clearTimeout(h as NodeJS.Timeout);
  },
};
