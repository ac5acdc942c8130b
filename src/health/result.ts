// What every health probe reports for one attempt, VRRP tracking and IPVS checkers alike.

/**
 * A dynamic checker's say on its real server's weight: `set` asks for that weight in place of
 * the configured one (MISC_CHECK misc_dynamic), `add` adds to the configured one (FILE_CHECK).
 */
export type WeightEffect = { set: number } | { add: number };

export interface ProbeResult {
  ok: boolean;
  /** Why it failed, for the log: "connect ECONNREFUSED", "status 500", "timeout after 3000 ms"... */
  reason?: string;
  /** Absent: the weight is the configured one. */
  weight?: WeightEffect;
  /** A passed step of a check that needs more steps before it counts (HTTP_GET recovering URL by URL). */
  pending?: boolean;
}

export const passed: ProbeResult = Object.freeze({ ok: true });

export function failed(reason: string): ProbeResult {
  return { ok: false, reason };
}
