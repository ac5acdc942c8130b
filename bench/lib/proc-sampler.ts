// CPU and memory of processes from /proc: run time of every thread (schedstat, ns) or utime+stime
// of /proc/PID/stat, and VmRSS / VmHWM of /proc/PID/status. Sampled once a second by the benches.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

let ticks: number | undefined;
/** Clock ticks per second (getconf CLK_TCK; 100 on every Linux we run on). */
export function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** utime + stime of a process from /proc/PID/stat (whole thread group, clock ticks), seconds. */
function statSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces, so count fields after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / clockTicks(); // fields 14 and 15 of proc(5)
  } catch {
    return undefined;
  }
}

/**
 * CPU time of a process in seconds: the sum of its threads' run time from
 * /proc/PID/task/TID/schedstat (nanoseconds: an idle daemon uses less than one clock tick per
 * second, which /proc/PID/stat cannot resolve), else utime + stime of /proc/PID/stat.
 * undefined when the process is gone.
 */
export function cpuSeconds(pid: number): number | undefined {
  if (!HAVE_SCHEDSTAT) return statSeconds(pid);
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let ns = 0;
  for (const tid of tids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns / 1e9;
}

const HAVE_SCHEDSTAT = existsSync('/proc/self/schedstat');

/** The KiB of a "Key:   123 kB" line of a /proc file; NaN when it has none. */
function kbField(text: string, key: string): number {
  return Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
}

/** VmRSS and VmHWM (peak RSS) in KiB; undefined when the process is gone. */
export function memoryKb(pid: number): { rssKb: number; hwmKb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rssKb: kbField(status, 'VmRSS'), hwmKb: kbField(status, 'VmHWM') };
  } catch {
    return undefined;
  }
}

/**
 * Memory only this process holds (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup), KiB:
 * RSS also counts the pages of the executable and libraries shared with every other process that
 * maps them (the node binary is ~30 MB of any Node process's RSS).
 */
export function privateKb(pid: number): number | undefined {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return (kbField(rollup, 'Private_Clean') || 0) + (kbField(rollup, 'Private_Dirty') || 0);
  } catch {
    return undefined;
  }
}

export interface ProcStats {
  /** Mean CPU over the sampled period, % of one core. */
  cpuPct: number;
  /** Highest one-interval CPU, % of one core. */
  cpuPctMax: number;
  rssKbEnd: number;
  rssKbMax: number;
  /** Peak RSS since the process started (VmHWM). */
  hwmKb: number;
  samples: number;
}

/**
 * Samples a set of processes (summed: e.g. keepalived's parent and VRRP child) on demand. The set
 * may change between samples (keepalived respawns a VRRP child that died): CPU is the sum of each
 * process's growth while it was seen, so a process that went away adds no negative step, and
 * every pid ever seen is kept in `seen`.
 */
export class ProcSampler {
  #t0 = 0;
  #lastT = 0;
  #total = 0;
  #last = new Map<number, number>();
  #maxPct = 0;
  #rssMax = 0;
  #rssEnd = 0;
  #hwm = 0;
  #n = 0;
  readonly seen = new Set<number>();
  readonly #pids: () => number[];
  constructor(pids: number[] | (() => number[])) {
    this.#pids = typeof pids === 'function' ? pids : () => pids;
  }

  get pids(): number[] {
    return this.#pids();
  }

  /** CPU seconds gained since the previous reading, over the processes there now. */
  #advance(): number {
    const now = new Map<number, number>();
    let gained = 0;
    for (const p of this.#pids()) {
      const c = cpuSeconds(p);
      if (c === undefined) continue;
      now.set(p, c);
      this.seen.add(p);
      const before = this.#last.get(p);
      if (before !== undefined) gained += Math.max(0, c - before);
    }
    this.#last = now;
    return gained;
  }

  start(): void {
    this.#t0 = this.#lastT = performance.now();
    this.#total = 0;
    this.#advance();
  }

  /** Takes one sample; returns the CPU % since the previous one. */
  sample(): number {
    const t = performance.now();
    const gained = this.#advance();
    this.#total += gained;
    const pct = t > this.#lastT ? (100 * gained * 1000) / (t - this.#lastT) : 0;
    this.#maxPct = Math.max(this.#maxPct, pct);
    this.#lastT = t;
    let rss = 0, hwm = 0;
    for (const p of this.#last.keys()) {
      const m = memoryKb(p);
      if (m) {
        rss += m.rssKb;
        hwm += m.hwmKb;
      }
    }
    this.#rssEnd = rss;
    this.#rssMax = Math.max(this.#rssMax, rss);
    this.#hwm = Math.max(this.#hwm, hwm);
    this.#n++;
    return pct;
  }

  stats(): ProcStats {
    const secs = (this.#lastT - this.#t0) / 1000;
    return {
      cpuPct: secs > 0 ? (100 * this.#total) / secs : NaN,
      cpuPctMax: this.#maxPct, rssKbEnd: this.#rssEnd, rssKbMax: this.#rssMax, hwmKb: this.#hwm, samples: this.#n,
    };
  }
}
