// Counters of the child processes vipd starts (notify scripts, script probes), for the daemon's
// metrics. One shared set by default; a caller may pass its own to count apart.

export interface CommandStats {
  /** Children that started (spawn succeeded). */
  started: number;
  /** Children still running now. */
  running: number;
  /** Runs that hit their timeout (then SIGTERM to the process group). */
  timedOut: number;
  /** Runs whose process group needed SIGKILL after the SIGTERM grace. */
  killed: number;
  /** Runs that could not start: no such program, not executable, bad uid/gid, empty argv. */
  spawnFailed: number;
  /** Probe runs not started because the previous run of the same probe was still going. */
  skippedBusy: number;
}

export function newCommandStats(): CommandStats {
  return { started: 0, running: 0, timedOut: 0, killed: 0, spawnFailed: 0, skippedBusy: 0 };
}

/** The process-wide counters used when a caller passes none. */
export const commandStats: CommandStats = newCommandStats();
