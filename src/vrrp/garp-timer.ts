// The GARP schedule (garp-schedule.ts) on a clock: one timer, armed for whatever is due next.
// Rounds due now are announced synchronously, so the first GARP of a takeover leaves right after
// the takeover advert, not a loop turn later.
import type { Clock } from './clock.js';
import type { GarpSettings } from './instance-config.js';
import { garpSchedule, nextDueAt, onLeaveMaster, takeDue, type GarpRound, type GarpSchedule } from './garp-schedule.js';

export class GarpTimer {
  #schedule: GarpSchedule;
  #clock: Clock;
  #announce: (round: GarpRound) => void;
  #handle: unknown;
  #armedAt: number | null = null;

  constructor(settings: GarpSettings, clock: Clock, announce: (round: GarpRound) => void) {
    this.#schedule = garpSchedule(settings);
    this.#clock = clock;
    this.#announce = announce;
  }

  get schedule(): GarpSchedule {
    return this.#schedule;
  }

  /** Applies a schedule event (onBecomeMaster, ...) at the clock's now, announces what is due. */
  update(event: (g: GarpSchedule, now: number) => GarpSchedule): void {
    this.#schedule = event(this.#schedule, this.#clock.now());
    this.#run();
  }

  /** Nothing more to announce (left master, or stopping). */
  cancel(): void {
    this.#schedule = onLeaveMaster(this.#schedule);
    this.#arm(null);
  }

  #run(): void {
    const { schedule, due } = takeDue(this.#schedule, this.#clock.now());
    this.#schedule = schedule;
    for (const round of due) this.#announce(round);
    this.#arm(nextDueAt(this.#schedule));
  }

  #arm(at: number | null): void {
    if (at === this.#armedAt) return;
    if (this.#handle !== undefined) this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#armedAt = at;
    if (at === null) return;
    this.#handle = this.#clock.setTimeout(() => {
      this.#handle = undefined;
      this.#armedAt = null;
      this.#run();
    }, Math.max(0, at - this.#clock.now()));
  }
}
