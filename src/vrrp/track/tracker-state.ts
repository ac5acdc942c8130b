// keepalived's tracking semantics as a pure function: a tracked thing (vrrp_script, an HTTP or
// TCP probe, an interface) is OK or FAILED; `rise` consecutive successes make it OK, `fall`
// consecutive failures make it FAILED; `init_fail` starts it FAILED.

export interface TrackerSettings {
  rise: number;
  fall: number;
  initFail: boolean;
}

export interface TrackerState {
  ok: boolean;
  /** Consecutive results that disagree with `ok` so far. */
  streak: number;
}

export function initialTrackerState(s: TrackerSettings): TrackerState {
  return { ok: !s.initFail, streak: 0 };
}

/** Feeds one probe result; returns the new state (a new object only when something changed). */
export function trackerResult(s: TrackerSettings, st: TrackerState, success: boolean): TrackerState {
  if (success === st.ok) return st.streak === 0 ? st : { ok: st.ok, streak: 0 };
  const streak = st.streak + 1;
  const needed = success ? Math.max(1, s.rise) : Math.max(1, s.fall);
  return streak >= needed ? { ok: success, streak: 0 } : { ok: st.ok, streak };
}

export interface TrackedWeight {
  ok: boolean;
  /** 0: failure means FAULT. >0: added while OK. <0: added while FAILED. */
  weight: number;
}

/**
 * The priority an instance advertises given its tracked things, keepalived-style:
 * base + positive weights of OK trackers + negative weights of FAILED ones, kept in 1..254.
 * An address owner (255) never changes. `fault` is true when a weight-0 tracker failed.
 */
export function effectivePriority(base: number, tracked: TrackedWeight[]): { priority: number; fault: boolean } {
  let fault = false;
  let p = base;
  for (const t of tracked) {
    if (t.weight === 0) { if (!t.ok) fault = true; continue; }
    if (t.weight > 0 && t.ok) p += t.weight;
    if (t.weight < 0 && !t.ok) p += t.weight;
  }
  if (base === 255) return { priority: 255, fault };
  return { priority: Math.min(254, Math.max(1, p)), fault };
}
