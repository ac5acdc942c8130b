// Pure mapping from the configuration model (keepalived.conf / k0s) to the library's terms:
// VRRP InstanceConfig objects and IPVS VirtualServerConfig objects. No I/O, so reload can diff
// what it maps and tests can check it without sockets.
import type {
  CheckerSpec, RealServerSpec, ScriptCommand, TrackedRef, TrackFileSpec, TrackProcessSpec, TunnelSpec, VipdConfig, VirtualServerSpec, VirtualServerGroupSpec,
  VrrpInstanceSpec, VrrpScriptSpec,
} from '../config/types.js';
import { resolveInstanceConfig, type ResolvedInstanceConfig } from '../vrrp/instance-config.js';
import { destinationKey, makeDestination, makeService, serviceKey, type Destination, type Service, type ForwardMethod, type TunnelOptions } from '../ipvs/index.js';
import type { CheckConfig, RealServerConfig, VirtualServerConfig } from '../ipvs/index.js';
import { addressesIn } from '../config/address-range.js';
import { ipFamily, ipToBytes } from '../netif/ip-address.js';
import { ConfigError } from '../errors.js';

const s2ms = (s: number) => Math.round(s * 1000);

/** The library's config of an instance; a spec the runtime cannot run is a ConfigError at its line. */
export function instanceConfig(i: VrrpInstanceSpec, cfg: VipdConfig): ResolvedInstanceConfig {
  try {
    return resolvedConfig(i, cfg);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.message, i.where);
    throw err;
  }
}

function resolvedConfig(i: VrrpInstanceSpec, cfg: VipdConfig): ResolvedInstanceConfig {
  const vip = (v: VrrpInstanceSpec['virtualIpAddresses'][number]) => ({
    address: v.address, prefixLength: v.prefixLength, ...(v.dev ? { interface: v.dev } : {}), ...(v.label ? { label: v.label } : {}),
    ...(v.scope ? { scope: v.scope } : {}), ...(v.broadcast ? { broadcast: v.broadcast } : {}), ...(v.peer ? { peer: v.peer } : {}),
  });
  return resolveInstanceConfig({
    name: i.name,
    vrid: i.virtualRouterId,
    version: i.version,
    family: i.family,
    interface: i.interface,
    priority: i.priority,
    advertIntervalCs: i.advertIntervalCs,
    preempt: i.preempt,
    preemptDelayMs: s2ms(i.preemptDelay),
    acceptMode: i.accept,
    strict: i.strict,
    ...(i.authentication && !i.authHmac ? { auth: { type: i.authentication.type === 'AH' ? 'ah' as const : 'pass' as const, password: i.authentication.pass } } : {}),
    ...(i.authHmac ? {
      authHmac: { keys: i.authHmac.keys, activeKeyId: i.authHmac.activeKey, mode: i.authHmac.mode, antiReplay: i.authHmac.antiReplay, windowS: i.authHmac.timeWindow },
    } : {}),
    virtualAddresses: i.virtualIpAddresses.map(vip),
    excludedAddresses: i.virtualIpAddressesExcluded.map(vip),
    ...(i.unicastSrcIp ? { unicastSource: i.unicastSrcIp } : {}),
    unicastPeers: i.unicastPeers.map((p) => ({
      address: p.address, ...(p.minTtl !== undefined ? { minTtl: p.minTtl } : {}), ...(p.maxTtl !== undefined ? { maxTtl: p.maxTtl } : {}),
    })),
    checkUnicastSource: i.checkUnicastSrc,
    ...(i.unicastTtl !== undefined ? { unicastTtl: i.unicastTtl } : {}),
    ...(i.mcastDstIp !== undefined ? { multicastGroup: i.mcastDstIp } : {}),
    ...(i.lowerPrioNoAdvert !== undefined ? { lowerPriorityNoAdvert: i.lowerPrioNoAdvert } : {}),
    ...(i.higherPrioSendAdvert !== undefined ? { higherPriorityAdvert: i.higherPrioSendAdvert } : {}),
    ...(i.trackSrcIp ? { trackSource: true } : {}),
    ...(i.unicastKeyword ? { unicast: true } : {}),
    ...(i.unicastFaultNoPeer ? { unicastFaultNoPeer: true } : {}),
    ...(i.oldUnicastChecksum ? { oldUnicastChecksum: i.oldUnicastChecksum } : {}),
    ...(i.vmac ? { vmac: { ...(i.vmac.name ? { name: i.vmac.name } : {}), ...(i.vmac.mac ? { mac: i.vmac.mac } : {}), xmitBase: i.vmac.xmitBase } } : {}),
    ...(i.ipvlan ? { ipvlan: i.ipvlan } : {}),
    garp: {
      masterDelayMs: s2ms(i.garpMasterDelay),
      masterRepeat: i.garpMasterRepeat,
      masterRefreshMs: s2ms(i.garpMasterRefresh),
      masterRefreshRepeat: i.garpMasterRefreshRepeat,
      intervalMs: s2ms(i.family === 6 ? cfg.global.gnaInterval : cfg.global.garpInterval),
      lowerPrioDelayMs: s2ms(i.garpLowerPrioDelay),
      lowerPrioRepeat: i.garpLowerPrioRepeat,
      ...(i.garpExtraIf ? { extraIfRefreshMs: s2ms(i.garpExtraIf.intervalS), extraIfAll: i.garpExtraIf.all } : {}),
    },
    ...(i.downTimerAdverts !== undefined ? { downTimerAdverts: i.downTimerAdverts } : {}),
    ...(i.dontTrackPrimary ? { dontTrackPrimary: true } : {}),
    // keepalived 2.2 sends and accepts the RFC checksum; accept the old variant too (interop switch).
    ...(i.version === 3 && i.family === 4 ? { checksum: 'either' as const } : {}),
  });
}

/**
 * A tracked thing of an instance, resolved to what the daemon runs: its weight and reverse as they
 * apply (the entry's, else the tracker's own). What a weight does is src/vrrp/track/effect.ts's.
 */
export type TrackSpec =
  | { kind: 'interface'; name: string; weight: number; reverse: boolean }
  | { kind: 'script'; name: string; weight: number; reverse: boolean; script: VrrpScriptSpec }
  | { kind: 'file'; name: string; weight: number; reverse: boolean; file: TrackFileSpec }
  | { kind: 'process'; name: string; weight: number; reverse: boolean; process: TrackProcessSpec };

/** The instance's own tracking and its sync group's (which tracks for every member). */
export function trackSpecs(i: VrrpInstanceSpec, cfg: VipdConfig): TrackSpec[] {
  const group = cfg.vrrpSyncGroups.find((g) => g.group.includes(i.name));
  const interfaces = [...i.trackInterfaces, ...(group?.trackInterfaces ?? [])];
  const out: TrackSpec[] = interfaces.map((t) => ({ kind: 'interface' as const, name: t.name, weight: t.weight, reverse: t.reverse }));
  const refs = <B extends { name: string; weight: number }>(list: TrackedRef[], blocks: B[], make: (t: TrackedRef, b: B) => TrackSpec) => {
    for (const t of list) {
      const b = blocks.find((x) => x.name === t.name);
      if (b) out.push(make(t, b)); // the parser reports unknown names; nothing to run
    }
  };
  const weightOf = (t: TrackedRef, b: { weight: number }) => t.weight ?? b.weight;
  refs([...i.trackScripts, ...(group?.trackScripts ?? [])], cfg.vrrpScripts,
    (t, script) => ({ kind: 'script', name: t.name, weight: weightOf(t, script), reverse: t.reverse ?? script.weightReverse, script }));
  refs([...i.trackFiles, ...(group?.trackFiles ?? [])], cfg.trackFiles,
    (t, file) => ({ kind: 'file', name: t.name, weight: weightOf(t, file), reverse: t.reverse ?? file.reverse, file }));
  refs([...i.trackProcesses, ...(group?.trackProcesses ?? [])], cfg.trackProcesses,
    (t, process) => ({ kind: 'process', name: t.name, weight: weightOf(t, process), reverse: t.reverse ?? process.reverse, process }));
  return out;
}

const FORWARD: Record<RealServerSpec['method'], ForwardMethod> = { NAT: 'masq', DR: 'route', TUN: 'tunnel' };

function tunnelOptions(t: TunnelSpec | undefined): TunnelOptions | undefined {
  if (!t) return undefined;
  return {
    type: t.type, ...(t.port !== undefined ? { port: t.port } : {}),
    ...(t.checksum === 'csum' ? { csum: true } : {}), ...(t.checksum === 'remcsum' ? { remcsum: true } : {}),
  };
}

/** One checker in the IPVS manager's terms (ms, argv, the SSL {} files for SSL_GET). */
export function checkConfig(c: CheckerSpec, vs: VirtualServerSpec, global: VipdConfig['global']): CheckConfig {
  if (c.type === 'FILE_CHECK') {
    // Read every second: keepalived reacts to a change of the file at once. A read that fails
    // (not a missing file: that reads as 0) is retried before it counts.
    return { type: 'FILE_CHECK', path: c.path, weight: c.weight, ...(c.reverse ? { reverse: true } : {}), delayLoopMs: 1000, retry: 2, delayBeforeRetryMs: 1000, warmupMs: 0 };
  }
  const timing = {
    retry: c.retry,
    delayBeforeRetryMs: s2ms(c.delayBeforeRetry),
    warmupMs: s2ms(c.warmup),
    delayLoopMs: s2ms(c.delayLoop || vs.delayLoop),
    // Resolved per checker (checker, real server, virtual server): false must not fall back.
    alpha: c.alpha,
    ...(c.logAllFailures ? { logAllFailures: true } : {}),
  };
  if (c.type === 'MISC_CHECK') {
    return {
      type: 'MISC_CHECK', argv: c.path.argv, timeoutMs: s2ms(c.timeout), ...(c.dynamic ? { dynamic: true } : {}),
      ...(c.path.runAs ? { uid: c.path.runAs.uid, gid: c.path.runAs.gid } : {}), ...timing,
    };
  }
  const net = {
    ...timing,
    connectIp: c.connectIp,
    connectPort: c.connectPort,
    connectTimeoutMs: s2ms(c.connectTimeout),
    ...(c.bindTo !== undefined ? { bindTo: c.bindTo } : {}),
    ...(c.bindPort !== undefined ? { bindPort: c.bindPort } : {}),
    ...(c.bindIf !== undefined ? { bindIf: c.bindIf } : {}),
    ...(c.fwmark !== undefined ? { fwmark: c.fwmark } : {}),
  };
  switch (c.type) {
    case 'TCP_CHECK': return { type: 'TCP_CHECK', ...net };
    case 'PING_CHECK': return { type: 'PING_CHECK', ...net };
    case 'SMTP_CHECK': return { type: 'SMTP_CHECK', ...net, ...(c.heloName !== undefined ? { heloName: c.heloName } : {}) };
    case 'DNS_CHECK': return { type: 'DNS_CHECK', ...net, queryType: c.queryType, name: c.name };
    case 'UDP_CHECK':
      return {
        type: 'UDP_CHECK', ...net, minReplyLength: c.minReplyLength, maxReplyLength: c.maxReplyLength,
        ...(c.payload !== undefined ? { payload: c.payload } : {}), ...(c.requireReply !== undefined ? { requireReply: c.requireReply } : {}),
      };
    case 'HTTP_GET':
    case 'SSL_GET': {
      const ssl = global.ssl;
      const vh = c.virtualhost ?? vs.virtualhost;
      return {
        type: c.type,
        ...net,
        urls: c.urls.map((u) => {
          const single = u.statusCodes.length === 1 && u.statusCodes[0]![0] === u.statusCodes[0]![1] ? u.statusCodes[0]![0] : undefined;
          const isDefault = u.statusCodes.length === 1 && u.statusCodes[0]![0] === 200 && u.statusCodes[0]![1] === 299;
          return {
            path: u.path,
            ...(single !== undefined ? { statusCode: single } : isDefault ? {} : { statuses: u.statusCodes.map(([from, to]) => (from === to ? from : { from, to })) }),
            ...(u.digest ? { digest: u.digest.toLowerCase() } : {}),
            ...(u.virtualhost !== undefined ? { virtualhost: u.virtualhost } : {}),
            ...(u.regex ? { regex: u.regex } : {}),
          };
        }),
        ...(vh !== undefined ? { virtualhost: vh } : {}),
        httpProtocol: c.httpProtocol,
        ...(c.enableSni ? { enableSni: true } : {}),
        ...(c.fastRecovery ? { fastRecovery: true } : {}),
        ...(c.type === 'SSL_GET' && ssl ? {
          tls: {
            ...(ssl.certificate !== undefined ? { certificate: ssl.certificate } : {}), ...(ssl.key !== undefined ? { key: ssl.key } : {}),
            ...(ssl.ca !== undefined ? { ca: ssl.ca } : {}), ...(ssl.password !== undefined ? { password: ssl.password } : {}),
          },
        } : {}),
      };
    }
  }
}

function granularityPrefix(g: string | undefined, family: 4 | 6): number {
  if (!g) return family === 4 ? 32 : 128;
  if (/^\d+$/.test(g)) return Number(g);
  // A dotted netmask: count its bits.
  return [...ipToBytes(g)].reduce((n, b) => n + b.toString(2).replace(/0/g, '').length, 0);
}

/** The IPVS services of a virtual server: one, or one per address and fwmark of its group (lazily: a /16 is 65,536). */
function* servicesOf(vs: VirtualServerSpec, groups: VirtualServerGroupSpec[]): Generator<Service> {
  // Assignments, not conditional spreads: this runs per virtual server (and again on a reload).
  const flags: Service['flags'] = {};
  if (vs.persistenceTimeout !== undefined) flags.persistent = true;
  if (vs.ops) flags.onePacket = true;
  // sh-* and mh-* name the same scheduler flag bits (IP_VS_SVC_F_SCHED1, SCHED2); the loader
  // kept them only for their own scheduler.
  const sf = vs.schedulerFlags;
  if (sf.length) {
    if (sf.includes('sh-fallback') || sf.includes('mh-fallback') || sf.includes('flag-1')) flags.shFallback = true;
    if (sf.includes('sh-port') || sf.includes('mh-port') || sf.includes('flag-2')) flags.shPort = true;
    if (sf.includes('flag-3')) flags.sched3 = true;
  }
  const base: { scheduler: string; flags: Service['flags']; timeout: number; pe?: string } = { scheduler: vs.scheduler, flags, timeout: vs.persistenceTimeout ?? 0 };
  if (vs.persistenceEngine) base.pe = vs.persistenceEngine;
  const protocol = vs.protocol.toLowerCase() as 'tcp' | 'udp' | 'sctp';
  const t = vs.target;
  if (t.kind === 'address') {
    yield makeService({ family: t.family, protocol, address: t.address, port: t.port, ...base, netmask: granularityPrefix(vs.persistenceGranularity, t.family) });
    return;
  }
  if (t.kind === 'fwmark') {
    yield makeService({ family: t.family, fwmark: t.fwmark, ...base, netmask: granularityPrefix(vs.persistenceGranularity, t.family) });
    return;
  }
  const group = groups.find((g) => g.name === t.group);
  for (const e of group?.entries ?? []) {
    if (e.kind === 'fwmark') {
      yield makeService({ family: e.family ?? 4, fwmark: e.fwmark, ...base, netmask: granularityPrefix(vs.persistenceGranularity, e.family ?? 4) });
      continue;
    }
    const netmask = granularityPrefix(vs.persistenceGranularity, e.family);
    for (const address of addressesIn(e.first, e.last, e.family)) {
      yield makeService({ family: e.family, protocol, address, port: e.port, ...base, netmask });
    }
  }
}

export interface MappedVirtualServer {
  config: VirtualServerConfig;
  /** The VIP it serves (address services), to tie it to the VRRP instance holding that VIP. */
  address?: string;
  /** Checkers this runtime does not run (none today: BFD_CHECK is dropped, with a warning, when the file is read). */
  unsupported: string[];
  /** quorum_up / quorum_down: run by the daemon when the quorum is gained / lost. */
  quorumUp?: ScriptCommand;
  quorumDown?: ScriptCommand;
  /** notify_up / notify_down per real server (destinationKey). */
  notify: Record<string, RealServerNotify>;
}

/** A real server's notify_up / notify_down, as they run. */
export interface RealServerNotify {
  up?: ScriptCommand;
  down?: ScriptCommand;
}

interface SharedServers { realServers: RealServerConfig[]; unsupported: string[]; notify: Record<string, RealServerNotify>; sorryServer?: Destination }

/** Model values alike, source positions and command texts aside (moving a line changes nothing); allocates nothing. */
export function sameModel(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameModel(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>, y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (k === 'where' || k === 'text' || x[k] === undefined) continue;
    n++;
    if (!sameModel(x[k], y[k])) return false;
  }
  for (const k in y) if (k !== 'where' && k !== 'text' && y[k] !== undefined) n--;
  return n === 0;
}

/** What each virtual_server spec mapped to: a reload maps again only the virtual servers that changed. */
const mappedBySpec = new WeakMap<VirtualServerSpec, MappedVirtualServer[]>();

/**
 * The mapping of one virtual_server; `before` is the same block of the previous configuration
 * (same index), whose mapping is reused, objects and all, when neither it nor its group changed.
 */
export function mapVirtualServer(vs: VirtualServerSpec, cfg: VipdConfig, before?: { spec: VirtualServerSpec; config: VipdConfig }): MappedVirtualServer[] {
  const reused = before && mappedBySpec.get(before.spec);
  const groupOf = (spec: VirtualServerSpec, c: VipdConfig) => (spec.target.kind === 'group' ? c.virtualServerGroups.find((g) => g.name === (spec.target as { group: string }).group) : undefined);
  if (reused && sameModel(before.spec, vs) && sameModel(groupOf(before.spec, before.config), groupOf(vs, cfg))) {
    mappedBySpec.set(vs, reused);
    return reused;
  }
  const out = virtualServerConfigsOf(vs, cfg);
  mappedBySpec.set(vs, out);
  return out;
}

/**
 * One entry per virtual_server; a virtual_server group gives one per service port, its other
 * addresses as extraServices (one set of checkers and one quorum for the whole group, as in
 * keepalived, however many addresses its ranges hold).
 */
export function virtualServerConfigs(cfg: VipdConfig): MappedVirtualServer[] {
  const out: MappedVirtualServer[] = [];
  for (const vs of cfg.virtualServers) mapInto(vs, cfg, out);
  return out;
}

/** virtualServerConfigs of `cfg` with `vs` as its only virtual server (no copy of cfg made). */
export function virtualServerConfigsOf(vs: VirtualServerSpec, cfg: Pick<VipdConfig, 'virtualServerGroups' | 'global'>): MappedVirtualServer[] {
  const out: MappedVirtualServer[] = [];
  mapInto(vs, cfg, out);
  return out;
}

function mapInto(vs: VirtualServerSpec, cfg: Pick<VipdConfig, 'virtualServerGroups' | 'global'>, out: MappedVirtualServer[]): void {
  {
    // In the order their ports first come; a group's services by port (one service otherwise: no table).
    const entries: Array<{ services: Service[]; shared: SharedServers }> = [];
    let byPort: Map<string, { services: Service[]; shared: SharedServers }> | undefined;
    for (const service of servicesOf(vs, cfg.virtualServerGroups)) {
      const fwmark = service.fwmark !== undefined;
      if (vs.target.kind !== 'group') {
        entries.push({ services: [service], shared: realServersFor(vs, service.port ?? 0, fwmark, cfg.global) });
        continue;
      }
      const key = fwmark ? 'fwmark' : String(service.port);
      byPort ??= new Map();
      let entry = byPort.get(key);
      if (!entry) {
        entry = { services: [], shared: realServersFor(vs, service.port ?? 0, fwmark, cfg.global) };
        byPort.set(key, entry);
        entries.push(entry);
      }
      entry.services.push(service);
    }
    for (const { services, shared } of entries) {
      // Assignments in the literal's key order, not conditional spreads: this runs per virtual server.
      const service = services[0]!;
      const config = { service } as VirtualServerConfig;
      if (services.length > 1) config.extraServices = services.slice(1);
      config.realServers = shared.realServers;
      config.delayLoopMs = s2ms(vs.delayLoop);
      config.alpha = vs.alpha;
      config.omega = vs.omega;
      config.inhibitOnFailure = vs.inhibitOnFailure;
      config.quorum = vs.quorum;
      config.hysteresis = vs.hysteresis;
      if (shared.sorryServer) {
        config.sorryServer = shared.sorryServer;
        if (vs.sorryServer?.inhibit) config.sorryServerInhibit = true;
      }
      if (vs.haSuspend && vs.target.kind === 'address') config.haSuspend = true;
      const m = { config } as MappedVirtualServer;
      if (service.address) m.address = service.address;
      m.unsupported = shared.unsupported;
      if (vs.quorumUp) m.quorumUp = vs.quorumUp;
      if (vs.quorumDown) m.quorumDown = vs.quorumDown;
      m.notify = shared.notify;
      out.push(m);
    }
  }
}

/**
 * The real servers (and sorry server) of a virtual server for services on one port: port 0 or no
 * port means the service's; DR and TUN forward to the service's port whatever the real server
 * says (keepalived resets it, the loader warned), and a fwmark service's DR/TUN servers have none.
 */
function realServersFor(vs: VirtualServerSpec, servicePort: number, fwmark: boolean, global: VipdConfig['global']): SharedServers {
  const unsupported: string[] = [];
  const notify: Record<string, RealServerNotify> = {};
  const portFor = (port: number, method: RealServerSpec['method']) => (method === 'NAT' ? port || servicePort : fwmark ? 0 : servicePort);
  const realServers: RealServerConfig[] = vs.realServers.map((rs) => {
    const checks = rs.checkers.map((c) => checkConfig(c, vs, global));
    const tunnel = rs.method === 'TUN' ? tunnelOptions(rs.tunnel) : undefined;
    const d: Parameters<typeof makeDestination>[0] = { family: ipFamily(rs.address), address: rs.address, port: portFor(rs.port, rs.method), forward: FORWARD[rs.method], weight: rs.weight };
    if (rs.upperThreshold !== undefined) d.upperThreshold = rs.upperThreshold;
    if (rs.lowerThreshold !== undefined) d.lowerThreshold = rs.lowerThreshold;
    if (tunnel) d.tunnel = tunnel;
    const destination = makeDestination(d);
    if (rs.notifyUp || rs.notifyDown) notify[destinationKey(destination)] = { ...(rs.notifyUp ? { up: rs.notifyUp } : {}), ...(rs.notifyDown ? { down: rs.notifyDown } : {}) };
    // Assignments in the literal's key order, not conditional spreads: per real server.
    const r = { destination } as RealServerConfig;
    if (checks.length) r.checks = checks;
    r.inhibitOnFailure = rs.inhibitOnFailure || vs.inhibitOnFailure;
    return r;
  });
  const s = vs.sorryServer;
  let sorryServer: Destination | undefined;
  if (s) {
    const method = s.method ?? vs.method;
    const tunnel = method === 'TUN' ? tunnelOptions(s.method ? s.tunnel : vs.tunnel) : undefined;
    sorryServer = makeDestination({
      family: ipFamily(s.address), address: s.address, port: portFor(s.port, method), forward: FORWARD[method], weight: 1,
      ...(tunnel ? { tunnel } : {}),
    });
  }
  return { realServers, unsupported, notify, ...(sorryServer ? { sorryServer } : {}) };
}

export { serviceKey };
