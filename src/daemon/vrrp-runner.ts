// The VRRP side of the daemon: instances on a router, what each tracks, its notify scripts, and
// the sync groups. It executes the instance and sync-group steps of a ReloadPlan.
import type { Logger } from 'pino';
import { SyncGroup } from '../vrrp/sync-group.js';
import type { Clock, InstanceStatus, StateChange } from '../vrrp/instance.js';
import type { DaemonDeps, VrrpRouterPort } from './deps.js';
import { InstanceTracking } from './instance-tracking.js';
import { NotifyDispatcher, type NotifyEvent } from './notify-dispatch.js';
import type { InstanceChanges, InstanceDefinition, InstanceStep, SyncGroupStep } from './reload-plan.js';
import type { LoopView } from './loop-health.js';

interface RunningInstance {
  def: InstanceDefinition;
  tracking: InstanceTracking;
}

/** A step that failed during a reload; the others were applied. */
export interface StepFailure { instance: string; error: Error }

export class VrrpRunner {
  readonly router: VrrpRouterPort;
  #deps: Pick<DaemonDeps, 'trackProbe' | 'runNotify'>;
  #log: Logger;
  #instances = new Map<string, RunningInstance>();
  #groups = new Map<string, SyncGroup>();
  #notify: NotifyDispatcher;
  #transitions = 0;
  #shortestIntervalMs = Infinity;
  #listeners: Array<(s: StateChange) => void> = [];
  #startupWait: { handle: unknown; clock: Clock; done: (go: boolean) => void } | undefined;

  constructor(router: VrrpRouterPort, deps: Pick<DaemonDeps, 'trackProbe' | 'runNotify'>, log: Logger) {
    this.router = router;
    this.#deps = deps;
    this.#log = log;
    this.#notify = new NotifyDispatcher(deps.runNotify, log);
    router.on('state', (s) => this.#onState(s));
  }

  /**
   * keepalived vrrp_startup_delay: the instances start `ms` after the daemon (bond interfaces that
   * pass traffic and then pause at boot). stop() ends the wait; false: stopped, start nothing.
   */
  startupDelay(ms: number, clock: Clock): Promise<boolean> {
    if (!(ms > 0)) return Promise.resolve(true);
    this.#log.info(`vrrp_startup_delay: the VRRP instances start in ${ms / 1000} s`);
    return new Promise((resolve) => {
      const done = (go: boolean) => {
        this.#startupWait = undefined;
        resolve(go);
      };
      this.#startupWait = { handle: clock.setTimeout(() => done(true), ms), clock, done };
    });
  }

  /** Called after the runner's own handling of every state change (IPVS gating). */
  onStateChange(fn: (s: StateChange) => void): void {
    this.#listeners.push(fn);
  }

  isMaster(name: string): boolean {
    return this.router.instance(name)?.state === 'master';
  }

  /**
   * Removals first (a renamed instance frees its VRID), then additions, then in-place updates.
   * `strict` (start-up): the first failure throws. Otherwise every step is tried and the failures returned.
   */
  async apply(steps: InstanceStep[], groups: SyncGroupStep[], strict: boolean): Promise<StepFailure[]> {
    const failures: StepFailure[] = [];
    const attempt = async (name: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        if (strict) throw err;
        failures.push({ instance: name, error: err as Error });
      }
    };
    for (const s of steps) {
      if (s.kind === 'remove') await attempt(s.name, () => this.#remove(s.name, 'deleted'));
      if (s.kind === 'restart') {
        this.#log.info({ instance: s.name, because: s.because }, `${s.name}: restarting the instance (${s.because.join(', ')})`);
        await attempt(s.name, () => this.#remove(s.name, 'stop'));
      }
    }
    // An instance that failed to start on an earlier reload is started now, whatever the plan says of it.
    const starts = steps.filter((s) => s.kind === 'add' || s.kind === 'restart' || (s.kind !== 'remove' && !this.#instances.has(s.name)));
    for (const s of starts) if (s.kind !== 'remove') await attempt(s.name, () => this.#add(s.next));
    for (const s of steps) {
      if (starts.includes(s)) continue;
      if (s.kind === 'update') await attempt(s.name, () => this.#update(s.name, s.next, s.changes));
      const run = this.#instances.get(s.name);
      if (s.kind === 'keep' && run) run.def = s.next;
    }
    this.#applySyncGroups(groups);
    this.#shortestIntervalMs = Math.min(...[...this.#instances.values()].map((r) => r.def.config.advertIntervalCs * 10));
    return failures;
  }

  async #add(def: InstanceDefinition): Promise<void> {
    const run: RunningInstance = { def, tracking: new InstanceTracking(def.name, this.router, this.#deps.trackProbe, this.#log) };
    // Registered before the router starts it: INITIALIZE -> BACKUP happens inside add() and its
    // notify_backup must run (k0s points the IPVS include at /dev/null on it).
    this.#instances.set(def.name, run);
    try {
      await this.router.add(def.config);
    } catch (err) {
      this.#instances.delete(def.name);
      throw err;
    }
    await run.tracking.start(def.tracks);
  }

  async #remove(name: string, why: 'stop' | 'deleted'): Promise<void> {
    const run = this.#instances.get(name);
    if (!run) return;
    run.tracking.stop();
    this.#instances.delete(name);
    const priority = this.router.instance(name)?.status().priority ?? run.def.config.priority;
    await this.router.remove(name);
    this.#dispatch(name, run.def, { gone: why, priority });
  }

  async #update(name: string, next: InstanceDefinition, c: InstanceChanges): Promise<void> {
    const run = this.#instances.get(name);
    const inst = this.router.instance(name);
    if (!run || !inst) {
      await this.#remove(name, 'stop');
      await this.#add(next);
      return;
    }
    run.def = next;
    if (c.tracking) await run.tracking.update(c.tracking);
    if (c.priority) {
      inst.setBasePriority(c.priority.to);
      // setBasePriority resets the effective priority to the base: put the tracking weights back on.
      await run.tracking.reapply();
    }
    if (c.virtualAddresses) await inst.setVirtualAddresses(next.config.virtualAddresses, next.config.excludedAddresses ?? []);
    if (c.authHmac) inst.setAuthHmac(next.config.authHmac);
    const what = [
      ...(c.priority ? [`priority ${c.priority.from} -> ${c.priority.to}`] : []),
      ...(c.virtualAddresses ? ['virtual addresses'] : []), ...(c.tracking ? ['tracking'] : []), ...(c.notify ? ['notify scripts'] : []),
      ...(c.authHmac ? [`auth_hmac: ${c.authHmac.join(', ')}`] : []),
    ];
    this.#log.info({ instance: name }, `${name}: updated in place (${what.join(', ')})`);
  }

  /** A kept group keeps its members' fault state; only changed or restarted groups are rebuilt. */
  #applySyncGroups(steps: SyncGroupStep[]): void {
    for (const s of steps) {
      if (s.kind === 'keep') continue;
      this.#groups.get(s.name)?.close();
      this.#groups.delete(s.name);
      if (s.kind !== 'remove') this.#groups.set(s.name, new SyncGroup(this.router, s.name, s.members));
    }
  }

  #onState(s: StateChange): void {
    this.#transitions++;
    const run = this.#instances.get(s.instance);
    if (run) this.#dispatch(s.instance, run.def, { state: s.state, priority: s.priority });
    for (const fn of this.#listeners) fn(s);
  }

  #dispatch(name: string, def: InstanceDefinition, ev: NotifyEvent): void {
    this.#notify.dispatch(name, def.notify, ev);
  }

  get transitions(): number {
    return this.#transitions;
  }

  get notifyRuns(): number {
    return this.#notify.runs;
  }

  names(): string[] {
    return [...this.#instances.keys()];
  }

  status(): InstanceStatus[] {
    return this.router.status();
  }

  trackers(): Record<string, Array<{ name: string; ok: boolean }>> {
    return Object.fromEntries([...this.#instances].map(([n, r]) => [n, r.tracking.status()]));
  }

  /** What event-loop health needs to know about the instances. */
  loopView(): LoopView {
    return {
      shortestAdvertIntervalMs: () => this.#shortestIntervalMs,
      shortestMasterDown: () => {
        let best: { ms: number; instance: string } | undefined;
        for (const i of this.router.status()) if (!best || i.masterDownIntervalMs < best.ms) best = { ms: i.masterDownIntervalMs, instance: i.name };
        return best;
      },
      masters: () => this.router.status().filter((i) => i.state === 'master')
        .map((i) => ({ name: i.name, adverAt: i.timers.adverAt, intervalMs: (this.#instances.get(i.name)?.def.config.advertIntervalCs ?? 0) * 10 })),
    };
  }

  /** SIGTERM: every instance stops (priority 0 from a master, VIPs removed), notify_stop runs. */
  async stop(): Promise<void> {
    const w = this.#startupWait;
    if (w) {
      w.clock.clearTimeout(w.handle);
      w.done(false);
    }
    for (const g of this.#groups.values()) g.close();
    this.#groups.clear();
    await Promise.all([...this.#instances.keys()].map((n) => this.#remove(n, 'stop')));
    await this.router.close();
  }
}
