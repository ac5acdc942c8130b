// What every health probe reports for one attempt, VRRP tracking and IPVS checkers alike.

export interface ProbeResult {
  ok: boolean;
  /** Why it failed, for the log: "connect ECONNREFUSED", "status 500", "timeout after 3000 ms"... */
  reason?: string;
}

export const passed: ProbeResult = Object.freeze({ ok: true });

export function failed(reason: string): ProbeResult {
  return { ok: false, reason };
}
