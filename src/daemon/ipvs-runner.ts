// The IPVS side of the daemon: one VirtualServerManager over one IpvsClient, fed the virtual servers
// of a ReloadPlan. With the model's virtualServersOnMasterOnly (k0s #5178), the table is programmed
// only while an instance holding a virtual server's VIP is MASTER.
import type { Logger } from 'pino';
import { VirtualServerManager, type IpvsClient, type ServiceState } from '../ipvs/index.js';
import type { DaemonDeps } from './deps.js';
import type { VirtualServerPlan } from './reload-plan.js';
import { RealServerNotifier } from './real-server-notify.js';
import { realServerLine, virtualServerLine } from '../vrrp/notify-lines.js';

/** Whether this node programs IPVS now. */
export function ipvsActive(plan: Pick<VirtualServerPlan, 'onMasterOnly' | 'owners'>, isMaster: (instance: string) => boolean): boolean {
  return !plan.onMasterOnly || [...plan.owners.values()].some(isMaster);
}

export interface IpvsView {
  active: boolean;
  desired: ServiceState[];
  health: Map<string, Map<string, boolean>>;
}

export class IpvsRunner {
  #deps: Pick<DaemonDeps, 'openIpvs' | 'ipvsProbe' | 'ipvsTimers'> & Partial<Pick<DaemonDeps, 'runNotify'>>;
  #notifier: RealServerNotifier | undefined;
  #log: Logger;
  #logDetail: boolean;
  #isMaster: (instance: string) => boolean;
  #onLine: ((line: string) => void) | undefined;
  #client: IpvsClient | undefined;
  #manager: VirtualServerManager | undefined;
  #plan: VirtualServerPlan | undefined;

  /** `onLine`: lvs_notify_fifo / notify_fifo lines (VS / RS up and down). */
  constructor(
    deps: Pick<DaemonDeps, 'openIpvs' | 'ipvsProbe' | 'ipvsTimers'> & Partial<Pick<DaemonDeps, 'runNotify'>>, log: Logger,
    opts: { logDetail: boolean; isMaster: (instance: string) => boolean; onLine?: (line: string) => void },
  ) {
    this.#deps = deps;
    this.#log = log;
    if (deps.runNotify) this.#notifier = new RealServerNotifier(deps.runNotify, log);
    this.#logDetail = opts.logDetail;
    this.#isMaster = opts.isMaster;
    this.#onLine = opts.onLine;
  }

  async apply(plan: VirtualServerPlan): Promise<void> {
    if (plan.mapped.length === 0 && !this.#manager) return;
    this.#plan = plan;
    for (const m of plan.mapped) for (const u of m.unsupported) this.#log.warn(`virtual server ${m.address ?? ''}: ${u} is not supported; the real server is treated as up`);
    if (!this.#client) {
      try {
        this.#client = await this.#deps.openIpvs();
      } catch (err) {
        this.#log.error(`IPVS is not available (${(err as Error).message}); virtual servers are not programmed. Load the ip_vs module (modprobe ip_vs).`);
        return;
      }
      // global_defs lvs_flush: start from an empty table (once, not on every reload).
      if (plan.lvsFlush) await this.#client.flush().catch((err: Error) => this.#log.error(`IPVS flush (lvs_flush): ${err.message}`));
    }
    this.#notifier?.update(plan.mapped);
    if (!this.#manager) this.#manager = this.#createManager(this.#client, plan.onMasterOnly);
    this.#manager.initialNotifies = plan.rsInitNotifies;
    const active = ipvsActive(plan, this.#isMaster);
    if (this.#manager.active !== active) await this.#manager.setActive(active);
    await this.#manager.setVirtualServers(plan.mapped.map((m) => m.config));
  }

  /** A VRRP state changed: program or release the table if the gate says so. */
  masterChanged(): void {
    const m = this.#manager;
    if (!m || !this.#plan?.onMasterOnly) return;
    const active = ipvsActive(this.#plan, this.#isMaster);
    if (active !== m.active) void m.setActive(active).catch((err: Error) => this.#log.error(`IPVS: ${err.message}`));
  }

  #createManager(client: IpvsClient, onMasterOnly: boolean): VirtualServerManager {
    const m = new VirtualServerManager({
      client, programOnlyWhileMaster: onMasterOnly,
      ...(this.#deps.ipvsProbe ? { probe: this.#deps.ipvsProbe } : {}), ...(this.#deps.ipvsTimers ? { timers: this.#deps.ipvsTimers } : {}),
    });
    m.on('realServerUp', (e) => this.#log.info(e, `real server ${e.destination} of ${e.service} is up`));
    m.on('realServerDown', (e) => this.#log.warn(e, `real server ${e.destination} of ${e.service} is down${e.reason ? `: ${e.reason}` : ''}`));
    m.on('checkFailed', (e) => this.#log.info(e, `real server ${e.destination} of ${e.service}: ${e.check} failed${e.reason ? `: ${e.reason}` : ''}${e.retry ? ` (retry ${e.retry.n} of ${e.retry.of})` : ' (still down)'}`));
    m.on('quorumDown', (e) => this.#log.warn(e, `virtual server ${e.service} lost its quorum`));
    m.on('quorumUp', (e) => this.#log.info(e, `virtual server ${e.service} has its quorum`));
    m.on('realServerUp', (e) => this.#onLine?.(realServerLine(e.destination, e.service, true)));
    m.on('realServerDown', (e) => this.#onLine?.(realServerLine(e.destination, e.service, false)));
    m.on('quorumUp', (e) => this.#onLine?.(virtualServerLine(e.service, true)));
    m.on('quorumDown', (e) => this.#onLine?.(virtualServerLine(e.service, false)));
    m.on('applied', (r) => {
      for (const f of r.failed) this.#log.error({ op: f.op.kind }, `IPVS: ${f.error.message}`);
      if (this.#logDetail && r.sent) this.#log.debug({ sent: r.sent }, 'IPVS table updated');
    });
    m.on('error', (e) => this.#log.error(`IPVS: ${e.message}`));
    this.#notifier?.attach(m);
    return m;
  }

  view(): IpvsView | null {
    const m = this.#manager;
    return m ? { active: m.active, desired: m.desired(), health: m.health() } : null;
  }

  /** Like keepalived, owned virtual servers are removed at stop (k0s: a stopped node must not keep forwarding). */
  async stop(): Promise<void> {
    if (this.#manager) {
      await this.#manager.stop({ release: true });
      this.#manager = undefined;
    }
    // lvs_flush_on_stop (without VS): the whole table, not only ours.
    if (this.#client && this.#plan?.lvsFlushOnStop === true) {
      await this.#client.flush().catch((err: Error) => this.#log.error(`IPVS flush (lvs_flush_on_stop): ${err.message}`));
    }
    this.#client?.close();
    this.#client = undefined;
  }
}
