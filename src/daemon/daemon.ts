// The daemon is a composition root: it plans each configuration change (reload-plan.ts, pure) and
// hands the steps to the runners: k0s host setup (k0s-host.ts), VRRP (vrrp-runner.ts: instances,
// tracking, notify, sync groups), IPVS (ipvs-runner.ts), k0s's userspace proxy (k0s-proxy-runner.ts). It measures event-loop health
// (loop-health.ts) and reports state (report.ts). Host access comes from DaemonDeps (deps.ts).
import type { Logger } from 'pino';
import type { VipdConfig } from '../config/types.js';
import { realDependencies, type DaemonDeps } from './deps.js';
import { planReload } from './reload-plan.js';
import { K0sHost } from './k0s-host.js';
import { VrrpRunner, type StepFailure } from './vrrp-runner.js';
import { IpvsRunner } from './ipvs-runner.js';
import { RouteRunner } from './route-runner.js';
import { routeSets } from './route-plan.js';
import { K0sProxyRunner } from './k0s-proxy-runner.js';
import { LoopHealth } from './loop-health.js';
import { logRouterEvents } from './router-log.js';
import { commandStats } from '../health/command-stats.js';
import { metricFamilies, statusReport, type ReportSources } from './report.js';
import { ScriptPolicy, checkConfigScripts } from './script-policy.js';
import type { DaemonOptions } from './options.js';
import type { MetricFamily } from './metrics.js';
import type { ReloadTiming } from './reload-timing.js';

export type DaemonSettings = Pick<DaemonOptions, 'logDetail' | 'vrrpOnly' | 'checkOnly'>;

export class Daemon {
  #log: Logger;
  #opts: DaemonSettings;
  #deps: DaemonDeps;
  #config: VipdConfig | undefined;
  #host: K0sHost;
  #loop: LoopHealth;
  #vrrp: VrrpRunner | undefined;
  #ipvs: IpvsRunner | undefined;
  #routes: RouteRunner | undefined;
  #proxy: K0sProxyRunner | undefined;
  #startedAt = Date.now();

  constructor(log: Logger, opts: DaemonSettings, deps: DaemonDeps = realDependencies()) {
    this.#log = log;
    this.#opts = opts;
    this.#deps = deps;
    this.#host = new K0sHost(deps, log);
    this.#loop = new LoopHealth(log);
    // As keepalived's processes: virtual servers with the checkers (not with --vrrp), the sync daemon with VRRP (not with --check).
    this.#ipvs = new IpvsRunner(deps, log, {
      logDetail: opts.logDetail, isMaster: (n) => this.#vrrp?.isMaster(n) ?? false, onLine: (l) => this.#vrrp?.lvsLines.write(l),
      roles: { virtualServers: !opts.vrrpOnly, syncDaemon: !opts.checkOnly },
    });
    if (!opts.vrrpOnly) this.#proxy = new K0sProxyRunner(deps, log, { isMaster: (n) => this.#vrrp?.isMaster(n) ?? false });
  }

  /** Everything is planned (and the configuration mapped) before anything is touched. */
  async start(config: VipdConfig): Promise<void> {
    const plan = planReload(undefined, config);
    this.#config = config;
    if (config.k0s) await this.#proxy?.clean(plan.proxy !== undefined);
    if (!this.#opts.checkOnly) {
      const router = this.#deps.createRouter({
        clock: this.#loop.instrument(this.#deps.clock), ...(config.global.vmacPrefix ? { vmacPrefix: config.global.vmacPrefix } : {}),
      });
      // A run that died may have left no_accept drops (or VMAC rules) behind: none survive a restart.
      await this.#deps.resetFirewall?.().catch((err: Error) => this.#log.warn(`firewall tables not reset: ${err.message}`));
      // Logged before the runner reacts, so a sync group's knock-on transition logs after its cause.
      logRouterEvents(router, this.#log, { logDetail: this.#opts.logDetail });
      const vrrp = new VrrpRunner(router, this.#deps, this.#log);
      const routes = this.#routeRunner(vrrp);
      vrrp.onStateChange((s) => {
        this.#ipvs?.masterChanged();
        this.#proxy?.masterChanged();
        void routes.stateChanged(s.instance, s.state);
      });
      this.#vrrp = vrrp;
      this.#loop.attach(vrrp.loopView());
      router.on('late-advert', (l) => this.#loop.lateAdvert(l.instance, l.lateMs, l.intervalMs, l.count));
      await this.#host.apply(plan.host);
      await routes.apply(routeSets(config));
      vrrp.configure(config, this.#scriptPolicy(config));
      if (!await vrrp.startupDelay(Math.round((config.global.startupDelay ?? 0) * 1000), this.#deps.clock)) return; // stopped meanwhile
      await vrrp.apply(plan.instances, plan.syncGroups, true);
      this.#scriptSummary();
    }
    await this.#ipvs?.apply(plan.virtualServers);
    await this.#proxy?.apply(plan.proxy);
  }

  /**
   * SIGHUP: unchanged instances keep running untouched (no transition, no VIP flap); priority, VIP,
   * tracking and notify changes apply in place; anything else restarts that instance only. Virtual
   * servers are replaced as a set: unchanged real servers keep their health state. A step that
   * fails does not stop the others; the failures are thrown together at the end.
   */
  async reload(config: VipdConfig, timing?: ReloadTiming): Promise<void> {
    const plan = planReload(this.#config, config);
    this.#config = config;
    timing?.mark('plan');
    const failures: StepFailure[] = [];
    if (this.#vrrp) {
      await this.#host.apply(plan.host).catch((error: Error) => failures.push({ instance: 'k0s host setup', error }));
      this.#vrrp.configure(config, this.#scriptPolicy(config));
      failures.push(...await this.#vrrp.apply(plan.instances, plan.syncGroups, false));
      await this.#routes?.apply(routeSets(config));
      this.#scriptSummary();
      timing?.mark('vrrp');
    }
    await this.#ipvs?.apply(plan.virtualServers, timing);
    await this.#proxy?.apply(plan.proxy).catch((error: Error) => failures.push({ instance: 'k0s', error }));
    if (failures.length) throw new Error(failures.map((f) => `${f.instance}: ${f.error.message}`).join('; '));
  }

  #policy: ScriptPolicy | undefined;
  /** Information lines of the script checks already logged: a reload repeats only its warnings. */
  #scriptInfo = new Set<string>();

  /** Who scripts run as and which may run: checked (and logged) for the whole configuration at once, as keepalived. */
  #scriptPolicy(config: VipdConfig): ScriptPolicy {
    const policy = new ScriptPolicy(config.global, this.#deps.scriptHost, { warn: (m, detail) => (detail ? this.#log.warn({ detail }, m) : this.#log.warn(m)), info: (m) => this.#info(m) });
    checkConfigScripts(config, policy);
    this.#policy = policy;
    return policy;
  }

  #info(m: string): void {
    if (this.#scriptInfo.has(m)) return;
    this.#scriptInfo.add(m);
    this.#log.info(m);
  }

  #scriptSummary(): void {
    // keepalived's words; information only, as it is what every config without script_user gets.
    const s = this.#policy?.summary();
    if (s) this.#info(s);
  }

  /** SIGTERM: priority-0 adverts and VIPs removed, then owned IPVS services (unless told to keep them). */
  async stop(): Promise<void> {
    try {
      await this.#ipvs?.stopSyncDaemons();
      await this.#vrrp?.stop();
      await this.#routes?.stop();
      await this.#ipvs?.stop();
      await this.#proxy?.stop();
    } finally {
      this.#vrrp = undefined;
      this.#routes = undefined;
      this.#deps.close();
    }
  }

  /** static_* and virtual_* routes, rules and addresses; a tracked deletion sends the instance to BACKUP. */
  #routeRunner(vrrp: VrrpRunner): RouteRunner {
    const deps = this.#deps;
    const netlink = () => {
      if (!deps.routeNetlink) throw new Error('this host has no rtnetlink for routes');
      return deps.routeNetlink();
    };
    this.#routes = new RouteRunner(netlink, {
      resign: (name) => vrrp.router.instance(name)?.resign(),
      addressesSettled: async (name) => vrrp.router.instance(name)?.addressesSettled(),
    }, this.#log);
    return this.#routes;
  }

  #sources(): ReportSources {
    const v = this.#vrrp;
    return {
      startedAt: this.#startedAt, now: Date.now(), pid: process.pid, config: this.#config?.source,
      instances: v?.status() ?? [], unknownVrid: v?.router.unknownVridCount ?? 0, trackers: v?.trackers() ?? {},
      transitions: v?.transitions ?? 0, notifyRuns: v?.notifyRuns ?? 0,
      ipvs: this.#ipvs?.view() ?? null, proxy: this.#proxy?.view() ?? null, loop: this.#loop.snapshot(),
      scripts: commandStats,
    };
  }

  status(): Record<string, unknown> {
    return statusReport(this.#sources());
  }

  metrics(): MetricFamily[] {
    return metricFamilies(this.#sources());
  }
}
