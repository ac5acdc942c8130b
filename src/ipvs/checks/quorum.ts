// Virtual-server level decisions, pure: quorum with hysteresis, and which destinations to program
// given the health of each real server (removed, or weight 0 with inhibit_on_failure; the sorry
// server alone once quorum is lost).
import type { Destination } from '../destination.js';

/**
 * keepalived: quorum is lost when the alive weight drops below quorum - hysteresis, and gained
 * again when it reaches quorum + hysteresis.
 */
export function nextQuorumUp(wasUp: boolean, aliveWeight: number, quorum: number, hysteresis: number): boolean {
  return wasUp ? aliveWeight >= quorum - hysteresis : aliveWeight >= quorum + hysteresis;
}

export interface RealServerHealth {
  destination: Destination;
  up: boolean;
  inhibitOnFailure: boolean;
}

export function aliveWeight(servers: RealServerHealth[]): number {
  return servers.reduce((sum, s) => sum + (s.up ? s.destination.weight : 0), 0);
}

/** The destinations the kernel should have for one virtual server. */
export function programmedDestinations(servers: RealServerHealth[], quorumUp: boolean, sorryServer?: Destination): Destination[] {
  if (!quorumUp && sorryServer) {
    // Like keepalived: the alive servers leave the pool and the sorry server takes all traffic.
    const inhibited = servers.filter((s) => s.inhibitOnFailure).map((s) => ({ ...s.destination, weight: 0 }));
    return [...inhibited, sorryServer];
  }
  const out: Destination[] = [];
  for (const s of servers) {
    if (s.up) out.push(s.destination);
    else if (s.inhibitOnFailure) out.push({ ...s.destination, weight: 0 });
  }
  return out;
}
