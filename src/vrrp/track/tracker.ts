// Runs one probe every `intervalMs` and keeps its keepalived-style state (rise/fall/init_fail).
// Emits 'change' only when the tracked thing flips between OK and FAILED.
import { EventEmitter } from 'node:events';
import { initialTrackerState, trackerResult, type TrackerSettings, type TrackerState } from './tracker-state.js';
import type { Probe } from './probes.js';

export interface TrackerOptions extends Partial<TrackerSettings> {
  name: string;
  probe: Probe;
  intervalMs: number;
  timeoutMs: number;
}

export class Tracker extends EventEmitter<{ change: [boolean]; result: [boolean] }> {
  readonly name: string;
  #settings: TrackerSettings;
  #state: TrackerState;
  #opts: TrackerOptions;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #inFlight = false;

  constructor(opts: TrackerOptions) {
    super();
    this.name = opts.name;
    this.#opts = opts;
    this.#settings = { rise: opts.rise ?? 1, fall: opts.fall ?? 1, initFail: opts.initFail ?? false };
    this.#state = initialTrackerState(this.#settings);
  }

  get ok(): boolean {
    return this.#state.ok;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#tick();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
  }

  #tick(): void {
    if (!this.#running) return;
    // A probe still running when the next is due is not doubled up; the next waits for it.
    if (!this.#inFlight) {
      this.#inFlight = true;
      void this.#opts.probe(this.#opts.timeoutMs).then((ok) => {
        this.#inFlight = false;
        if (this.#running) this.#record(ok);
      });
    }
    this.#timer = setTimeout(() => this.#tick(), this.#opts.intervalMs);
    this.#timer.unref();
  }

  /** Feeds a result from outside (tests, or an event source such as link state). */
  #record(success: boolean): void {
    const before = this.#state.ok;
    this.#state = trackerResult(this.#settings, this.#state, success);
    this.emit('result', success);
    if (this.#state.ok !== before) this.emit('change', this.#state.ok);
  }
}
