// Once the whole file is read: defaults from global_defs, references between blocks (track
// scripts, sync group members, virtual server groups), VRID clashes; drafts become the model.
import { INSTANCE_DEFAULTS, VIRTUAL_SERVER_DEFAULTS } from '../defaults.js';
import { ScriptRules, type ScriptHost } from '../../health/script-rules.js';
import type {
  RealServerSpec,
  TrackedRef,
  VipdConfig,
  VirtualServerSpec,
  VrrpInstanceSpec,
  VrrpSyncGroupSpec,
} from '../types.js';
import { fail, familyOf, whereOf } from '../values.js';
import type { ConfigDraft, InstanceDraft, VsDraft } from './draft.js';
import { finishCheckers, plannedScript, type CheckerContext } from './finish-checkers.js';
import type { Kit } from './kit.js';
import { finishSyncDaemon } from './lvs-globals.js';
import { finishAuthHmacSpec } from './vrrp-auth-hmac.js';
import { maxAdvertisedAddresses } from '../../vrrp/advert-fit.js';
import { instancesConflict, type VridKey } from '../../vrrp/demux.js';
import { signsAdverts } from '../../vrrp/auth-hmac/settings.js';

/** What the loader may ask the host (absent in pure parsing: tests, the library). */
export interface HostLookup {
  /** The interface holding a local address, for unicast instances without `interface`. */
  interfaceOfAddress?: (address: string) => string | undefined;
  /** Script users and files, checked at load as keepalived does (MISC_CHECK, notify_up/down). */
  scripts?: ScriptHost;
  /** A link's MTU: VIPs that do not fit in one advert are held but not advertised, as keepalived. */
  mtuOf?: (ifname: string) => number | undefined;
}

/** `vsWarnings`, when given, receives per virtual server the range of kit.warnings its finishing added. */
export function finish(d: ConfigDraft, kit: Kit, source: VipdConfig['source'], files: string[], lookup: HostLookup = {}, vsWarnings?: Array<[number, number]>): VipdConfig {
  const g = d.global;
  if (!d.lowerPrioDelaySet) g.garpLowerPrioDelay = g.garpMasterDelay;
  if (!d.lowerPrioRepeatSet) g.garpLowerPrioRepeat = g.garpMasterRepeat;
  const vrrpInstances = d.instances.map((i) => finishInstance(i, d, kit, lookup));
  // One VRID per interface and family, unless their multicast groups or their unicast peers keep
  // the instances apart (keepalived's "duplicate VRID conflict" is fatal).
  for (let j = 0; j < vrrpInstances.length; j++) {
    for (let k = 0; k < j; k++) {
      const why = instancesConflict(vridKey(vrrpInstances[k]!), vridKey(vrrpInstances[j]!));
      if (why) fail(vrrpInstances[j]!.where, `vrrp_instance ${vrrpInstances[j]!.name}: virtual_router_id ${vrrpInstances[j]!.virtualRouterId} is already used by ${vrrpInstances[k]!.name} on ${vrrpInstances[j]!.interface} (${why})`);
    }
  }
  const known = (what: string, block: string, names: Set<string>) => (list: TrackedRef[], owner: string) => {
    for (const t of list.filter((x) => !names.has(x.name))) kit.warn(t.where, `${owner}: ${what} '${t.name}' is not a defined ${block}, ignored`);
    return list.filter((x) => names.has(x.name));
  };
  const track = known('track_script', 'vrrp_script', new Set(d.scripts.map((s) => s.name)));
  const trackFile = known('track_file', 'track_file', new Set(d.trackFiles.map((s) => s.name)));
  const trackProcess = known('track_process', 'vrrp_track_process', new Set(d.trackProcesses.map((s) => s.name)));
  for (const i of vrrpInstances) {
    const label = `vrrp_instance ${i.name}`;
    i.trackScripts = track(i.trackScripts, label);
    i.trackFiles = trackFile(i.trackFiles, label);
    i.trackProcesses = trackProcess(i.trackProcesses, label);
  }
  const instanceNames = new Set(vrrpInstances.map((i) => i.name));
  // As keepalived: undefined members are dropped, and a group left empty is removed, with warnings.
  const syncGroups = d.syncGroups.filter((sg) => {
    const label = `vrrp_sync_group ${sg.name}`;
    sg.trackScripts = track(sg.trackScripts, label);
    sg.trackFiles = trackFile(sg.trackFiles, label);
    sg.trackProcesses = trackProcess(sg.trackProcesses, label);
    for (const m of sg.group.filter((x) => !instanceNames.has(x))) kit.warn(sg.where, `${label}: vrrp_instance '${m}' is not defined, ignored`);
    sg.group = sg.group.filter((x) => instanceNames.has(x));
    if (sg.group.length === 0) {
      kit.warn(sg.where, `${label}: no vrrp_instance left in the group, the group is removed`);
      return false;
    }
    if (sg.group.length === 1) kit.warn(sg.where, `${label}: only one vrrp_instance (${sg.group[0]}), nothing to synchronise`);
    return true;
  });
  for (const i of vrrpInstances) memberTracking(i, syncGroups.find((g) => g.group.includes(i.name)), d, kit);
  joinFifoScripts(d, kit);
  const syncDaemon = finishSyncDaemon(d.syncDaemon, vrrpInstances, kit);
  if (syncDaemon) g.lvsSyncDaemon = syncDaemon;
  const groupNames = new Set(d.vsGroups.map((x) => x.name));
  // One set of script rules for the whole file: the default user is found (and reported) once.
  const rules = lookup.scripts ? new ScriptRules(g, lookup.scripts) : undefined;
  const virtualServers = d.servers.filter((s) => {
    if (s.vs.target.kind !== 'group' || groupNames.has(s.vs.target.group)) return true;
    kit.instead(s.where, `virtual_server group '${s.vs.target.group}' is not defined`, 'this virtual server is skipped (not programmed)');
    return false;
  }).map((s) => {
    const from = kit.warnings.length;
    const vs = finishVirtualServer(s, d, kit, rules);
    vsWarnings?.push([from, kit.warnings.length]);
    return vs;
  });
  const config: VipdConfig = {
    source,
    files,
    global: g,
    vrrpScripts: d.scripts,
    trackFiles: d.trackFiles,
    trackProcesses: d.trackProcesses,
    vrrpSyncGroups: syncGroups,
    vrrpInstances,
    virtualServerGroups: d.vsGroups,
    virtualServers,
  };
  // Static addresses without `dev` go on default_interface, whichever comes first in the file.
  if (d.staticAddresses?.length) config.staticAddresses = d.staticAddresses.map((v) => ({ ...v, dev: v.dev ?? d.defaultInterface ?? 'eth0' }));
  if (d.staticRoutes?.length) config.staticRoutes = d.staticRoutes;
  if (d.staticRules?.length) config.staticRules = d.staticRules;
  return config;
}

/** The VRID-sharing view of a spec: one rule with the router's (src/vrrp/demux.ts). */
function vridKey(i: VrrpInstanceSpec): VridKey {
  return { vrid: i.virtualRouterId, family: i.family, interface: i.interface, unicastPeers: i.unicastPeers.map((p) => p.address), multicastGroup: i.mcastDstIp };
}

function finishInstance(d: InstanceDraft, config: ConfigDraft, kit: Kit, lookup: HostLookup): VrrpInstanceSpec {
  const { where: st, name } = d;
  const g = config.global;
  const label = `vrrp_instance ${name}`;
  // A unicast instance may leave the interface to the one holding unicast_src_ip (keepalived 2.4).
  let iface = d.interface;
  if (iface === undefined) {
    if (d.unicastPeers.length === 0 || d.unicastSrcIp === undefined) {
      fail(st, `${label}: no 'interface'${d.unicastPeers.length > 0 ? ' (a unicast instance needs interface or unicast_src_ip)' : ''}`);
    }
    iface = lookup.interfaceOfAddress?.(d.unicastSrcIp) ?? '';
    if (iface === '' && lookup.interfaceOfAddress) kit.warn(st, `${label}: no 'interface' and no interface has unicast_src_ip ${d.unicastSrcIp}`);
  }
  if (d.virtualRouterId === undefined) fail(st, `${label}: no 'virtual_router_id'`);
  // The first VIP sets the family; VIPs of the other family are dropped, as keepalived does.
  const family: 4 | 6 = d.vips[0]?.family ?? (d.unicastSrcIp ? familyOf(d.unicastSrcIp) : d.unicastPeers[0] ? familyOf(d.unicastPeers[0].address) : 4);
  for (const v of d.vips.filter((x) => x.family !== family)) {
    kit.warn(v.where, `virtual_ipaddress: ${v.address}/${v.prefixLength} is not IPv${family} like the instance's first VIP, ignored as keepalived does`);
  }
  d.vips = d.vips.filter((x) => x.family === family);
  if (iface === '' && lookup.interfaceOfAddress) {
    // keepalived 2.4: an instance without an interface cannot hold an address that names none.
    for (const v of [...d.vips, ...d.excluded].filter((x) => x.dev === undefined)) {
      kit.warn(v.where, `${label}: no interface for virtual address ${v.address}/${v.prefixLength} (the instance has none, give it a dev), removed as keepalived does`);
    }
    d.vips = d.vips.filter((x) => x.dev !== undefined);
    d.excluded = d.excluded.filter((x) => x.dev !== undefined);
  }
  const strict = d.strict ?? g.strict;
  if (d.vips.length === 0 && !d.noVips) {
    if (strict) fail(st, `${label}: strict mode needs at least one virtual_ipaddress`);
    kit.warn(st, `${label}: no virtual_ipaddress; at least one is sensible`);
  }
  // keepalived.conf(5) says strict mode forbids unicast; keepalived 2.2.7 runs them as unicast anyway.
  if (strict && d.unicastPeers.length > 0) kit.instead(d.unicastPeersWhere ?? st, `${label}: unicast peers in strict mode (RFC 5798 has no unicast)`, 'sent unicast');
  if (d.unicastSrcIp && familyOf(d.unicastSrcIp) !== family) {
    kit.instead(d.unicastSrcWhere ?? st, `${label}: unicast_src_ip ${d.unicastSrcIp} is not IPv${family} like the VIPs`, 'ignored');
    delete d.unicastSrcIp;
  }
  for (const p of d.unicastPeers) {
    if (familyOf(p.address) !== family) fail(st, `${label}: unicast_peer ${p.address} is not IPv${family} like the VIPs`);
  }
  let version: 2 | 3 = d.version ?? g.vrrpVersion;
  if (family === 6) {
    if (d.version === 2) kit.warn(st, `${label}: IPv6 instances use VRRP version 3`);
    version = 3;
  }
  const advertSeconds = d.advertInt ?? INSTANCE_DEFAULTS.advertIntervalCs / 100;
  let advertIntervalCs: number;
  const where = d.advertIntWhere ?? st;
  if (version === 2) {
    if (advertSeconds > 255) fail(where, `advert_int: ${advertSeconds} is out of range 1..255 for VRRPv2`);
    let whole = advertSeconds;
    if (!Number.isInteger(advertSeconds)) {
      whole = Math.max(1, Math.round(advertSeconds));
      kit.warn(where, `advert_int: VRRPv2 uses whole seconds, ${advertSeconds} rounded to ${whole}`);
    }
    advertIntervalCs = whole * 100;
  } else {
    advertIntervalCs = Math.round(advertSeconds * 100);
    if (advertIntervalCs < 1 || advertIntervalCs > 4095) fail(where, `advert_int: ${advertSeconds} is out of range 0.01..40.95 for VRRPv3`);
  }
  // As keepalived: tracking the instance's own interface is what it does anyway.
  for (const t of d.trackInterfaces.filter((x) => x.name === iface)) kit.warn(t.where, `${label}: track_interface ${t.name} is the instance's own interface, ignored as keepalived does`);
  d.trackInterfaces = d.trackInterfaces.filter((x) => x.name !== iface);
  let state = d.state ?? INSTANCE_DEFAULTS.state;
  const priority = d.priority ?? INSTANCE_DEFAULTS.priority;
  if (state === 'MASTER' && d.authentication?.type === 'AH' && !strict) {
    kit.warn(st, `${label}: initial state MASTER is incompatible with AH authentication, BACKUP is used as keepalived does`);
    state = 'BACKUP';
  }
  const xmitBase = d.vmacXmitBase ?? false;
  let vmacXmitBase = xmitBase;
  if (d.vmac && d.unicastPeers.length > 0 && !xmitBase) {
    kit.warn(d.at.vmac ?? st, `${label}: unicast with use_vmac needs vmac_xmit_base, set as keepalived does`);
    vmacXmitBase = true;
  }
  let preemptDelay = d.preemptDelay;
  let lowerPrioNoAdvert = d.lowerPrioNoAdvert ?? g.lowerPrioNoAdvert;
  let higherPrioSendAdvert = d.higherPrioSendAdvert ?? g.higherPrioSendAdvert;
  if (strict) {
    // keepalived's strict mode resets these, with the same warnings.
    if (state === 'MASTER' && priority !== 255) kit.warn(d.at.state ?? st, `${label}: strict mode: state MASTER needs priority 255 (the address owner), BACKUP is used`);
    if (state === 'MASTER' && priority !== 255) state = 'BACKUP';
    if (preemptDelay > 0) kit.warn(d.at.preemptDelay ?? st, `${label}: preempt_delay is incompatible with strict mode, reset to 0 as keepalived does`);
    preemptDelay = 0;
    if (lowerPrioNoAdvert === false) kit.warn(d.at.lowerPrio ?? st, `${label}: strict mode needs lower_prio_no_advert, set as keepalived does`);
    lowerPrioNoAdvert = true;
    if (higherPrioSendAdvert) kit.warn(d.at.higherPrio ?? st, `${label}: strict mode needs higher_prio_send_advert clear, cleared as keepalived does`);
    higherPrioSendAdvert = false;
    if (d.vmac && vmacXmitBase) kit.warn(d.at.vmac ?? st, `${label}: vmac_xmit_base is incompatible with strict mode, reset as keepalived does`);
    vmacXmitBase = false;
  }
  const inst: VrrpInstanceSpec = {
    name,
    state,
    interface: iface,
    virtualRouterId: d.virtualRouterId,
    priority,
    advertIntervalCs,
    version,
    family,
    virtualIpAddresses: d.vips,
    virtualIpAddressesExcluded: d.excluded,
    unicastPeers: d.unicastPeers,
    checkUnicastSrc: d.checkUnicastSrc ?? g.checkUnicastSrc,
    preempt: d.preempt,
    preemptDelay,
    // strict mode: accept only for the address owner unless given.
    accept: d.accept ?? (!strict || priority === 255),
    strict,
    trackInterfaces: d.trackInterfaces,
    trackScripts: d.trackScripts,
    trackFiles: d.trackFiles,
    trackProcesses: d.trackProcesses,
    dontTrackPrimary: d.dontTrackPrimary,
    notifyPriorityChanges: d.notifyPriorityChanges ?? g.vrrpNotifyPriorityChanges,
    // keepalived reports IPv6 instances as native IPv6 whether or not `native_ipv6` is set.
    nativeIpv6: d.nativeIpv6 || family === 6,
    ...d.notify,
    garpMasterDelay: d.garp.garpMasterDelay ?? g.garpMasterDelay,
    garpMasterRepeat: d.garp.garpMasterRepeat ?? g.garpMasterRepeat,
    garpMasterRefresh: d.garp.garpMasterRefresh ?? g.garpMasterRefresh,
    garpMasterRefreshRepeat: d.garp.garpMasterRefreshRepeat ?? g.garpMasterRefreshRepeat,
    garpLowerPrioDelay: d.garp.garpLowerPrioDelay ?? d.garp.garpMasterDelay ?? g.garpLowerPrioDelay,
    garpLowerPrioRepeat: d.garp.garpLowerPrioRepeat ?? d.garp.garpMasterRepeat ?? g.garpLowerPrioRepeat,
    where: st,
  };
  const hmac = d.authHmac && finishAuthHmacSpec(d.authHmac, { advertIntS: advertSeconds, strict, legacyAuthentication: d.authentication !== undefined }, kit);
  if (hmac) inst.authHmac = hmac.spec;
  fitAdvert(inst, lookup.mtuOf?.(iface), kit);
  // Beside auth_hmac the legacy block is dropped (resolveAuthHmac warned), as keepalived does.
  if (d.authentication && !hmac?.dropLegacyAuthentication) {
    if (strict) kit.warn(d.authWhere ?? st, `${label}: strict mode does not allow authentication, ignored as keepalived does`);
    else inst.authentication = d.authentication;
  }
  if (d.unicastSrcIp !== undefined) inst.unicastSrcIp = d.unicastSrcIp;
  if (d.notifyDeleted) inst.notifyDeleted = d.notifyDeleted;
  const downTimerAdverts = d.downTimerAdverts ?? config.downTimerAdverts;
  if (downTimerAdverts !== undefined) inst.downTimerAdverts = downTimerAdverts;
  if (d.vmac) inst.vmac = { ...d.vmac, xmitBase: vmacXmitBase };
  else if (d.vmacXmitBase) kit.warn(st, `${label}: vmac_xmit_base without use_vmac, ignored`);
  if (d.ipvlan) {
    if (d.vmac) fail(st, `${label}: use_vmac and use_ipvlan together`);
    // keepalived runs such an instance in FAULT for good; vipd has no instance that can never leave
    // FAULT, so it refuses it (deliberately: config-broken.test.ts).
    if (family === 4 && d.ipvlan.address === undefined) fail(d.at.ipvlan ?? st, `${label}: use_ipvlan without an address: an IPv4 instance needs one (keepalived keeps such an instance in FAULT)`);
    if (d.ipvlan.address !== undefined && familyOf(d.ipvlan.address.split('/')[0]!) !== family) fail(st, `${label}: use_ipvlan address ${d.ipvlan.address} is not IPv${family}`);
    inst.ipvlan = d.ipvlan;
  }
  if ((d.vmac || d.ipvlan) && iface === '') fail(st, `${label}: use_vmac and use_ipvlan need an interface`);
  if (d.unicastTtl !== undefined) inst.unicastTtl = d.unicastTtl;
  const group = d.mcastDstIp ?? (family === 4 ? g.mcastGroup4 : g.mcastGroup6);
  if (group !== undefined) {
    if (familyOf(group) !== family) fail(st, `${label}: mcast_dst_ip ${group} is not IPv${family} like the instance`);
    inst.mcastDstIp = group;
  }
  if (d.trackSrcIp) {
    if (d.unicastSrcIp === undefined) kit.warn(st, `${label}: track_src_ip without unicast_src_ip / mcast_src_ip: the interface's address is not tracked`);
    else inst.trackSrcIp = true;
  }
  if (lowerPrioNoAdvert !== undefined) inst.lowerPrioNoAdvert = lowerPrioNoAdvert;
  if (higherPrioSendAdvert !== undefined) inst.higherPrioSendAdvert = higherPrioSendAdvert;
  if (d.unicastFaultNoPeer) inst.unicastFaultNoPeer = true;
  if ((d.unicastSrcKeyword || d.unicastPeersWhere !== undefined) && d.unicastPeers.length === 0) {
    inst.unicastKeyword = true;
    if (!d.unicastFaultNoPeer) kit.warn(d.unicastPeersWhere ?? d.unicastSrcWhere ?? st, `${label}: a unicast keyword without unicast peers: adverts are multicast, as keepalived does (deprecated there)`);
  }
  if (d.oldUnicastChecksum) inst.oldUnicastChecksum = d.oldUnicastChecksum;
  const extra = d.garpExtraIf ?? g.garpExtraIf;
  if (extra && extra.intervalS > 0) inst.garpExtraIf = extra;
  if (d.virtualRoutes?.length) inst.virtualRoutes = d.virtualRoutes;
  if (d.virtualRules?.length) inst.virtualRules = d.virtualRules;
  return inst;
}

/**
 * What keepalived does to a sync group member's (and an address owner's) own tracking: a
 * track_script or track_file with a weight is dropped ("ignoring tracked script ... with weights
 * due to SYNC group"), unless the group says sync_group_tracking_weight (or global_tracking). A
 * weighted track_interface is only warned about (keepalived says it ignores the weight, then
 * applies it) and track_process weights count. A script or interface the group tracks too is the
 * group's. notify_priority_changes falls back to the group's.
 */
function memberTracking(i: VrrpInstanceSpec, group: VrrpSyncGroupSpec | undefined, d: ConfigDraft, kit: Kit): void {
  const label = `vrrp_instance ${i.name}`;
  if (group?.notifyPriorityChanges !== undefined && d.instances.find((x) => x.name === i.name)?.notifyPriorityChanges === undefined) {
    i.notifyPriorityChanges = group.notifyPriorityChanges;
  }
  const why = i.priority === 255 ? 'it is the address owner (priority 255)' : group && !group.trackingWeight ? `it is in vrrp_sync_group ${group.name}` : undefined;
  if (group) {
    const dup = <T extends { name: string; where: { file: string; line: number } }>(list: T[], theirs: T[], what: string) => list.filter((t) => {
      if (!theirs.some((x) => x.name === t.name)) return true;
      kit.warn(t.where, `${label}: ${what} ${t.name} is tracked by vrrp_sync_group ${group.name} too, the instance's entry is ignored as keepalived does`);
      return false;
    });
    i.trackScripts = dup(i.trackScripts, group.trackScripts, 'track_script');
    i.trackInterfaces = dup(i.trackInterfaces, group.trackInterfaces, 'track_interface');
    i.trackFiles = dup(i.trackFiles, group.trackFiles, 'track_file');
    i.trackProcesses = dup(i.trackProcesses, group.trackProcesses, 'track_process');
  }
  if (!why) return;
  const weighted = <T extends TrackedRef>(list: T[], what: string, weightOf: (t: T) => number) => list.filter((t) => {
    const w = weightOf(t);
    if (w === 0) return true;
    kit.warn(t.where, `${label}: ${what} ${t.name} has weight ${w} and ${why}: ignored as keepalived does${group ? ' (sync_group_tracking_weight keeps weights)' : ' (use weight 0)'}`);
    return false;
  });
  i.trackScripts = weighted(i.trackScripts, 'track_script', (t) => t.weight ?? d.scripts.find((s) => s.name === t.name)?.weight ?? 0);
  i.trackFiles = weighted(i.trackFiles, 'track_file', (t) => t.weight ?? d.trackFiles.find((f) => f.name === t.name)?.weight ?? 1);
  if (group && !group.trackingWeight) {
    for (const t of i.trackInterfaces.filter((x) => x.weight !== 0)) {
      kit.warn(t.where, `${label}: track_interface ${t.name} weight ${t.weight} in vrrp_sync_group ${group.name}: keepalived says it ignores the weight but applies it, and so does vipd`);
    }
  }
}

/** *notify_fifo_script goes with its FIFO; the same FIFO twice is kept for the global one (keepalived). */
function joinFifoScripts(d: ConfigDraft, kit: Kit): void {
  const g = d.global;
  const names = { notifyFifo: 'notify_fifo', vrrpNotifyFifo: 'vrrp_notify_fifo', lvsNotifyFifo: 'lvs_notify_fifo' } as const;
  for (const key of ['notifyFifo', 'vrrpNotifyFifo', 'lvsNotifyFifo'] as const) {
    const script = d.fifoScripts[key];
    if (!script) continue;
    const fifo = g[key];
    if (fifo) fifo.script = script;
    else kit.warn(script.where, `${names[key]}_script: there is no ${names[key]}, the script is not run`);
  }
  for (const key of ['vrrpNotifyFifo', 'lvsNotifyFifo'] as const) {
    const f = g[key];
    if (f && g.notifyFifo && f.path === g.notifyFifo.path) {
      kit.warn(f.where, `${names[key]} ${f.path} is notify_fifo's too: ignored as keepalived does (notify_fifo gets every line)`);
      delete g[key];
    }
  }
}

/** VIPs beyond what one advert carries on the link become excluded ones (held, not advertised), as keepalived does. */
function fitAdvert(inst: VrrpInstanceSpec, mtu: number | undefined, kit: Kit): void {
  if (mtu === undefined) return;
  const trailer = inst.authHmac !== undefined && signsAdverts(inst.authHmac.mode);
  const max = maxAdvertisedAddresses({ mtu, family: inst.family, version: inst.version, trailer });
  const vips = inst.virtualIpAddresses;
  if (max < 1 || vips.length <= max) return;
  kit.warn(inst.where, `vrrp_instance ${inst.name}: ${vips.length} virtual addresses do not fit in one advert on ${inst.interface} (MTU ${mtu}${trailer ? ', auth_hmac trailer' : ''}: at most ${max}); the other ${vips.length - max} are held while master but not advertised, as keepalived does`);
  inst.virtualIpAddresses = vips.slice(0, max);
  inst.virtualIpAddressesExcluded = [...vips.slice(max), ...inst.virtualIpAddressesExcluded];
}

/** Needs of the whole file only global_defs and the track_files (reparse.ts finishes one block alone). */
export function finishVirtualServer(d: VsDraft, config: Pick<ConfigDraft, 'global' | 'trackFiles'>, kit: Kit, rules: ScriptRules | undefined): VirtualServerSpec {
  const vsDelay = d.timing.delayLoop ?? VIRTUAL_SERVER_DEFAULTS.delayLoop;
  const cx: CheckerContext = { vs: d, vsDelay, global: config.global, trackFiles: config.trackFiles, kit, ...(rules ? { scripts: rules } : {}) };
  // No `{ ...x, ...y }` here: V8 (Node 20) gives every object an object spread makes at a site that
  // has seen many shapes a hidden class of its own (~1 KB each: half of a virtual server's memory,
  // and every later property read of them megamorphic). Object rest and Object.assign share them.
  const realServers: RealServerSpec[] = d.rs.map((r) => {
    // The notify scripts as planned (a script that must not run is gone).
    if (!('notifyUp' in r.rs) && !('notifyDown' in r.rs)) {
      return Object.assign(r.rs, finishCheckers(r, cx)); // the draft is finished once
    }
    const { notifyUp: _up, notifyDown: _down, ...rs } = r.rs;
    return Object.assign(rs, finishCheckers(r, cx));
  });
  // The draft is finished once: its object becomes the spec (same keys, same order as a copy).
  const vs = Object.assign(d.vs, { delayLoop: vsDelay, realServers }) as VirtualServerSpec;
  if (rules) {
    // quorum_up/quorum_down: the same rules as every script (a script that must not run is gone).
    for (const [key, what] of [['quorumUp', 'quorum_up'], ['quorumDown', 'quorum_down']] as const) {
      const cmd = vs[key];
      if (!cmd) continue;
      const plan = plannedScript(cmd, { ...(cmd.user !== undefined ? { user: cmd.user } : {}), ...(cmd.group !== undefined ? { group: cmd.group } : {}) }, 'notify', what, rules, kit);
      if (plan) vs[key] = plan;
      else delete vs[key];
    }
  }
  return vs;
}
