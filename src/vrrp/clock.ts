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
  /**
   * This clock's time at performance.now() `t` (a packet's kernel receive time, see
   * Datagram.receivedAt). Absent on virtual clocks: their packets count as received at now().
   */
  fromPerformanceTime?(t: number): number;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, slackDelay(performance.now(), ms)),
  setPreciseTimeout: (fn, ms) => setPreciseTimeout(fn, ms),
  clearTimeout: (h) => {
    if (h && typeof (h as PreciseTimer).cancel === 'function') (h as PreciseTimer).cancel();
    else clearTimeout(h as NodeJS.Timeout);
  },
  fromPerformanceTime: (t) => t,
};

/** When a datagram counts as received on `clock`: its kernel receive time when known (never after `now`), else `now`. */
export function receivedAtOn(clock: Clock, receivedAt: number | undefined, now: number): number {
  if (receivedAt === undefined || !clock.fromPerformanceTime) return now;
  const t = clock.fromPerformanceTime(receivedAt);
  return t < now ? t : now;
}

/**
 * The delay to give Node for a timer due `ms` after `now`, with timer slack (as the kernel's): the
 * wake-up is rounded up to a grid of about 1/100 of the delay (a power of two, at least 1 ms) on the
 * clock itself, so timers due close together -- 100 masters' adverts at 1 s -- wake the loop once
 * (a master keeps absolute advert deadlines, each on its own phase: without slack 100 masters woke
 * the daemon 2.3x as often). And a whole number: Node's timers run on the loop's millisecond clock,
 * and a fractional delay wakes the loop at the whole millisecond, finds the timer not due, and
 * again a millisecond later.
 */
export function slackDelay(now: number, ms: number): number {
  const grid = 2 ** Math.max(0, Math.floor(Math.log2(Math.max(1, ms / 100))));
  return Math.max(0, Math.ceil(Math.ceil((now + ms) / grid) * grid - now));
}
