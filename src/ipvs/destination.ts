// A destination (real server) of a virtual service: packed into / unpacked from the attributes
// nested in IPVS_CMD_ATTR_DEST. The address carries its own family (IPVS_DEST_ATTR_ADDR_FAMILY):
// a tunnelled destination may be of the other family than its service.
import type { AttributeDecoder, AttributeEncoder } from '../netif/netlink/attributes.js';
import type { IpFamily } from '../netif/ip-address.js';
import { DecodeError } from '../errors.js';
import * as C from './constants.js';
import { afToFamily, canonicalIp, familyToAf, packAddress, unpackAddress } from './service.js';
import { decodeStats, emptyStats, type Stats } from './stats.js';

/** masq = NAT, route = direct routing (ipvsadm -g), tunnel = IP-in-IP/GUE/GRE, local = this host. */
export type ForwardMethod = 'masq' | 'local' | 'tunnel' | 'route' | 'bypass';
export type TunnelType = 'ipip' | 'gue' | 'gre';

export interface TunnelOptions {
  type: TunnelType;
  /** UDP port for GUE. */
  port?: number;
  csum?: boolean;
  remcsum?: boolean;
}

export interface DestinationId {
  family: IpFamily;
  address: string;
  port: number;
}

export interface Destination extends DestinationId {
  forward: ForwardMethod;
  weight: number;
  /** Upper connection threshold, 0 = no limit. */
  upperThreshold: number;
  /** Lower connection threshold, 0 = unset. */
  lowerThreshold: number;
  tunnel?: TunnelOptions | undefined;
}

export interface DestinationExtended {
  destination: Destination;
  activeConns: number;
  inactiveConns: number;
  persistentConns: number;
  stats: Stats;
}

const forwardBits: Record<ForwardMethod, number> = {
  masq: C.IP_VS_CONN_F_MASQ,
  local: C.IP_VS_CONN_F_LOCALNODE,
  tunnel: C.IP_VS_CONN_F_TUNNEL,
  route: C.IP_VS_CONN_F_DROUTE,
  bypass: C.IP_VS_CONN_F_BYPASS,
};
const tunnelTypes: Record<TunnelType, number> = {
  ipip: C.IP_VS_CONN_F_TUNNEL_TYPE_IPIP,
  gue: C.IP_VS_CONN_F_TUNNEL_TYPE_GUE,
  gre: C.IP_VS_CONN_F_TUNNEL_TYPE_GRE,
};

/** Builds a Destination with ipvsadm's defaults (route, weight 1, no thresholds). */
export function makeDestination(d: DestinationId & Partial<Destination>): Destination {
  const out: Destination = {
    family: d.family,
    address: canonicalIp(d.address),
    port: d.port,
    forward: d.forward ?? 'route',
    weight: d.weight ?? 1,
    upperThreshold: d.upperThreshold ?? 0,
    lowerThreshold: d.lowerThreshold ?? 0,
  };
  if (d.tunnel) out.tunnel = { ...d.tunnel };
  return out;
}

/** Stable key of a destination within its service: "10.0.0.1:80", "[fd00::1]:80". */
export function destinationKey(d: DestinationId): string {
  const a = canonicalIp(d.address);
  return d.family === 6 ? `[${a}]:${d.port}` : `${a}:${d.port}`;
}

/** Identity attributes only (DEL_DEST). */
export function packDestinationId(e: AttributeEncoder, d: DestinationId): void {
  e.uint16(C.IPVS_DEST_ATTR_ADDR_FAMILY, familyToAf(d.family));
  e.bytes(C.IPVS_DEST_ATTR_ADDR, packAddress(d.address, d.family));
  e.be16(C.IPVS_DEST_ATTR_PORT, d.port);
}

/** Full destination, in ipvsadm's attribute order (NEW_DEST / SET_DEST). */
export function packDestination(e: AttributeEncoder, d: Destination): void {
  const fwd = forwardBits[d.forward];
  if (fwd === undefined) throw new TypeError(`IPVS: unknown forwarding method ${JSON.stringify(d.forward)}`);
  if (!Number.isInteger(d.weight) || d.weight < 0 || d.weight > 0x7fffffff) throw new TypeError(`IPVS: bad weight ${d.weight}`);
  packDestinationId(e, d);
  e.uint32(C.IPVS_DEST_ATTR_FWD_METHOD, fwd);
  e.uint32(C.IPVS_DEST_ATTR_WEIGHT, d.weight);
  const t = d.tunnel;
  e.uint8(C.IPVS_DEST_ATTR_TUN_TYPE, t ? tunnelTypes[t.type] : 0);
  e.be16(C.IPVS_DEST_ATTR_TUN_PORT, t?.port ?? 0);
  e.uint16(C.IPVS_DEST_ATTR_TUN_FLAGS, (t?.csum ? C.IP_VS_TUNNEL_ENCAP_FLAG_CSUM : 0) | (t?.remcsum ? C.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM : 0));
  e.uint32(C.IPVS_DEST_ATTR_U_THRESH, d.upperThreshold);
  e.uint32(C.IPVS_DEST_ATTR_L_THRESH, d.lowerThreshold);
}

/** One destination from the attributes inside IPVS_CMD_ATTR_DEST; unknown attributes are ignored. */
export function unpackDestination(d: AttributeDecoder, serviceFamily: IpFamily): DestinationExtended {
  let addr: Buffer | undefined, port: number | undefined, af: number | undefined;
  let fwd = 0, weight = 0, uth = 0, lth = 0, active = 0, inact = 0, persist = 0;
  let tunType: number | undefined, tunPort = 0, tunFlags = 0;
  let stats32: Stats | undefined, stats64: Stats | undefined;
  while (d.next()) {
    switch (d.type) {
      case C.IPVS_DEST_ATTR_ADDR: addr = d.bytes(); break;
      case C.IPVS_DEST_ATTR_PORT: port = d.be16(); break;
      case C.IPVS_DEST_ATTR_FWD_METHOD: fwd = d.uint32(); break;
      case C.IPVS_DEST_ATTR_WEIGHT: weight = d.uint32(); break;
      case C.IPVS_DEST_ATTR_U_THRESH: uth = d.uint32(); break;
      case C.IPVS_DEST_ATTR_L_THRESH: lth = d.uint32(); break;
      case C.IPVS_DEST_ATTR_ACTIVE_CONNS: active = d.uint32(); break;
      case C.IPVS_DEST_ATTR_INACT_CONNS: inact = d.uint32(); break;
      case C.IPVS_DEST_ATTR_PERSIST_CONNS: persist = d.uint32(); break;
      case C.IPVS_DEST_ATTR_ADDR_FAMILY: af = d.uint16(); break;
      case C.IPVS_DEST_ATTR_TUN_TYPE: tunType = d.uint8(); break;
      case C.IPVS_DEST_ATTR_TUN_PORT: tunPort = d.be16(); break;
      case C.IPVS_DEST_ATTR_TUN_FLAGS: tunFlags = d.uint16(); break;
      case C.IPVS_DEST_ATTR_STATS: d.nested((n) => { stats32 = decodeStats(n); }); break;
      case C.IPVS_DEST_ATTR_STATS64: d.nested((n) => { stats64 = decodeStats(n); }); break;
      default: break;
    }
  }
  const err = d.err();
  if (err) throw err;
  if (addr === undefined || port === undefined) throw new DecodeError('IPVS: destination without address/port');
  // Kernels before 4.19 omit the destination family: it is then the service's.
  const family = af !== undefined ? afToFamily(af) : serviceFamily;
  const forward = (Object.keys(forwardBits) as ForwardMethod[]).find((k) => forwardBits[k] === (fwd & C.IP_VS_CONN_F_FWD_MASK));
  if (!forward) throw new DecodeError(`IPVS: unknown forwarding method ${fwd}`);
  const destination: Destination = {
    family, address: unpackAddress(addr, family), port, forward, weight,
    upperThreshold: uth, lowerThreshold: lth,
  };
  if (forward === 'tunnel') {
    const type = (Object.keys(tunnelTypes) as TunnelType[]).find((k) => tunnelTypes[k] === (tunType ?? 0)) ?? 'ipip';
    const t: TunnelOptions = { type };
    if (type === 'gue') t.port = tunPort;
    if (tunFlags & C.IP_VS_TUNNEL_ENCAP_FLAG_CSUM) t.csum = true;
    if (tunFlags & C.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM) t.remcsum = true;
    destination.tunnel = t;
  }
  return { destination, activeConns: active, inactiveConns: inact, persistentConns: persist, stats: stats64 ?? stats32 ?? emptyStats() };
}

/** True when two destinations (same identity) have the same settings. */
export function sameDestinationConfig(a: Destination, b: Destination): boolean {
  if (a.forward !== b.forward || a.weight !== b.weight || a.upperThreshold !== b.upperThreshold || a.lowerThreshold !== b.lowerThreshold) return false;
  if (a.forward !== 'tunnel') return true;
  const ta = a.tunnel ?? { type: 'ipip' }, tb = b.tunnel ?? { type: 'ipip' };
  return ta.type === tb.type && (ta.type !== 'gue' || (ta.port ?? 0) === (tb.port ?? 0))
    && !!ta.csum === !!tb.csum && !!ta.remcsum === !!tb.remcsum;
}
