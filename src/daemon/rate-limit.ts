// Log rate limiting for floods: the first event of a key logs at once, further ones within the
// window are only counted, and the next log line says how many were suppressed. O(1) per event.
export class RateLimiter {
  #windowMs: number;
  #keys = new Map<string, { until: number; suppressed: number }>();

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Returns the number suppressed since the last log when this event should be logged, else undefined. */
  hit(key: string, now = Date.now()): number | undefined {
    const k = this.#keys.get(key);
    if (k && now < k.until) {
      k.suppressed++;
      return undefined;
    }
    const suppressed = k?.suppressed ?? 0;
    if (this.#keys.size > 10_000) this.#keys.clear(); // bounded memory under a flood of distinct keys
    this.#keys.set(key, { until: now + this.#windowMs, suppressed: 0 });
    return suppressed;
  }
}
