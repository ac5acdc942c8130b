// VirtualServerManager: keepalived's virtual_server blocks at run time. Health checkers feed the
// pure checker/quorum logic; the resulting desired table goes to the Reconciler. Real servers can
// be added and removed through the API without reload. With programOnlyWhileMaster, the table is
// programmed only while setActive(true) (tie it to a VRRP instance's MASTER state).
import { EventEmitter } from 'node:events';
import { destinationKey, type Destination } from './destination.js';
import { Reconciler, type ApplyResult, type ServiceState } from './reconciler.js';
import { serviceKey, type Service } from './service.js';
import { defaultCheckerSettings, onProbeResult, startChecker, type CheckerSettings, type CheckerState } from './checks/checker.js';
import { nextQuorumUp, programmedDestinations, aliveWeight, type RealServerHealth } from './checks/quorum.js';
import { attemptTimeoutMs, runProbe } from './checks/probes.js';
import { ProbeWindow, defaultProbeWindow, type ProbeSlot } from './checks/probe-window.js';
import { DeadlineHeap } from '../health/deadline-heap.js';
import type { CheckConfig, ProbeRunner } from './checks/types.js';
import { effectiveWeight } from './checks/weight.js';
import type { WeightEffect } from '../health/index.js';
import type { IpvsClient } from './client.js';
import type { ProbeResult } from './checks/types.js';

export interface RealServerConfig {
  destination: Destination;
  /** All must pass for the server to be up; none = always up. */
  checks?: CheckConfig[];
  /** Weight 0 instead of removal when down (overrides the virtual server's setting). */
  inhibitOnFailure?: boolean;
}

export interface VirtualServerConfig {
  service: Service;
  /**
   * Further services programmed with the same destinations (a virtual_server group's other
   * addresses): they share this one's checkers and quorum, and its key names them all.
   */
  extraServices?: readonly Service[];
  realServers: RealServerConfig[];
  /** delay_loop, default 60000 ms. */
  delayLoopMs?: number;
  /** Real servers start down until their first successful check. */
  alpha?: boolean;
  /** On stop/removal, report still-up servers as going down. */
  omega?: boolean;
  inhibitOnFailure?: boolean;
  /** Minimum alive weight, default 1. */
  quorum?: number;
  hysteresis?: number;
  sorryServer?: Destination;
  /** sorry_server_inhibit: the sorry server stays in the table at weight 0 while the quorum holds. */
  sorryServerInhibit?: boolean;
  /** ha_suspend: the checkers pause while the service address is not local (see setLocalAddresses). */
  haSuspend?: boolean;
}

/**
 * How a list of virtual servers differs from the one given last (by identity: the configs of the
 * last list that are not in the new one, and the new list's configs that were not in the last).
 */
export interface VirtualServerChanges {
  removed: readonly VirtualServerConfig[];
  added: readonly VirtualServerConfig[];
}

/** The manager's clock and timer (tests give a manual one); now() in ms, the timers' own clock. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

/** Node's timers, and performance.now for the clock. */
export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => performance.now(),
};

export interface VirtualServerManagerOptions {
  client: IpvsClient;
  reconciler?: Reconciler;
  /** Program IPVS only while active (setActive(true)), e.g. while the VRRP instance is MASTER. */
  programOnlyWhileMaster?: boolean;
  probe?: ProbeRunner;
  timers?: Timers;
  random?: () => number;
  /** keepalived rs_init_notifies: a real server that starts up reports realServerUp (initial) when added. */
  initialNotifies?: boolean;
  /**
   * Probes waiting on a first answer at once, at most (probe-window.ts); a check due beyond it
   * waits for one to end or to stall (unanswered for several times the usual answer time), and
   * its deadline starts when it runs. Default 256: tens of thousands of checkers due together (a
   * saturated event loop fires their timers at once) must not send bursts of connects that time out.
   */
  maxProbesInFlight?: number;
  /** Probes open at once, stalled ones included (each holds a socket or a child): the file descriptors they may use. Default 3584. */
  maxProbesOpen?: number;
}

export interface VirtualServerManagerEvents {
  /** initial: not a change but the state a real server starts in (initialNotifies, or alpha's first failure). */
  realServerUp: [{ service: string; destination: string; reason?: string; initial?: true }];
  realServerDown: [{ service: string; destination: string; reason?: string; initial?: true }];
  /** A failed attempt that changed no state (a retry, or still down), for checkers with logAllFailures. */
  checkFailed: [{ service: string; destination: string; check: CheckConfig['type']; reason?: string; up: boolean; retry?: { n: number; of: number } }];
  quorumUp: [{ service: string }];
  quorumDown: [{ service: string }];
  applied: [ApplyResult];
  error: [Error];
}

interface CheckerRun {
  check: CheckConfig;
  settings: CheckerSettings;
  state: CheckerState;
  /** When its next check is due, while in the due queue (timers' clock). */
  deadline: number;
  /** Its place in the due queue, -1 when not queued; heapSeq orders those due at the same time. */
  heapIndex: number;
  heapSeq: number;
  running: boolean;
  /** ha_suspend: not armed while the virtual server's address is not local. */
  suspended: boolean;
  /** A dynamic checker's say on the weight (misc_dynamic, FILE_CHECK), from its last result. */
  weight?: WeightEffect;
  /** Its due callback, made at its first arm. */
  run?: { due: () => void };
}

interface RealServerRun {
  config: RealServerConfig;
  checkers: CheckerRun[];
  up: boolean;
  /** Started down (alpha) and no checker has confirmed it yet: its first failure reports it down, as keepalived's does. */
  unconfirmed: boolean;
}

interface VirtualServerRun {
  config: VirtualServerConfig;
  servers: Map<string, RealServerRun>;
  quorumUp: boolean;
  /** What desired() gave for it, until something that feeds it changes (#updateQuorum runs on every such path). */
  desired?: ServiceState[];
}

export class VirtualServerManager extends EventEmitter<VirtualServerManagerEvents> {
  readonly #reconciler: Reconciler;
  readonly #probe: ProbeRunner;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #vs = new Map<string, VirtualServerRun>();
  #active: boolean;
  #stopped = false;
  #applying: Promise<void> | undefined;
  /** An apply is wanted; what it covers: every service, or the keys whose desired state may have changed. */
  #pending = false;
  #dirtyAll = true;
  #dirtyKeys = new Set<string>();
  /** Every service key (primary and extra) -> the virtual server that programs it. */
  #keyOwner = new Map<string, VirtualServerRun>();
  /** Some service key is programmed by two virtual servers: only the full walk decides which wins. */
  #ambiguous = false;
  /** Checkers of servers added since the last apply began: they start once the table has them (keepalived programs first, then checks). */
  #pendingArms: Array<() => void> = [];
  readonly #window: ProbeWindow;
  readonly #now: () => number;
  /**
   * Every armed checker by when it is due, under one timer. A Node Timeout per checker, living
   * through its delay_loop, is promoted to the old generation (in UML scavenges of 15-360 ms at
   * 30,000 checkers); a checker here is its own entry, queued again without a new object.
   */
  readonly #due = new DeadlineHeap<CheckerRun>({ indexed: true });
  #dueTimer: unknown;
  #dueTimerAt = Infinity;
  /** Due checks waiting for room in the window, in order, from #waitingHead on. */
  #waiting: Array<() => void> = [];
  #waitingHead = 0;
  /** Set while checks wait for a fresh probe to stall. */
  #drainTimer: unknown;
  #drainAt = Infinity;
  /** The host's addresses, for ha_suspend; undefined = never told, nothing is suspended. */
  #local: ReadonlySet<string> | undefined;
  /** See VirtualServerManagerOptions.initialNotifies; applies to real servers added from now on. */
  initialNotifies: boolean;

  constructor(opts: VirtualServerManagerOptions) {
    super();
    this.#reconciler = opts.reconciler ?? new Reconciler(opts.client);
    this.#probe = opts.probe ?? runProbe;
    const timers = (this.#timers = opts.timers ?? realTimers);
    this.#random = opts.random ?? Math.random;
    this.#active = !opts.programOnlyWhileMaster;
    this.initialNotifies = opts.initialNotifies ?? false;
    this.#window = new ProbeWindow({
      maxFresh: opts.maxProbesInFlight ?? defaultProbeWindow.maxFresh,
      maxOpen: opts.maxProbesOpen ?? defaultProbeWindow.maxOpen,
    });
    this.#now = () => timers.now();
  }

  /** The probe window's bounds, as maxProbesInFlight / maxProbesOpen (a reload raised the open-file limit). */
  setProbeSlots(slots: { maxProbesInFlight: number; maxProbesOpen: number }): void {
    this.#window.resize(slots.maxProbesInFlight, slots.maxProbesOpen);
    this.#drain();
  }

  get active(): boolean {
    return this.#active;
  }

  /**
   * setVirtualServers(all()) for a list that differs from the last one given by `changes`: only
   * those virtual servers are looked at and only their services planned, O(changed). Changes that
   * do not fit what the manager holds (or a service key two virtual servers program) take the
   * whole list instead.
   */
  changeVirtualServers(changes: VirtualServerChanges, all: () => VirtualServerConfig[]): Promise<void> {
    return this.#applyChanges(changes) ? this.#scheduleApply() : this.setVirtualServers(all());
  }

  /** Replaces the whole configuration; unchanged real servers keep their health state. */
  setVirtualServers(configs: VirtualServerConfig[]): Promise<void> {
    const keep = new Set<string>();
    let duplicate = false;
    for (const c of configs) {
      const key = serviceKey(c.service);
      if (keep.has(key)) duplicate = true;
      keep.add(key);
      const run = this.#vs.get(key);
      if (run && run.config === c) continue; // a reload that did not touch this one (the mapping reuses it)
      this.#upsertRun(key, c, run);
    }
    for (const [key, run] of this.#vs) if (!keep.has(key)) this.#removeRun(key, run);
    // Which virtual server programs each service key, afresh.
    this.#keyOwner.clear();
    this.#ambiguous = duplicate;
    for (const run of this.#vs.values()) {
      for (const k of keysOf(run.config)) {
        if (this.#keyOwner.has(k)) this.#ambiguous = true;
        else this.#keyOwner.set(k, run);
      }
    }
    return this.#scheduleApply();
  }

  /** The change path of setVirtualServers; false (nothing done) when the changes do not fit. */
  #applyChanges(changes: VirtualServerChanges): boolean {
    if (this.#ambiguous) return false;
    const removed = new Set(changes.removed);
    for (const c of changes.removed) if (this.#vs.get(serviceKey(c.service))?.config !== c) return false;
    // A key of an added one may only be held by a virtual server that goes (else the full walk decides).
    const addedKeys = new Set<string>();
    const addedPrimary = new Set<string>();
    for (const c of changes.added) {
      addedPrimary.add(serviceKey(c.service));
      for (const k of keysOf(c)) {
        const owner = this.#keyOwner.get(k);
        if (addedKeys.has(k) || (owner && !removed.has(owner.config))) return false;
        addedKeys.add(k);
      }
    }
    for (const c of changes.removed) {
      const key = serviceKey(c.service);
      if (!addedPrimary.has(key)) this.#removeRun(key, this.#vs.get(key)!);
    }
    for (const c of changes.added) {
      const key = serviceKey(c.service);
      this.#upsertRun(key, c, this.#vs.get(key));
    }
    return true;
  }

  /** A virtual server added, or its configuration replaced (its unchanged real servers keep their state). */
  #upsertRun(key: string, c: VirtualServerConfig, existing: VirtualServerRun | undefined): void {
    let run = existing;
    if (!run) {
      run = { config: c, servers: new Map(), quorumUp: false };
      this.#vs.set(key, run);
    } else this.#forgetKeys(run);
    run.config = c;
    for (const k of keysOf(c)) this.#keyOwner.set(k, run);
    const want = new Map(c.realServers.map((rs) => [destinationKey(rs.destination), rs]));
    for (const [dk, rs] of run.servers) {
      if (!want.has(dk)) this.#stopServer(key, dk, rs, c.omega ?? false);
    }
    for (const [dk, rsc] of want) this.#upsertServer(run, dk, rsc);
    run.servers.forEach((_, dk) => { if (!want.has(dk)) run.servers.delete(dk); });
    // A new virtual server starts without quorum and gains it from its initial real servers
    // (keepalived runs quorum_up at start; with alpha and checked servers it starts without).
    this.#updateQuorum(key, run);
    this.#suspendOrResume(run);
  }

  #removeRun(key: string, run: VirtualServerRun): void {
    for (const [dk, rs] of run.servers) this.#stopServer(key, dk, rs, run.config.omega ?? false);
    this.#forgetKeys(run);
    this.#vs.delete(key);
  }

  /** The run's service keys leave the table's index (and are planned in the next apply). */
  #forgetKeys(run: VirtualServerRun): void {
    for (const k of keysOf(run.config)) {
      this.#dirtyKeys.add(k);
      if (this.#keyOwner.get(k) === run) this.#keyOwner.delete(k);
    }
  }

  /** What feeds the run's desired state changed: recomputed, and planned in the next apply. */
  #invalidate(run: VirtualServerRun): void {
    delete run.desired;
    for (const k of keysOf(run.config)) this.#dirtyKeys.add(k);
  }

  /** Adds (or replaces) one real server of a configured virtual server, at run time. */
  addRealServer(service: string, rs: RealServerConfig): Promise<void> {
    const run = this.#mustGet(service);
    const dk = destinationKey(rs.destination);
    // Same services: the key index stays.
    run.config = { ...run.config, realServers: [...run.config.realServers.filter((r) => destinationKey(r.destination) !== dk), rs] };
    this.#upsertServer(run, dk, rs);
    this.#updateQuorum(service, run);
    return this.#scheduleApply();
  }

  /** Removes one real server (by destinationKey, "10.0.0.11:80"), at run time. */
  removeRealServer(service: string, destination: string): Promise<void> {
    const run = this.#mustGet(service);
    const rs = run.servers.get(destination);
    if (rs) this.#stopServer(service, destination, rs, run.config.omega ?? false);
    run.servers.delete(destination);
    run.config = { ...run.config, realServers: run.config.realServers.filter((r) => destinationKey(r.destination) !== destination) };
    this.#updateQuorum(service, run);
    return this.#scheduleApply();
  }

  /** Active: program the table; inactive: remove every service this manager owns. */
  setActive(active: boolean): Promise<void> {
    this.#active = active;
    this.#dirtyAll = true;
    return this.#scheduleApply();
  }

  /**
   * The host's local addresses (ha_suspend): the checkers of a virtual server with haSuspend run
   * only while its address is one of them; while suspended, its real servers keep their state.
   */
  setLocalAddresses(addresses: ReadonlySet<string>): void {
    this.#local = addresses;
    for (const run of this.#vs.values()) this.#suspendOrResume(run);
  }

  /** The table the kernel should have now (whatever `active` says). Pure view of the state. */
  desired(): ServiceState[] {
    const out: ServiceState[] = [];
    for (const run of this.#vs.values()) for (const s of this.#runDesired(run)) out.push(s);
    return out;
  }

  /**
   * The desired state of the services in `keys` (those no virtual server programs are left out).
   * Per owning virtual server, not per key: a group's run holds one entry per address, so looking
   * each key up in its run's list would be quadratic in the group's size.
   */
  #desiredOf(keys: ReadonlySet<string>): ServiceState[] {
    const runs = new Set<VirtualServerRun>();
    for (const k of keys) {
      const run = this.#keyOwner.get(k);
      if (run) runs.add(run);
    }
    const out: ServiceState[] = [];
    for (const run of runs) {
      for (const s of this.#runDesired(run)) {
        const k = serviceKey(s.service);
        if (keys.has(k) && this.#keyOwner.get(k) === run) out.push(s);
      }
    }
    return out;
  }

  #runDesired(run: VirtualServerRun): ServiceState[] {
    // The same objects while nothing changed: the reconciler then skips the service at once.
    if (run.desired) return run.desired;
    const health: RealServerHealth[] = [...run.servers.values()].map((rs) => ({
      destination: this.#weighted(rs),
      up: rs.up,
      inhibitOnFailure: rs.config.inhibitOnFailure ?? run.config.inhibitOnFailure ?? false,
    }));
    const destinations = programmedDestinations(health, run.quorumUp, run.config.sorryServer);
    // sorry_server_inhibit: the sorry server waits in the table at weight 0.
    if (run.quorumUp && run.config.sorryServer && run.config.sorryServerInhibit) destinations.push({ ...run.config.sorryServer, weight: 0 });
    run.desired = [{ service: run.config.service, destinations }, ...(run.config.extraServices ?? []).map((service) => ({ service, destinations }))];
    return run.desired;
  }

  /** Health of every real server: service key -> destination key -> up. */
  health(): Map<string, Map<string, boolean>> {
    return new Map([...this.#vs].map(([k, run]) => [k, new Map([...run.servers].map(([dk, rs]) => [dk, rs.up]))]));
  }

  /** Waits for pending table changes. */
  async settled(): Promise<void> {
    while (this.#applying) await this.#applying;
  }

  /** Stops the checkers; with release (default), removes the owned services from the kernel. */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    if (this.#drainTimer !== undefined) this.#timers.clearTimeout(this.#drainTimer);
    this.#drainTimer = undefined;
    if (this.#dueTimer !== undefined) this.#timers.clearTimeout(this.#dueTimer);
    this.#dueTimer = undefined;
    this.#due.clear();
    for (const [key, run] of this.#vs) {
      for (const [dk, rs] of run.servers) this.#stopServer(key, dk, rs, run.config.omega ?? false);
      // omega: the quorum goes down with the daemon (quorum_down runs), as keepalived does.
      if (run.config.omega && run.quorumUp) {
        run.quorumUp = false;
        this.emit('quorumDown', { service: key });
      }
    }
    await this.settled();
    if (opts.release ?? true) this.emit('applied', await this.#reconciler.removeAll());
  }

  #mustGet(service: string): VirtualServerRun {
    const run = this.#vs.get(service);
    if (!run) throw new TypeError(`no virtual server ${service}`);
    return run;
  }

  #upsertServer(run: VirtualServerRun, dk: string, rsc: RealServerConfig): void {
    const existing = run.servers.get(dk);
    const checks = rsc.checks ?? [];
    if (existing && JSON.stringify(existing.config.checks ?? []) === JSON.stringify(checks)) {
      existing.config = rsc;
      return;
    }
    if (existing) existing.checkers.forEach((c) => {
      c.running = false;
      this.#due.remove(c);
    });
    const alpha = run.config.alpha ?? false;
    // Up unless a checker starts down (alpha: the checker's own, else the virtual server's).
    const up = checks.every((c) => !(c.alpha ?? alpha));
    const rs: RealServerRun = { config: rsc, checkers: [], up, unconfirmed: !up };
    for (const check of checks) {
      const settings: CheckerSettings = {
        ...defaultCheckerSettings,
        alpha: check.alpha ?? alpha,
        delayLoopMs: check.delayLoopMs ?? run.config.delayLoopMs ?? defaultCheckerSettings.delayLoopMs,
        ...(check.retry !== undefined ? { retry: check.retry } : {}),
        ...(check.delayBeforeRetryMs !== undefined ? { delayBeforeRetryMs: check.delayBeforeRetryMs } : {}),
        ...(check.warmupMs !== undefined ? { warmupMs: check.warmupMs } : {}),
      };
      const start = startChecker(settings, this.#random);
      const c: CheckerRun = { check, settings, state: start.state, deadline: 0, heapIndex: -1, heapSeq: 0, running: true, suspended: this.#suspended(run) };
      rs.checkers.push(c);
      const key = serviceKey(run.config.service);
      if (!c.suspended) this.#pendingArms.push(() => this.#arm(key, dk, rs, c, start.firstDelayMs));
    }
    run.servers.set(dk, rs);
    if (up && !existing && this.initialNotifies) this.emit('realServerUp', { service: serviceKey(run.config.service), destination: dk, initial: true });
  }

  /** ha_suspend: whether this virtual server's checkers wait for its address to become local. */
  #suspended(run: VirtualServerRun): boolean {
    const address = run.config.service.address;
    return !!run.config.haSuspend && address !== undefined && this.#local !== undefined && !this.#local.has(address);
  }

  #suspendOrResume(run: VirtualServerRun): void {
    const suspend = this.#suspended(run);
    const key = serviceKey(run.config.service);
    for (const [dk, rs] of run.servers) {
      for (const c of rs.checkers) {
        if (c.suspended === suspend || !c.running) continue;
        c.suspended = suspend;
        if (suspend) this.#due.remove(c);
        else this.#arm(key, dk, rs, c, 0); // as keepalived: a check at once when the address appears
      }
    }
  }

  #arm(service: string, dk: string, rs: RealServerRun, c: CheckerRun, delayMs: number): void {
    if (!c.running || c.suspended || this.#stopped) return;
    // The handlers are made once per checker: 30,000 checkers at delay_loop 6 arm 5,000 times a
    // second, and what lives through a delay_loop is promoted to the old generation.
    c.run ??= this.#checkerRun(service, dk, rs, c);
    this.#due.schedule(c, this.#now() + delayMs);
    this.#armDueTimer();
  }

  /** The one timer wakes for the earliest due checker (a timer already set earlier stays). */
  #armDueTimer(): void {
    const top = this.#due.peek();
    if (!top || top.deadline >= this.#dueTimerAt || this.#stopped) return;
    if (this.#dueTimer !== undefined) this.#timers.clearTimeout(this.#dueTimer);
    this.#dueTimerAt = top.deadline;
    this.#dueTimer = this.#timers.setTimeout(this.#onDueTimer, Math.max(0, Math.ceil(top.deadline - this.#now())));
  }

  /** Runs every checker that is due (taken out first: its result queues it again). */
  readonly #onDueTimer = (): void => {
    this.#dueTimer = undefined;
    this.#dueTimerAt = Infinity;
    const now = this.#now();
    for (let c = this.#due.peek(); c && c.deadline <= now && !this.#stopped; c = this.#due.peek()) {
      this.#due.pop();
      c.run!.due();
    }
    this.#armDueTimer();
  };

  #checkerRun(service: string, dk: string, rs: RealServerRun, c: CheckerRun): NonNullable<CheckerRun['run']> {
    const live = () => c.running && !c.suspended && !this.#stopped;
    const timeoutMs = attemptTimeoutMs(c.check);
    let slot: ProbeSlot | undefined;
    const onResult = (r: ProbeResult) => {
      if (slot) {
        const now = this.#now();
        this.#window.end(slot, now, now - slot.startedAt < timeoutMs);
        slot = undefined;
        this.#drain();
      }
      try {
        this.#onResult(service, dk, rs, c, r);
      } catch (err) {
        this.emit('error', err as Error);
      }
    };
    const onError = (err: Error) => onResult({ ok: false, reason: err.message });
    const start = () => {
      // One attempt at a time (a resume re-arms a checker whose attempt is still out).
      if (!live() || slot) return;
      slot = this.#window.start(this.#now());
      const d = rs.config.destination;
      let p: Promise<ProbeResult>;
      try {
        p = this.#probe(c.check, { address: d.address, port: d.port, weight: d.weight }, { up: c.state.up, step: c.state.step });
      } catch (err) {
        p = Promise.reject(err as Error);
      }
      p.then(onResult, onError);
    };
    // Due: probes when the window has room (at once, nearly always), else waits its turn.
    const due = () => {
      if (!live()) return;
      if (this.#waitingHead === this.#waiting.length && this.#window.canStart(this.#now())) return start();
      this.#waiting.push(start);
      this.#drain();
    };
    return { due };
  }

  #onResult(service: string, dk: string, rs: RealServerRun, c: CheckerRun, r: ProbeResult): void {
    if (!c.running || c.suspended || this.#stopped) return;
    const step = onProbeResult(c.settings, c.state, r.ok, r.pending);
    c.state = step.state;
    if (!r.ok && !step.transition && rs.unconfirmed && !step.state.up) {
      rs.unconfirmed = false;
      this.emit('realServerDown', { service, destination: dk, ...(r.reason ? { reason: r.reason } : {}), initial: true });
    } else if (!r.ok && !step.transition && c.check.logAllFailures) {
      this.emit('checkFailed', {
        service, destination: dk, check: c.check.type, ...(r.reason ? { reason: r.reason } : {}), up: step.state.up,
        ...(step.state.up ? { retry: { n: step.state.retries, of: c.settings.retry } } : {}),
      });
    }
    // A passing dynamic checker sets the weight; a failing one leaves it (its server is down).
    if (r.ok && (r.weight !== undefined || c.weight !== undefined) && JSON.stringify(r.weight) !== JSON.stringify(c.weight)) {
      c.weight = r.weight;
      const run = this.#vs.get(service);
      if (run) this.#invalidate(run);
      if (!step.transition && rs.up) this.#reweighted(service);
    }
    if (step.transition) this.#recompute(service, dk, rs, r.reason);
    this.#arm(service, dk, rs, c, step.nextDelayMs);
  }

  /** Starts waiting checks while the window has room; else waits for a fresh probe to stall (or one to end). */
  #drain(): void {
    const q = this.#waiting;
    const now = this.#now();
    // A waiter whose checker stopped takes no room: the next one does.
    while (this.#waitingHead < q.length && this.#window.canStart(now)) {
      const next = q[this.#waitingHead]!;
      q[this.#waitingHead++] = undefined as unknown as () => void;
      next();
    }
    if (this.#waitingHead === q.length) {
      q.length = 0;
      this.#waitingHead = 0;
      return;
    }
    if (this.#waitingHead > 1024 && this.#waitingHead * 2 > q.length) {
      q.splice(0, this.#waitingHead);
      this.#waitingHead = 0;
    }
    const at = this.#window.nextChange(now);
    if (at === undefined || at >= this.#drainAt || this.#stopped) return;
    if (this.#drainTimer !== undefined) this.#timers.clearTimeout(this.#drainTimer);
    this.#drainAt = at;
    this.#drainTimer = this.#timers.setTimeout(() => {
      this.#drainTimer = undefined;
      this.#drainAt = Infinity;
      this.#drain();
    }, Math.max(1, Math.ceil(at - now)));
  }

  #recompute(service: string, dk: string, rs: RealServerRun, reason?: string): void {
    const up = rs.checkers.every((c) => c.state.up);
    if (up === rs.up) return;
    rs.up = up;
    rs.unconfirmed = false;
    this.emit(up ? 'realServerUp' : 'realServerDown', { service, destination: dk, ...(reason && !up ? { reason } : {}) });
    const run = this.#vs.get(service);
    if (run) this.#updateQuorum(service, run);
    void this.#scheduleApply();
  }

  /** The destination with the weight its dynamic checkers give it. */
  #weighted(rs: RealServerRun): RealServerConfig['destination'] {
    const d = rs.config.destination;
    if (!rs.checkers.some((c) => c.weight)) return d;
    return { ...d, weight: effectiveWeight(d.weight, rs.checkers.map((c) => c.weight)) };
  }

  /** An up server's weight changed: the quorum and the table follow. */
  #reweighted(service: string): void {
    const run = this.#vs.get(service);
    if (run) this.#updateQuorum(service, run);
    void this.#scheduleApply();
  }

  #updateQuorum(service: string, run: VirtualServerRun): void {
    this.#invalidate(run);
    const health = [...run.servers.values()].map((rs) => ({ destination: this.#weighted(rs), up: rs.up, inhibitOnFailure: false }));
    const up = nextQuorumUp(run.quorumUp, aliveWeight(health), run.config.quorum ?? 1, run.config.hysteresis ?? 0);
    if (up !== run.quorumUp) {
      run.quorumUp = up;
      this.emit(up ? 'quorumUp' : 'quorumDown', { service });
    }
  }

  #stopServer(service: string, dk: string, rs: RealServerRun, omega: boolean): void {
    for (const c of rs.checkers) {
      c.running = false;
      this.#due.remove(c);
    }
    if (omega && rs.up) this.emit('realServerDown', { service, destination: dk, reason: 'removed' });
  }

  /**
   * Coalesces changes: one reconcile at a time, and one more if anything changed meanwhile. Each
   * plans only the services marked since the last one, unless the whole table is in question
   * (first apply, active switched, a key programmed twice, the reconciler's model dropped).
   */
  #scheduleApply(): Promise<void> {
    this.#pending = true;
    if (!this.#applying) {
      this.#applying = (async () => {
        // The results handled in this turn of the event loop (a round of checks) go in one apply.
        await new Promise((r) => setImmediate(r));
        while (this.#pending) {
          this.#pending = false;
          const all = this.#dirtyAll || this.#ambiguous || !this.#reconciler.trusting;
          const keys = this.#dirtyKeys;
          this.#dirtyAll = false;
          this.#dirtyKeys = new Set();
          const arms = this.#pendingArms;
          this.#pendingArms = [];
          try {
            const result = all
              ? await this.#reconciler.apply(this.#active ? this.desired() : [])
              : await this.#reconciler.applyChanged(this.#active ? this.#desiredOf(keys) : [], keys);
            this.emit('applied', result);
          } catch (err) {
            if (this.listenerCount('error') > 0) this.emit('error', err as Error);
          } finally {
            for (const arm of arms) arm();
          }
        }
        this.#applying = undefined;
      })();
    }
    return this.#applying;
  }
}

/** The services a virtual server programs: its own and its group's other addresses. */
function keysOf(c: VirtualServerConfig): string[] {
  const key = serviceKey(c.service);
  return c.extraServices?.length ? [key, ...c.extraServices.map(serviceKey)] : [key];
}
