// Runs notify scripts the way keepalived does, without a shell: argv as parsed from the
// config, keepalived's extra arguments for `notify` ("INSTANCE"|"GROUP", name, state, priority).
// The running is the health module's runCommand (process group, timeout, SIGTERM then SIGKILL,
// counters); this file keeps VRRP's names for it.
import { runCommand, type CommandStats } from '../health/index.js';

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

export interface NotifyCommand {
  argv: string[];
  /** Run as this uid/gid (keepalived's script_user, resolved with lookupRunAs); undefined keeps ours. */
  uid?: number;
  gid?: number;
}

export interface NotifyResult {
  argv: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: string;
  timedOut: boolean;
}

/** Starts a script; resolves when it ends or is killed (default timeout 30 s). Never rejects. */
export async function runNotify(
  cmd: NotifyCommand,
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; stats?: CommandStats } = {},
): Promise<NotifyResult> {
  const r = await runCommand(cmd.argv, {
    unref: true, // vipd stopping does not wait for a notify script
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.stats ? { stats: opts.stats } : {}),
    ...(cmd.uid !== undefined ? { uid: cmd.uid } : {}),
    ...(cmd.gid !== undefined ? { gid: cmd.gid } : {}),
  });
  return { argv: r.argv, code: r.code, signal: r.signal, timedOut: r.timedOut, ...(r.error !== undefined ? { error: r.error } : {}) };
}

/** keepalived's generic `notify` script gets: type name state priority. */
export function notifyArgs(base: string[], kind: 'INSTANCE' | 'GROUP', name: string, state: NotifyState, priority: number): string[] {
  return [...base, kind, name, state, String(priority)];
}
