// What a VRRP instance is, in the library's terms: the one shape every other view of an instance
// (state machine, receive checks, encoder, GARP schedule) is derived from (see instance-views.ts).
// Callers give what has no sensible default; resolveInstanceConfig fills the rest as keepalived.conf
// does and rejects, with a ConfigError, what could not run.
import { ConfigError } from '../errors.js';
import { ipFamily, ipToBytes } from '../netif/ip-address.js';
import { checkMachineConfig } from './state-machine.js';
import type { ChecksumMode, IpVersion, VrrpVersion } from './types.js';
import { HmacKey } from './auth-hmac/keys.js';
import type { AntiReplay } from './auth-hmac/sequence.js';
import { AUTH_MODES, defaultWindowS, WINDOW_MAX_S, WINDOW_MIN_S, type AuthHmacSettings, type AuthMode } from './auth-hmac/settings.js';

/** A virtual address: "10.0.0.100/24" (no "/len": a host address), or the same as an object. */
export type VirtualAddressInput = string | VirtualAddressConfig;

export interface VirtualAddressConfig {
  address: string;
  /** Default: the full length (32 / 128), as keepalived.conf. */
  prefixLength?: number;
  /** Device the address goes on (keepalived `dev`); default: the instance's interface. */
  interface?: string;
  /** IFA_LABEL (IPv4), e.g. "eth0:vip". */
  label?: string;
  /** Address scope, as `ip addr add ... scope`. Default global. */
  scope?: AddressScope;
  /** IPv4 broadcast address (`brd`). */
  broadcast?: string;
  /** Point-to-point peer (`peer`), of the address's family. */
  peer?: string;
}

/** `ip address` scopes and their RT_SCOPE_* numbers. */
export const ADDRESS_SCOPES = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 } as const;
export type AddressScope = keyof typeof ADDRESS_SCOPES;

/** keepalived's GARP knobs (ms / counts). */
export interface GarpSettings {
  /** Delay of the second burst after becoming master; 0 = none. */
  masterDelayMs: number;
  /** Announcements per VIP per burst. */
  masterRepeat: number;
  /** Refresh period while master; 0 = off. */
  masterRefreshMs: number;
  masterRefreshRepeat: number;
  /** Gap between two announcements on one interface. */
  intervalMs: number;
  /**
   * A master that hears a lower-priority advert (another router believed it was master, so the
   * LAN's last GARPs may be theirs) announces again: `lowerPrioRepeat` now and after
   * `lowerPrioDelayMs` (keepalived's garp_lower_prio_*; default: masterDelayMs / masterRepeat).
   */
  lowerPrioDelayMs: number;
  lowerPrioRepeat: number;
  /**
   * keepalived garp_extra_if: every `extraIfRefreshMs` while master, one round on the interfaces of
   * VIPs other than the instance's own (VMACs only unless `extraIfAll`), so switches keep their MACs.
   * 0 = off.
   */
  extraIfRefreshMs: number;
  extraIfAll: boolean;
}

/** keepalived's defaults (vrrp_garp_master_delay 5, vrrp_garp_master_repeat 5, no refresh, no gap). */
export const DEFAULT_GARP: Readonly<GarpSettings> = Object.freeze({
  masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1, intervalMs: 0, lowerPrioDelayMs: 5000, lowerPrioRepeat: 5,
  extraIfRefreshMs: 0, extraIfAll: false,
});

/** A unicast peer; `minTtl`/`maxTtl` (keepalived min_ttl / max_ttl) bound the TTL its adverts may arrive with. */
export interface UnicastPeerConfig {
  address: string;
  minTtl?: number;
  maxTtl?: number;
}

/** VRRPv2 authentication (keepalived `authentication { auth_type PASS|AH; auth_pass ... }`). */
export interface AuthConfig {
  /** 'pass': the password in the advert (RFC 2338 simple text); 'ah': IPsec AH with HMAC-MD5-96 keyed by it. */
  type: 'pass' | 'ah';
  /** At most 8 bytes are used, as keepalived. */
  password: string;
}

/**
 * keepalived use_vmac: the instance runs on a macvlan (mode private) of its interface with the
 * virtual router MAC 00:00:5e:00:01:VRID (IPv6: 00:00:5e:00:02:VRID); its VIPs go there and its
 * adverts and GARPs leave with that MAC. Removed when the instance stops.
 */
export interface VmacConfig {
  /** Default `vrrp.VRID` (keepalived's vmac_prefix "vrrp"). */
  name?: string;
  /** Default the virtual router MAC; 5 bytes ("02:11:22:33:44") take the VRID as the sixth. */
  mac?: string;
  /** keepalived vmac_xmit_base: adverts are sent and received on the base interface. */
  xmitBase?: boolean;
}

/** keepalived use_ipvlan: an L2 ipvlan of the instance's interface holding `address`; the VIPs go there. */
export interface IpvlanConfig {
  /** Default `vrrp.VRID`. */
  name?: string;
  /** Its own address with prefix, "10.0.0.5/24" (IPv4 instances need one; IPv6 uses the link-local). */
  address?: string;
  /** Default 'bridge', as keepalived. */
  mode?: 'bridge' | 'private' | 'vepa';
}

/**
 * An instance as callers describe it. Only name, vrid, interface and virtualAddresses are needed;
 * the defaults are keepalived.conf's.
 */
export interface InstanceConfig {
  name: string;
  /** Virtual router id, 1..255. */
  vrid: number;
  /**
   * Interface the instance runs on. A unicast instance with a unicastSource may leave it out
   * (keepalived 2.4): its socket is then bound to no device and every address names its interface.
   */
  interface?: string;
  /** Advertised and held while master. One family; it decides the instance's family. */
  virtualAddresses: VirtualAddressInput[];
  /** Default 2 (keepalived's vrrp_version); IPv6 instances are always 3. */
  version?: VrrpVersion;
  /** Default: the family of the virtual addresses (else of unicastSource / unicastPeers, else 4). */
  family?: IpVersion;
  /** 1..255; 255 = address owner. Default 100. */
  priority?: number;
  /** Advertisement interval, centiseconds (v2: a multiple of 100). Default 100 (1 s). */
  advertIntervalCs?: number;
  /** Default true (keepalived `nopreempt` makes it false). */
  preempt?: boolean;
  /** Default 0. */
  preemptDelayMs?: number;
  /**
   * Accept_Mode: whether a master that is not the address owner takes traffic to its VIPs. Default
   * true, as keepalived; with `strict`, only for the owner (priority 255). false drops that traffic
   * (nftables, one vipd table) while master.
   */
  acceptMode?: boolean;
  /**
   * keepalived vrrp_strict / strict_mode: RFC behaviour. Received adverts whose address list differs
   * are dropped (unless from the owner), a master never answers lower-priority adverts, Accept_Mode
   * defaults to owner-only; configs strict mode forbids (authentication, unicast, preempt delay,
   * vmac xmitBase, higherPriorityAdvert) are ConfigErrors. Default false.
   */
  strict?: boolean;
  /** VRRPv2 simple password (keepalived auth_type PASS), at most 8 bytes. Ignored for v3, as keepalived. */
  authPass?: string;
  /** VRRPv2 authentication, PASS or AH (overrides authPass). Ignored for v3, as keepalived. */
  auth?: AuthConfig;
  /** Held while master but not advertised (keepalived virtual_ipaddress_excluded). Either family. */
  excludedAddresses?: VirtualAddressInput[];
  /** Source of our adverts; default: the interface's primary address (IPv6: its link-local). */
  unicastSource?: string;
  /** Unicast mode: adverts go to these peers. Default: multicast. */
  unicastPeers?: Array<string | UnicastPeerConfig>;
  /** TTL limits of peers' adverts by peer address (filled from unicastPeers objects). */
  unicastPeerTtl?: Record<string, { minTtl: number; maxTtl: number }>;
  /**
   * keepalived check_unicast_src: drop unicast adverts whose source is not a peer. Default false
   * (keepalived's); a peer with TTL limits turns it on.
   */
  checkUnicastSource?: boolean;
  /** TTL / hop limit of unicast adverts (keepalived unicast_ttl). Default 255. */
  unicastTtl?: number;
  /**
   * keepalived unicast_fault_no_peer: a unicast instance (`unicast` true) with no peers is in FAULT
   * instead of falling back to multicast.
   */
  unicastFaultNoPeer?: boolean;
  /** The instance was configured for unicast (keepalived: a unicast keyword), peers or not. */
  unicast?: boolean;
  /**
   * VRRPv3 unicast over IPv4, keepalived old_unicast_checksum: 'send' computes the checksum with the
   * multicast group as pseudo-header destination (keepalived before 1.3.6); 'detect' (default)
   * accepts that form too; 'never' accepts RFC checksums only.
   */
  oldUnicastChecksum?: 'send' | 'detect' | 'never';
  /** Multicast destination of adverts (keepalived mcast_dst_ip). Default 224.0.0.18 / ff02::12. */
  multicastGroup?: string;
  /** keepalived lower_prio_no_advert: a master ignores lower-priority adverts (RFC). Default false: it answers with one. */
  lowerPriorityNoAdvert?: boolean;
  /** keepalived higher_prio_send_advert: a master sends one advert before yielding to a higher priority. Default false. */
  higherPriorityAdvert?: boolean;
  /** keepalived track_src_ip: FAULT while unicastSource is on no local interface. Default false. */
  trackSource?: boolean;
  /** keepalived use_vmac: run on a VMAC (macvlan). */
  vmac?: VmacConfig;
  /** keepalived use_ipvlan: run on an ipvlan. */
  ipvlan?: IpvlanConfig;
  /** Default DEFAULT_GARP; the lower-priority pair defaults to the master pair given here. */
  garp?: Partial<GarpSettings>;
  /** v3 over IPv4: checksum variants to accept ('no-pseudo' is also what we send). Default 'pseudo'. */
  checksum?: ChecksumMode;
  /** Default 'log' (keepalived's behaviour; 'strict' is RFC 5798 7.1). */
  addressListCheck?: 'log' | 'strict';
  /** keepalived down_timer_adverts. Default 3 (the RFC). */
  downTimerAdverts?: number;
  /** keepalived dont_track_primary: the interface's own link going down is no FAULT. Default false. */
  dontTrackPrimary?: boolean;
  /**
   * HMAC-SHA256 authentication of adverts (draft-cassen-vrrp-auth-hmac, keepalived's `auth_hmac`):
   * every advert carries a signed trailer, and adverts without a valid one are dropped before they
   * reach the state machine. Excludes `authPass`.
   */
  authHmac?: AuthHmacConfig;
}

/** keepalived's `auth_hmac { }` in the library's terms. */
export interface AuthHmacConfig {
  /** Every key accepted (two during a rotation), each 32 to 64 bytes with an id 1..255. */
  keys: readonly HmacKey[] | ReadonlyMap<number, HmacKey>;
  /** The key that signs our adverts; one of `keys`. */
  activeKeyId: number;
  /** Default 'enforce'. 'permissive' and 'receive-only' are the rollout steps (see AuthMode). */
  mode?: AuthMode;
  /** Default 'time' (synchronised clocks); 'monotonic' needs no clock agreement. */
  antiReplay?: AntiReplay;
  /** Freshness window, whole seconds 1..300. Default keepalived's: 3 x the advert interval, at least 5. */
  windowS?: number;
  /** Most senders whose last sequence is remembered (default 32). */
  replaySenders?: number;
}

export interface ResolvedVirtualAddress {
  address: string;
  prefixLength: number;
  interface?: string;
  label?: string;
  scope?: AddressScope;
  broadcast?: string;
  peer?: string;
}

/** An InstanceConfig with every default filled in and every value checked. */
export interface ResolvedInstanceConfig extends InstanceConfig {
  /** '' when the (unicast) instance has none. */
  interface: string;
  version: VrrpVersion;
  family: IpVersion;
  priority: number;
  advertIntervalCs: number;
  preempt: boolean;
  preemptDelayMs: number;
  acceptMode: boolean;
  virtualAddresses: ResolvedVirtualAddress[];
  excludedAddresses: ResolvedVirtualAddress[];
  unicastPeers: string[];
  unicastPeerTtl: Record<string, { minTtl: number; maxTtl: number }>;
  checkUnicastSource: boolean;
  unicastTtl: number;
  oldUnicastChecksum: 'send' | 'detect' | 'never';
  strict: boolean;
  lowerPriorityNoAdvert: boolean;
  higherPriorityAdvert: boolean;
  trackSource: boolean;
  garp: GarpSettings;
  checksum: ChecksumMode;
  addressListCheck: 'log' | 'strict';
  downTimerAdverts: number;
  authHmac?: AuthHmacSettings;
}

/** Fills keepalived's defaults in and checks the result. Idempotent. Throws ConfigError. */
export function resolveInstanceConfig(c: InstanceConfig): ResolvedInstanceConfig {
  const name = c.name;
  const bad = (message: string): never => { throw new ConfigError(`VRRP instance ${name}: ${message}`); };
  if (typeof name !== 'string' || name === '') throw new ConfigError('a VRRP instance needs a name');
  if (!Number.isInteger(c.vrid) || c.vrid < 1 || c.vrid > 255) bad(`vrid must be 1..255, not ${String(c.vrid)}`);
  if (!Array.isArray(c.virtualAddresses)) bad('virtualAddresses must be a list');
  const vips = c.virtualAddresses.map((v) => virtualAddress(v, bad));
  const excluded = (c.excludedAddresses ?? []).map((v) => virtualAddress(v, bad));
  const { peers, peerTtl } = unicastPeersOf(c, bad);
  const iface = c.interface ?? '';
  if (typeof iface !== 'string') bad('interface must be a string');
  // keepalived 2.4: a unicast instance may run without an interface (its socket is bound to none);
  // every address then names the interface it goes on.
  if (iface === '') {
    if (peers.length === 0 || c.unicastSource === undefined) bad('no interface (only a unicast instance with unicastSource may leave it out)');
    for (const v of [...vips, ...excluded]) if (!v.interface) bad(`${v.address} has no interface and the instance has none`);
    if (c.vmac || c.ipvlan) bad('a VMAC or ipvlan needs the instance\'s interface');
  }
  const families = new Set(vips.map((v) => ipFamily(v.address)));
  if (families.size > 1) bad('virtualAddresses mix IPv4 and IPv6 (put one family in excludedAddresses)');
  const inferred: IpVersion = [...families][0] ?? familyOf(c.unicastSource ?? peers[0], bad) ?? 4;
  const family = c.family ?? inferred;
  if (family !== 4 && family !== 6) bad(`family must be 4 or 6, not ${String(family)}`);
  if (family !== inferred && (families.size > 0 || c.unicastSource !== undefined || peers.length > 0)) {
    bad(`family ${family} does not match its IPv${inferred} addresses`);
  }
  for (const a of [c.unicastSource, ...peers]) {
    if (a !== undefined && familyOf(a, bad) !== family) bad(`${a} is not an IPv${family} address`);
  }
  if (family === 6 && c.version === 2) bad('IPv6 instances run VRRP version 3');
  const version: VrrpVersion = c.version ?? (family === 6 ? 3 : 2);
  const garp = { ...DEFAULT_GARP, ...c.garp };
  // keepalived: garp_lower_prio_* default to garp_master_* of the same instance.
  if (c.garp?.lowerPrioDelayMs === undefined && c.garp?.masterDelayMs !== undefined) garp.lowerPrioDelayMs = c.garp.masterDelayMs;
  if (c.garp?.lowerPrioRepeat === undefined && c.garp?.masterRepeat !== undefined) garp.lowerPrioRepeat = c.garp.masterRepeat;
  for (const [k, v] of Object.entries(garp)) {
    if (k === 'extraIfAll') { if (typeof v !== 'boolean') bad(`garp.extraIfAll must be a boolean`); continue; }
    if (!(Number.isFinite(v) && (v as number) >= 0)) bad(`garp.${k} must be a number >= 0, not ${String(v)}`);
  }
  const priority = c.priority ?? 100;
  const advertIntervalCs = c.advertIntervalCs ?? 100;
  const strict = c.strict ?? false;
  const auth = authOf(c, bad);
  if (c.authHmac !== undefined && auth) bad(`${auth.type === 'ah' ? 'auth type ah' : 'authPass'} and authHmac exclude each other (keepalived ignores authentication { } beside auth_hmac)`);
  const authHmac = c.authHmac === undefined ? undefined : authHmacSettings(c.authHmac, advertIntervalCs, bad);
  const unicastTtl = c.unicastTtl ?? 255;
  if (!Number.isInteger(unicastTtl) || unicastTtl < 0 || unicastTtl > 255) bad(`unicastTtl must be 0..255, not ${String(unicastTtl)}`);
  if (c.multicastGroup !== undefined) checkGroup(c.multicastGroup, family, bad);
  if (c.vmac && c.ipvlan) bad('use either a VMAC or an ipvlan, not both');
  if (c.vmac?.mac !== undefined) vmacAddress(c.vmac.mac, c.vrid, family, bad);
  if (c.ipvlan?.mode !== undefined && !['bridge', 'private', 'vepa'].includes(c.ipvlan.mode)) bad(`ipvlan mode must be bridge, private or vepa, not ${String(c.ipvlan.mode)}`);
  if (c.ipvlan && family === 4 && c.ipvlan.address === undefined) bad('an IPv4 ipvlan needs an address');
  if (c.ipvlan?.address !== undefined) {
    const a = virtualAddress(c.ipvlan.address, bad);
    if (ipFamily(a.address) !== family) bad(`ipvlan address ${c.ipvlan.address} is not IPv${family}`);
  }
  for (const n of [c.vmac?.name, c.ipvlan?.name]) if (n !== undefined && !/^[^\s/:]{1,15}$/.test(n)) bad(`'${n}' is not an interface name (1..15 characters, no space, / or :)`);
  if (strict) {
    // keepalived's strict mode (vrrp_strict): what it refuses outright, and what the config layer resets first.
    if (auth) bad('strict mode does not allow authentication');
    if (authHmac && authHmac.mode !== 'enforce') bad(`strict mode needs authHmac mode enforce, not ${authHmac.mode}`);
    if (vips.length === 0) bad('strict mode needs at least one virtual address');
    if ((c.preemptDelayMs ?? 0) > 0) bad('strict mode does not allow a preempt delay');
    if (c.vmac?.xmitBase) bad('strict mode does not allow vmac xmitBase');
    if (c.higherPriorityAdvert) bad('strict mode does not allow higherPriorityAdvert');
    if (c.lowerPriorityNoAdvert === false) bad('strict mode needs lowerPriorityNoAdvert');
    if (c.addressListCheck === 'log') bad("strict mode checks address lists strictly (addressListCheck 'strict')");
  }
  const r: ResolvedInstanceConfig = {
    name,
    vrid: c.vrid,
    interface: iface,
    version,
    family,
    priority,
    advertIntervalCs,
    preempt: c.preempt ?? true,
    preemptDelayMs: c.preemptDelayMs ?? 0,
    acceptMode: c.acceptMode ?? (strict ? priority === 255 : true),
    strict,
    virtualAddresses: vips,
    excludedAddresses: excluded,
    unicastPeers: peers,
    unicastPeerTtl: peerTtl,
    checkUnicastSource: (c.checkUnicastSource ?? false) || Object.keys(peerTtl).length > 0,
    unicastTtl,
    oldUnicastChecksum: c.oldUnicastChecksum ?? 'detect',
    lowerPriorityNoAdvert: c.lowerPriorityNoAdvert ?? strict,
    higherPriorityAdvert: c.higherPriorityAdvert ?? false,
    trackSource: c.trackSource ?? false,
    garp,
    checksum: c.checksum ?? 'pseudo',
    addressListCheck: c.addressListCheck ?? (strict ? 'strict' : 'log'),
    downTimerAdverts: c.downTimerAdverts ?? 3,
    ...(c.authPass !== undefined ? { authPass: c.authPass } : {}),
    ...(auth ? { auth } : {}),
    ...(c.unicastSource !== undefined ? { unicastSource: c.unicastSource } : {}),
    ...(c.unicast !== undefined ? { unicast: c.unicast } : {}),
    ...(c.unicastFaultNoPeer !== undefined ? { unicastFaultNoPeer: c.unicastFaultNoPeer } : {}),
    ...(c.multicastGroup !== undefined ? { multicastGroup: c.multicastGroup } : {}),
    ...(c.vmac ? { vmac: { ...c.vmac } } : {}),
    ...(c.ipvlan ? { ipvlan: { ...c.ipvlan } } : {}),
    ...(authHmac ? { authHmac } : {}),
    ...(c.dontTrackPrimary ? { dontTrackPrimary: true } : {}),
  };
  if (!['send', 'detect', 'never'].includes(r.oldUnicastChecksum)) bad(`oldUnicastChecksum must be send, detect or never, not ${String(r.oldUnicastChecksum)}`);
  try {
    checkMachineConfig(r);
  } catch (err) {
    bad((err as Error).message);
  }
  return r;
}

/** The peers' addresses and the TTL limits of those that have some (min 0 / max 255 when only one is given). */
function unicastPeersOf(c: InstanceConfig, bad: (m: string) => never): { peers: string[]; peerTtl: Record<string, { minTtl: number; maxTtl: number }> } {
  const peers: string[] = [];
  const peerTtl: Record<string, { minTtl: number; maxTtl: number }> = { ...c.unicastPeerTtl };
  for (const p of c.unicastPeers ?? []) {
    if (typeof p === 'string') {
      peers.push(p);
      continue;
    }
    if (!p || typeof p.address !== 'string') bad(`${JSON.stringify(p)} is not a unicast peer`);
    peers.push(p.address);
    if (p.minTtl !== undefined || p.maxTtl !== undefined) peerTtl[p.address] = { minTtl: p.minTtl ?? 0, maxTtl: p.maxTtl ?? 255 };
  }
  for (const [a, t] of Object.entries(peerTtl)) {
    if (!peers.includes(a)) bad(`TTL limits for ${a}, which is not a unicast peer`);
    for (const v of [t.minTtl, t.maxTtl]) if (!Number.isInteger(v) || v < 0 || v > 255) bad(`unicast peer ${a}: TTL limit ${String(v)} is not 0..255`);
    if (t.minTtl > t.maxTtl) bad(`unicast peer ${a}: minTtl ${t.minTtl} is above maxTtl ${t.maxTtl}`);
  }
  return { peers, peerTtl };
}

function authOf(c: InstanceConfig, bad: (m: string) => never): AuthConfig | undefined {
  const a = c.auth ?? (c.authPass !== undefined ? { type: 'pass' as const, password: c.authPass } : undefined);
  if (!a) return undefined;
  if (a.type !== 'pass' && a.type !== 'ah') bad(`auth type must be pass or ah, not ${String(a.type)}`);
  if (typeof a.password !== 'string') bad('auth password must be a string');
  return { type: a.type, password: a.password };
}

function checkGroup(group: string, family: IpVersion, bad: (m: string) => never): void {
  let bytes: Buffer;
  try {
    bytes = ipToBytes(group);
  } catch {
    return bad(`multicastGroup ${JSON.stringify(group)} is not an IP address`);
  }
  const ok = family === 4
    ? bytes.length === 4 && bytes[0]! >= 224 && bytes[0]! <= 239
    : bytes.length === 16 && bytes[0] === 0xff && (bytes[1]! & 0x0f) === 2;
  if (!ok) bad(`multicastGroup ${group} is not an IPv${family} ${family === 6 ? 'link-local multicast (ffX2::)' : 'multicast'} address`);
}

/** The VMAC's MAC: the given one (5 bytes take the VRID as the sixth), else 00:00:5e:00:01|02:VRID. */
export function vmacAddress(mac: string | undefined, vrid: number, family: IpVersion, bad: (m: string) => never = (m) => { throw new ConfigError(m); }): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  if (mac === undefined) return `00:00:5e:00:0${family === 4 ? 1 : 2}:${hex(vrid)}`;
  const parts = mac.split(/[:-]/);
  if ((parts.length !== 5 && parts.length !== 6) || parts.some((p) => !/^[0-9a-f]{1,2}$/i.test(p))) bad(`'${mac}' is not a MAC address (5 or 6 hex bytes)`);
  const bytes = parts.map((p) => parseInt(p, 16));
  if (bytes.length === 5) bytes.push(vrid);
  if (bytes[0]! & 1) bad(`${mac} is a multicast MAC address`);
  return bytes.map(hex).join(':');
}

function authHmacSettings(a: AuthHmacConfig, advertIntervalCs: number, bad: (m: string) => never): AuthHmacSettings {
  if (a === null || typeof a !== 'object') return bad('authHmac must be an object');
  const list: unknown = a.keys instanceof Map ? [...(a.keys as ReadonlyMap<number, HmacKey>).values()] : a.keys;
  if (!Array.isArray(list)) return bad('authHmac.keys must be a list (or Map) of HmacKey');
  const keys = new Map<number, HmacKey>();
  for (const k of list as unknown[]) {
    if (!(k instanceof HmacKey)) bad('authHmac.keys must be HmacKey objects (new HmacKey(id, bytes))');
    if (keys.has(k.id)) bad(`authHmac key ${k.id} is given twice`);
    keys.set(k.id, k);
  }
  if (keys.size === 0) bad('authHmac needs at least one key');
  if (!keys.has(a.activeKeyId)) bad(`authHmac.activeKeyId ${String(a.activeKeyId)} is not one of the keys (${[...keys.keys()].join(', ')})`);
  const mode = a.mode ?? 'enforce';
  if (!AUTH_MODES.includes(mode)) bad(`authHmac.mode must be ${AUTH_MODES.join(', ')}, not ${String(mode)}`);
  const antiReplay = a.antiReplay ?? 'time';
  if (antiReplay !== 'time' && antiReplay !== 'monotonic') bad(`authHmac.antiReplay must be time or monotonic, not ${String(antiReplay)}`);
  const windowS = a.windowS ?? defaultWindowS(advertIntervalCs / 100);
  if (!Number.isInteger(windowS) || windowS < WINDOW_MIN_S || windowS > WINDOW_MAX_S) {
    bad(`authHmac.windowS must be whole seconds ${WINDOW_MIN_S}..${WINDOW_MAX_S}, not ${String(windowS)}`);
  }
  const senders = a.replaySenders;
  if (senders !== undefined && !(Number.isInteger(senders) && senders >= 1)) bad(`authHmac.replaySenders must be an integer >= 1, not ${String(senders)}`);
  return { keys, activeKeyId: a.activeKeyId, mode, antiReplay, windowS, ...(senders !== undefined ? { replaySenders: senders } : {}) };
}

function familyOf(address: string | undefined, bad: (m: string) => never): IpVersion | undefined {
  if (address === undefined) return undefined;
  try {
    return ipFamily(address);
  } catch {
    return bad(`${JSON.stringify(address)} is not an IP address`);
  }
}

function virtualAddress(v: VirtualAddressInput, bad: (m: string) => never): ResolvedVirtualAddress {
  const o: VirtualAddressConfig = typeof v === 'string' ? cidr(v, bad) : v;
  if (!o || typeof o.address !== 'string') return bad(`${JSON.stringify(v)} is not a virtual address`);
  const family = familyOf(o.address, bad)!;
  const max = family === 4 ? 32 : 128;
  const prefixLength = o.prefixLength ?? max;
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > max) bad(`${o.address}: prefix length ${String(prefixLength)} is not 0..${max}`);
  if (o.scope !== undefined && !Object.hasOwn(ADDRESS_SCOPES, o.scope)) bad(`${o.address}: scope must be ${Object.keys(ADDRESS_SCOPES).join(', ')}, not ${String(o.scope)}`);
  if (o.broadcast !== undefined && (family !== 4 || familyOf(o.broadcast, bad) !== 4)) bad(`${o.address}: broadcast ${o.broadcast} needs an IPv4 address and an IPv4 broadcast`);
  if (o.peer !== undefined && familyOf(o.peer, bad) !== family) bad(`${o.address}: peer ${o.peer} is not IPv${family}`);
  return {
    address: o.address, prefixLength, ...(o.interface !== undefined ? { interface: o.interface } : {}), ...(o.label !== undefined ? { label: o.label } : {}),
    ...(o.scope !== undefined ? { scope: o.scope } : {}), ...(o.broadcast !== undefined ? { broadcast: o.broadcast } : {}), ...(o.peer !== undefined ? { peer: o.peer } : {}),
  };
}

function cidr(text: string, bad: (m: string) => never): VirtualAddressConfig {
  const slash = text.indexOf('/');
  if (slash < 0) return { address: text };
  const p = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(p)) bad(`'${text}' has an invalid prefix length`);
  return { address: text.slice(0, slash), prefixLength: Number(p) };
}
