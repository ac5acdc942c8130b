// RTM_*ROUTE: struct rtmsg + RTA_* attributes (RTA_METRICS and RTA_MULTIPATH nested). Pure
// request builders and reply decoder. Attributes go out in iproute2's order for the same
// `ip route` arguments written in this order: table dst from src via metric realms pref expires
// ttl-propagate, then dev, the metrics, the nexthops.
import { DecodeError } from '../../errors.js';
import { align } from '../netlink/align.js';
import { AttributeDecoder, AttributeEncoder } from '../netlink/attributes.js';
import type { NetlinkRequest } from '../netlink/conn.js';
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE } from '../netlink/constants.js';
import type { NetlinkMessage } from '../netlink/message.js';
import { bytesToIp, ipFamily, ipToBytes, type IpFamily } from '../ip-address.js';
import { AF_INET, AF_INET6 } from '../constants.js';
import {
  RTAX_ADVMSS, RTAX_CC_ALGO, RTAX_CWND, RTAX_FASTOPEN_NO_COOKIE, RTAX_FEATURES, RTAX_HOPLIMIT, RTAX_INITCWND, RTAX_INITRWND,
  RTAX_LOCK, RTAX_MTU, RTAX_QUICKACK, RTAX_REORDERING, RTAX_RTO_MIN, RTAX_RTT, RTAX_RTTVAR, RTAX_SSTHRESH, RTAX_WINDOW,
  RTA_DST, RTA_EXPIRES, RTA_FLOW, RTA_GATEWAY, RTA_METRICS, RTA_MULTIPATH, RTA_OIF, RTA_PREF, RTA_PREFSRC, RTA_PRIORITY,
  RTA_SRC, RTA_TABLE, RTA_TTL_PROPAGATE, RTM_DELROUTE, RTM_GETROUTE, RTM_NEWROUTE, RTMSG_LEN, RTNEXTHOP_LEN, RT_TABLE_UNSPEC,
} from './constants.js';

/** One path of a multipath route (struct rtnexthop + its attributes). */
export interface RouteNextHop {
  /** rtnh_ifindex; 0 or absent: none (the kernel finds it from the gateway). */
  ifindex?: number;
  gateway?: string;
  /** 1..256 (the kernel keeps weight - 1 in rtnh_hops). Default 1. */
  weight?: number;
  /** RTNH_F_* (RTNH_F_ONLINK). */
  flags?: number;
  /** RTA_FLOW: realms, (from << 16) | to. */
  realms?: number;
}

/** RTA_METRICS (RTAX_*); times in the kernel's units (rtt: ms * 8, rttvar: ms * 4, rto_min: ms). */
export interface RouteMetrics {
  mtu?: number;
  window?: number;
  rtt?: number;
  rttvar?: number;
  ssthresh?: number;
  cwnd?: number;
  advmss?: number;
  reordering?: number;
  hoplimit?: number;
  initcwnd?: number;
  /** RTAX_FEATURE_* bits (ecn = 1). */
  features?: number;
  rtoMin?: number;
  initrwnd?: number;
  quickack?: number;
  /** RTAX_CC_ALGO: a congestion control algorithm name. */
  congctl?: string;
  fastopenNoCookie?: number;
  /** RTAX_LOCK: bit (1 << RTAX_x) for each locked metric. */
  lock?: number;
}

type NumericMetric = Exclude<keyof RouteMetrics, 'congctl' | 'lock'>;

/** Numeric metrics in RTAX order (RTAX_CC_ALGO, a string, sits between INITRWND and QUICKACK). */
const METRICS: ReadonlyArray<[NumericMetric | 'congctl', number]> = [
  ['mtu', RTAX_MTU], ['window', RTAX_WINDOW], ['rtt', RTAX_RTT], ['rttvar', RTAX_RTTVAR], ['ssthresh', RTAX_SSTHRESH],
  ['cwnd', RTAX_CWND], ['advmss', RTAX_ADVMSS], ['reordering', RTAX_REORDERING], ['hoplimit', RTAX_HOPLIMIT],
  ['initcwnd', RTAX_INITCWND], ['features', RTAX_FEATURES], ['rtoMin', RTAX_RTO_MIN], ['initrwnd', RTAX_INITRWND],
  ['quickack', RTAX_QUICKACK], ['congctl', RTAX_CC_ALGO], ['fastopenNoCookie', RTAX_FASTOPEN_NO_COOKIE],
];

/** A route as the kernel holds it (decoded), or as a request carries it. */
export interface Route {
  family: IpFamily;
  /** Absent: the default route (dstLength 0). */
  destination?: string;
  dstLength: number;
  /** RTA_SRC: source-specific routing (`ip route ... from`, IPv6). */
  source?: string;
  srcLength: number;
  tos: number;
  /** Any table id; 256 and above travel in RTA_TABLE. */
  table: number;
  /** RTPROT_*. */
  protocol: number;
  /** RT_SCOPE_*. */
  scope: number;
  /** RTN_*. */
  type: number;
  /** rtm_flags: RTNH_F_ONLINK for a single-path route, RTM_F_*. */
  flags: number;
  /** RTA_OIF. */
  ifindex?: number;
  gateway?: string;
  /** RTA_PREFSRC (`src`). */
  preferredSource?: string;
  /** RTA_PRIORITY (`metric`). */
  priority?: number;
  metrics?: RouteMetrics;
  /** RTA_FLOW: (from << 16) | to. */
  realms?: number;
  /** RTA_MULTIPATH. */
  nexthops?: RouteNextHop[];
  /** RTA_PREF: ICMPV6_ROUTER_PREF_*. */
  pref?: number;
  /** RTA_EXPIRES, seconds (IPv6). */
  expires?: number;
  /** RTA_TTL_PROPAGATE (MPLS): false = disabled. */
  ttlPropagate?: boolean;
}

/** add: EEXIST when present; prepend/append: before/after matching routes; replace: replace one. */
export type RouteAddMode = 'add' | 'prepend' | 'append' | 'replace';

const ADD_FLAGS: Record<RouteAddMode, number> = {
  add: NLM_F_CREATE | NLM_F_EXCL,
  prepend: NLM_F_CREATE,
  append: NLM_F_CREATE | NLM_F_APPEND,
  replace: NLM_F_CREATE | NLM_F_REPLACE,
};

function afOf(family: IpFamily): number {
  return family === 4 ? AF_INET : AF_INET6;
}

/** struct rtmsg { u8 family, dst_len, src_len, tos; u8 table, protocol, scope, type; u32 flags }. */
export function encodeRtmsg(m: {
  family?: number; dstLength?: number; srcLength?: number; tos?: number; table?: number; protocol?: number; scope?: number; type?: number; flags?: number;
}): Buffer {
  const b = Buffer.alloc(RTMSG_LEN);
  const u8 = (v: number | undefined, at: number, what: string) => {
    const x = v ?? 0;
    if (!Number.isInteger(x) || x < 0 || x > 255) throw new RangeError(`${what} ${x} is not in 0..255`);
    b.writeUInt8(x, at);
  };
  u8(m.family, 0, 'family');
  u8(m.dstLength, 1, 'destination prefix length');
  u8(m.srcLength, 2, 'source prefix length');
  u8(m.tos, 3, 'tos');
  u8(m.table, 4, 'table');
  u8(m.protocol, 5, 'protocol');
  u8(m.scope, 6, 'scope');
  u8(m.type, 7, 'type');
  b.writeUInt32LE((m.flags ?? 0) >>> 0, 8);
  return b;
}

function checkAddress(family: IpFamily, address: string, what: string): Buffer {
  const f = ipFamily(address);
  if (f !== family) throw new TypeError(`${what} ${address} is not IPv${family}`);
  return ipToBytes(address);
}

function checkPrefix(family: IpFamily, len: number, what: string): void {
  const max = family === 4 ? 32 : 128;
  if (!Number.isInteger(len) || len < 0 || len > max) throw new RangeError(`${what} prefix length ${len} is not in 0..${max}`);
}

function encodeNexthops(family: IpFamily, hops: RouteNextHop[]): Buffer {
  const parts: Buffer[] = [];
  for (const h of hops) {
    const e = new AttributeEncoder();
    if (h.gateway !== undefined) e.bytes(RTA_GATEWAY, checkAddress(family, h.gateway, 'nexthop gateway'));
    if (h.realms !== undefined) e.uint32(RTA_FLOW, h.realms);
    const attrs = e.encode();
    const weight = h.weight ?? 1;
    if (!Number.isInteger(weight) || weight < 1 || weight > 256) throw new RangeError(`nexthop weight ${weight} is not in 1..256`);
    const b = Buffer.alloc(RTNEXTHOP_LEN);
    b.writeUInt16LE(RTNEXTHOP_LEN + attrs.length, 0);
    b.writeUInt8(h.flags ?? 0, 2);
    b.writeUInt8(weight - 1, 3);
    b.writeInt32LE(h.ifindex ?? 0, 4);
    parts.push(b, attrs);
  }
  return Buffer.concat(parts);
}

function encodeMetrics(e: AttributeEncoder, m: RouteMetrics): void {
  for (const [key, type] of METRICS) {
    if (key === 'congctl') {
      // Without a NUL, as iproute2 and keepalived send it (the kernel accepts both).
      if (m.congctl !== undefined) e.bytes(type, Buffer.from(m.congctl, 'utf8'));
    } else if (m[key] !== undefined) {
      e.uint32(type, m[key]);
    }
  }
  if (m.lock !== undefined) e.uint32(RTAX_LOCK, m.lock);
}

function hasMetrics(m: RouteMetrics | undefined): m is RouteMetrics {
  return m !== undefined && Object.values(m).some((v) => v !== undefined);
}

/** The rtmsg and attributes of a request for this route. */
function routeBody(r: Route): Buffer {
  const { family } = r;
  checkPrefix(family, r.dstLength, 'destination');
  checkPrefix(family, r.srcLength, 'source');
  if (!Number.isInteger(r.table) || r.table < 0 || r.table > 0xffffffff) throw new RangeError(`table ${r.table} is not in 0..4294967295`);
  const wide = r.table > 255;
  const hdr = encodeRtmsg({
    family: afOf(family), dstLength: r.dstLength, srcLength: r.srcLength, tos: r.tos, table: wide ? RT_TABLE_UNSPEC : r.table,
    protocol: r.protocol, scope: r.scope, type: r.type, flags: r.flags,
  });
  const e = new AttributeEncoder();
  if (wide) e.uint32(RTA_TABLE, r.table);
  if (r.destination !== undefined) e.bytes(RTA_DST, checkAddress(family, r.destination, 'destination'));
  if (r.source !== undefined) e.bytes(RTA_SRC, checkAddress(family, r.source, 'source'));
  if (r.preferredSource !== undefined) e.bytes(RTA_PREFSRC, checkAddress(family, r.preferredSource, 'preferred source'));
  if (r.gateway !== undefined) e.bytes(RTA_GATEWAY, checkAddress(family, r.gateway, 'gateway'));
  if (r.priority !== undefined) e.uint32(RTA_PRIORITY, r.priority);
  if (r.realms !== undefined) e.uint32(RTA_FLOW, r.realms);
  if (r.pref !== undefined) e.uint8(RTA_PREF, r.pref);
  if (r.expires !== undefined) e.uint32(RTA_EXPIRES, r.expires);
  if (r.ttlPropagate !== undefined) e.uint8(RTA_TTL_PROPAGATE, r.ttlPropagate ? 1 : 0);
  if (r.ifindex !== undefined) e.uint32(RTA_OIF, r.ifindex);
  if (hasMetrics(r.metrics)) {
    const m = r.metrics;
    e.nested(RTA_METRICS, (n) => encodeMetrics(n, m));
  }
  if (r.nexthops && r.nexthops.length > 0) e.bytes(RTA_MULTIPATH, encodeNexthops(family, r.nexthops));
  return Buffer.concat([hdr, e.encode()]);
}

/** RTM_NEWROUTE; `mode` as `ip route add|prepend|append|replace`. */
export function addRouteRequest(r: Route, mode: RouteAddMode = 'add'): NetlinkRequest {
  return { type: RTM_NEWROUTE, flags: ADD_FLAGS[mode], data: routeBody(r) };
}

/**
 * RTM_DELROUTE. The kernel deletes the first route matching every field given: leave scope at
 * RT_SCOPE_NOWHERE and type at RTN_UNSPEC to match any (as `ip route del` does).
 */
export function deleteRouteRequest(r: Route): NetlinkRequest {
  return { type: RTM_DELROUTE, flags: 0, data: routeBody(r) };
}

/** RTM_GETROUTE dump of one family (or both). Tables are filtered by the caller. */
export function dumpRoutesRequest(filter: { family?: IpFamily } = {}): NetlinkRequest {
  return { type: RTM_GETROUTE, flags: NLM_F_DUMP, data: encodeRtmsg({ family: filter.family ? afOf(filter.family) : 0 }) };
}

function decodeNexthops(family: IpFamily, b: Buffer, base: number): RouteNextHop[] {
  const out: RouteNextHop[] = [];
  let off = 0;
  while (off < b.length) {
    if (b.length - off < RTNEXTHOP_LEN) throw new DecodeError(`rtnexthop truncated: ${b.length - off} of ${RTNEXTHOP_LEN} bytes`, base + off);
    const len = b.readUInt16LE(off);
    if (len < RTNEXTHOP_LEN || off + len > b.length) throw new DecodeError(`rtnexthop length ${len} does not fit`, base + off);
    const h: RouteNextHop = { weight: b.readUInt8(off + 3) + 1, flags: b.readUInt8(off + 2) };
    const ifindex = b.readInt32LE(off + 4);
    if (ifindex !== 0) h.ifindex = ifindex;
    const d = new AttributeDecoder(b.subarray(off + RTNEXTHOP_LEN, off + len), base + off + RTNEXTHOP_LEN);
    while (d.next()) {
      if (d.type === RTA_GATEWAY) h.gateway = ip(d, family);
      else if (d.type === RTA_FLOW) h.realms = d.uint32();
    }
    const err = d.err();
    if (err) throw err;
    out.push(h);
    off += align(len);
  }
  return out;
}

function ip(d: AttributeDecoder, family: IpFamily): string {
  const want = family === 4 ? 4 : 16;
  if (d.length !== want) throw new DecodeError(`IPv${family} address attribute ${d.type} has ${d.length} bytes, not ${want}`);
  return bytesToIp(d.bytes());
}

function decodeMetrics(d: AttributeDecoder): RouteMetrics {
  const m: RouteMetrics = {};
  d.nested((n) => {
    while (n.next()) {
      if (n.type === RTAX_LOCK) {
        m.lock = n.uint32();
        continue;
      }
      const entry = METRICS.find(([, t]) => t === n.type);
      if (!entry) continue;
      const [key] = entry;
      if (key === 'congctl') m.congctl = n.string();
      else m[key] = n.uint32();
    }
  });
  return m;
}

/** An RTM_NEWROUTE/RTM_DELROUTE message; null for families other than IPv4/IPv6. */
export function decodeRoute(m: NetlinkMessage): Route | null {
  if (m.data.length < RTMSG_LEN) throw new DecodeError(`rtmsg truncated: ${m.data.length} of ${RTMSG_LEN} bytes`);
  const af = m.data.readUInt8(0);
  if (af !== AF_INET && af !== AF_INET6) return null;
  const family: IpFamily = af === AF_INET ? 4 : 6;
  const r: Route = {
    family, dstLength: m.data.readUInt8(1), srcLength: m.data.readUInt8(2), tos: m.data.readUInt8(3), table: m.data.readUInt8(4),
    protocol: m.data.readUInt8(5), scope: m.data.readUInt8(6), type: m.data.readUInt8(7), flags: m.data.readUInt32LE(8),
  };
  const d = new AttributeDecoder(m.data.subarray(RTMSG_LEN), RTMSG_LEN);
  while (d.next()) {
    switch (d.type) {
      case RTA_TABLE: r.table = d.uint32(); break;
      case RTA_DST: r.destination = ip(d, family); break;
      case RTA_SRC: r.source = ip(d, family); break;
      case RTA_PREFSRC: r.preferredSource = ip(d, family); break;
      case RTA_GATEWAY: r.gateway = ip(d, family); break;
      case RTA_OIF: r.ifindex = d.uint32(); break;
      case RTA_PRIORITY: r.priority = d.uint32(); break;
      case RTA_FLOW: r.realms = d.uint32(); break;
      case RTA_PREF: r.pref = d.uint8(); break;
      case RTA_EXPIRES: r.expires = d.uint32(); break;
      case RTA_TTL_PROPAGATE: r.ttlPropagate = d.uint8() !== 0; break;
      case RTA_METRICS: r.metrics = decodeMetrics(d); break;
      case RTA_MULTIPATH: r.nexthops = decodeNexthops(family, d.bytes(), 0); break;
      default: break;
    }
  }
  const err = d.err();
  if (err) throw err;
  return r;
}
