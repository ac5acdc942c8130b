// The VRRP side of the daemon: instances on a router, what each tracks, its notify scripts and
// FIFO lines, and the sync groups. It executes the instance and sync-group steps of a ReloadPlan.
// Sync groups exist before their members start (a member starts held, and the group's first
// notification, BACKUP, comes first, as keepalived's).
import type { Logger } from 'pino';
import { SyncGroup, type GroupStateChange } from '../vrrp/sync-group.js';
import type { Clock, InstanceStatus, StateChange } from '../vrrp/instance.js';
import { groupLine, instanceLine, stateNotice, type GroupNotice } from '../vrrp/notify-lines.js';
import type { InitialTracking } from '../vrrp/router.js';
import type { VipdConfig } from '../config/types.js';
import type { DaemonDeps, VrrpRouterPort } from './deps.js';
import { InstanceTracking } from './instance-tracking.js';
import { NotifyDispatcher, type NotifyEvent } from './notify-dispatch.js';
import { NotifyFifos } from './notify-fifos.js';
import type { GroupNotifySpec, InstanceChanges, InstanceDefinition, InstanceStep, SyncGroupStep } from './reload-plan.js';
import type { LoopView } from './loop-health.js';
import type { ScriptPolicy } from './script-policy.js';
import { TrackHub } from './track-hub.js';

interface RunningInstance {
  def: InstanceDefinition;
  tracking: InstanceTracking;
}

interface RunningGroup {
  group: SyncGroup;
  notify: GroupNotifySpec;
}

/** A step that failed during a reload; the others were applied. */
export interface StepFailure { instance: string; error: Error }

export type VrrpRunnerDeps = Pick<DaemonDeps, 'trackProbe' | 'runNotify' | 'trackSources' | 'openFifo' | 'scriptHost'>;

const GROUP_NOTICE: Record<GroupStateChange['state'], GroupNotice> = { master: 'MASTER', backup: 'BACKUP', fault: 'FAULT' };

export class VrrpRunner {
  readonly router: VrrpRouterPort;
  #deps: VrrpRunnerDeps;
  #log: Logger;
  #instances = new Map<string, RunningInstance>();
  #groups = new Map<string, RunningGroup>();
  #notify: NotifyDispatcher;
  #fifos: NotifyFifos;
  #hub: TrackHub;
  #policy: ScriptPolicy | undefined;
  #writeStatesOnReload = false;
  #transitions = 0;
  #shortestIntervalMs = Infinity;
  #listeners: Array<(s: StateChange) => void> = [];
  #startupWait: { handle: unknown; clock: Clock; done: (go: boolean) => void } | undefined;

  constructor(router: VrrpRouterPort, deps: VrrpRunnerDeps, log: Logger) {
    this.router = router;
    this.#deps = deps;
    this.#log = log;
    this.#notify = new NotifyDispatcher(deps.runNotify, log);
    this.#fifos = new NotifyFifos(deps.openFifo, log);
    this.#notify.setSink(this.#fifos.vrrp);
    this.#hub = new TrackHub(deps.trackSources, log);
    router.on('state', (s) => this.#onState(s));
    router.on('priority', (p) => this.#event(p.instance, { kind: 'priority', state: p.state, priority: p.priority }));
    router.on('lower-priority', (l) => {
      const priority = this.router.instance(l.instance)?.status().priority ?? 0;
      this.#event(l.instance, { kind: 'lower-priority', priority });
    });
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

  /** Where LVS notify lines go (notify_fifo and lvs_notify_fifo). */
  get lvsLines(): { write(line: string): void } {
    return this.#fifos.lvs;
  }

  isMaster(name: string): boolean {
    return this.router.instance(name)?.state === 'master';
  }

  /**
   * A configuration is about to be applied: its scripts' policy, its FIFOs (re-created, as
   * keepalived does on every reload) and its track_file / vrrp_track_process blocks.
   */
  configure(config: VipdConfig, policy: ScriptPolicy): void {
    this.#policy = policy;
    this.#notify.setPolicy(policy);
    this.#fifos.configure(config.global, policy, this.#deps.scriptHost);
    this.#hub.configure(config);
    this.#writeStatesOnReload = config.global.fifoWriteVrrpStatesOnReload;
  }

  /**
   * Removals first (a renamed instance frees its VRID), then sync groups, then additions, then
   * in-place updates. `strict` (start-up): the first failure throws. Otherwise every step is tried
   * and the failures returned.
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
    const prepared = new Map<string, { tracking: InstanceTracking; initial: InitialTracking[] }>();
    for (const s of starts) {
      if (s.kind === 'remove') continue;
      const tracking = new InstanceTracking(s.name, this.router, { probe: this.#deps.trackProbe, hub: this.#hub, policy: () => this.#policy }, this.#log);
      prepared.set(s.name, { tracking, initial: tracking.prepare(s.next.tracks) });
    }
    const startsFaulted = (name: string) => prepared.get(name)?.initial.some((t) => !t.ok && t.weight === 0) ?? false;
    this.#applySyncGroups(groups, startsFaulted);
    for (const s of starts) {
      if (s.kind === 'remove') continue;
      await attempt(s.name, () => this.#add(s.next, prepared.get(s.name)!));
    }
    for (const s of steps) {
      if (starts.includes(s)) continue;
      if (s.kind === 'update') await attempt(s.name, () => this.#update(s.name, s.next, s.changes));
      const run = this.#instances.get(s.name);
      if (s.kind === 'keep' && run) run.def = s.next;
    }
    for (const g of this.#groups.values()) for (const m of g.group.members) if (this.#instances.has(m)) g.group.attach(m);
    this.#shortestIntervalMs = Math.min(...[...this.#instances.values()].map((r) => r.def.config.advertIntervalCs * 10));
    if (!strict && this.#writeStatesOnReload) this.#writeStates();
    return failures;
  }

  async #add(def: InstanceDefinition, p: { tracking: InstanceTracking; initial: InitialTracking[] }): Promise<void> {
    const run: RunningInstance = { def, tracking: p.tracking };
    // Registered before the router starts it: INITIALIZE -> BACKUP happens inside add() and its
    // notify_backup must run (k0s points the IPVS include at /dev/null on it).
    this.#instances.set(def.name, run);
    const group = [...this.#groups.values()].find((g) => g.group.members.includes(def.name))?.group;
    const held: InitialTracking[] = group?.holds(def.name) ? [{ source: group.source, ok: false, weight: 0 }] : [];
    try {
      await this.router.add(def.config, { tracked: [...p.initial, ...held] });
    } catch (err) {
      this.#instances.delete(def.name);
      p.tracking.stop();
      throw err;
    }
    group?.attach(def.name);
    await run.tracking.start();
  }

  async #remove(name: string, why: 'stop' | 'deleted'): Promise<void> {
    const run = this.#instances.get(name);
    if (!run) return;
    run.tracking.stop();
    this.#instances.delete(name);
    const priority = this.router.instance(name)?.status().priority ?? run.def.config.priority;
    await this.router.remove(name);
    this.#notify.instance(name, run.def.notify, { kind: why, priority });
  }

  async #update(name: string, next: InstanceDefinition, c: InstanceChanges): Promise<void> {
    const run = this.#instances.get(name);
    const inst = this.router.instance(name);
    if (!run || !inst) {
      await this.#remove(name, 'stop');
      const tracking = new InstanceTracking(name, this.router, { probe: this.#deps.trackProbe, hub: this.#hub, policy: () => this.#policy }, this.#log);
      await this.#add(next, { tracking, initial: tracking.prepare(next.tracks) });
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

  /** A kept group keeps its members' state; only changed or restarted groups are rebuilt. */
  #applySyncGroups(steps: SyncGroupStep[], startsFaulted: (member: string) => boolean): void {
    for (const s of steps) {
      if (s.kind === 'keep') {
        const g = this.#groups.get(s.name);
        if (g) g.notify = s.notify;
        continue;
      }
      this.#groups.get(s.name)?.group.close();
      this.#groups.delete(s.name);
      if (s.kind === 'remove') continue;
      const group = new SyncGroup(this.router, s.name, s.members);
      const run: RunningGroup = { group, notify: s.notify };
      group.on('state', (c) => {
        const what = c.previous === c.state ? c.state.toUpperCase() : `${c.previous.toUpperCase()} -> ${c.state.toUpperCase()}`;
        this.#log.info({ group: c.group, state: c.state, previous: c.previous }, `vrrp_sync_group ${c.group}: ${what}`);
        this.#notify.group(c.group, run.notify, GROUP_NOTICE[c.state]);
      });
      this.#groups.set(s.name, run);
      // keepalived's first line for a group that starts with its members: BACKUP, before theirs;
      // one whose member starts in FAULT reports FAULT once that member is (after its line).
      const fresh = s.members.every((m) => !this.router.instance(m));
      if (s.kind === 'create' && (!fresh || !s.members.some(startsFaulted))) group.announce();
    }
  }

  #onState(s: StateChange): void {
    this.#transitions++;
    this.#event(s.instance, { kind: 'state', state: s.state, priority: s.priority });
    for (const fn of this.#listeners) fn(s);
  }

  #event(name: string, ev: NotifyEvent): void {
    const run = this.#instances.get(name);
    if (run) this.#notify.instance(name, run.def.notify, ev);
  }

  /** fifo_write_vrrp_states_on_reload: every instance's and group's state, as lines. */
  #writeStates(): void {
    for (const i of this.router.status()) {
      const notice = stateNotice(i.state);
      if (notice) this.#notify.line(instanceLine(i.name, notice, i.priority));
    }
    for (const [name, g] of this.#groups) this.#notify.line(groupLine(name, GROUP_NOTICE[g.group.state]));
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

  /** The sync groups and their states (vipd status). */
  syncGroups(): Array<{ name: string; state: string; members: readonly string[] }> {
    return [...this.#groups].map(([name, g]) => ({ name, state: g.group.state, members: g.group.members }));
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
    };
  }

  /**
   * SIGTERM: the FIFO scripts get SIGTERM first; every instance stops (priority 0 from a master,
   * VIPs removed) with its STOP notifications, then every group's STOP, as keepalived does.
   */
  async stop(): Promise<void> {
    const w = this.#startupWait;
    if (w) {
      w.clock.clearTimeout(w.handle);
      w.done(false);
    }
    this.#fifos.stopScripts();
    for (const g of this.#groups.values()) g.group.detach();
    await Promise.all([...this.#instances.keys()].map((n) => this.#remove(n, 'stop')));
    for (const [name, g] of this.#groups) this.#notify.group(name, g.notify, 'STOP');
    this.#groups.clear();
    await this.router.close();
    this.#hub.close();
    this.#fifos.close();
  }
}
