// Event-loop health: how late the daemon's VRRP timers fire. A stalled loop (a long callback, GC,
// the process not scheduled on a busy CPU) delays our adverts, and a master whose adverts stop for a
// Master_Down_Interval loses its VIP to a backup. keepalived has no such signal.
//
// Measured on the timers VRRP runs anyway (the router's Clock is wrapped): each advert, master-down
// and GARP timer records how late it fired, or how overdue it was when cancelled. A master whose
// periodic adverts the addon's thread sends (advert-offload.ts) runs no advert timer on the loop:
// its lease-renewal timer (a few a second) is what is measured then. A late MASTER advert
// is reported by its instance (the router's 'late-advert' event), so a stall costs O(1) per late timer:
// scanning the instances per late timer made a stall among 1,000 instances feed itself. No timer of its own:
// perf_hooks.monitorEventLoopDelay samples on a libuv timer, and every wake-up costs the daemon
// ~80 us on a 2-vCPU VM (4 Hz sampling measured +0.03 % of a core, more than vipd's whole idle
// budget at 1 s adverts). perf_hooks' HDR histogram (createHistogram) keeps the percentiles.
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Clock } from '../vrrp/instance.js';
import { RateLimiter } from './rate-limit.js';

/** Prometheus bucket bounds, seconds. Node's timers are ~1 ms late by themselves. */
export const DELAY_BUCKETS_S = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10] as const;

/** What loop health needs to know about the running instances. */
export interface LoopView {
  /** Shortest configured advert interval (ms) of the running instances; Infinity with none. Cheap. */
  shortestAdvertIntervalMs(): number;
  /** Shortest Master_Down_Interval (ms) and whose it is, now (O(instances): asked at most once a second). */
  shortestMasterDown(): { ms: number; instance: string } | undefined;
}

export interface LoopSnapshot {
  samples: number;
  sumSeconds: number;
  /** Cumulative counts per DELAY_BUCKETS_S bound. */
  buckets: number[];
  p99Ms: number | null;
  maxMs: number | null;
  /** Stalls longer than the shortest Master_Down_Interval of the running instances. */
  stalls: number;
  /** Our adverts sent more than one advert interval late while MASTER, per instance. */
  lateMasterAdverts: Record<string, number>;
}

interface Handle { inner: unknown; due: number; done: boolean }

const NO_VIEW: LoopView = { shortestAdvertIntervalMs: () => Infinity, shortestMasterDown: () => undefined };

/** How long a Master_Down_Interval read from the view is used (it changes only with priorities and peers). */
const MASTER_DOWN_CACHE_MS = 1000;

export class LoopHealth {
  #log: Logger;
  #view: LoopView = NO_VIEW;
  #now: () => number = () => performance.now();
  /** Microseconds (the HDR histogram takes integers >= 1). */
  #hist: RecordableHistogram = createHistogram();
  #bucketCounts: number[] = DELAY_BUCKETS_S.map(() => 0);
  #sumMs = 0;
  #stalls = 0;
  /** Clock time the last counted stall ended: timers late from the same stall count it once. */
  #lastStallAt = -Infinity;
  #late = new Map<string, number>();
  #limiter = new RateLimiter(60_000);
  #masterDown: { value: { ms: number; instance: string } | undefined; at: number } | undefined;

  constructor(log: Logger) {
    this.#log = log;
  }

  attach(view: LoopView): void {
    this.#view = view;
    this.#masterDown = undefined;
  }

  /** A Clock that behaves as `inner` and records how late each of its timers runs. */
  instrument(inner: Clock): Clock {
    this.#now = () => inner.now();
    const arm = (set: (fn: () => void, ms: number) => unknown, fn: () => void, ms: number): Handle => {
      const h: Handle = { inner: undefined, due: inner.now() + ms, done: false };
      h.inner = set(() => {
        h.done = true;
        this.#fired(h.due, fn);
      }, ms);
      return h;
    };
    const precise = inner.setPreciseTimeout?.bind(inner) ?? inner.setTimeout.bind(inner);
    return {
      now: () => inner.now(),
      setTimeout: (fn, ms) => arm(inner.setTimeout.bind(inner), fn, ms),
      setPreciseTimeout: (fn, ms) => arm(precise, fn, ms),
      clearTimeout: (handle) => {
        const h = handle as Handle;
        if (!h.done) {
          h.done = true;
          // Cancelled after it was due: the loop did not get to it in time.
          const overdue = inner.now() - h.due;
          if (overdue > 0) this.#observe(overdue);
        }
        inner.clearTimeout(h.inner);
      },
      ...(inner.fromPerformanceTime ? { fromPerformanceTime: inner.fromPerformanceTime.bind(inner) } : {}),
    };
  }

  #fired(due: number, fn: () => void): void {
    const late = Math.max(0, this.#now() - due);
    // The timer's work first: a master-down timer's takeover advert must not wait for the bookkeeping.
    try {
      fn();
    } finally {
      this.#observe(late);
    }
  }

  #observe(lateMs: number): void {
    this.#record(lateMs);
    if (lateMs <= this.#view.shortestAdvertIntervalMs()) return;
    const now = this.#now();
    if (now - lateMs < this.#lastStallAt) return; // another timer late from the stall already counted
    const mdi = this.#shortestMasterDown(now);
    if (!mdi || lateMs <= mdi.ms) return;
    this.#lastStallAt = now;
    this.#stalls++;
    const n = this.#limiter.hit('stall');
    if (n !== undefined) {
      this.#log.warn({ code: 'VIPD_LOOP_STALL', stallMs: Math.round(lateMs), masterDownIntervalMs: mdi.ms, instance: mdi.instance, suppressed: n },
        `event loop stalled ${Math.round(lateMs)} ms, longer than the Master_Down_Interval of ${mdi.instance} (${mdi.ms} ms): `
        + 'peers may have taken over meanwhile (README: event-loop health)');
    }
  }

  #shortestMasterDown(now: number): { ms: number; instance: string } | undefined {
    if (!this.#masterDown || now - this.#masterDown.at > MASTER_DOWN_CACHE_MS) this.#masterDown = { value: this.#view.shortestMasterDown(), at: now };
    return this.#masterDown.value;
  }

  /**
   * A MASTER advert went out more than one advert interval late (the instance's 'late-advert');
   * `count` of them when the advert thread reports (its timers are not the loop's: their lateness
   * is the thread's, seen here only through these counts).
   */
  lateAdvert(instance: string, lateMs: number, intervalMs: number, count = 1): void {
    this.#late.set(instance, (this.#late.get(instance) ?? 0) + count);
    const n = this.#limiter.hit(`late/${instance}`);
    if (n !== undefined) {
      this.#log.warn({ code: 'VIPD_LATE_ADVERT', instance, lateMs: Math.round(lateMs), intervalMs, suppressed: n },
        `${instance}: MASTER advert sent ${Math.round(lateMs)} ms late (interval ${intervalMs} ms)`);
    }
  }

  #record(lateMs: number): void {
    this.#hist.record(Math.max(1, Math.round(lateMs * 1000)));
    this.#sumMs += lateMs;
    const s = lateMs / 1000;
    for (let i = 0; i < DELAY_BUCKETS_S.length; i++) {
      if (s <= DELAY_BUCKETS_S[i]!) {
        this.#bucketCounts[i]!++;
        break;
      }
    }
  }

  snapshot(): LoopSnapshot {
    const samples = this.#hist.count;
    let acc = 0;
    return {
      samples,
      sumSeconds: this.#sumMs / 1000,
      buckets: this.#bucketCounts.map((c) => (acc += c)),
      p99Ms: samples ? this.#hist.percentile(99) / 1000 : null,
      maxMs: samples ? this.#hist.max / 1000 : null,
      stalls: this.#stalls,
      lateMasterAdverts: Object.fromEntries(this.#late),
    };
  }
}
