// One vrrp_track_process on a ProcessMonitor: the matching processes (process-match.ts), counted
// with fork_delay / terminate_delay (process-quorum.ts), and whether that count is within
// quorum..quorum_max. Emits 'change' when it flips, with the count.
import { EventEmitter } from 'node:events';
import { processMatches, type ProcessInfo, type ProcessPattern } from './process-match.js';
import {
  initialQuorum, nextQuorumDeadline, processMatched, processUnmatched, quorumTick, quorumUp,
  type ProcessQuorum, type QuorumSettings,
} from './process-quorum.js';
import type { ProcessChange } from './process-monitor.js';

/** What a tracker needs of the monitor. */
export interface ProcessSource {
  processes(): ReadonlyMap<number, ProcessInfo>;
  on(event: 'process', listener: (c: ProcessChange) => void): unknown;
  off(event: 'process', listener: (c: ProcessChange) => void): unknown;
}

export interface ProcessTrackerOptions {
  name: string;
  pattern: ProcessPattern;
  quorum: QuorumSettings;
  /** Monotonic ms (default performance.now). */
  now?: () => number;
}

export class ProcessTracker extends EventEmitter<{ change: [boolean, number] }> {
  readonly name: string;
  #opts: ProcessTrackerOptions;
  #source: ProcessSource;
  #q: ProcessQuorum = initialQuorum([]);
  #up = false;
  #timer: NodeJS.Timeout | undefined;
  #listener = (c: ProcessChange) => this.#onChange(c);

  constructor(opts: ProcessTrackerOptions, source: ProcessSource) {
    super();
    this.name = opts.name;
    this.#opts = opts;
    this.#source = source;
  }

  get up(): boolean {
    return this.#up;
  }

  get count(): number {
    return this.#q.counted.size;
  }

  /** Counts what runs now (no delays at start) and follows the monitor. */
  start(): void {
    const pids = [...this.#source.processes()].filter(([, info]) => processMatches(this.#opts.pattern, info)).map(([pid]) => pid);
    this.#q = initialQuorum(pids);
    this.#up = quorumUp(this.#opts.quorum, this.#q);
    this.#source.on('process', this.#listener);
  }

  #now(): number {
    return (this.#opts.now ?? (() => performance.now()))();
  }

  #onChange(c: ProcessChange): void {
    const now = this.#now();
    const matches = c.info !== undefined && processMatches(this.#opts.pattern, c.info);
    this.#q = matches ? processMatched(this.#opts.quorum, this.#q, c.pid, now, c.viaFork) : processUnmatched(this.#opts.quorum, this.#q, c.pid, now);
    this.#settle(now);
  }

  #settle(now: number): void {
    this.#q = quorumTick(this.#q, now);
    const up = quorumUp(this.#opts.quorum, this.#q);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const next = nextQuorumDeadline(this.#q);
    if (next !== undefined) {
      this.#timer = setTimeout(() => this.#settle(this.#now()), Math.max(0, next - now));
      this.#timer.unref();
    }
    if (up === this.#up) return;
    this.#up = up;
    this.emit('change', up, this.#q.counted.size);
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#source.off('process', this.#listener);
  }
}
