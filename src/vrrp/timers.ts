// VRRP timer arithmetic, in one place. Inputs in centiseconds (the v3 wire unit), outputs in milliseconds
// (the runtime's clock unit).
//
//   VRRPv3 (RFC 5798 6.1, RFC 9568 6.1):
//     Skew_Time            = ((256 - Priority) * Master_Adver_Interval) / 256
//     Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time
//   VRRPv2 (RFC 3768 6.1): the skew does not scale with the interval, and the interval is our own:
//     Skew_Time            = (256 - Priority) / 256 seconds
//     Master_Down_Interval = 3 * Advertisement_Interval + Skew_Time
//
// Priority is the local (backup's) priority. We compute in milliseconds and truncate, which is finer than
// the RFC's centisecond integer maths (e.g. priority 100, 1 s: 609 ms instead of 600 ms).
// `downTimerAdverts` replaces the 3 (keepalived's down_timer_adverts; anything but 3 is not RFC).
// The functions return plain numbers: the state machine calls them on every accepted advert.
import type { VrrpVersion } from './types.js';

export interface TimerInputs {
  readonly version: VrrpVersion;
  /** Local priority, 1..255. */
  readonly priority: number;
  /** v3: the master's advertised interval (learned); v2: our configured interval. Centiseconds. */
  readonly masterAdvertIntervalCs: number;
  readonly downTimerAdverts?: number;
}

export interface VrrpTimers {
  readonly skewMs: number;
  readonly masterDownIntervalMs: number;
}

/** An advertisement interval (centiseconds) on the runtime's clock. */
export function advertIntervalMs(intervalCs: number): number {
  return intervalCs * 10;
}

/** Skew_Time, ms. */
export function skewTimeMs(version: VrrpVersion, priority: number, masterAdvertIntervalCs: number): number {
  return Math.floor(((256 - priority) * (version === 2 ? 1000 : advertIntervalMs(masterAdvertIntervalCs))) / 256);
}

/** Master_Down_Interval, ms. */
export function masterDownIntervalMs(version: VrrpVersion, priority: number, masterAdvertIntervalCs: number, downTimerAdverts = 3): number {
  return downTimerAdverts * advertIntervalMs(masterAdvertIntervalCs) + skewTimeMs(version, priority, masterAdvertIntervalCs);
}

/**
 * When a master's next advert is due, after the one due at `dueAt` was sent at `now` (ms). Absolute
 * deadlines: one interval after the previous deadline, so the runtime's timer lateness (~1 ms a
 * timer in Node) does not add up (counted from `now`, a 10 ms master sent ~90 adverts/s). An advert
 * sent one whole interval late or more (a stall) counts from `now`: no burst of missed adverts.
 */
export function nextAdvertAt(dueAt: number, now: number, intervalMs: number): number {
  const next = dueAt + intervalMs;
  return next > now ? next : now + intervalMs;
}

export function vrrpTimers(t: TimerInputs): VrrpTimers {
  return {
    skewMs: skewTimeMs(t.version, t.priority, t.masterAdvertIntervalCs),
    masterDownIntervalMs: masterDownIntervalMs(t.version, t.priority, t.masterAdvertIntervalCs, t.downTimerAdverts),
  };
}
