// What a configuration change means for the running daemon, decided without touching anything:
// planReload(old, next) says per VRRP instance add / remove / restart (and why) / update in place
// (and what: priority, VIPs, tracking, notify scripts) / keep, per sync group create / rebuild /
// remove / keep, what the k0s host setup adds and removes, the virtual servers to program, and
// k0s's userspace proxy (its settings and which VIPs it redirects while their instance is MASTER).
// Start is planReload(undefined, config). The runners execute the plan.
import { isDeepStrictEqual } from 'node:util';
import { ConfigError } from '../errors.js';
import type { K0sUserSpaceProxy, LvsSyncDaemonSpec, LvsTimeouts, ScriptCommand, SourceRef, VipdConfig, VirtualServerSpec } from '../config/types.js';
import type { ResolvedInstanceConfig as InstanceConfig } from '../vrrp/instance-config.js';
import { instanceConfig, mapVirtualServer, trackSpecs, virtualServerConfigsOf, type MappedVirtualServer, type TrackSpec } from './config-mapping.js';
import { hostChanges, hostSetup, type HostChanges } from './k0s-host.js';
import { authHmacChanges } from '../vrrp/instance-auth.js';
import { instancesConflict } from '../vrrp/demux.js';

/** notify_master / notify_backup / notify_fault / notify_stop / notify of an instance or a sync group. */
export interface GroupNotifySpec {
  master?: ScriptCommand;
  backup?: ScriptCommand;
  fault?: ScriptCommand;
  stop?: ScriptCommand;
  any?: ScriptCommand;
}

/** An instance's: the group's five, and notify_master_rx_lower_pri, notify_deleted, notify_priority_changes. */
export interface NotifySpec extends GroupNotifySpec {
  rxLowerPri?: ScriptCommand;
  /** DELETED (not FAULT) when a reload removes it; the instance's or its group's notify_deleted. */
  deleted?: { script?: ScriptCommand };
  priorityChanges: boolean;
}

/** One vrrp_instance in the library's terms plus what the daemon runs around it. */
export interface InstanceDefinition {
  name: string;
  config: InstanceConfig;
  tracks: TrackSpec[];
  notify: NotifySpec;
  where: SourceRef;
}

export interface TrackingChanges {
  /** New tracked things, or scripts whose definition changed (they restart from their initial state). */
  added: TrackSpec[];
  /** Scripts no longer tracked (a removed track_interface restarts the instance instead). */
  removed: TrackSpec[];
  /** Same thing, another weight. */
  reweighted: TrackSpec[];
}

export interface InstanceChanges {
  priority?: { from: number; to: number };
  virtualAddresses?: { from: string[]; to: string[] };
  tracking?: TrackingChanges;
  notify?: true;
  /** auth_hmac keys, mode...: applied in place (the rollout and key rotation need no transition). */
  authHmac?: string[];
}

export type InstanceStep =
  | { kind: 'add'; name: string; next: InstanceDefinition }
  | { kind: 'remove'; name: string }
  | { kind: 'restart'; name: string; next: InstanceDefinition; because: string[] }
  | { kind: 'update'; name: string; next: InstanceDefinition; changes: InstanceChanges }
  | { kind: 'keep'; name: string; next: InstanceDefinition };

/** A vrrp_sync_group as the runner needs it (its tracking is in its members' TrackSpecs). */
export interface SyncGroupDefinition { members: string[]; notify: GroupNotifySpec }

export type SyncGroupStep =
  | ({ kind: 'create'; name: string } & SyncGroupDefinition)
  | ({ kind: 'rebuild'; name: string; because: string } & SyncGroupDefinition)
  | { kind: 'remove'; name: string }
  /** Same members: the group keeps its state (its notify scripts may have changed). */
  | ({ kind: 'keep'; name: string } & SyncGroupDefinition);

/**
 * How the mapped virtual servers differ from those of the configuration planned before (`since`,
 * its virtual_server list): the entries of that mapping that are gone and the new ones, by
 * identity (the mapping reuses the objects of a block that did not change).
 */
export interface MappedChanges {
  since: readonly VirtualServerSpec[];
  removed: MappedVirtualServer[];
  added: MappedVirtualServer[];
}

export interface VirtualServerPlan {
  /** Every virtual server mapped (read-only; after a reload with `changes`, built when first read). */
  readonly mapped: MappedVirtualServer[];
  /** The configuration's virtual_server list (by identity: what a later plan's `changes` are relative to). */
  source: readonly VirtualServerSpec[];
  /** undefined at start. */
  changes?: MappedChanges;
  /** k0s: program IPVS only while an instance holding a virtual server's VIP is MASTER. */
  onMasterOnly: boolean;
  /** Virtual server address -> the instance whose VIP it is. */
  owners: Map<string, string>;
  lvsFlush: boolean;
  lvsFlushOnStop: boolean | 'VS';
  /** global_defs lvs_timeouts. */
  timeouts?: LvsTimeouts;
  /** global_defs lvs_sync_daemon. */
  syncDaemon?: LvsSyncDaemonSpec;
  /** global_defs rs_init_notifies. */
  rsInitNotifies: boolean;
}

/** k0s's userspace load balancer: the proxy and the VIPs redirected to it. */
export interface ProxyPlan {
  settings: K0sUserSpaceProxy;
  /** Instance name -> its VIP addresses, redirected to the proxy while that instance is MASTER. */
  vips: Map<string, string[]>;
}

export interface ReloadPlan {
  instances: InstanceStep[];
  syncGroups: SyncGroupStep[];
  host: HostChanges;
  virtualServers: VirtualServerPlan;
  /** undefined: no userspace proxy (keepalived.conf, k0s with IPVS or disableLoadBalancer). */
  proxy: ProxyPlan | undefined;
}

type Notified = Pick<VipdConfig['vrrpInstances'][number], 'notifyMaster' | 'notifyBackup' | 'notifyFault' | 'notifyStop' | 'notify'>;

export function groupNotifySpec(i: Notified): GroupNotifySpec {
  return {
    ...(i.notifyMaster ? { master: i.notifyMaster } : {}), ...(i.notifyBackup ? { backup: i.notifyBackup } : {}),
    ...(i.notifyFault ? { fault: i.notifyFault } : {}), ...(i.notifyStop ? { stop: i.notifyStop } : {}),
    ...(i.notify ? { any: i.notify } : {}),
  };
}

export function notifySpec(i: VipdConfig['vrrpInstances'][number], config?: VipdConfig): NotifySpec {
  const group = config?.vrrpSyncGroups.find((g) => g.group.includes(i.name));
  const deleted = i.notifyDeleted ?? group?.notifyDeleted;
  return {
    ...groupNotifySpec(i),
    ...(i.notifyMasterRxLowerPri ? { rxLowerPri: i.notifyMasterRxLowerPri } : {}),
    ...(deleted ? { deleted } : {}),
    priorityChanges: i.notifyPriorityChanges,
  };
}

/**
 * The mapping should never fail on a configuration the loader accepted; if it does, the error
 * names the block (file:line) and nothing has been touched yet.
 */
function mapped<T>(what: string, where: SourceRef, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${what}: ${(err as Error).message}`, where);
  }
}

export function instanceDefinitions(config: VipdConfig): InstanceDefinition[] {
  const defs = config.vrrpInstances.map((i) => mapped(`vrrp_instance ${i.name}`, i.where, () => ({
    name: i.name, config: instanceConfig(i, config), tracks: trackSpecs(i, config), notify: notifySpec(i, config), where: i.where,
  })));
  refuseSharedVrids(defs);
  return defs;
}

/**
 * The router's own rule (one VRID per interface, family and multicast group or unicast peer), on
 * the resolved configs, so `-t` refuses what start would (e.g. two k0s instances on one interface
 * named once by MAC address, once by name, would not meet here: the router resolves those later).
 */
function refuseSharedVrids(defs: InstanceDefinition[]): void {
  const byVrid = new Map<number, InstanceDefinition[]>();
  for (const d of defs) {
    const same = byVrid.get(d.config.vrid) ?? [];
    for (const o of same) {
      const why = instancesConflict(o.config, d.config);
      if (why) throw new ConfigError(`vrrp_instance ${d.name}: virtual_router_id ${d.config.vrid} is already used by ${o.name} on ${d.config.interface || 'no interface'} (IPv${d.config.family}, ${why})`, d.where);
    }
    same.push(d);
    byVrid.set(d.config.vrid, same);
  }
}

/** Source positions and the command text as written are not behaviour: moving a line changes nothing. */
function semantic(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(semantic);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (k !== 'where' && k !== 'text') out[k] = semantic(x);
  return out;
}

const same = (a: unknown, b: unknown) => isDeepStrictEqual(semantic(a), semantic(b));

export function trackKey(t: TrackSpec): string {
  return `${t.kind}:${t.name}`;
}

/** The tracked thing without its weight: what runs (a changed definition is a new tracker). */
function trackIdentity(t: TrackSpec): unknown {
  switch (t.kind) {
    case 'interface': return t.name;
    case 'script': return semantic(t.script);
    case 'file': return semantic(t.file);
    case 'process': return semantic(t.process);
  }
}

export function trackingChanges(old: TrackSpec[], next: TrackSpec[]): TrackingChanges & { interfacesRemoved: string[] } {
  const before = new Map(old.map((t) => [trackKey(t), t]));
  const after = new Map(next.map((t) => [trackKey(t), t]));
  const out = { added: [] as TrackSpec[], removed: [] as TrackSpec[], reweighted: [] as TrackSpec[], interfacesRemoved: [] as string[] };
  for (const [k, t] of before) {
    if (after.has(k)) continue;
    if (t.kind === 'interface') out.interfacesRemoved.push(t.name);
    else out.removed.push(t);
  }
  for (const [k, t] of after) {
    const o = before.get(k);
    if (!o) out.added.push(t);
    else if (!isDeepStrictEqual(trackIdentity(o), trackIdentity(t))) {
      out.removed.push(o);
      out.added.push(t);
    } else if (o.weight !== t.weight || o.reverse !== t.reverse) out.reweighted.push(t);
  }
  return out;
}

/**
 * What an instance cannot change in place (VrrpInstance has setters for priority, 255 included, and
 * VIPs only). A priority to or from 255 is in place too: keepalived keeps the state and VIPs there.
 */
const IN_PLACE_FIELDS = new Set<string>(['priority', 'virtualAddresses', 'excludedAddresses', 'authHmac']);

const vipText = (c: InstanceConfig) => [...c.virtualAddresses, ...(c.excludedAddresses ?? [])]
  .map((v) => `${v.address}/${v.prefixLength}${v.interface ? ` dev ${v.interface}` : ''}`);

function vipDevices(c: InstanceConfig): Set<string> {
  return new Set([c.interface, ...[...c.virtualAddresses, ...(c.excludedAddresses ?? [])].map((v) => v.interface ?? c.interface)]);
}

/** One instance present in both configurations. */
export function instanceStep(old: InstanceDefinition, next: InstanceDefinition): InstanceStep {
  const name = next.name;
  const because: string[] = [];
  const a = old.config as unknown as Record<string, unknown>;
  const b = next.config as unknown as Record<string, unknown>;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (!IN_PLACE_FIELDS.has(k) && !same(a[k], b[k])) because.push(`${k} changed`);
  }
  const known = vipDevices(old.config);
  for (const dev of vipDevices(next.config)) if (!known.has(dev)) because.push(`a virtual address on ${dev}, a new interface`);
  const tracking = trackingChanges(old.tracks, next.tracks);
  for (const ifname of tracking.interfacesRemoved) because.push(`track_interface ${ifname} removed`);
  if (because.length) return { kind: 'restart', name, next, because };

  const changes: InstanceChanges = {};
  if (old.config.priority !== next.config.priority) changes.priority = { from: old.config.priority, to: next.config.priority };
  if (!same(old.config.virtualAddresses, next.config.virtualAddresses) || !same(old.config.excludedAddresses ?? [], next.config.excludedAddresses ?? [])) {
    changes.virtualAddresses = { from: vipText(old.config), to: vipText(next.config) };
  }
  const { interfacesRemoved: _none, ...t } = tracking;
  if (t.added.length || t.removed.length || t.reweighted.length) changes.tracking = t;
  if (!same(old.notify, next.notify)) changes.notify = true;
  const auth = authHmacChanges(old.config.authHmac, next.config.authHmac);
  if (auth.length) changes.authHmac = auth;
  return Object.keys(changes).length ? { kind: 'update', name, next, changes } : { kind: 'keep', name, next };
}

/** Every group, even of one member: keepalived notifies a group of one as a group too. */
export function syncGroupDefinitions(config: VipdConfig): Map<string, SyncGroupDefinition> {
  const names = new Set(config.vrrpInstances.map((i) => i.name));
  const out = new Map<string, SyncGroupDefinition>();
  for (const g of config.vrrpSyncGroups) {
    const members = g.group.filter((m) => names.has(m));
    if (members.length > 0) out.set(g.name, { members, notify: groupNotifySpec(g) });
  }
  return out;
}

/** Groups are rebuilt only when their members change or restart: a kept group keeps its state. */
export function syncGroupSteps(old: Map<string, SyncGroupDefinition>, next: Map<string, SyncGroupDefinition>, restarted: Set<string>): SyncGroupStep[] {
  const steps: SyncGroupStep[] = [];
  for (const name of old.keys()) if (!next.has(name)) steps.push({ kind: 'remove', name });
  for (const [name, def] of next) {
    const before = old.get(name);
    if (!before) steps.push({ kind: 'create', name, ...def });
    else if (!isDeepStrictEqual(before.members, def.members)) steps.push({ kind: 'rebuild', name, ...def, because: 'members changed' });
    else {
      const r = def.members.filter((m) => restarted.has(m));
      steps.push(r.length ? { kind: 'rebuild', name, ...def, because: `${r.join(', ')} restarted` } : { kind: 'keep', name, ...def });
    }
  }
  return steps;
}

/**
 * `old`: the running configuration, whose mapping is reused for the virtual servers that did not
 * change, and against which `changes` is computed. When the re-read kept the objects of the blocks
 * it did not touch (config/keepalived/reparse.ts) in the same context (global_defs and groups the
 * same objects), only the blocks that are new objects are mapped and compared: O(changed), and
 * `mapped` is built when first read. Otherwise every block is mapped and both mappings compared.
 * `checkOnly` (`vipd -t`, no `old`): each block is mapped and dropped (its mapping is not kept:
 * 100,000 virtual servers are ~100 MB of it); `mapped` maps them all again if read.
 */
export function virtualServerPlan(config: VipdConfig, old?: VipdConfig, checkOnly = false): VirtualServerPlan {
  const b = config.virtualServers;
  const mapOne = (vs: VirtualServerSpec, i: number) => mapped('virtual_server', vs.where, () => {
    const spec = old?.virtualServers[i];
    return mapVirtualServer(vs, config, spec ? { spec, config: old! } : undefined);
  });
  let all: MappedVirtualServer[] | undefined;
  let changes: MappedChanges | undefined;
  if (old) {
    const a = old.virtualServers;
    // The mapping made for the old block (reused, not made again).
    const before = (spec: VirtualServerSpec) => mapVirtualServer(spec, old, { spec, config: old });
    const removed: MappedVirtualServer[] = [], added: MappedVirtualServer[] = [];
    if (a.length === b.length && old.global === config.global && old.virtualServerGroups === config.virtualServerGroups) {
      for (let i = 0; i < b.length; i++) {
        if (a[i] === b[i]) continue;
        const was = before(a[i]!), now = mapOne(b[i]!, i);
        for (const m of was) if (!now.includes(m)) removed.push(m);
        for (const m of now) if (!was.includes(m)) added.push(m);
      }
    } else {
      all = b.flatMap(mapOne);
      const was = new Set(a.flatMap(before)), now = new Set(all);
      for (const m of was) if (!now.has(m)) removed.push(m);
      for (const m of now) if (!was.has(m)) added.push(m);
    }
    changes = { since: a, removed, added };
  } else if (!checkOnly) all = b.flatMap(mapOne);
  const servers = () => (all ??= b.flatMap(mapOne));
  const vipOwner = new Map<string, string>();
  for (const i of config.vrrpInstances) for (const v of i.virtualIpAddresses) if (!vipOwner.has(v.address)) vipOwner.set(v.address, i.name);
  const owners = new Map<string, string>();
  const own = (m: MappedVirtualServer) => {
    for (const s of [m.config.service, ...(m.config.extraServices ?? [])]) {
      const owner = s.address !== undefined ? vipOwner.get(s.address) : undefined;
      if (owner) owners.set(s.address!, owner);
    }
  };
  if (checkOnly && !old) {
    for (const vs of b) {
      const ms = mapped('virtual_server', vs.where, () => virtualServerConfigsOf(vs, config));
      if (vipOwner.size) for (const m of ms) own(m);
    }
  } else if (vipOwner.size) for (const m of servers()) own(m);
  const g = config.global;
  return {
    get mapped() { return servers(); },
    source: b, ...(changes ? { changes } : {}),
    owners, onMasterOnly: config.k0s?.virtualServersOnMasterOnly === true,
    lvsFlush: g.lvsFlush, lvsFlushOnStop: g.lvsFlushOnStop, rsInitNotifies: g.rsInitNotifies ?? false,
    ...(g.lvsTimeouts ? { timeouts: g.lvsTimeouts } : {}),
    ...(g.lvsSyncDaemon ? { syncDaemon: g.lvsSyncDaemon } : {}),
  };
}

export function proxyPlan(config: VipdConfig): ProxyPlan | undefined {
  const settings = config.k0s?.userSpaceProxy;
  if (!settings) return undefined;
  return { settings, vips: new Map(config.vrrpInstances.map((i) => [i.name, i.virtualIpAddresses.map((v) => v.address)])) };
}

/** `checkOnly`: for `vipd -t`, the plan is checked, not run (virtualServerPlan keeps no mapping). */
export function planReload(old: VipdConfig | undefined, next: VipdConfig, checkOnly = false): ReloadPlan {
  const before = new Map((old ? instanceDefinitions(old) : []).map((d) => [d.name, d]));
  const after = instanceDefinitions(next);
  const names = new Set(after.map((d) => d.name));
  const instances: InstanceStep[] = [...before.keys()].filter((n) => !names.has(n)).map((name) => ({ kind: 'remove', name }));
  for (const d of after) {
    const o = before.get(d.name);
    instances.push(o ? instanceStep(o, d) : { kind: 'add', name: d.name, next: d });
  }
  const restarted = new Set(instances.filter((s) => s.kind === 'restart' || s.kind === 'add').map((s) => s.name));
  return {
    instances,
    syncGroups: syncGroupSteps(old ? syncGroupDefinitions(old) : new Map(), syncGroupDefinitions(next), restarted),
    host: hostChanges(old ? hostSetup(old) : undefined, hostSetup(next)),
    virtualServers: virtualServerPlan(next, old, checkOnly),
    proxy: proxyPlan(next),
  };
}
