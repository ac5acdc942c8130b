// The one way vipd runs a program: an argv (no shell) in its own process group, with a timeout
// after which the whole group gets SIGTERM and, after a grace period, SIGKILL; optional uid/gid;
// output ignored or captured; counted. Node reaps the direct child, so it leaves no zombie; the
// group's other members are signalled with it. Never rejects.
import { spawn, type ChildProcess } from 'node:child_process';
import { commandStats, type CommandStats } from './command-stats.js';
import { groupRunning, signalGroup } from './process-group.js';

export interface CommandOptions {
  /** Default 30 000 ms; Infinity for none. */
  timeoutMs?: number;
  /** SIGTERM to SIGKILL, default 1000 ms. */
  killGraceMs?: number;
  uid?: number;
  gid?: number;
  /** The child's whole environment; default ours. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** 'ignore' (default) or 'capture' stdout and stderr. */
  output?: 'ignore' | 'capture';
  /** Written to stdin, then closed; without it stdin is /dev/null. */
  input?: string | Buffer;
  /** Per stream, default 64 KiB (Infinity for all); the rest is read and dropped. */
  maxOutputBytes?: number;
  /** Aborting stops the run like a timeout does; a reason named TimeoutError counts as one. */
  signal?: AbortSignal;
  stats?: CommandStats;
  /** The run does not keep the process alive (a daemon that stops does not wait for a notify script). */
  unref?: boolean;
}

export interface CommandResult {
  argv: string[];
  pid?: number;
  /** Exit status, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  /** SIGKILL was needed: the group outlived the SIGTERM grace. */
  killed: boolean;
  /** Why it could not start ("spawn ENOENT"...); code and signal are null then. */
  error?: string;
  stdout?: string;
  stderr?: string;
  durationMs: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_GRACE_MS = 1000;
const DEFAULT_MAX_OUTPUT = 64 << 10;
/** After the leader exits, how long a background member may keep the output pipes open. */
const OUTPUT_DRAIN_MS = 200;
const GROUP_POLL_MS = 20;

export function runCommand(argv: readonly string[], opts: CommandOptions = {}): Promise<CommandResult> {
  const stats = opts.stats ?? commandStats;
  const t0 = Date.now();
  const base = { argv: [...argv], code: null, signal: null, timedOut: false, aborted: false, killed: false };
  const cannotStart = (error: string): CommandResult => {
    stats.spawnFailed++;
    return { ...base, error, durationMs: Date.now() - t0 };
  };
  const [file, ...args] = argv;
  if (!file) return Promise.resolve(cannotStart('empty command'));
  if (opts.signal?.aborted) return Promise.resolve({ ...base, aborted: true, error: 'aborted before start', durationMs: 0 });
  const capture = opts.output === 'capture';
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      stdio: [opts.input !== undefined ? 'pipe' : 'ignore', capture ? 'pipe' : 'ignore', capture ? 'pipe' : 'ignore'],
      detached: true, // its own process group: a timeout reaches the script's children too
      env: opts.env ?? process.env,
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
  } catch (e) {
    return Promise.resolve(cannotStart((e as Error).message));
  }
  const pid = child.pid;
  if (pid === undefined) {
    // spawn failed (ENOENT, EACCES, EPERM for uid/gid); the error event follows.
    return new Promise((resolve) => {
      child.once('error', (e) => resolve(cannotStart(e.message)));
    });
  }
  stats.started++;
  stats.running++;
  if (opts.unref) child.unref();
  if (opts.input !== undefined) {
    child.stdin?.on('error', () => undefined); // a child that does not read its input
    child.stdin?.end(opts.input);
  }
  const out = capture ? collect(child.stdout, opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT) : undefined;
  const err = capture ? collect(child.stderr, opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT) : undefined;

  const hold = <T extends NodeJS.Timeout>(timer: T): T => (opts.unref ? timer.unref() : timer);
  return new Promise((resolve) => {
    let timedOut = false;
    let aborted = false;
    let killed = false;
    let stopping = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let closed = false;
    let graceTimer: NodeJS.Timeout | undefined;
    let pollTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let done = false;

    const finish = () => {
      if (done || !exit || !closed) return;
      // A stopped run ends only when its whole group is gone (or got SIGKILL).
      if (stopping && !killed && groupRunning(pid)) return;
      done = true;
      clearTimeout(timeout);
      clearTimeout(graceTimer);
      clearInterval(pollTimer);
      clearTimeout(drainTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      stats.running--;
      resolve({
        ...base, pid, code: exit.code, signal: exit.signal, timedOut, aborted, killed,
        ...(out ? { stdout: out.text() } : {}), ...(err ? { stderr: err.text() } : {}),
        durationMs: Date.now() - t0,
      });
    };
    const stop = () => {
      if (stopping) return;
      stopping = true;
      signalGroup(pid, 'SIGTERM');
      pollTimer = hold(setInterval(finish, GROUP_POLL_MS));
      graceTimer = hold(setTimeout(() => {
        if (groupRunning(pid)) {
          killed = true;
          stats.killed++;
          signalGroup(pid, 'SIGKILL');
        }
        finish();
      }, opts.killGraceMs ?? DEFAULT_GRACE_MS));
    };
    const onTimeout = () => {
      if (stopping) return;
      timedOut = true;
      stats.timedOut++;
      stop();
    };
    const onAbort = () => {
      if ((opts.signal?.reason as Error | undefined)?.name === 'TimeoutError') return onTimeout();
      if (stopping) return;
      aborted = true;
      stop();
    };
    const ms = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = Number.isFinite(ms) ? hold(setTimeout(onTimeout, ms)) : undefined;
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    child.once('exit', (code, signal) => {
      exit = { code, signal };
      clearTimeout(timeout);
      if (!capture) closed = true;
      // A background member still holding the pipes must not hold the result.
      else drainTimer = hold(setTimeout(() => { child.stdout?.destroy(); child.stderr?.destroy(); closed = true; finish(); }, OUTPUT_DRAIN_MS));
      finish();
    });
    child.once('close', () => {
      closed = true;
      finish();
    });
    child.on('error', () => undefined); // a kill of a gone process; spawn errors were handled above
  });
}

/** "exit 0", "exit 3", "killed by SIGKILL after a 5000 ms timeout", "spawn ENOENT"... */
export function describeCommandResult(r: CommandResult, timeoutMs?: number): string {
  if (r.error) return r.error;
  const how = r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
  if (r.timedOut) return `${how} after ${timeoutMs !== undefined ? `a ${timeoutMs} ms ` : 'its '}timeout`;
  if (r.aborted) return `${how} (aborted)`;
  return how;
}

function collect(stream: NodeJS.ReadableStream | null, max: number): { text: () => string } {
  const parts: Buffer[] = [];
  let size = 0;
  stream?.on('data', (d: Buffer) => {
    if (size >= max) return;
    parts.push(d.subarray(0, max - size));
    size += Math.min(d.length, max - size);
  });
  stream?.on('error', () => undefined);
  return { text: () => Buffer.concat(parts).toString() };
}
