// Event-loop health: how late the daemon's VRRP timers fire. A stalled loop (a long callback, GC,
// the process not scheduled on a busy CPU) delays our adverts, and a master whose adverts stop for a
// Master_Down_Interval loses its VIP to a backup. keepalived has no such signal.
//
// Measured on the timers VRRP runs anyway (the router's Clock is wrapped): each advert, master-down
// and GARP timer records how late it fired, or how overdue it was when cancelled. No timer of its own:
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
  /** Shortest Master_Down_Interval (ms) and whose it is, now (asked only after a long delay). */
  shortestMasterDown(): { ms: number; instance: string } | undefined;
  /** Instances in MASTER with when their next advert is due (clock ms). Asked only after a long delay. */
  masters(): Array<{ name: string; adverAt: number | null; intervalMs: number }>;
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

const NO_VIEW: LoopView = { shortestAdvertIntervalMs: () => Infinity, shortestMasterDown: () => undefined, masters: () => [] };

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

  constructor(log: Logger) {
    this.#log = log;
  }

  attach(view: LoopView): void {
    this.#view = view;
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
    };
  }

  #fired(due: number, fn: () => void): void {
    const late = Math.max(0, this.#now() - due);
    // Only a timer later than the shortest advert interval can be a late advert: the rare case
    // pays for looking at the instances, every other timer pays for one subtraction.
    if (late <= this.#view.shortestAdvertIntervalMs()) {
      this.#record(late);
      fn();
      return;
    }
    const before = new Map(this.#view.masters().map((m) => [m.name, m]));
    fn();
    for (const m of this.#view.masters()) {
      const b = before.get(m.name);
      // Its advert timer is what ran: the next advert moved. How late was the one just sent?
      if (!b || b.adverAt === null || b.adverAt === m.adverAt) continue;
      const advertLate = this.#now() - b.adverAt;
      if (advertLate > m.intervalMs) this.#lateAdvert(m.name, advertLate, m.intervalMs);
    }
    this.#observe(late);
  }

  #observe(lateMs: number): void {
    this.#record(lateMs);
    if (lateMs <= this.#view.shortestAdvertIntervalMs()) return;
    const mdi = this.#view.shortestMasterDown();
    if (!mdi || lateMs <= mdi.ms) return;
    const now = this.#now();
    if (now - lateMs < this.#lastStallAt) return; // another timer late from the stall already counted
    this.#lastStallAt = now;
    this.#stalls++;
    const n = this.#limiter.hit('stall');
    if (n !== undefined) {
      this.#log.warn({ code: 'VIPD_LOOP_STALL', stallMs: Math.round(lateMs), masterDownIntervalMs: mdi.ms, instance: mdi.instance, suppressed: n },
        `event loop stalled ${Math.round(lateMs)} ms, longer than the Master_Down_Interval of ${mdi.instance} (${mdi.ms} ms): `
        + 'peers may have taken over meanwhile (README: event-loop health)');
    }
  }

  #lateAdvert(instance: string, lateMs: number, intervalMs: number): void {
    this.#late.set(instance, (this.#late.get(instance) ?? 0) + 1);
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
