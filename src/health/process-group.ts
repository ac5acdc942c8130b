// A script's process group, seen through kill(2) and /proc: signal it, and tell whether anyone
// in it still runs. Zombies do not count: an orphan waits for init to reap it, it runs nothing.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  comm: string;
  /** R, S, D, Z, T... */
  state: string;
  ppid: number;
  pgrp: number;
}

/** One /proc/<pid>/stat line; comm may hold spaces and parentheses, so fields start after the last ')'. */
export function parseProcStat(line: string): ProcStat | undefined {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = line.slice(close + 2).split(' ');
  const [state, ppid, pgrp] = rest;
  if (state === undefined || ppid === undefined || pgrp === undefined) return undefined;
  return { pid: Number(line.slice(0, open).trim()), comm: line.slice(open + 1, close), state, ppid: Number(ppid), pgrp: Number(pgrp) };
}

/** Every process whose /proc entry is readable now. */
export function listProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const s = parseProcStat(readFileSync(`/proc/${n}/stat`, 'utf8'));
      if (s) out.push(s);
    } catch {
      // exited while we looked
    }
  }
  return out;
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

/** Whether a process of the group still runs (zombies aside). */
export function groupRunning(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const members = listProcesses().filter((p) => p.pgrp === pgid);
  // No /proc (or nothing readable): trust kill(2).
  if (members.length === 0) return procUnavailable();
  return members.some((p) => p.state !== 'Z');
}

function procUnavailable(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return false;
  } catch {
    return true;
  }
}
