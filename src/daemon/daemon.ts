// The daemon wires the configuration to the libraries: VRRP instances on a VrrpRouter, trackers,
// notify scripts, IPVS virtual servers on a VirtualServerManager. No protocol logic lives here.
import { writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { ScriptCommand, VipdConfig } from '../config/types.js';
import { VrrpRouter } from '../vrrp/router.js';
import { SyncGroup } from '../vrrp/sync-group.js';
import type { InstanceConfig, StateChange } from '../vrrp/instance.js';
import { Tracker } from '../vrrp/track/tracker.js';
import { httpProbe, scriptProbe, tcpProbe, type Probe } from '../vrrp/track/probes.js';
import { runNotify, notifyArgs, type NotifyState } from '../vrrp/notify.js';
import { IpvsClient, VirtualServerManager } from '../ipvs/index.js';
import { instanceConfig, trackSpecs, virtualServerConfigs, type TrackSpec } from './config-mapping.js';
import { RateLimiter } from './rate-limit.js';
import type { DaemonOptions } from './options.js';
import type { MetricFamily } from './metrics.js';
import { VERSION } from '../version.js';

interface RunningInstance {
  config: InstanceConfig;
  tracks: TrackSpec[];
  trackers: Tracker[];
  notify: { master?: ScriptCommand; backup?: ScriptCommand; fault?: ScriptCommand; stop?: ScriptCommand; any?: ScriptCommand };
}

const STATE_NAME: Record<string, NotifyState | undefined> = { master: 'MASTER', backup: 'BACKUP', fault: 'FAULT' };

/** vrrp_script `script` may name a built-in probe instead of a program: http(s)://... or tcp://host:port. */
function probeFor(argv: string[]): Probe {
  const first = argv[0] ?? '';
  if (/^https?:\/\//.test(first)) return httpProbe(first);
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:]+):(\d+)$/.exec(first);
  if (tcp) return tcpProbe(tcp[1]!.replace(/^\[|\]$/g, ''), Number(tcp[2]));
  return scriptProbe(argv);
}

/** arp_ignore=1 (answer only for addresses of the asking interface), arp_announce=2 (best local source). */
function lvsDrArpSettings(ifname: string, log: Logger): void {
  for (const [key, value] of [['arp_ignore', '1'], ['arp_announce', '2']] as const) {
    const file = `/proc/sys/net/ipv4/conf/${ifname}/${key}`;
    try {
      writeFileSync(file, value);
    } catch (err) {
      log.warn(`${file}: ${(err as Error).message}; every controller may answer ARP for the VIPs (LVS-DR)`);
    }
  }
}

export class Daemon {
  #log: Logger;
  #opts: DaemonOptions;
  #config: VipdConfig | undefined;
  #router: VrrpRouter | undefined;
  #ipvs: VirtualServerManager | undefined;
  #ipvsClient: IpvsClient | undefined;
  #instances = new Map<string, RunningInstance>();
  /** Virtual servers tied to the instance holding their VIP (k0s: IPVS only while MASTER). */
  #vsOwner = new Map<string, string>();
  #drops = new RateLimiter(10_000);
  #syncGroups: SyncGroup[] = [];
  #started = Date.now();
  #transitions = 0;
  #notifyRuns = 0;

  constructor(log: Logger, opts: DaemonOptions) {
    this.#log = log;
    this.#opts = opts;
  }

  async start(config: VipdConfig): Promise<void> {
    this.#config = config;
    if (!this.#opts.checkOnly) {
      this.#router = new VrrpRouter();
      this.#wireRouter(this.#router);
      await this.#k0sLinks(config);
      for (const i of config.vrrpInstances) await this.#addInstance(i.name, config);
      this.#applySyncGroups(config);
    }
    if (!this.#opts.vrrpOnly) await this.#startIpvs(config);
  }

  /** vrrp_sync_group: rebuilt from the config (cheap: groups hold no state but who is in FAULT). */
  #applySyncGroups(config: VipdConfig): void {
    for (const g of this.#syncGroups) g.close();
    this.#syncGroups = [];
    if (!this.#router) return;
    for (const g of config.vrrpSyncGroups) {
      const members = g.group.filter((m) => this.#instances.has(m));
      if (members.length > 1) this.#syncGroups.push(new SyncGroup(this.#router, g.name, members));
    }
  }

  #wireRouter(r: VrrpRouter): void {
    r.on('state', (s) => this.#onState(s));
    r.on('drop', (d) => {
      if (this.#opts.logDetail) this.#log.debug(d, `dropped advert: ${d.detail}`);
      const n = this.#drops.hit(`${d.instance}/${d.reason}`);
      if (n !== undefined) this.#log.warn({ ...d, suppressed: n }, `${d.instance}: dropped advert from ${d.source}: ${d.detail}`);
    });
    r.on('advert', (a) => { if (this.#opts.logDetail) this.#log.debug(a, 'advert received'); });
    r.on('vip-error', (e) => this.#log.error({ instance: e.instance, op: e.op, errors: e.failures.map((f) => `${f.vip.address}: ${f.error.message}`) }, `${e.instance}: VIP ${e.op} failed`));
    r.on('send-error', (e) => {
      const n = this.#drops.hit(`${e.instance}/send`);
      if (n !== undefined) this.#log.warn({ instance: e.instance, suppressed: n }, `${e.instance}: send failed: ${e.error.message}`);
    });
    r.on('garp', (g) => { if (this.#opts.logDetail) this.#log.debug(g, 'gratuitous ARP / NA sent'); });
    r.on('error', (e) => this.#log.error(`VRRP: ${e.message}`));
  }

  /** k0s: every VIP on dummyvip0 as /32 or /128 (LVS-DR real servers accept VIP traffic), IPv6 labels. */
  async #k0sLinks(config: VipdConfig): Promise<void> {
    const k = config.k0s;
    const rt = this.#router?.rtnetlink;
    if (!k || !rt) return;
    const vips = config.vrrpInstances.flatMap((i) => i.virtualIpAddresses.map((v) => ({ instance: i.name, ...v })));
    if (k.dummyVipInterface) {
      await rt.createLink({ name: k.dummyVipInterface, kind: 'dummy' }, { exist: 'ok' });
      const link = await rt.link(k.dummyVipInterface);
      for (const v of vips) {
        await rt.addAddress({ ifindex: link.index, address: v.address, prefixLength: v.family === 6 ? 128 : 32, noDad: true }, { exist: 'ok' });
      }
      // The VIPs on dummyvip0 are local on every controller, so with Linux's defaults every controller
      // answers ARP for them and clients bypass IPVS (measured: bench/README.md). LVS-DR's usual
      // settings on the VRRP interfaces leave the answering to the master, which holds the VIP there.
      for (const ifname of new Set(config.vrrpInstances.map((i) => i.interface))) lvsDrArpSettings(ifname, this.#log);
    }
    for (const v of vips) {
      const label = k.ipv6AddressLabels[v.instance];
      if (v.family === 6 && label !== undefined) {
        await rt.addAddressLabel({ prefix: v.address, prefixLength: 128, label }, { exist: 'ok' });
      }
    }
  }

  async #addInstance(name: string, config: VipdConfig): Promise<void> {
    const i = config.vrrpInstances.find((x) => x.name === name)!;
    const cfg = instanceConfig(i, config);
    const tracks = trackSpecs(i, config);
    const r = this.#router!;
    const run: RunningInstance = {
      config: cfg, tracks, trackers: [],
      notify: {
        ...(i.notifyMaster ? { master: i.notifyMaster } : {}), ...(i.notifyBackup ? { backup: i.notifyBackup } : {}),
        ...(i.notifyFault ? { fault: i.notifyFault } : {}), ...(i.notifyStop ? { stop: i.notifyStop } : {}),
        ...(i.notify ? { any: i.notify } : {}),
      },
    };
    // Registered before the router starts it: INITIALIZE -> BACKUP happens inside add() and its
    // notify_backup must run (k0s points the IPVS include at /dev/null on it).
    this.#instances.set(name, run);
    try {
      await r.add(cfg);
    } catch (err) {
      this.#instances.delete(name);
      throw err;
    }
    for (const t of tracks) {
      if (t.kind === 'interface') {
        await r.trackInterface(name, t.name, t.weight).catch((err: Error) => this.#log.error(`${name}: track_interface ${t.name}: ${err.message}`));
        continue;
      }
      const s = t.script;
      const tracker = new Tracker({
        name: s.name, probe: probeFor(s.script.argv), intervalMs: s.interval * 1000, timeoutMs: s.timeout * 1000,
        rise: s.rise, fall: s.fall, initFail: s.initFail,
      });
      r.setTracked(name, `script:${s.name}`, tracker.ok, t.weight);
      tracker.on('change', (ok) => {
        this.#log.info({ instance: name, script: s.name, ok }, `${name}: track_script ${s.name} ${ok ? 'succeeded' : 'failed'}`);
        r.setTracked(name, `script:${s.name}`, ok, t.weight);
      });
      tracker.start();
      run.trackers.push(tracker);
    }
  }

  async #reapplyTracking(name: string, run: RunningInstance): Promise<void> {
    const r = this.#router;
    if (!r) return;
    let k = 0;
    for (const t of run.tracks) {
      if (t.kind === 'interface') {
        await r.trackInterface(name, t.name, t.weight).catch((err: Error) => this.#log.error(`${name}: track_interface ${t.name}: ${err.message}`));
      } else {
        const tracker = run.trackers[k++];
        if (tracker) r.setTracked(name, `script:${t.script.name}`, tracker.ok, t.weight);
      }
    }
  }

  async #removeInstance(name: string): Promise<void> {
    const run = this.#instances.get(name);
    if (!run) return;
    for (const t of run.trackers) t.stop();
    this.#instances.delete(name);
    await this.#router?.remove(name);
    if (run.notify.stop) this.#notify(name, run.notify.stop.argv);
  }

  #onState(s: StateChange): void {
    this.#transitions++;
    this.#log.info({ instance: s.instance, state: s.state, previous: s.previous, reason: s.reason, priority: s.priority },
      `${s.instance}: ${s.previous.toUpperCase()} -> ${s.state.toUpperCase()} (${s.reason}${s.detail ? `: ${s.detail}` : ''})`);
    const run = this.#instances.get(s.instance);
    const name = STATE_NAME[s.state];
    if (run && name) {
      const script = name === 'MASTER' ? run.notify.master : name === 'BACKUP' ? run.notify.backup : run.notify.fault;
      if (script) this.#notify(s.instance, script.argv);
      if (run.notify.any) this.#notify(s.instance, notifyArgs(run.notify.any.argv, 'INSTANCE', s.instance, name, s.priority));
    }
    // IPVS only while MASTER (k0s mode): services whose VIP this instance holds.
    if (this.#ipvs && this.#config?.k0s) {
      const active = [...this.#vsOwner.values()].some((owner) => this.#router?.instance(owner)?.state === 'master');
      if (active !== this.#ipvs.active) {
        void this.#ipvs.setActive(active).catch((err: Error) => this.#log.error(`IPVS: ${err.message}`));
      }
    }
  }

  #notify(instance: string, argv: string[]): void {
    this.#notifyRuns++;
    void runNotify({ argv }).then((r) => {
      if (r.error || r.code !== 0 || r.timedOut) {
        this.#log.warn({ instance, argv, code: r.code, signal: r.signal, error: r.error, timedOut: r.timedOut }, `${instance}: notify script failed`);
      }
    });
  }

  async #startIpvs(config: VipdConfig): Promise<void> {
    const mapped = virtualServerConfigs(config);
    if (mapped.length === 0 && !this.#ipvs) return;
    for (const m of mapped) for (const u of m.unsupported) this.#log.warn(`virtual server ${m.address ?? ''}: ${u} is not supported; the real server is treated as up`);
    if (!this.#ipvsClient) {
      try {
        this.#ipvsClient = await IpvsClient.open();
      } catch (err) {
        this.#log.error(`IPVS is not available (${(err as Error).message}); virtual servers are not programmed. Load the ip_vs module (modprobe ip_vs).`);
        return;
      }
      // global_defs lvs_flush: start from an empty table (once, not on every reload).
      if (config.global.lvsFlush) {
        await this.#ipvsClient.flush().catch((err: Error) => this.#log.error(`IPVS flush (lvs_flush): ${err.message}`));
      }
    }
    this.#vsOwner.clear();
    const onMasterOnly = !!config.k0s;
    for (const m of mapped) {
      const owner = config.vrrpInstances.find((i) => i.virtualIpAddresses.some((v) => v.address === m.address));
      if (owner) this.#vsOwner.set(m.address!, owner.name);
    }
    if (!this.#ipvs) {
      this.#ipvs = new VirtualServerManager({ client: this.#ipvsClient, programOnlyWhileMaster: onMasterOnly });
      this.#ipvs.on('realServerUp', (e) => this.#log.info(e, `real server ${e.destination} of ${e.service} is up`));
      this.#ipvs.on('realServerDown', (e) => this.#log.warn(e, `real server ${e.destination} of ${e.service} is down${e.reason ? `: ${e.reason}` : ''}`));
      this.#ipvs.on('quorumDown', (e) => this.#log.warn(e, `virtual server ${e.service} lost its quorum`));
      this.#ipvs.on('quorumUp', (e) => this.#log.info(e, `virtual server ${e.service} has its quorum`));
      this.#ipvs.on('applied', (r) => {
        for (const f of r.failed) this.#log.error({ op: f.op.kind }, `IPVS: ${f.error.message}`);
        if (this.#opts.logDetail && r.sent) this.#log.debug({ sent: r.sent }, 'IPVS table updated');
      });
      this.#ipvs.on('error', (e) => this.#log.error(`IPVS: ${e.message}`));
      if (onMasterOnly) {
        const active = [...this.#vsOwner.values()].some((o) => this.#router?.instance(o)?.state === 'master');
        await this.#ipvs.setActive(active);
      }
    }
    await this.#ipvs.setVirtualServers(mapped.map((m) => m.config));
  }

  /**
   * SIGHUP: unchanged instances keep running untouched (no transition, no VIP flap); priority and VIP
   * changes apply in place; anything else restarts that instance only. Virtual servers are replaced
   * as a set: unchanged real servers keep their health state.
   */
  async reload(config: VipdConfig): Promise<void> {
    this.#config = config;
    if (this.#router) {
      await this.#k0sLinks(config);
      const names = new Set(config.vrrpInstances.map((i) => i.name));
      for (const name of [...this.#instances.keys()]) if (!names.has(name)) await this.#removeInstance(name);
      for (const i of config.vrrpInstances) {
        const run = this.#instances.get(i.name);
        if (!run) {
          await this.#addInstance(i.name, config);
          continue;
        }
        const next = instanceConfig(i, config);
        const tracks = trackSpecs(i, config);
        if (isDeepStrictEqual(next, run.config) && isDeepStrictEqual(tracks, run.tracks)) continue;
        const inPlace = isDeepStrictEqual({ ...next, priority: 0, virtualAddresses: [], excludedAddresses: [] },
          { ...run.config, priority: 0, virtualAddresses: [], excludedAddresses: [] }) && isDeepStrictEqual(tracks, run.tracks);
        const inst = this.#router.instance(i.name);
        if (inPlace && inst) {
          if (next.priority !== run.config.priority) {
            inst.setBasePriority(next.priority);
            // setBasePriority resets the effective priority to the base: put the tracking weights back on.
            await this.#reapplyTracking(i.name, run);
          }
          if (!isDeepStrictEqual(next.virtualAddresses, run.config.virtualAddresses) || !isDeepStrictEqual(next.excludedAddresses, run.config.excludedAddresses)) {
            await inst.setVirtualAddresses(next.virtualAddresses, next.excludedAddresses);
          }
          run.config = next;
          this.#log.info(`${i.name}: updated in place`);
        } else {
          this.#log.info(`${i.name}: configuration changed, restarting the instance`);
          await this.#removeInstance(i.name);
          await this.#addInstance(i.name, config);
        }
      }
      this.#applySyncGroups(config);
    }
    if (!this.#opts.vrrpOnly) await this.#startIpvs(config);
  }

  /** SIGTERM: priority-0 adverts and VIPs removed, then owned IPVS services (unless told to keep them). */
  async stop(): Promise<void> {
    for (const g of this.#syncGroups) g.close();
    this.#syncGroups = [];
    await Promise.all([...this.#instances.keys()].map((n) => this.#removeInstance(n)));
    await this.#router?.close();
    this.#router = undefined;
    if (this.#ipvs) {
      // Like keepalived, owned virtual servers are removed at stop (k0s: a stopped node must not keep forwarding).
      await this.#ipvs.stop({ release: true });
      this.#ipvs = undefined;
    }
    // lvs_flush_on_stop (without VS): the whole table, not only ours.
    if (this.#ipvsClient && this.#config?.global.lvsFlushOnStop === true) {
      await this.#ipvsClient.flush().catch((err: Error) => this.#log.error(`IPVS flush (lvs_flush_on_stop): ${err.message}`));
    }
    this.#ipvsClient?.close();
    this.#ipvsClient = undefined;
  }

  status(): Record<string, unknown> {
    return {
      vipd: VERSION,
      pid: process.pid,
      uptimeSeconds: Math.round((Date.now() - this.#started) / 1000),
      config: this.#config?.source,
      instances: this.#router?.status() ?? [],
      unknownVridPackets: this.#router?.unknownVridCount ?? 0,
      ipvs: this.#ipvs ? {
        active: this.#ipvs.active,
        desired: this.#ipvs.desired(),
        health: Object.fromEntries([...this.#ipvs.health()].map(([k, m]) => [k, Object.fromEntries(m)])),
      } : null,
      trackers: Object.fromEntries([...this.#instances].map(([n, r]) => [n, r.trackers.map((t) => ({ name: t.name, ok: t.ok }))])),
    };
  }

  metrics(): MetricFamily[] {
    const inst = this.#router?.status() ?? [];
    const states = ['initialize', 'backup', 'master', 'fault'];
    const fam = (name: string, help: string, type: 'counter' | 'gauge', samples: MetricFamily['samples']): MetricFamily => ({ name, help, type, samples });
    const stat = (key: keyof (typeof inst)[number]['stats']) => inst.map((i) => ({ labels: { instance: i.name }, value: Number(i.stats[key]) }));
    const families: MetricFamily[] = [
      fam('vipd_vrrp_state', 'VRRP state per instance (1 = current)', 'gauge',
        inst.flatMap((i) => states.map((s) => ({ labels: { instance: i.name, state: s }, value: i.state === s ? 1 : 0 })))),
      fam('vipd_vrrp_priority', 'Effective priority', 'gauge', inst.map((i) => ({ labels: { instance: i.name }, value: i.priority }))),
      fam('vipd_vrrp_transitions_total', 'State transitions since start', 'counter', [{ value: this.#transitions }]),
      fam('vipd_vrrp_master_transitions_total', 'Transitions to MASTER', 'counter', stat('masterTransitions')),
      fam('vipd_vrrp_adverts_received_total', 'Advertisements received', 'counter', stat('rcvdAdvertisements')),
      fam('vipd_vrrp_adverts_sent_total', 'Advertisements sent', 'counter', stat('sentAdvertisements')),
      fam('vipd_vrrp_garp_sent_total', 'Gratuitous ARPs / unsolicited NAs sent', 'counter', inst.map((i) => ({ labels: { instance: i.name }, value: i.garpsSent }))),
      fam('vipd_notify_runs_total', 'Notify scripts started', 'counter', [{ value: this.#notifyRuns }]),
      fam('vipd_vrrp_unknown_vrid_total', 'Datagrams for VRIDs not configured here', 'counter', [{ value: this.#router?.unknownVridCount ?? 0 }]),
    ];
    const drops = ['ipTtlErrors', 'checksumErrors', 'versionErrors', 'vrIdErrors', 'authFailures', 'invalidAuthType', 'authTypeMismatch',
      'intervalErrors', 'addressListErrors', 'packetLengthErrors', 'invalidTypeErrors', 'unicastPeerErrors', 'ownerDiscards'] as const;
    families.push(fam('vipd_vrrp_drops_total', 'Advertisements dropped, by reason', 'counter',
      inst.flatMap((i) => drops.map((d) => ({ labels: { instance: i.name, reason: d }, value: Number(i.stats[d]) })))));
    if (this.#ipvs) {
      const desired = this.#ipvs.desired();
      const health = this.#ipvs.health();
      families.push(
        fam('vipd_ipvs_services', 'Virtual services programmed (or to program)', 'gauge', [{ value: desired.length }]),
        fam('vipd_ipvs_destinations', 'Real servers programmed', 'gauge', [{ value: desired.reduce((n, s) => n + s.destinations.length, 0) }]),
        fam('vipd_ipvs_active', '1 when this node programs IPVS', 'gauge', [{ value: this.#ipvs.active ? 1 : 0 }]),
        fam('vipd_checker_up', 'Health of each real server (1 = up)', 'gauge',
          [...health].flatMap(([svc, m]) => [...m].map(([d, up]) => ({ labels: { service: svc, real_server: d }, value: up ? 1 : 0 })))),
      );
    }
    return families;
  }
}
