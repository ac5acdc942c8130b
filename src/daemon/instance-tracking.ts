// What one VRRP instance tracks: track_interface links (the router watches them) and vrrp_script
// trackers (probes run here, results fed to the router as tracking sources). Tracked things can be
// added, dropped and re-weighted while the instance runs (a reload changes no state for that).
import type { Logger } from 'pino';
import { Tracker } from '../vrrp/track/tracker.js';
import type { Probe } from '../vrrp/track/probes.js';
import type { TrackSpec } from './config-mapping.js';
import type { VrrpRouterPort } from './deps.js';
import { trackKey, type TrackingChanges } from './reload-plan.js';

interface Tracked { spec: TrackSpec; tracker?: Tracker }

/** The router's name for a script's tracking source. */
const scriptSource = (name: string) => `script:${name}`;

export class InstanceTracking {
  readonly #instance: string;
  readonly #router: VrrpRouterPort;
  readonly #probe: (argv: string[]) => Probe;
  readonly #log: Logger;
  #tracked = new Map<string, Tracked>();

  constructor(instance: string, router: VrrpRouterPort, probe: (argv: string[]) => Probe, log: Logger) {
    this.#instance = instance;
    this.#router = router;
    this.#probe = probe;
    this.#log = log;
  }

  async start(tracks: TrackSpec[]): Promise<void> {
    for (const t of tracks) await this.#add(t);
  }

  async update(c: TrackingChanges): Promise<void> {
    for (const t of c.removed) this.#remove(t);
    for (const t of c.added) await this.#add(t);
    for (const t of c.reweighted) {
      const e = this.#tracked.get(trackKey(t));
      if (e) {
        e.spec = t;
        await this.#apply(e);
      }
    }
  }

  /** Puts every tracking weight back on (after the base priority changed). */
  async reapply(): Promise<void> {
    for (const e of this.#tracked.values()) await this.#apply(e);
  }

  stop(): void {
    for (const e of this.#tracked.values()) this.#stopTracker(e);
    this.#tracked.clear();
  }

  /** Script trackers and their state (what `vipd status` lists). */
  status(): Array<{ name: string; ok: boolean }> {
    return [...this.#tracked.values()].flatMap((e) => (e.tracker ? [{ name: e.tracker.name, ok: e.tracker.ok }] : []));
  }

  async #add(t: TrackSpec): Promise<void> {
    const key = trackKey(t);
    const old = this.#tracked.get(key);
    if (old) this.#stopTracker(old);
    const e: Tracked = { spec: t };
    this.#tracked.set(key, e);
    if (t.kind === 'script') {
      const s = t.script;
      const tracker = new Tracker({
        name: s.name, probe: this.#probe(s.script.argv), intervalMs: s.interval * 1000, timeoutMs: s.timeout * 1000,
        rise: s.rise, fall: s.fall, initFail: s.initFail,
      });
      tracker.on('change', (ok) => {
        this.#log.info({ instance: this.#instance, script: s.name, ok }, `${this.#instance}: track_script ${s.name} ${ok ? 'succeeded' : 'failed'}`);
        this.#router.setTracked(this.#instance, scriptSource(s.name), ok, e.spec.weight, e.spec.reverse);
      });
      e.tracker = tracker;
    }
    await this.#apply(e);
    e.tracker?.start();
  }

  async #apply(e: Tracked): Promise<void> {
    const t = e.spec;
    if (t.kind === 'interface') {
      await this.#router.trackInterface(this.#instance, t.name, t.weight, t.reverse)
        .catch((err: Error) => this.#log.error(`${this.#instance}: track_interface ${t.name}: ${err.message}`));
    } else if (e.tracker) {
      this.#router.setTracked(this.#instance, scriptSource(t.name), e.tracker.ok, t.weight, t.reverse);
    }
  }

  #remove(t: TrackSpec): void {
    const key = trackKey(t);
    const e = this.#tracked.get(key);
    if (!e) return;
    this.#stopTracker(e);
    this.#tracked.delete(key);
    // OK with weight 0 is neutral: no fault, no priority change (the router has no "untrack").
    if (t.kind === 'script') this.#router.setTracked(this.#instance, scriptSource(t.name), true, 0);
  }

  #stopTracker(e: Tracked): void {
    e.tracker?.stop();
    e.tracker?.removeAllListeners();
  }
}
