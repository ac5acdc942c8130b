// vrrp_script / MISC_CHECK programs: healthy when the program exits 0 before the deadline (with
// misc_dynamic, exits 2..255 too, setting the weight: misc-verdict.ts). At the deadline its
// process group is stopped (SIGTERM, then SIGKILL). A probe whose previous run is still going
// does not start another (counted as skippedBusy) and reports a failure.
import { abortReason, deadlineProbe, type Probe } from './deadline.js';
import { ProbeOptionError } from './errors.js';
import { commandStats, type CommandStats } from './command-stats.js';
import { miscVerdict } from './misc-verdict.js';
import { failed, type ProbeResult } from './result.js';
import { describeCommandResult, runCommand } from './run-command.js';

export interface ScriptProbeOptions {
  argv: string[];
  /** Run as (keepalived's `user [group]` / script_user, resolved with lookupRunAs). */
  uid?: number;
  gid?: number;
  /** The script's whole environment; default ours. */
  env?: NodeJS.ProcessEnv;
  /** SIGTERM to SIGKILL at the deadline, default 1000 ms. */
  killGraceMs?: number;
  /** MISC_CHECK misc_dynamic: exit 2..255 passes and asks for weight (status - 2). */
  dynamic?: boolean;
  stats?: CommandStats;
}

export function scriptProbe(options: ScriptProbeOptions): Probe;
/** Shorthand for `scriptProbe({ argv, ...ids })`. */
export function scriptProbe(argv: string[], ids?: { uid?: number; gid?: number }): Probe;
export function scriptProbe(a: ScriptProbeOptions | string[], ids: { uid?: number; gid?: number } = {}): Probe {
  const o: ScriptProbeOptions = Array.isArray(a) ? { argv: a, ...ids } : a;
  if (o.argv.length === 0 || !o.argv[0]) throw new ProbeOptionError('script probe: empty command');
  const stats = o.stats ?? commandStats;
  let running = false;
  return deadlineProbe(async (signal, timeoutMs) => {
    if (running) {
      stats.skippedBusy++;
      return failed('previous run still running');
    }
    running = true;
    try {
      const r = await runCommand(o.argv, {
        timeoutMs, signal, stats,
        ...(o.uid !== undefined ? { uid: o.uid } : {}),
        ...(o.gid !== undefined ? { gid: o.gid } : {}),
        ...(o.env ? { env: o.env } : {}),
        ...(o.killGraceMs !== undefined ? { killGraceMs: o.killGraceMs } : {}),
      });
      if (r.aborted) return failed(`${abortReason(signal)}: ${describeCommandResult(r)}`);
      if (r.timedOut || r.error) return failed(describeCommandResult(r, timeoutMs));
      const v = miscVerdict(r, o.dynamic ?? false);
      const out: ProbeResult = v.ok ? { ok: true } : failed(describeCommandResult(r, timeoutMs));
      if (v.weight !== undefined) out.weight = { set: v.weight };
      return out;
    } finally {
      running = false;
    }
  });
}
