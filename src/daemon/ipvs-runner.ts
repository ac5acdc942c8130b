// The IPVS side of the daemon: one VirtualServerManager over one IpvsClient, fed the virtual servers
// of a ReloadPlan, plus the global IPVS settings (lvs_timeouts, the lvs_sync_daemon connection sync
// daemon), quorum_up/quorum_down scripts, ha_suspend's local addresses and a background audit that
// repairs what others change in the table. With the model's virtualServersOnMasterOnly (k0s
// #5178), the table is programmed only while an instance holding a virtual server's VIP is MASTER.
// As in keepalived, the sync daemon belongs to VRRP (it runs with --vrrp, not with --check) and the
// virtual servers and timeouts to the checkers.
import type { Logger } from 'pino';
import {
  Reconciler, VirtualServerManager, realTimers, serviceKey, type IpvsClient, type IpvsTimeouts, type ServiceState, type Timers,
} from '../ipvs/index.js';
import { syncDaemonSteps, wantedSyncDaemons, type SyncDaemonSettings } from '../ipvs/sync-daemon-plan.js';
import type { SyncDaemon } from '../ipvs/sync-daemon.js';
import { sameTimeouts, timeoutsToSet } from '../ipvs/timeouts.js';
import type { LvsSyncDaemonSpec, ScriptCommand } from '../config/types.js';
import type { DaemonDeps } from './deps.js';
import type { LocalAddressWatch } from './local-addresses.js';
import type { VirtualServerPlan } from './reload-plan.js';
import type { MappedVirtualServer } from './config-mapping.js';
import { RealServerNotifier } from './real-server-notify.js';
import type { ReloadTiming } from './reload-timing.js';
import { realServerLine, virtualServerLine } from '../vrrp/notify-lines.js';
import { nativeOpenFiles, openFileLimit, raiseOpenFileLimit } from '../os/open-files.js';
import { openFileShortfall, openFilesNeeded, probeSlots } from './open-file-budget.js';

/** Health checkers of these virtual servers (each holds an open file while it probes). */
function checkersOf(mapped: readonly MappedVirtualServer[]): number {
  let n = 0;
  for (const m of mapped) for (const rs of m.config.realServers) n += rs.checks?.length ?? 0;
  return n;
}

/** Whether this node programs IPVS now. */
export function ipvsActive(plan: Pick<VirtualServerPlan, 'onMasterOnly' | 'owners'>, isMaster: (instance: string) => boolean): boolean {
  return !plan.onMasterOnly || [...plan.owners.values()].some(isMaster);
}

export interface IpvsView {
  active: boolean;
  desired: ServiceState[];
  health: Map<string, Map<string, boolean>>;
  /** Owned services found changed by someone else and put back, since start. */
  driftRepaired: number;
  /** Sync daemons this node runs (as started by it). */
  syncDaemons: SyncDaemon[];
}

export interface IpvsRoles {
  /** virtual_server blocks, lvs_timeouts, lvs_flush* (keepalived's checker process; off with --vrrp). */
  virtualServers: boolean;
  /** lvs_sync_daemon (keepalived's VRRP process; off with --check). */
  syncDaemon: boolean;
}

export interface AuditSettings {
  /** Between two audit steps, default 1000 ms. */
  stepMs: number;
  /** Services whose destinations one step reads, default 32. */
  servicesPerStep: number;
  /** After a whole pass over the owned services, default 30 000 ms. */
  passGapMs: number;
}

const DEFAULT_AUDIT: AuditSettings = { stepMs: 1000, servicesPerStep: 32, passGapMs: 30_000 };

type Deps = Pick<DaemonDeps, 'openIpvs' | 'ipvsProbe' | 'ipvsTimers' | 'runNotify' | 'watchLocalAddresses' | 'openFiles'>;

function syncSettings(s: LvsSyncDaemonSpec): SyncDaemonSettings {
  return {
    interface: s.interface, syncId: s.syncId,
    ...(s.maxLen !== undefined ? { maxLen: s.maxLen } : {}), ...(s.port !== undefined ? { port: s.port } : {}),
    ...(s.ttl !== undefined ? { ttl: s.ttl } : {}), ...(s.group !== undefined ? { group: s.group } : {}),
  };
}

export class IpvsRunner {
  #deps: Deps;
  #notifier: RealServerNotifier | undefined;
  #log: Logger;
  #logDetail: boolean;
  #isMaster: (instance: string) => boolean;
  #roles: IpvsRoles;
  #audit: AuditSettings;
  #timers: Timers;
  #onLine: ((line: string) => void) | undefined;
  #client: IpvsClient | undefined;
  #clientFailed = false;
  #reconciler: Reconciler | undefined;
  #manager: VirtualServerManager | undefined;
  #plan: VirtualServerPlan | undefined;
  /** quorum_up / quorum_down per service key. */
  #quorumScripts = new Map<string, { up?: ScriptCommand; down?: ScriptCommand }>();
  #localWatch: LocalAddressWatch | undefined;
  #auditTimer: unknown;
  #driftRepaired = 0;
  /** lvs_timeouts: the values found at start, and the last ones set. */
  #timeoutsAtStart: IpvsTimeouts | undefined;
  #timeoutsSet: IpvsTimeouts | undefined;
  /** Sync daemons as this runner knows them to run (read once, then what it started). */
  #syncRunning: SyncDaemon[] | undefined;
  #syncQueue: Promise<void> = Promise.resolve();
  #syncStopped = false;
  #stopped = false;

  /** `onLine`: lvs_notify_fifo / notify_fifo lines (VS / RS up and down). */
  constructor(deps: Deps, log: Logger, opts: { logDetail: boolean; isMaster: (instance: string) => boolean; roles?: IpvsRoles; audit?: Partial<AuditSettings>; onLine?: (line: string) => void }) {
    this.#deps = deps;
    this.#log = log;
    if (deps.runNotify) this.#notifier = new RealServerNotifier(deps.runNotify, log);
    this.#logDetail = opts.logDetail;
    this.#isMaster = opts.isMaster;
    this.#roles = opts.roles ?? { virtualServers: true, syncDaemon: true };
    this.#audit = { ...DEFAULT_AUDIT, ...opts.audit };
    this.#timers = deps.ipvsTimers ?? realTimers;
    this.#onLine = opts.onLine;
  }

  /** The reload being timed, while its apply runs. */
  #timing: ReloadTiming | undefined;

  async apply(plan: VirtualServerPlan, timing?: ReloadTiming): Promise<void> {
    this.#timing = timing;
    try {
      await this.#applyPlan(plan);
    } finally {
      this.#timing = undefined;
    }
  }

  async #applyPlan(plan: VirtualServerPlan): Promise<void> {
    const vs = this.#roles.virtualServers;
    const needed = (vs && (!!this.#manager || plan.mapped.length > 0 || !!plan.timeouts || !!this.#timeoutsSet))
      || (this.#roles.syncDaemon && (!!plan.syncDaemon || !!this.#syncRunning?.length));
    if (!needed) return;
    this.#plan = plan;
    const client = await this.#open(plan);
    if (!client) return;
    if (this.#roles.syncDaemon && (plan.syncDaemon || this.#syncRunning?.length)) await this.#switchSyncDaemons();
    if (!vs) return;
    await this.#applyTimeouts(client, plan);
    if (!this.#manager && plan.mapped.length === 0) return; // (a reload with changes builds no full list)
    // A reload that says what changed (relative to the plan applied last) touches only that.
    const changes = plan.changes && plan.changes.since === this.#appliedSource ? plan.changes : undefined;
    const fresh = changes?.added ?? plan.mapped;
    for (const m of fresh) for (const u of m.unsupported) this.#log.warn(`virtual server ${m.address ?? ''}: ${u} is not supported; the real server is treated as up`);
    if (changes) {
      for (const m of changes.removed) this.#forgetMapped(m);
      this.#checkers += checkersOf(changes.added) - checkersOf(changes.removed);
    } else {
      this.#quorumScripts.clear();
      this.#haSuspended.clear();
      this.#checkers = checkersOf(plan.mapped);
    }
    for (const m of fresh) this.#rememberMapped(m);
    if (changes) this.#notifier?.change(changes.removed, changes.added);
    else this.#notifier?.update(plan.mapped);
    // Before the new checkers start: the limit raised for them, on every (re)load (never lowered).
    if (!this.#manager) this.#manager = this.#createManager(client, plan.onMasterOnly, this.#openFilesFor(this.#checkers, 'start'));
    else if (this.#checkers > this.#checkersProvided) this.#manager.setProbeSlots(probeSlots(this.#openFilesFor(this.#checkers, 'reload')));
    this.#manager.initialNotifies = plan.rsInitNotifies;
    this.#watchLocalAddresses(this.#haSuspended.size > 0);
    const active = ipvsActive(plan, this.#isMaster);
    if (this.#manager.active !== active) await this.#manager.setActive(active);
    this.#timing?.mark('ipvs runner');
    const all = () => plan.mapped.map((m) => m.config);
    const applied = changes
      ? this.#manager.changeVirtualServers({ removed: changes.removed.map((m) => m.config), added: changes.added.map((m) => m.config) }, all)
      : this.#manager.setVirtualServers(all());
    this.#appliedSource = plan.source;
    this.#timing?.mark('checkers');
    await applied;
    this.#scheduleAudit(this.#audit.passGapMs);
  }

  /** The virtual_server list of the plan given to the manager last (what a reload's changes must be relative to). */
  #appliedSource: VirtualServerPlan['source'] | undefined;
  /** Mapped virtual servers with ha_suspend (the local address watch runs while there is one). */
  #haSuspended = new Set<MappedVirtualServer>();

  #rememberMapped(m: MappedVirtualServer): void {
    if (m.quorumUp || m.quorumDown) this.#quorumScripts.set(serviceKey(m.config.service), { ...(m.quorumUp ? { up: m.quorumUp } : {}), ...(m.quorumDown ? { down: m.quorumDown } : {}) });
    if (m.config.haSuspend) this.#haSuspended.add(m);
  }

  #forgetMapped(m: MappedVirtualServer): void {
    this.#quorumScripts.delete(serviceKey(m.config.service));
    this.#haSuspended.delete(m);
  }

  async #open(plan: VirtualServerPlan): Promise<IpvsClient | undefined> {
    if (this.#client) return this.#client;
    try {
      this.#client = await this.#deps.openIpvs();
    } catch (err) {
      if (!this.#clientFailed) this.#log.error(`IPVS is not available (${(err as Error).message}); virtual servers, lvs_timeouts and lvs_sync_daemon are not applied. Load the ip_vs module (modprobe ip_vs).`);
      this.#clientFailed = true;
      return undefined;
    }
    // global_defs lvs_flush: start from an empty table (once, not on every reload).
    if (this.#roles.virtualServers && plan.lvsFlush) await this.#client.flush().catch((err: Error) => this.#log.error(`IPVS flush (lvs_flush): ${err.message}`));
    return this.#client;
  }

  /** A VRRP state changed: program or release the table if the gate says so; switch the sync daemon. */
  masterChanged(): void {
    if (this.#roles.syncDaemon && this.#plan?.syncDaemon && !this.#syncStopped) this.#switchSyncDaemons();
    const m = this.#manager;
    if (!m || !this.#plan?.onMasterOnly) return;
    const active = ipvsActive(this.#plan, this.#isMaster);
    if (active !== m.active) void m.setActive(active).catch((err: Error) => this.#log.error(`IPVS: ${err.message}`));
  }

  // --- lvs_timeouts ---

  async #applyTimeouts(client: IpvsClient, plan: VirtualServerPlan): Promise<void> {
    if (!plan.timeouts && !this.#timeoutsSet) return;
    try {
      this.#timeoutsAtStart ??= await client.config();
      const want = timeoutsToSet(plan.timeouts, this.#timeoutsAtStart);
      if (this.#timeoutsSet && sameTimeouts(want, this.#timeoutsSet)) return;
      await client.setConfig(want);
      this.#timeoutsSet = want;
      this.#log.info(want, `IPVS timeouts (tcp tcpfin udp): ${want.tcp} ${want.tcpFin} ${want.udp}`);
    } catch (err) {
      this.#log.error(`IPVS lvs_timeouts: ${(err as Error).message}`);
    }
  }

  // --- lvs_sync_daemon ---

  /** Queued: each switch reads the current VRRP state when it runs, so quick flaps coalesce. */
  #switchSyncDaemons(final = false): Promise<void> {
    this.#syncQueue = this.#syncQueue.then(() => this.#syncDaemonsNow(final));
    return this.#syncQueue;
  }

  async #syncDaemonsNow(final: boolean): Promise<void> {
    const client = this.#client;
    if (!client || (this.#syncStopped && !final)) return;
    try {
      this.#syncRunning ??= await client.daemons();
    } catch (err) {
      this.#log.error(`IPVS sync daemon: cannot read the running daemons: ${(err as Error).message}`);
      this.#syncRunning = [];
    }
    const spec = final ? undefined : this.#plan?.syncDaemon;
    const wanted = wantedSyncDaemons(spec ? syncSettings(spec) : undefined,
      spec?.instance !== undefined ? { isMaster: this.#isMaster(spec.instance) } : undefined);
    // At the final stop only what this runner started (or found running for it) is stopped.
    for (const step of syncDaemonSteps(this.#syncRunning, wanted)) {
      try {
        if (step.kind === 'stop') {
          await client.stopDaemon(step.state);
          this.#syncRunning = this.#syncRunning.filter((d) => d.state !== step.state);
          this.#log.info({ state: step.state }, `IPVS ${step.state} sync daemon stopped`);
        } else {
          await client.startDaemon(step.daemon);
          this.#syncRunning = [...this.#syncRunning.filter((d) => d.state !== step.daemon.state), step.daemon];
          this.#log.info({ ...step.daemon }, `IPVS ${step.daemon.state} sync daemon started on ${step.daemon.interface} (sync id ${step.daemon.syncId})`);
        }
      } catch (err) {
        this.#log.error(`IPVS sync daemon: ${(err as Error).message}`);
        // The kernel knows better than our list now.
        this.#syncRunning = await client.daemons().catch(() => this.#syncRunning ?? []);
      }
    }
  }

  // --- virtual servers ---

  /** Checkers of the plan applied last, and how many the open-file limit was last raised (or checked) for. */
  #checkers = 0;
  #checkersProvided = 0;

  /**
   * With checkers: the open-file limit raised to one probe per checker plus the reserve (as
   * keepalived raises its own), at start and when a reload adds checkers; warned once when short.
   * Returns the soft limit the probe window is sized by.
   */
  #openFilesFor(checkers: number, when: 'start' | 'reload'): number | undefined {
    if (checkers === 0) return openFileLimit();
    this.#checkersProvided = checkers;
    const need = openFilesNeeded(checkers);
    let r;
    try {
      r = raiseOpenFileLimit(need, this.#deps.openFiles ?? nativeOpenFiles);
    } catch (err) {
      this.#log.warn(`cannot read the open-file limit (${(err as Error).message}); the checkers' probes open at once are sized by /proc/self/limits`);
      return openFileLimit();
    }
    const { before, after, error } = r;
    this.#log.debug({ checkers, need, before, after, when }, `open files: limit ${before.soft} (hard ${before.hard}) -> ${after.soft} (hard ${after.hard}) for ${checkers} checkers (${when})`);
    const short = openFileShortfall(checkers, after);
    if (short) {
      const why = error ? ` (raising the hard limit: ${error.message}; it needs CAP_SYS_RESOURCE)` : '';
      const late = short.waiting > 0
        ? `${short.waiting} of the ${checkers} checkers may find no room at once: their checks wait for others to end, and may be late (real servers marked down late) when many do not answer`
        : 'the checkers fit, with less room for the daemon\'s own sockets and scripts';
      this.#log.warn(`open-file limit ${after.soft} (hard ${after.hard}) is below the ${short.need} that ${checkers} checkers and the daemon may hold${why}` +
        ` at ${when}: at most ${short.openAtOnce} probes are open at once; ${late}`);
    }
    return after.soft;
  }

  #createManager(client: IpvsClient, onMasterOnly: boolean, openFiles: number | undefined): VirtualServerManager {
    this.#reconciler = new Reconciler(client);
    const m = new VirtualServerManager({
      client, reconciler: this.#reconciler, programOnlyWhileMaster: onMasterOnly, ...probeSlots(openFiles),
      ...(this.#deps.ipvsProbe ? { probe: this.#deps.ipvsProbe } : {}), ...(this.#deps.ipvsTimers ? { timers: this.#deps.ipvsTimers } : {}),
    });
    m.on('realServerUp', (e) => this.#log.info(e, `real server ${e.destination} of ${e.service} is up`));
    m.on('realServerDown', (e) => this.#log.warn(e, `real server ${e.destination} of ${e.service} is down${e.reason ? `: ${e.reason}` : ''}`));
    m.on('checkFailed', (e) => this.#log.info(e, `real server ${e.destination} of ${e.service}: ${e.check} failed${e.reason ? `: ${e.reason}` : ''}${e.retry ? ` (retry ${e.retry.n} of ${e.retry.of})` : ' (still down)'}`));
    m.on('quorumDown', (e) => {
      this.#log.warn(e, `virtual server ${e.service} lost its quorum`);
      this.#runQuorumScript(e.service, 'down');
    });
    m.on('quorumUp', (e) => {
      this.#log.info(e, `virtual server ${e.service} has its quorum`);
      this.#runQuorumScript(e.service, 'up');
    });
    m.on('realServerUp', (e) => this.#onLine?.(realServerLine(e.destination, e.service, true)));
    m.on('realServerDown', (e) => this.#onLine?.(realServerLine(e.destination, e.service, false)));
    m.on('quorumUp', (e) => this.#onLine?.(virtualServerLine(e.service, true)));
    m.on('quorumDown', (e) => this.#onLine?.(virtualServerLine(e.service, false)));
    m.on('applied', (r) => {
      const t = this.#timing;
      if (t && r.timing) t.ended('ipvs apply queue', [['reconciler diff', r.timing.planMs], ['netlink send', r.timing.sendMs]], r.sent ? 'netlink send' : undefined);
      for (const f of r.failed) this.#log.error({ op: f.op.kind }, `IPVS: ${f.error.message}`);
      if (this.#logDetail && r.sent) this.#log.debug({ sent: r.sent }, 'IPVS table updated');
    });
    m.on('error', (e) => this.#log.error(`IPVS: ${e.message}`));
    this.#notifier?.attach(m);
    return m;
  }

  #runQuorumScript(service: string, which: 'up' | 'down'): void {
    const cmd = this.#quorumScripts.get(service)?.[which];
    if (!cmd) return;
    void this.#deps.runNotify({ argv: cmd.argv, ...(cmd.runAs ? { uid: cmd.runAs.uid, gid: cmd.runAs.gid } : {}) }).then((r) => {
      if (r.error || r.code !== 0 || r.timedOut) {
        this.#log.warn({ service, argv: cmd.argv, code: r.code, signal: r.signal, error: r.error, timedOut: r.timedOut }, `virtual server ${service}: quorum_${which} script failed`);
      }
    });
  }

  #watchLocalAddresses(needed: boolean): void {
    if (!needed) {
      this.#localWatch?.close();
      this.#localWatch = undefined;
      return;
    }
    if (this.#localWatch || !this.#deps.watchLocalAddresses) return;
    this.#localWatch = this.#deps.watchLocalAddresses(
      (addresses) => this.#manager?.setLocalAddresses(addresses),
      (err) => this.#log.warn(`ha_suspend: local addresses: ${err.message}`),
    );
  }

  // --- audit ---

  #scheduleAudit(ms: number): void {
    if (this.#stopped || this.#auditTimer !== undefined) return;
    this.#auditTimer = this.#timers.setTimeout(() => {
      this.#auditTimer = undefined;
      void this.#auditStep();
    }, ms);
  }

  async #auditStep(): Promise<void> {
    const r = this.#reconciler;
    if (!r || this.#stopped) return;
    let next = this.#audit.stepMs;
    try {
      const res = await r.auditStep({ services: this.#audit.servicesPerStep });
      if (res.drifted.length) {
        this.#driftRepaired += res.drifted.length;
        this.#log.warn({ services: res.drifted.slice(0, 20), count: res.drifted.length, sent: res.sent },
          `IPVS: ${res.drifted.length} service(s) changed by someone else, put back`);
      }
      for (const f of res.failed) this.#log.error({ op: f.op.kind }, `IPVS audit repair: ${f.error.message}`);
      if (res.passDone) next = this.#audit.passGapMs;
    } catch (err) {
      this.#log.error(`IPVS audit: ${(err as Error).message}`);
      next = this.#audit.passGapMs;
    }
    this.#scheduleAudit(next);
  }

  view(): IpvsView | null {
    const m = this.#manager;
    if (!m && !this.#syncRunning?.length) return null;
    return {
      active: m?.active ?? false, desired: m?.desired() ?? [], health: m?.health() ?? new Map(),
      driftRepaired: this.#driftRepaired, syncDaemons: this.#syncRunning ?? [],
    };
  }

  /**
   * Shutdown, before VRRP lets go of its instances (keepalived stops the sync daemon before it
   * removes the VIPs): the running sync daemons stop and no VRRP transition restarts one.
   */
  async stopSyncDaemons(): Promise<void> {
    if (this.#syncStopped) return;
    this.#syncStopped = true;
    if (this.#client && this.#syncRunning?.length) await this.#switchSyncDaemons(true);
  }

  /**
   * Like keepalived, owned virtual servers are removed at stop (k0s: a stopped node must not keep
   * forwarding), the timeouts found at start are put back and the sync daemons stopped.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#auditTimer !== undefined) this.#timers.clearTimeout(this.#auditTimer);
    this.#auditTimer = undefined;
    this.#localWatch?.close();
    this.#localWatch = undefined;
    if (this.#manager) {
      await this.#manager.stop({ release: true });
      this.#manager = undefined;
    }
    const client = this.#client;
    if (client && this.#timeoutsSet && this.#timeoutsAtStart && !sameTimeouts(this.#timeoutsSet, this.#timeoutsAtStart)) {
      await client.setConfig(this.#timeoutsAtStart).catch((err: Error) => this.#log.error(`IPVS lvs_timeouts (restoring): ${err.message}`));
    }
    await this.stopSyncDaemons();
    // lvs_flush_on_stop (without VS): the whole table, not only ours.
    if (client && this.#roles.virtualServers && this.#plan?.lvsFlushOnStop === true) {
      await client.flush().catch((err: Error) => this.#log.error(`IPVS flush (lvs_flush_on_stop): ${err.message}`));
    }
    client?.close();
    this.#client = undefined;
  }
}
