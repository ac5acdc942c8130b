// How many checks may start per second: what the checkers' delay_loops need (each checker one
// check per delay_loop: 30,000 at delay_loop 6 need 5,000/s), with a little headroom for retries,
// as a token bucket. Pure (times in ms in). Checks that come due together (a first round without
// warmup, a stalled event loop) start at that rate, spread evenly, instead of in one burst; a
// burst up to the bucket's size still starts at once, so a few hundred checkers behave as
// keepalived's, every one checked when it is due.

export interface CheckRateSettings {
  /** The rate allowed over the need: 1.1 = 10 % more (retries, a late round catching up). */
  headroom: number;
  /** Checks that may start at once, at the least. */
  minBurst: number;
  /** ... or this many ms of the rate, if more. */
  burstMs: number;
}

export const defaultCheckRate: CheckRateSettings = { headroom: 1.1, minBurst: 256, burstMs: 100 };

export class CheckRate {
  readonly #s: CheckRateSettings;
  /** Checks per ms the checkers need (the sum of 1 / delay_loop). */
  #need = 0;
  #checkers = 0;
  #tokens: number;
  #at = -Infinity;

  constructor(settings: Partial<CheckRateSettings> = {}) {
    this.#s = { ...defaultCheckRate, ...settings };
    this.#tokens = this.#burst();
  }

  /** Checks per second allowed now. */
  get perSecond(): number {
    return this.#need * this.#s.headroom * 1000;
  }

  /** A checker starts (one check per `delayLoopMs`) or stops. */
  add(delayLoopMs: number): void {
    this.#checkers++;
    this.#need += 1 / Math.max(1, delayLoopMs);
  }

  remove(delayLoopMs: number): void {
    this.#checkers = Math.max(0, this.#checkers - 1);
    // The last one gone: exactly none (not what the rounding of the sum left).
    this.#need = this.#checkers === 0 ? 0 : Math.max(0, this.#need - 1 / Math.max(1, delayLoopMs));
  }

  /** One check may start at `now`: takes its token (false: none left, see nextAt). */
  take(now: number): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** When the next check may start (`now` when one may now). */
  nextAt(now: number): number {
    this.#refill(now);
    const perMs = this.#need * this.#s.headroom;
    if (this.#tokens >= 1) return now;
    return perMs > 0 ? now + (1 - this.#tokens) / perMs : Infinity;
  }

  #burst(): number {
    return Math.max(this.#s.minBurst, this.#need * this.#s.headroom * this.#s.burstMs);
  }

  #refill(now: number): void {
    if (now > this.#at) {
      const gained = Number.isFinite(this.#at) ? (now - this.#at) * this.#need * this.#s.headroom : Infinity;
      this.#tokens = Math.min(this.#burst(), this.#tokens + gained);
      this.#at = now;
    }
  }
}
