// Which instances may share one VRID on one interface and family, as keepalived decides: adverts
// of multicast instances are told apart by their group (mcast_dst_ip), those of unicast instances by
// their peers; a multicast and a unicast instance never clash. Pure.
import { ipToBytes } from '../netif/ip-address.js';
import type { ResolvedInstanceConfig } from './instance-config.js';
import { canonicalIp, isUnicast, multicastGroupOf } from './instance-views.js';

export function isMulticast(address: string): boolean {
  try {
    const b = ipToBytes(address);
    return b.length === 4 ? b[0]! >= 224 && b[0]! <= 239 : b[0] === 0xff;
  } catch {
    return false;
  }
}

/** What of an instance decides whether it may share its VRID (the config loader passes its own specs). */
export type VridKey = Pick<ResolvedInstanceConfig, 'vrid' | 'family' | 'interface' | 'unicastPeers' | 'multicastGroup'>;

/** Why `a` and `b` cannot run side by side (keepalived: "duplicate VRID conflict"), or undefined. */
export function instancesConflict(a: VridKey, b: VridKey): string | undefined {
  if (a.vrid !== b.vrid || a.family !== b.family || a.interface !== b.interface) return undefined;
  const ua = isUnicast(a);
  if (ua !== isUnicast(b)) return undefined;
  if (!ua) return multicastGroupOf(a) === multicastGroupOf(b) ? `both multicast to ${multicastGroupOf(a)}` : undefined;
  const peers = new Set(a.unicastPeers.map(canonicalIp));
  const shared = b.unicastPeers.map(canonicalIp).filter((p) => peers.has(p));
  return shared.length ? `both unicast to ${shared.join(', ')}` : undefined;
}
