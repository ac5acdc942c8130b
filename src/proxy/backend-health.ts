// Health of the userspace proxy's API servers: one probe loop per backend with the shared probes of
// src/health (the apiserver's /readyz over HTTPS without certificate verification, or a TCP
// connect), keepalived's rise/fall counting (vrrp/track/tracker-state.ts), a `change` event when a
// backend goes up or down. k0s's own proxy checks every second and flips on the first result.
import { EventEmitter } from 'node:events';
import type { ProxyHealthCheck } from '../config/types.js';
import type { Probe, ProbeResult, ProbeSpec } from '../health/index.js';
import { initialTrackerState, trackerResult, type TrackerSettings, type TrackerState } from '../vrrp/track/tracker-state.js';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface BackendHealthOptions {
  /** Time from the end of one probe to the start of the next. */
  intervalMs: number;
  timeoutMs: number;
  rise: number;
  fall: number;
  timers?: Timers;
}

export const DEFAULT_BACKEND_HEALTH: BackendHealthOptions = { intervalMs: 1000, timeoutMs: 2000, rise: 1, fall: 1 };

/** What checks one API server (pure): GET /readyz answered 2xx, or a TCP connect. */
export function backendProbeSpec(address: string, port: number, check: ProxyHealthCheck): ProbeSpec {
  return check === 'tcp'
    ? { kind: 'tcp', options: { address, port } }
    : { kind: 'http', options: { address, port, tls: true, path: '/readyz' } };
}

export interface BackendChange {
  key: string;
  ok: boolean;
  reason?: string;
}

interface Loop {
  state: TrackerState;
  timer?: unknown;
  abort: AbortController;
  last?: ProbeResult;
}

export class BackendHealth extends EventEmitter<{ change: [BackendChange] }> {
  readonly #probeFor: (key: string) => Probe;
  readonly #opts: BackendHealthOptions;
  readonly #timers: Timers;
  readonly #settings: TrackerSettings;
  readonly #loops = new Map<string, Loop>();

  constructor(probeFor: (key: string) => Probe, opts: Partial<BackendHealthOptions> = {}) {
    super();
    this.#probeFor = probeFor;
    this.#opts = { ...DEFAULT_BACKEND_HEALTH, ...opts };
    this.#timers = opts.timers ?? realTimers;
    this.#settings = { rise: this.#opts.rise, fall: this.#opts.fall, initFail: false };
  }

  /** Checks exactly these backends: new ones start up (probed at once), removed ones stop. */
  set(keys: readonly string[]): void {
    const want = new Set(keys);
    for (const key of [...this.#loops.keys()]) if (!want.has(key)) this.#stop(key);
    for (const key of want) {
      if (this.#loops.has(key)) continue;
      const loop: Loop = { state: initialTrackerState(this.#settings), abort: new AbortController() };
      this.#loops.set(key, loop);
      void this.#run(key, loop);
    }
  }

  /** Unknown backends count as healthy: a new one takes connections until a probe says otherwise. */
  healthy(key: string): boolean {
    return this.#loops.get(key)?.state.ok ?? true;
  }

  /** The last probe's failure reason of a backend, for status. */
  lastReason(key: string): string | undefined {
    return this.#loops.get(key)?.last?.reason;
  }

  close(): void {
    for (const key of [...this.#loops.keys()]) this.#stop(key);
  }

  #stop(key: string): void {
    const loop = this.#loops.get(key);
    if (!loop) return;
    this.#loops.delete(key);
    loop.abort.abort();
    if (loop.timer !== undefined) this.#timers.clearTimeout(loop.timer);
  }

  async #run(key: string, loop: Loop): Promise<void> {
    const result = await this.#probeFor(key)(this.#opts.timeoutMs, loop.abort.signal);
    if (this.#loops.get(key) !== loop) return; // stopped while probing
    loop.last = result;
    const next = trackerResult(this.#settings, loop.state, result.ok);
    const changed = next.ok !== loop.state.ok;
    loop.state = next;
    if (changed) this.emit('change', { key, ok: next.ok, ...(result.reason !== undefined ? { reason: result.reason } : {}) });
    loop.timer = this.#timers.setTimeout(() => {
      loop.timer = undefined;
      void this.#run(key, loop);
    }, this.#opts.intervalMs);
  }
}
