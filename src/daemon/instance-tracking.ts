// What one VRRP instance tracks: track_interface links (the router watches them), vrrp_script
// trackers (probes run here), track_file values and track_process quorums (shared, from the
// TrackHub). Each is a tracking source on the router with keepalived's effect of its weight
// (src/vrrp/track/effect.ts). What is known before the instance starts counts from its start
// (prepare() -> the router's add()). Tracked things can be added, dropped and re-weighted while
// the instance runs (a reload changes no state for that).
import type { Logger } from 'pino';
import { Tracker } from '../vrrp/track/tracker.js';
import type { Probe } from '../vrrp/track/probes.js';
import { asTracked, fileEffect, upDownEffect, type TrackEffect } from '../vrrp/track/effect.js';
import type { InitialTracking } from '../vrrp/router.js';
import type { RunAs } from '../health/passwd.js';
import type { TrackSpec } from './config-mapping.js';
import type { VrrpRouterPort } from './deps.js';
import { trackKey, type TrackingChanges } from './reload-plan.js';
import type { FileWatchPort, TrackHub } from './track-hub.js';
import type { ProcessTracker } from '../vrrp/track/process-tracker.js';
import type { ScriptPolicy } from './script-policy.js';

interface Tracked {
  spec: TrackSpec;
  tracker?: Tracker;
  file?: FileWatchPort;
  process?: ProcessTracker;
  /** Stops listening to a shared file or process tracker. */
  unsubscribe?: () => void;
  /** Not tracked at all (a disabled script, a file whose directory does not exist): no effect. */
  inert?: boolean;
}

export interface TrackingEnv {
  probe(argv: string[], runAs?: RunAs): Probe;
  hub: TrackHub;
  policy(): ScriptPolicy | undefined;
}

/** The router's name for a tracking source (interfaces are the router's `link:<name>`). */
export const trackSource = (t: TrackSpec) => `${t.kind}:${t.name}`;

export class InstanceTracking {
  readonly #instance: string;
  readonly #router: VrrpRouterPort;
  readonly #env: TrackingEnv;
  readonly #log: Logger;
  #tracked = new Map<string, Tracked>();

  constructor(instance: string, router: VrrpRouterPort, env: TrackingEnv, log: Logger) {
    this.#instance = instance;
    this.#router = router;
    this.#env = env;
    this.#log = log;
  }

  /** Creates the trackers (nothing runs yet) and says what the instance starts with. */
  prepare(tracks: TrackSpec[]): InitialTracking[] {
    const out: InitialTracking[] = [];
    for (const t of tracks) {
      const e = this.#create(t);
      const effect = this.#effect(e);
      if (effect) out.push({ source: trackSource(t), ...asTracked(effect) });
    }
    return out;
  }

  /** Interfaces tracked, probes and subscriptions started. */
  async start(): Promise<void> {
    for (const e of this.#tracked.values()) await this.#begin(e);
  }

  async update(c: TrackingChanges): Promise<void> {
    for (const t of c.removed) this.#remove(t);
    for (const t of c.added) await this.#begin(this.#create(t));
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
    for (const e of this.#tracked.values()) this.#release(e);
    this.#tracked.clear();
  }

  /** Script, file and process trackers and their state (what `vipd status` lists). */
  status(): Array<{ name: string; ok: boolean }> {
    const out: Array<{ name: string; ok: boolean }> = [];
    for (const e of this.#tracked.values()) {
      if (e.inert || e.spec.kind === 'interface') continue;
      const effect = this.#effect(e);
      out.push({ name: e.spec.kind === 'script' ? e.spec.name : `${e.spec.kind}:${e.spec.name}`, ok: !!effect && !effect.fault });
    }
    return out;
  }

  #create(t: TrackSpec): Tracked {
    const key = trackKey(t);
    const old = this.#tracked.get(key);
    if (old) this.#release(old);
    const e: Tracked = { spec: t };
    this.#tracked.set(key, e);
    if (t.kind === 'script') {
      const s = t.script;
      const policy = this.#env.policy();
      // vipd's built-in probes (http://, tcp://) are not files: the script policy has no say.
      const builtin = /^(https?|tcp):\/\//.test(s.script.argv[0] ?? '');
      const runnable = builtin || !policy ? { argv: s.script.argv }
        : policy.resolve(s.script, 'vrrp_script', { name: s.name, ...(s.user ? { user: s.user } : {}), ...(s.group ? { group: s.group } : {}) });
      // A script keepalived would not run is not tracked at all (it does not fail either).
      if (!runnable) e.inert = true;
      else {
        const runAs = 'uid' in runnable ? { uid: runnable.uid, gid: runnable.gid } : undefined;
        e.tracker = new Tracker({
          name: s.name, probe: this.#env.probe(runnable.argv, runAs),
          intervalMs: s.interval * 1000, timeoutMs: s.timeout * 1000, rise: s.rise, fall: s.fall, initFail: s.initFail,
        });
      }
    } else if (t.kind === 'file') {
      const file = this.#env.hub.file(t.name);
      if (file) e.file = file;
      else e.inert = true;
    } else if (t.kind === 'process') {
      const p = this.#env.hub.process(t.name);
      if (p) e.process = p;
      else e.inert = true;
    }
    return e;
  }

  /** The effect now; undefined for interfaces (the router's) and for what is not tracked. */
  #effect(e: Tracked): TrackEffect | undefined {
    const t = e.spec;
    if (e.inert) return undefined;
    if (e.tracker) return upDownEffect(e.tracker.ok, t.weight, t.reverse);
    if (e.file) return fileEffect(e.file.value, t.weight, t.reverse);
    if (e.process) return upDownEffect(e.process.up, t.weight, t.reverse);
    return undefined;
  }

  async #begin(e: Tracked): Promise<void> {
    const t = e.spec;
    const name = `${this.#instance}: track_${t.kind} ${t.name}`;
    if (e.tracker) {
      e.tracker.on('change', (ok) => {
        this.#log.info({ instance: this.#instance, script: t.name, ok }, `${name} ${ok ? 'succeeded' : 'failed'}`);
        void this.#apply(e);
      });
    } else if (e.file) {
      const f = e.file;
      const onChange = (value: number) => {
        const effect = fileEffect(value, e.spec.weight, e.spec.reverse);
        this.#log.info({ instance: this.#instance, file: t.name, value }, `${name}: now ${value}${effect.fault ? ' (FAULT)' : ''}`);
        void this.#apply(e);
      };
      f.on('change', onChange);
      e.unsubscribe = () => f.off('change', onChange);
    } else if (e.process) {
      const p = e.process;
      const onChange = (up: boolean, count: number) => {
        this.#log.info({ instance: this.#instance, process: t.name, up, count }, `${name}: ${count} matching process${count === 1 ? '' : 'es'}, quorum ${up ? 'up' : 'down'}`);
        void this.#apply(e);
      };
      p.on('change', onChange);
      e.unsubscribe = () => p.off('change', onChange);
    }
    await this.#apply(e);
    e.tracker?.start();
  }

  async #apply(e: Tracked): Promise<void> {
    const t = e.spec;
    if (t.kind === 'interface') {
      await this.#router.trackInterface(this.#instance, t.name, t.weight, t.reverse)
        .catch((err: Error) => this.#log.error(`${this.#instance}: track_interface ${t.name}: ${err.message}`));
      return;
    }
    const effect = this.#effect(e);
    if (!effect) return;
    const { ok, weight } = asTracked(effect);
    this.#router.setTracked(this.#instance, trackSource(t), ok, weight);
  }

  #remove(t: TrackSpec): void {
    const key = trackKey(t);
    const e = this.#tracked.get(key);
    if (!e) return;
    this.#release(e);
    this.#tracked.delete(key);
    // OK with weight 0 is neutral: no fault, no priority change (the router has no "untrack").
    if (t.kind !== 'interface') this.#router.setTracked(this.#instance, trackSource(t), true, 0);
  }

  #release(e: Tracked): void {
    e.tracker?.stop();
    e.tracker?.removeAllListeners();
    e.unsubscribe?.();
  }
}
