// When a datagram reached the host, on performance.now()'s clock, from the kernel's receive
// timestamp. The kernel stamps received packets on CLOCK_REALTIME only (SO_TIMESTAMPNS), a clock
// that can be stepped; the addon reads CLOCK_REALTIME - CLOCK_MONOTONIC right after each receive,
// and performance.now() is CLOCK_MONOTONIC (libuv's hrtime) counted from the process's time origin.
//
// A step of the realtime clock between a packet's stamp and its read would move its arrival by the
// step, so the arrival is trusted only when the offset is the one seen when the socket's queue was
// last found empty (every packet read since arrived after that: no step in between), and it is kept
// between that moment and the read that returned it. Otherwise: unknown (the caller uses "now").

/** Offsets differing by more than this are a clock step (both clocks run at the same rate). */
const STEP_MS = 1;

/** CLOCK_MONOTONIC (ms) at performance.now() 0: the midpoint of two reads around one hrtime. */
function performanceOrigin(): number {
  const a = performance.now();
  const hr = process.hrtime.bigint();
  const b = performance.now();
  return Number(hr) / 1e6 - (a + b) / 2;
}

/** performance.now() = CLOCK_MONOTONIC ms - this. */
export const PERFORMANCE_ORIGIN_MS = performanceOrigin();

/** Per socket: turns kernel receive timestamps into performance.now() times, guarded against clock steps. */
export class ReceiveTimes {
  /** The queue was empty at this time (performance.now()): datagrams read since arrived after it. */
  #emptyAt: number;
  /** The clock offset when the queue was last found empty; undefined before the first read. */
  #offsetAtEmpty: number | undefined;
  #lastOffset: number | undefined;
  // Bounds of the latest read's datagrams.
  #notBefore = 0;
  #notAfter = 0;
  #trusted = false;

  constructor(openedAt: number = performance.now()) {
    this.#emptyAt = openedAt;
  }

  /**
   * A read that began at `startedAt` and returned at `endedAt` gave datagrams whose clock offset
   * (realtime - monotonic, ms) is `offsetMs`; `dry`: it also found the queue empty after them.
   */
  read(startedAt: number, endedAt: number, offsetMs: number, dry: boolean): void {
    this.#notBefore = this.#emptyAt;
    this.#notAfter = endedAt;
    this.#trusted = this.#offsetAtEmpty === undefined || Math.abs(offsetMs - this.#offsetAtEmpty) <= STEP_MS;
    this.#lastOffset = offsetMs;
    if (dry) this.empty(startedAt);
  }

  /** A read that began at `startedAt` found the queue empty. */
  empty(startedAt: number): void {
    this.#emptyAt = startedAt;
    if (this.#lastOffset !== undefined) this.#offsetAtEmpty = this.#lastOffset;
  }

  /** The arrival (performance.now() ms) of a datagram of the latest read stamped `kernelTimeMs` (realtime), or undefined. */
  arrival(kernelTimeMs: number, offsetMs: number): number | undefined {
    if (!this.#trusted) return undefined;
    const t = kernelTimeMs - offsetMs - PERFORMANCE_ORIGIN_MS;
    return t < this.#notBefore ? this.#notBefore : t > this.#notAfter ? this.#notAfter : t;
  }
}
