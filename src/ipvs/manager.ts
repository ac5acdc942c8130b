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
import { runProbe } from './checks/probes.js';
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

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

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
  timer: unknown;
  running: boolean;
  /** ha_suspend: not armed while the virtual server's address is not local. */
  suspended: boolean;
  /** A dynamic checker's say on the weight (misc_dynamic, FILE_CHECK), from its last result. */
  weight?: WeightEffect;
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
  #dirty = false;
  /** The host's addresses, for ha_suspend; undefined = never told, nothing is suspended. */
  #local: ReadonlySet<string> | undefined;
  /** See VirtualServerManagerOptions.initialNotifies; applies to real servers added from now on. */
  initialNotifies: boolean;

  constructor(opts: VirtualServerManagerOptions) {
    super();
    this.#reconciler = opts.reconciler ?? new Reconciler(opts.client);
    this.#probe = opts.probe ?? runProbe;
    this.#timers = opts.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    this.#random = opts.random ?? Math.random;
    this.#active = !opts.programOnlyWhileMaster;
    this.initialNotifies = opts.initialNotifies ?? false;
  }

  get active(): boolean {
    return this.#active;
  }

  /** Replaces the whole configuration; unchanged real servers keep their health state. */
  setVirtualServers(configs: VirtualServerConfig[]): Promise<void> {
    const keep = new Set<string>();
    for (const c of configs) {
      const key = serviceKey(c.service);
      keep.add(key);
      let run = this.#vs.get(key);
      if (run && run.config === c) continue; // a reload that did not touch this one (the mapping reuses it)
      if (!run) {
        run = { config: c, servers: new Map(), quorumUp: false };
        this.#vs.set(key, run);
      }
      run.config = c;
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
    for (const [key, run] of this.#vs) {
      if (keep.has(key)) continue;
      for (const [dk, rs] of run.servers) this.#stopServer(key, dk, rs, run.config.omega ?? false);
      this.#vs.delete(key);
    }
    return this.#scheduleApply();
  }

  /** Adds (or replaces) one real server of a configured virtual server, at run time. */
  addRealServer(service: string, rs: RealServerConfig): Promise<void> {
    const run = this.#mustGet(service);
    const dk = destinationKey(rs.destination);
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
    for (const run of this.#vs.values()) {
      // The same objects while nothing changed: the reconciler then skips the service at once.
      if (run.desired) {
        for (const s of run.desired) out.push(s);
        continue;
      }
      const health: RealServerHealth[] = [...run.servers.values()].map((rs) => ({
        destination: this.#weighted(rs),
        up: rs.up,
        inhibitOnFailure: rs.config.inhibitOnFailure ?? run.config.inhibitOnFailure ?? false,
      }));
      const destinations = programmedDestinations(health, run.quorumUp, run.config.sorryServer);
      // sorry_server_inhibit: the sorry server waits in the table at weight 0.
      if (run.quorumUp && run.config.sorryServer && run.config.sorryServerInhibit) destinations.push({ ...run.config.sorryServer, weight: 0 });
      run.desired = [{ service: run.config.service, destinations }, ...(run.config.extraServices ?? []).map((service) => ({ service, destinations }))];
      for (const s of run.desired) out.push(s);
    }
    return out;
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
    if (existing) existing.checkers.forEach((c) => this.#timers.clearTimeout(c.timer));
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
      const c: CheckerRun = { check, settings, state: start.state, timer: undefined, running: true, suspended: this.#suspended(run) };
      rs.checkers.push(c);
      if (!c.suspended) this.#arm(serviceKey(run.config.service), dk, rs, c, start.firstDelayMs);
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
        if (suspend) this.#timers.clearTimeout(c.timer);
        else this.#arm(key, dk, rs, c, 0); // as keepalived: a check at once when the address appears
      }
    }
  }

  #arm(service: string, dk: string, rs: RealServerRun, c: CheckerRun, delayMs: number): void {
    if (!c.running || c.suspended || this.#stopped) return;
    c.timer = this.#timers.setTimeout(() => {
      const d = rs.config.destination;
      this.#probe(c.check, { address: d.address, port: d.port, weight: d.weight }, { up: c.state.up, step: c.state.step })
        .catch((err: Error) => ({ ok: false, reason: err.message }) as ProbeResult)
        .then((r) => {
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
          if (r.ok && JSON.stringify(r.weight) !== JSON.stringify(c.weight)) {
            c.weight = r.weight;
            const run = this.#vs.get(service);
            if (run) delete run.desired;
            if (!step.transition && rs.up) this.#reweighted(service);
          }
          if (step.transition) this.#recompute(service, dk, rs, r.reason);
          this.#arm(service, dk, rs, c, step.nextDelayMs);
        })
        .catch((err: Error) => this.emit('error', err));
    }, delayMs);
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
    delete run.desired;
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
      this.#timers.clearTimeout(c.timer);
    }
    if (omega && rs.up) this.emit('realServerDown', { service, destination: dk, reason: 'removed' });
  }

  /** Coalesces changes: one reconcile at a time, and one more if anything changed meanwhile. */
  #scheduleApply(): Promise<void> {
    this.#dirty = true;
    if (!this.#applying) {
      this.#applying = (async () => {
        while (this.#dirty) {
          this.#dirty = false;
          try {
            const result = await this.#reconciler.apply(this.#active ? this.desired() : []);
            this.emit('applied', result);
          } catch (err) {
            if (this.listenerCount('error') > 0) this.emit('error', err as Error);
          }
        }
        this.#applying = undefined;
      })();
    }
    return this.#applying;
  }
}
