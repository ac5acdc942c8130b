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

export function vrrpTimers(t: TimerInputs): VrrpTimers {
  const intervalMs = t.masterAdvertIntervalCs * 10;
  const weight = 256 - t.priority;
  const skewMs = Math.floor((weight * (t.version === 2 ? 1000 : intervalMs)) / 256);
  return { skewMs, masterDownIntervalMs: (t.downTimerAdverts ?? 3) * intervalMs + skewMs };
}
