// lvs_timeouts, keepalived's way (observed under strace): the timeouts found at start are kept;
// every configuration sets all three, an unset one to the value found at start, and stopping
// puts the values found at start back. Pure.
import type { IpvsTimeouts } from './client.js';

/** The three values to set for `configured` (a missing one keeps the value found at start). */
export function timeoutsToSet(configured: Partial<IpvsTimeouts> | undefined, atStart: IpvsTimeouts): IpvsTimeouts {
  return { tcp: configured?.tcp ?? atStart.tcp, tcpFin: configured?.tcpFin ?? atStart.tcpFin, udp: configured?.udp ?? atStart.udp };
}

export function sameTimeouts(a: IpvsTimeouts, b: IpvsTimeouts): boolean {
  return a.tcp === b.tcp && a.tcpFin === b.tcpFin && a.udp === b.udp;
}
