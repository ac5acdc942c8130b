// What each part of the runtime sees of one instance, derived from its ResolvedInstanceConfig (the
// one source) and the address it sends from. Pure, so the views cannot drift apart: the state
// machine's config, the receive checks' view, the encoder's input and where adverts go.
import { bytesToIp, ipToBytes } from '../netif/ip-address.js';
import { passwordAuthData } from './auth.js';
import { ADDRESS_SCOPES, type ResolvedInstanceConfig } from './instance-config.js';
import type { EncodeOptions } from './packet.js';
import type { MachineConfig } from './state-machine.js';
import { advertIntervalMs } from './timers.js';
import { AuthType, VRRP_MULTICAST_IPV4, VRRP_MULTICAST_IPV6, type Advertisement } from './types.js';
import type { InstanceView } from './validate.js';
import type { VirtualAddress } from './virtual-addresses.js';

/** The source of our adverts: unicastSource, else the interface's primary address. */
export function sourceOf(c: ResolvedInstanceConfig, primaryAddress: string): string {
  return c.unicastSource ?? primaryAddress;
}

export function machineConfigOf(c: ResolvedInstanceConfig, source: string): MachineConfig {
  return {
    version: c.version,
    priority: c.priority,
    advertIntervalCs: c.advertIntervalCs,
    preempt: c.preempt,
    preemptDelayMs: c.preemptDelayMs,
    acceptMode: c.acceptMode,
    primaryAddress: source,
    downTimerAdverts: c.downTimerAdverts,
    lowerPriorityNoAdvert: c.lowerPriorityNoAdvert,
    higherPriorityAdvert: c.higherPriorityAdvert,
  };
}

/** v2 authentication: the auth fields of the advert (none for v3, as keepalived ignores it there). */
function authOf(c: ResolvedInstanceConfig): { type: 0 } | { type: 1; data: Buffer } | { type: 2 } {
  if (c.version !== 2 || !c.auth) return { type: AuthType.none };
  return c.auth.type === 'ah' ? { type: AuthType.ah } : { type: AuthType.simple, data: passwordAuthData(c.auth.password) };
}

/** The IPsec AH key (keepalived auth_type AH: the password, at most 8 bytes), or undefined without AH. */
export function ahKeyOf(c: ResolvedInstanceConfig): Buffer | undefined {
  // HMAC pads a short key with zeros: the zero-padded 8 bytes are the same key.
  return c.version === 2 && c.auth?.type === 'ah' ? passwordAuthData(c.auth.password) : undefined;
}

/** The group adverts go to (keepalived mcast_dst_ip), in canonical text. */
export function multicastGroupOf(c: Pick<ResolvedInstanceConfig, 'multicastGroup' | 'family'>): string {
  return canonicalIp(c.multicastGroup ?? (c.family === 6 ? VRRP_MULTICAST_IPV6 : VRRP_MULTICAST_IPV4));
}

/**
 * The receive checks' view. Addresses are in canonical text (what the parser produces), so the
 * checks compare strings and never re-parse an address per packet.
 */
export function receiveViewOf(c: ResolvedInstanceConfig, source: string): InstanceView {
  return {
    version: c.version,
    vrid: c.vrid,
    priority: c.priority,
    family: c.family,
    addresses: c.virtualAddresses.map((v) => canonicalIp(v.address)),
    advertIntervalCs: c.advertIntervalCs,
    auth: authOf(c),
    primaryAddress: canonicalIp(source),
    ...(isUnicast(c) ? {
      unicastPeers: c.unicastPeers.map(canonicalIp),
      checkUnicastSource: c.checkUnicastSource,
      anyTtl: true,
      ...(Object.keys(c.unicastPeerTtl).length
        ? { peerTtl: new Map(Object.entries(c.unicastPeerTtl).map(([a, t]) => [canonicalIp(a), { minTtl: t.minTtl, maxTtl: t.maxTtl }])) } : {}),
      ...(c.version === 3 && c.family === 4 && c.oldUnicastChecksum !== 'never' ? { oldUnicastDestination: ipToBytes(multicastGroupOf(c)) } : {}),
    } : {}),
    addressListCheck: c.addressListCheck,
    checksum: c.checksum,
    ...(c.authHmac ? { trailer: true } : {}),
  };
}

/** The encoder's input for our advert at `priority` (the effective one, or 0 to resign). */
export function advertOf(c: ResolvedInstanceConfig, priority: number): Advertisement {
  const auth = authOf(c);
  return {
    version: c.version, vrid: c.vrid, priority, advertIntervalCs: c.advertIntervalCs, family: c.family,
    addresses: c.virtualAddresses.map((v) => v.address),
    ...(c.version === 2 ? { authType: auth.type, ...('data' in auth ? { authData: auth.data } : {}) } : {}),
  };
}

/**
 * The encoder's options for one destination (the v3 checksum covers source and destination; with
 * keepalived's old_unicast_checksum, the group stands in for a unicast peer).
 */
export function encodeOptionsOf(c: ResolvedInstanceConfig, source: string, destination: string): EncodeOptions {
  const old = c.oldUnicastChecksum === 'send' && isUnicast(c) && c.version === 3 && c.family === 4;
  return { source, destination: old ? multicastGroupOf(c) : destination, ...(c.checksum === 'no-pseudo' ? { checksum: 'no-pseudo' as const } : {}) };
}

/** Unicast mode: whether adverts go to peers rather than the group. */
export function isUnicast(c: Pick<ResolvedInstanceConfig, 'unicastPeers'>): boolean {
  return c.unicastPeers.length > 0;
}

/** Where our adverts go: each unicast peer, else the group. */
export function advertDestinationsOf(c: ResolvedInstanceConfig): readonly string[] {
  return isUnicast(c) ? c.unicastPeers : [multicastGroupOf(c)];
}

/** Whether an advert of ours leaves with a TTL other than 255 (keepalived unicast_ttl). */
export function sendTtlOf(c: ResolvedInstanceConfig): number {
  return isUnicast(c) ? c.unicastTtl : 255;
}

/** Our Advertisement_Interval on the runtime's clock (ms). */
export function advertIntervalMsOf(c: ResolvedInstanceConfig): number {
  return advertIntervalMs(c.advertIntervalCs);
}

/** Interfaces other than the instance's own that its addresses live on (keepalived `dev`). */
export function otherInterfacesOf(c: ResolvedInstanceConfig): string[] {
  const names = new Set<string>();
  for (const v of [...c.virtualAddresses, ...c.excludedAddresses]) if (v.interface && v.interface !== c.interface) names.add(v.interface);
  return [...names];
}

/**
 * Every address the instance holds while master (advertised ones first), on its link. `ifindexOf`
 * maps an interface name to its index (undefined: unknown, which throws).
 */
export function heldAddressesOf(c: ResolvedInstanceConfig, ifindexOf: (ifname: string) => number | undefined): VirtualAddress[] {
  return [...c.virtualAddresses, ...c.excludedAddresses].map((v) => {
    const ifname = v.interface ?? c.interface;
    const ifindex = ifindexOf(ifname);
    if (ifindex === undefined) throw new Error(`${c.name}: virtual address ${v.address}: no interface ${ifname}`);
    return {
      address: v.address, prefixLength: v.prefixLength, ifindex, ...(v.label ? { label: v.label } : {}),
      ...(v.scope !== undefined && v.scope !== 'global' ? { scope: ADDRESS_SCOPES[v.scope] } : {}),
      ...(v.broadcast !== undefined ? { broadcast: v.broadcast } : {}), ...(v.peer !== undefined ? { peer: v.peer } : {}),
    };
  });
}

/** Canonical text of an address (RFC 5952 for IPv6): the parser's form. Not an address: unchanged. */
export function canonicalIp(address: string): string {
  try {
    return bytesToIp(ipToBytes(address));
  } catch {
    return address;
  }
}
