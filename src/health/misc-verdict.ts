// What a MISC_CHECK program's exit means, pure (keepalived.conf(5), checked against keepalived
// 2.2.7): exit 0 is up; anything else is down, except with misc_dynamic, where 1 is down and
// 2..255 is up with the real server's weight set to (status - 2). With misc_dynamic, exit 0 puts
// the configured weight back (keepalived 2.2.7: 9 then 0 -> weight 7 then the configured one).

export interface MiscVerdict {
  ok: boolean;
  /** misc_dynamic: the weight the real server should have now; undefined = its configured weight. */
  weight?: number;
  reason?: string;
}

export function miscVerdict(exit: { code: number | null; signal: NodeJS.Signals | null }, dynamic: boolean): MiscVerdict {
  if (exit.code === null) return { ok: false, reason: exit.signal ? `killed by ${exit.signal}` : 'did not exit' };
  if (exit.code === 0) return { ok: true };
  if (!dynamic || exit.code === 1) return { ok: false, reason: `exit ${exit.code}` };
  return { ok: true, weight: exit.code - 2 };
}
