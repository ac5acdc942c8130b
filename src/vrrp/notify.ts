// Runs notify scripts the way keepalived does, without a shell: argv as parsed from the
// config, keepalived's extra arguments for `notify` ("INSTANCE"|"GROUP", name, state, priority).
// A script that hangs is killed after a timeout and never blocks the state machine.
import { spawn } from 'node:child_process';

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

export interface NotifyCommand {
  argv: string[];
  /** Run as this uid/gid (keepalived's script_user); undefined keeps ours. */
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

/** Starts a script; resolves when it ends or is killed. Never rejects. */
export function runNotify(cmd: NotifyCommand, opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<NotifyResult> {
  const [file, ...args] = cmd.argv;
  if (!file) return Promise.resolve({ argv: cmd.argv, code: null, signal: null, error: 'empty command', timedOut: false });
  return new Promise((resolve) => {
    let timedOut = false;
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, args, {
        stdio: 'ignore',
        detached: true, // its own process group: a timeout kills the whole script tree
        env: opts.env ?? process.env,
        ...(cmd.uid !== undefined ? { uid: cmd.uid } : {}),
        ...(cmd.gid !== undefined ? { gid: cmd.gid } : {}),
      });
    } catch (err) {
      resolve({ argv: cmd.argv, code: null, signal: null, error: (err as Error).message, timedOut: false });
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      try { if (child.pid) process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, opts.timeoutMs ?? 30_000);
    timer.unref();
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ argv: cmd.argv, code: null, signal: null, error: err.message, timedOut });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ argv: cmd.argv, code, signal, timedOut });
    });
    child.unref();
  });
}

/** keepalived's generic `notify` script gets: type name state priority. */
export function notifyArgs(base: string[], kind: 'INSTANCE' | 'GROUP', name: string, state: NotifyState, priority: number): string[] {
  return [...base, kind, name, state, String(priority)];
}
