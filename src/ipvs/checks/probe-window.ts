// How many checker probes may run at once: a window limited by what completes, not a constant.
// Pure (times in, decisions out). A probe is "fresh" while an answer may still be on its way
// soon, "stalled" after: after stallFactor x the smoothed answer time (at least minStallMs).
// At most maxFresh probes are fresh at once: a burst of connects larger than the kernel answers
// in time is what made every real server go down (30,000 TCP_CHECKs in UML, 3,584 at once). A
// stalled probe (a dead server that does not answer: it will end at its deadline) leaves the
// window, so a mass outage does not serialise N probes behind N / maxFresh deadlines; it still
// holds its socket until then, and maxOpen bounds those (the open-file budget). When answers
// slow down (a loaded kernel or real server), the smoothed answer time grows, fewer probes
// stall, and the window admits fewer new ones: it backs off by itself.

export interface ProbeWindowSettings {
  /** Probes waiting on a first answer at once, at most. */
  maxFresh: number;
  /** Probes open at once (fresh and stalled), at most: the file descriptors they may hold. */
  maxOpen: number;
  /** A probe unanswered this long is stalled, at the least. */
  minStallMs: number;
  /** ... or after this many times the smoothed answer time, if longer. */
  stallFactor: number;
}

export const defaultProbeWindow: ProbeWindowSettings = { maxFresh: 256, maxOpen: 3584, minStallMs: 100, stallFactor: 4 };

/** One probe in the window, from start() to end(). */
export interface ProbeSlot {
  readonly startedAt: number;
}

interface Slot extends ProbeSlot {
  ended: boolean;
  /** Counted as stalled (it left the fresh count). */
  stalled: boolean;
}

/** Weight of one answer in the smoothed answer time. */
const SMOOTHING = 1 / 32;

export class ProbeWindow {
  readonly #s: ProbeWindowSettings;
  /** Slots in start order that may still be fresh (ended ones are dropped when they reach the front). */
  readonly #young: Slot[] = [];
  #head = 0;
  #fresh = 0;
  #stalled = 0;
  #answerMs: number;

  constructor(settings: Partial<ProbeWindowSettings> = {}) {
    this.#s = { ...defaultProbeWindow, ...settings };
    this.resize(this.#s.maxFresh, this.#s.maxOpen);
    this.#answerMs = this.#s.minStallMs / this.#s.stallFactor;
  }

  /** New bounds (at construction, and when a reload changed the open-file limit); open probes keep their slots. */
  resize(maxFresh: number, maxOpen: number): void {
    this.#s.maxFresh = Math.max(1, maxFresh);
    this.#s.maxOpen = Math.max(this.#s.maxFresh, maxOpen);
  }

  /** Fresh probes (waiting on an answer that may still come soon). */
  get fresh(): number {
    return this.#fresh;
  }

  /** Open probes (fresh and stalled). */
  get open(): number {
    return this.#fresh + this.#stalled;
  }

  /** How long an unanswered probe stays fresh now. */
  get stallMs(): number {
    return Math.max(this.#s.minStallMs, this.#s.stallFactor * this.#answerMs);
  }

  /** Whether one more probe may start at `now`. */
  canStart(now: number): boolean {
    this.#age(now);
    return this.#fresh < this.#s.maxFresh && this.open < this.#s.maxOpen;
  }

  start(now: number): ProbeSlot {
    const slot: Slot = { startedAt: now, ended: false, stalled: false };
    this.#young.push(slot);
    this.#fresh++;
    return slot;
  }

  /** The probe ended; `answered`: before its deadline (an answer, good or bad), so its time says how fast answers come. */
  end(handle: ProbeSlot, now: number, answered: boolean): void {
    const slot = handle as Slot;
    if (slot.ended) return;
    slot.ended = true;
    if (slot.stalled) this.#stalled--;
    else this.#fresh--;
    if (answered) this.#answerMs += (Math.max(0, now - slot.startedAt) - this.#answerMs) * SMOOTHING;
  }

  /**
   * When canStart may turn true without an end (the oldest fresh probe stalls); undefined when
   * only an end can free room (the open limit is reached, or nothing is fresh).
   */
  nextChange(now: number): number | undefined {
    this.#age(now);
    if (this.open >= this.#s.maxOpen) return undefined;
    const oldest = this.#young[this.#head];
    return oldest ? oldest.startedAt + this.stallMs : undefined;
  }

  /** Fresh probes older than stallMs become stalled. */
  #age(now: number): void {
    const stall = this.stallMs;
    const q = this.#young;
    while (this.#head < q.length) {
      const s = q[this.#head]!;
      if (!s.ended) {
        if (now - s.startedAt < stall) break;
        s.stalled = true;
        this.#fresh--;
        this.#stalled++;
      }
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > q.length) {
      q.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
