// A timer for deadlines that decide takeover latency (the master-down timer). Node's timers run on
// a millisecond loop clock and fire up to ~1-2 ms late. This one sleeps on a Node timer until
// SLEEP_MARGIN_MS before the deadline, then in the kernel (a futex wait with a sub-millisecond
// timeout, Atomics.wait) until SPIN_MS before it, then reads performance.now() in a loop up to it:
// it fires within a few microseconds of the deadline.
// Why not spin all the way (as it did, for 2 ms): on a busy CPU a spinning process uses up its time
// slice and the scheduler preempts it, often right at the deadline (measured at nice -20, load 7 on
// 2 cores: 2 ms of spin fired 1.3-2.5 ms late at p75; sleep then a 0.2 ms spin 0.004-0.03 ms), while
// one that wakes from a sleep runs at once. The wait and the spin block the event loop for at most
// ~SLEEP_MARGIN_MS, only when the timer really fires (for master-down: a takeover), and whatever
// arrives meanwhile is read by the caller's drain before it acts (the stall-safe rule).
const SLEEP_MARGIN_MS = 1.5;
const SPIN_MS = 0.2;

export interface PreciseTimer {
  cancel(): void;
}

const cell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` (fractional) in the kernel. */
export function sleepBlocking(ms: number): void {
  Atomics.wait(cell, 0, 0, ms);
}

export function setPreciseTimeout(
  fn: () => void, ms: number, now: () => number = () => performance.now(), sleep: (ms: number) => void = sleepBlocking,
): PreciseTimer {
  const deadline = now() + ms;
  let cancelled = false;
  let timeout: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const approach = () => {
    timeout = undefined;
    immediate = undefined;
    if (cancelled) return;
    // Node's timer can fire early: it counts from the loop's cached millisecond clock, which lags
    // by however long JS ran in that turn before arming it. Wait on the loop again rather than
    // block it for longer than the margin.
    const early = deadline - SLEEP_MARGIN_MS - now();
    if (early > 0) {
      timeout = setTimeout(approach, early);
      return;
    }
    const left = deadline - SPIN_MS - now();
    if (left > 0) sleep(left);
    while (now() < deadline); // the last stretch: a loop turn (setImmediate) costs more than it
    fn();
  };
  if (ms > SLEEP_MARGIN_MS) timeout = setTimeout(approach, ms - SLEEP_MARGIN_MS);
  else immediate = setImmediate(approach);
  return {
    cancel() {
      cancelled = true;
      if (timeout) clearTimeout(timeout);
      if (immediate) clearImmediate(immediate);
    },
  };
}
