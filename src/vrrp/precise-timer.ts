// A timer for deadlines that decide takeover latency (the master-down timer). Node's timers run on
// a millisecond loop clock and fire up to ~1-2 ms late; this one sleeps until SPIN_MS before the
// deadline and then checks performance.now() on each loop turn (setImmediate), so it fires within
// a few microseconds of it. The spin lasts at most SPIN_MS and only when the timer really fires,
// which for master-down means a takeover: rare, and worth it.
const SPIN_MS = 2;

export interface PreciseTimer {
  cancel(): void;
}

export function setPreciseTimeout(fn: () => void, ms: number, now: () => number = () => performance.now()): PreciseTimer {
  const deadline = now() + ms;
  let cancelled = false;
  let timeout: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const spin = () => {
    immediate = undefined;
    if (cancelled) return;
    if (now() >= deadline) fn();
    else immediate = setImmediate(spin);
  };
  if (ms > SPIN_MS) timeout = setTimeout(spin, ms - SPIN_MS);
  else immediate = setImmediate(spin);
  return {
    cancel() {
      cancelled = true;
      if (timeout) clearTimeout(timeout);
      if (immediate) clearImmediate(immediate);
    },
  };
}
