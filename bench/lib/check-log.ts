// What the real servers saw of the health checkers: per address, when each check connection
// arrived. Pure bookkeeping (times in, summary out), so the summary is unit-tested; the TCP
// listener (agent.ts listen) feeds it.
import { percentile } from './stats.js';

export interface CheckReport {
  /** Distinct addresses checked since the last reset. */
  addresses: number;
  connections: number;
  /** Time between consecutive checks of one address, ms. */
  intervalMs: { n: number; median: number; p99: number; max: number };
  /** Addresses whose latest check is older than staleMs at the report. */
  stale: number;
  /** Age of the oldest latest check, ms. */
  oldestMs: number;
  /** Span of the log: first to last connection, ms. */
  spanMs: number;
}

export class CheckLog {
  #last = new Map<string, number>();
  #intervals: number[] = [];
  #connections = 0;
  #first = NaN;
  #latest = NaN;

  record(address: string, timeMs: number): void {
    const prev = this.#last.get(address);
    if (prev !== undefined) this.#intervals.push(timeMs - prev);
    this.#last.set(address, timeMs);
    this.#connections++;
    if (Number.isNaN(this.#first)) this.#first = timeMs;
    this.#latest = timeMs;
  }

  reset(): void {
    this.#last.clear();
    this.#intervals = [];
    this.#connections = 0;
    this.#first = this.#latest = NaN;
  }

  report(nowMs: number, staleMs: number): CheckReport {
    let stale = 0, oldest = 0;
    for (const t of this.#last.values()) {
      const age = nowMs - t;
      if (age > staleMs) stale++;
      if (age > oldest) oldest = age;
    }
    const iv = this.#intervals;
    return {
      addresses: this.#last.size,
      connections: this.#connections,
      intervalMs: { n: iv.length, median: percentile(iv, 50), p99: percentile(iv, 99), max: iv.length ? iv.reduce((a, b) => Math.max(a, b), -Infinity) : NaN },
      stale,
      oldestMs: oldest,
      spanMs: this.#connections ? this.#latest - this.#first : 0,
    };
  }
}
