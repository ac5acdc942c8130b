// Runs one probe every `intervalMs` and keeps its keepalived-style state (rise/fall/init_fail).
// Emits 'change' only when the tracked thing flips between OK and FAILED.
import { EventEmitter } from 'node:events';
import { initialTrackerState, trackerResult, type TrackerSettings, type TrackerState } from './tracker-state.js';
import type { Probe, ProbeResult } from '../../health/index.js';

export interface TrackerOptions extends Partial<TrackerSettings> {
  name: string;
  probe: Probe;
  intervalMs: number;
  timeoutMs: number;
}

/** 'result': every probe result (ok, and why not); 'change': the tracked state flipped, with the result that flipped it. */
export class Tracker extends EventEmitter<{ change: [boolean, ProbeResult]; result: [boolean, ProbeResult] }> {
  readonly name: string;
  #settings: TrackerSettings;
  #state: TrackerState;
  #opts: TrackerOptions;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #inFlight: AbortController | undefined;

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

  /** Stops probing; a probe still running is aborted (a script's process group is stopped). */
  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#inFlight?.abort(new Error(`tracker ${this.name} stopped`));
  }

  #tick(): void {
    if (!this.#running) return;
    // A probe still running when the next is due is not doubled up; the next waits for it.
    if (!this.#inFlight) {
      const ac = new AbortController();
      this.#inFlight = ac;
      void this.#opts.probe(this.#opts.timeoutMs, ac.signal).then((r) => {
        this.#inFlight = undefined;
        if (this.#running && !ac.signal.aborted) this.#record(r);
      });
    }
    this.#timer = setTimeout(() => this.#tick(), this.#opts.intervalMs);
    this.#timer.unref();
  }

  #record(r: ProbeResult): void {
    const before = this.#state.ok;
    this.#state = trackerResult(this.#settings, this.#state, r.ok);
    this.emit('result', r.ok, r);
    if (this.#state.ok !== before) this.emit('change', this.#state.ok, r);
  }
}
