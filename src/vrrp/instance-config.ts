// What a VRRP instance is, in the library's terms: the one shape every other view of an instance
// (state machine, receive checks, encoder, GARP schedule) is derived from (see instance-views.ts).
// Callers give what has no sensible default; resolveInstanceConfig fills the rest as keepalived.conf
// does and rejects, with a ConfigError, what could not run.
import { ConfigError } from '../errors.js';
import { ipFamily } from '../netif/ip-address.js';
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
}

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
}

/** keepalived's defaults (vrrp_garp_master_delay 5, vrrp_garp_master_repeat 5, no refresh, no gap). */
export const DEFAULT_GARP: Readonly<GarpSettings> = Object.freeze({
  masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1, intervalMs: 0, lowerPrioDelayMs: 5000, lowerPrioRepeat: 5,
});

/**
 * An instance as callers describe it. Only name, vrid, interface and virtualAddresses are needed;
 * the defaults are keepalived.conf's.
 */
export interface InstanceConfig {
  name: string;
  /** Virtual router id, 1..255. */
  vrid: number;
  /** Interface the instance runs on. */
  interface: string;
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
  /** Default true, as keepalived outside vrrp_strict (which turns it off: pass false there). */
  acceptMode?: boolean;
  /** VRRPv2 simple password (keepalived auth_type PASS), at most 8 bytes. Ignored for v3, as keepalived. */
  authPass?: string;
  /** Held while master but not advertised (keepalived virtual_ipaddress_excluded). Either family. */
  excludedAddresses?: VirtualAddressInput[];
  /** Source of our adverts; default: the interface's primary address (IPv6: its link-local). */
  unicastSource?: string;
  /** Unicast mode: adverts go to, and are accepted only from, these peers. Default: multicast. */
  unicastPeers?: string[];
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
}

/** An InstanceConfig with every default filled in and every value checked. */
export interface ResolvedInstanceConfig extends InstanceConfig {
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
  if (typeof c.interface !== 'string' || c.interface === '') bad('no interface');
  if (!Array.isArray(c.virtualAddresses)) bad('virtualAddresses must be a list');
  const vips = c.virtualAddresses.map((v) => virtualAddress(v, bad));
  const excluded = (c.excludedAddresses ?? []).map((v) => virtualAddress(v, bad));
  const peers = c.unicastPeers ?? [];
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
  for (const [k, v] of Object.entries(garp)) if (!(Number.isFinite(v) && v >= 0)) bad(`garp.${k} must be a number >= 0, not ${String(v)}`);
  const advertIntervalCs = c.advertIntervalCs ?? 100;
  if (c.authHmac !== undefined && c.authPass !== undefined) bad('authPass and authHmac exclude each other (keepalived ignores authentication { } beside auth_hmac)');
  const authHmac = c.authHmac === undefined ? undefined : authHmacSettings(c.authHmac, advertIntervalCs, bad);
  const r: ResolvedInstanceConfig = {
    name,
    vrid: c.vrid,
    interface: c.interface,
    version,
    family,
    priority: c.priority ?? 100,
    advertIntervalCs,
    preempt: c.preempt ?? true,
    preemptDelayMs: c.preemptDelayMs ?? 0,
    acceptMode: c.acceptMode ?? true,
    virtualAddresses: vips,
    excludedAddresses: excluded,
    unicastPeers: [...peers],
    garp,
    checksum: c.checksum ?? 'pseudo',
    addressListCheck: c.addressListCheck ?? 'log',
    downTimerAdverts: c.downTimerAdverts ?? 3,
    ...(c.authPass !== undefined ? { authPass: c.authPass } : {}),
    ...(c.unicastSource !== undefined ? { unicastSource: c.unicastSource } : {}),
    ...(authHmac ? { authHmac } : {}),
    ...(c.dontTrackPrimary ? { dontTrackPrimary: true } : {}),
  };
  try {
    checkMachineConfig(r);
  } catch (err) {
    bad((err as Error).message);
  }
  return r;
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
  return {
    address: o.address, prefixLength, ...(o.interface !== undefined ? { interface: o.interface } : {}), ...(o.label !== undefined ? { label: o.label } : {}),
  };
}

function cidr(text: string, bad: (m: string) => never): VirtualAddressConfig {
  const slash = text.indexOf('/');
  if (slash < 0) return { address: text };
  const p = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(p)) bad(`'${text}' has an invalid prefix length`);
  return { address: text.slice(0, slash), prefixLength: Number(p) };
}
