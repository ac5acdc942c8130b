// Process helpers of the lab: run a command and collect its output (the health module's
// runCommand, so one spawn-with-timeout serves scripts and labs), stop a long-running one with
// its process group, poll for a condition, and the environment lab children get.
import type { ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { newCommandStats, runCommand, signalGroup } from '../health/index.js';
import { repoRoot } from './repo-root.js';

export interface ExecResult { stdout: string; stderr: string; code: number }

/**
 * The environment for processes a test starts: ours minus tap's bookkeeping (its NODE_OPTIONS
 * --import hook and TAP* variables make every child node slower and write into .tap/).
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(TAP|_TAPJS)/.test(k)) continue;
    env[k] = v;
  }
  const nodeOptions = (env.NODE_OPTIONS ?? '').split(/\s+/).filter((o) => o && !o.includes('@tapjs')).join(' ');
  if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
  else delete env.NODE_OPTIONS;
  return { ...env, ...extra };
}

/**
 * `env` prefix that puts back the caller's NODE_OPTIONS: tap's process tracking re-injects its
 * --import hook into every child it sees spawned, which slows each node child and makes it write
 * into .tap/ (failing for unprivileged users).
 */
export function cleanNodeOptions(): string[] {
  const clean = childEnv().NODE_OPTIONS;
  return clean ? ['env', `NODE_OPTIONS=${clean}`] : ['env', '-u', 'NODE_OPTIONS'];
}

/** Lab commands are not vipd's scripts: they count apart from the daemon's counters. */
const labCommands = newCommandStats();

/**
 * Runs a command (on the host), collecting output; resolves with the exit code (128+signal when
 * killed), never rejects on exit status; rejects when it cannot start.
 */
export async function run(cmd: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ExecResult> {
  if (cmd.length === 0) throw new Error('run: empty command');
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const r = await runCommand(cmd, {
    timeoutMs, killGraceMs: 500, output: 'capture', maxOutputBytes: Infinity, stats: labCommands,
    cwd: opts.cwd ?? repoRoot, env: opts.env ?? childEnv(), input: opts.input ?? '',
  });
  if (r.error) throw new Error(`${cmd[0]}: ${r.error}`);
  const stderr = (r.stderr ?? '') + (r.timedOut ? `\n[killed after ${timeoutMs} ms]` : '');
  return { stdout: r.stdout ?? '', stderr, code: r.code ?? 128 + signalNumber(r.signal) };
}

/** Like run() but rejects with the command's stderr when it exits non-zero. */
export async function runOk(cmd: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await run(cmd, opts);
  if (r.code !== 0) throw new Error(`${cmd.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (osConstants.signals[signal] ?? 1) : 0;
}

/** Signals a child's process group (it was spawned detached), or the child alone. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  signalGroup(child.pid, signal);
  try {
    child.kill(signal);
  } catch {
    // already gone
  }
}

export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM to the process group, SIGKILL after a grace period. */
export async function stopProcess(child: ChildProcess, graceMs = 1500): Promise<void> {
  if (child.pid === undefined) return;
  if (exited(child)) {
    killGroup(child, 'SIGKILL'); // its group may still hold grandchildren
    return;
  }
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  killGroup(child, 'SIGTERM');
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
  if ((await Promise.race([gone, timer])) === 'timeout') {
    killGroup(child, 'SIGKILL');
    await Promise.race([gone, new Promise<void>((r) => setTimeout(r, 1000).unref())]);
  }
  killGroup(child, 'SIGKILL');
}

/** Polls fn until it returns a truthy value (or a promise of one); rejects after timeoutMs. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`waitFor: ${opts.message ?? 'condition'} not met within ${timeoutMs} ms${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
