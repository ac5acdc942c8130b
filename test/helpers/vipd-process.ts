// vipd started the way k0s starts keepalived, as a process in a lab node, with its JSON log, and
// the master once an election settled.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { LabNode } from '../../src/lab/lan.js';
import { waitFor } from '../../src/lab/process.js';
import { jsonLines, type JsonLines } from './json-lines.js';
import { vipHolders } from './addresses.js';
import { sleep } from './sleep.js';

export const VIPD = 'bin/vipd.js';

/** keepalived's command line as k0s runs it. */
export function k0sFlags(conf: string): string[] {
  return ['--dont-fork', '--use-file', conf, '--no-syslog', '--log-console'];
}

export interface VipdProc {
  node: LabNode;
  child: ChildProcess;
  /** pino JSON log lines. */
  log: JsonLines;
  statusSocket: string;
  /** "previous -> state" changes logged so far (of one instance, or all). */
  transitions(instance?: string): Array<{ instance: string; state: string; previous: string; reason: string }>;
  waitState(state: string, timeoutMs?: number, instance?: string): Promise<Record<string, unknown>>;
  waitLog(pred: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends a signal to vipd itself (not `ip netns exec`): the process group leader is ip, which execs... */
  signal(sig: NodeJS.Signals): void;
  /** Resolves with the exit code (or signal) once the process ended. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node bin/vipd.js <args>` in the node's namespace (opts.vipd: another copy's bin/vipd.js;
 * opts.command: another program entirely, e.g. a packaged vipd). `ip netns exec` execs the command,
 * so the child pid is vipd itself and signals reach it directly.
 */
export function startVipd(
  node: LabNode, args: string[],
  opts: { statusSocket: string; env?: Record<string, string>; prefix?: string[]; vipd?: string; command?: string[]; cwd?: string },
): VipdProc {
  const command = opts.command ?? ['node', opts.vipd ?? VIPD];
  const child = node.spawn([...(opts.prefix ?? []), ...command, ...args, '--status-socket', opts.statusSocket], {
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  const log = jsonLines(child);
  const isState = (l: Record<string, unknown>, instance?: string) =>
    typeof l.state === 'string' && typeof l.previous === 'string' && (instance === undefined || l.instance === instance);
  const exit = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return {
    node, child, log, statusSocket: opts.statusSocket,
    transitions: (instance) => log.lines.filter((l) => isState(l, instance))
      .map((l) => ({ instance: String(l.instance), state: String(l.state), previous: String(l.previous), reason: String(l.reason) })),
    waitState: (state, timeoutMs = 8000, instance) => log.next((l) => isState(l, instance) && l.state === state, timeoutMs),
    waitLog: (pred, timeoutMs = 5000) => log.next(pred, timeoutMs),
    signal: (sig) => { if (child.pid !== undefined) process.kill(child.pid, sig); },
    exited: () => exit,
  };
}

/**
 * The master once the election has settled. With equal priorities (k0s's setup) two backups whose
 * timers expire together are both master for up to an advert interval, until the higher address
 * wins (RFC 5798 6.4.3): the master is whoever holds the VIP alone and keeps holding it.
 */
export async function settledMaster(procs: VipdProc[], nodes: LabNode[], vip: string, timeoutMs = 15_000): Promise<VipdProc> {
  await Promise.any(procs.map((p) => p.waitState('master', timeoutMs)));
  const stableHolder = async () => {
    const first = await vipHolders(nodes, vip);
    if (first.length !== 1) return undefined;
    await sleep(1500);
    const again = await vipHolders(nodes, vip);
    return again.length === 1 && again[0] === first[0] ? first[0] : undefined;
  };
  const holder = await waitFor(stableHolder, { timeoutMs: 8000, intervalMs: 100, message: 'one stable VIP holder' });
  return procs.find((p) => p.node.name === holder)!;
}
