// The per-checker state machine, pure: a probe result in, an up/down transition and the delay to
// the next probe out. keepalived's rules: a failure on an up server is retried `retry` times,
// `delay_before_retry` apart, before it counts; success resets the retries; `alpha` starts the
// server down so it needs one success before it takes traffic; `warmup` spreads first probes. A
// passed step of a stepwise check (`pending`: an HTTP_GET recovering URL by URL) moves on to the
// next step a delay_loop later without coming up; a failure starts the steps again.

export interface CheckerSettings {
  retry: number;
  delayBeforeRetryMs: number;
  delayLoopMs: number;
  warmupMs: number;
  alpha: boolean;
}

export interface CheckerState {
  up: boolean;
  /** Failed attempts in a row that have been retried so far. */
  retries: number;
  /** Whether any probe has completed. */
  hasRun: boolean;
  /** Steps passed in a row while down (see ProbeContext). */
  step: number;
}

export interface CheckerStep {
  state: CheckerState;
  transition?: 'up' | 'down';
  nextDelayMs: number;
}

export const defaultCheckerSettings: CheckerSettings = {
  retry: 1, delayBeforeRetryMs: 1000, delayLoopMs: 60000, warmupMs: 0, alpha: false,
};

/** Initial state and the delay to the first probe (random in 0..warmup; random() in [0,1)). */
export function startChecker(s: CheckerSettings, random: () => number): { state: CheckerState; firstDelayMs: number } {
  return { state: { up: !s.alpha, retries: 0, hasRun: false, step: 0 }, firstDelayMs: s.warmupMs > 0 ? Math.floor(random() * s.warmupMs) : 0 };
}

export function onProbeResult(s: CheckerSettings, st: CheckerState, ok: boolean, pending = false): CheckerStep {
  if (ok && pending && !st.up) {
    return { state: { up: false, retries: 0, hasRun: true, step: st.step + 1 }, nextDelayMs: s.delayLoopMs };
  }
  if (ok) {
    const state = { up: true, retries: 0, hasRun: true, step: 0 };
    return { state, ...(st.up ? {} : { transition: 'up' as const }), nextDelayMs: s.delayLoopMs };
  }
  // Retries only matter while the server is up: one that is already down stays down.
  if (st.up && st.retries < s.retry) {
    return { state: { up: true, retries: st.retries + 1, hasRun: true, step: 0 }, nextDelayMs: s.delayBeforeRetryMs };
  }
  const state = { up: false, retries: 0, hasRun: true, step: 0 };
  return { state, ...(st.up ? { transition: 'down' as const } : {}), nextDelayMs: s.delayLoopMs };
}
