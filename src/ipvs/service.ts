// A virtual service: identity (what the kernel keys it by) and config, packed into and unpacked
// from the attributes nested in IPVS_CMD_ATTR_SERVICE. Wire quirks live here: the port is
// big-endian, addresses travel in a 16-byte field (IPv4 in the first 4), flags are 8 bytes
// (flags + mask), and the netmask is a v4 mask or a v6 prefix length.
import { AttributeDecoder, AttributeEncoder } from '../netif/netlink/attributes.js';
import { bytesToIp, ipFamily, ipToBytes, type IpFamily } from '../netif/ip-address.js';
import { DecodeError } from '../errors.js';
import * as C from './constants.js';
import { decodeStats, emptyStats, type Stats } from './stats.js';

export type Protocol = 'tcp' | 'udp' | 'sctp';

/** A service is either address+protocol+port, or a firewall mark (with the family it matches). */
export type ServiceId =
  | { family: IpFamily; protocol: Protocol; address: string; port: number; fwmark?: undefined }
  | { family: IpFamily; fwmark: number; protocol?: undefined; address?: undefined; port?: undefined };

export interface ServiceFlags {
  persistent?: boolean;
  /** Kernel-owned: set on every service in the table; ignored when comparing or sending. */
  hashed?: boolean;
  onePacket?: boolean;
  /** Scheduler flag 1: sh-fallback, mh-fallback, flag-1. */
  shFallback?: boolean;
  /** Scheduler flag 2: sh-port, mh-port, flag-2. */
  shPort?: boolean;
  /** Scheduler flag 3: flag-3. */
  sched3?: boolean;
}

export interface ServiceConfig {
  /** Scheduler name: rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh. */
  scheduler: string;
  flags: ServiceFlags;
  /** Persistence timeout in seconds (0 when not persistent). */
  timeout: number;
  /** Persistence granularity as a prefix length: 32 (v4) / 128 (v6) means per client address. */
  netmask: number;
  /** Persistence engine name (e.g. "sip"); absent for none. */
  pe?: string | undefined;
}

export type Service = ServiceId & ServiceConfig;

/** A service as the kernel reports it: the service plus its counters. */
export interface ServiceExtended {
  service: Service;
  stats: Stats;
}

/** Builds a Service with keepalived/ipvsadm defaults (rr, no persistence, full netmask). */
export function makeService(s: ServiceId & Partial<ServiceConfig>): Service {
  const family = s.family;
  // Literals, not `{ ...base, ... }`: a spread at a site that sees many shapes gives each object a
  // hidden class of its own in V8 (Node 20), ~1 KB per service at 100,000 services.
  const config = { scheduler: s.scheduler ?? 'rr', flags: Object.assign({}, s.flags), timeout: s.timeout ?? 0, netmask: s.netmask ?? (family === 4 ? 32 : 128) };
  const out: Service = s.fwmark !== undefined
    ? { family, fwmark: s.fwmark, ...config }
    : { family, protocol: s.protocol, address: canonicalIp(s.address), port: s.port, ...config };
  if (s.pe) out.pe = s.pe;
  return out;
}

const canonicalV6 = new Map<string, string>();

/** Canonical text of an address; on the reconciler's hot path (keys of every service and destination). */
export function canonicalIp(address: string): string {
  // Dotted quads are canonical already (a bad one fails where it is packed); isIPv4's regex is
  // measurable at 10,000 services.
  if (!address.includes(':')) return address;
  let c = canonicalV6.get(address);
  if (c === undefined) {
    c = bytesToIp(ipToBytes(address));
    if (canonicalV6.size > 100_000) canonicalV6.clear();
    canonicalV6.set(address, c);
  }
  return c;
}

/** Stable key of a service identity: "tcp:10.0.0.1:80", "udp:[fd00::1]:53", "fwmark:4:7". */
export function serviceKey(id: ServiceId): string {
  let key = keys.get(id);
  if (key === undefined) {
    if (id.fwmark !== undefined) key = `fwmark:${id.family}:${id.fwmark}`;
    else {
      const a = canonicalIp(id.address);
      key = `${id.protocol}:${id.family === 6 ? `[${a}]` : a}:${id.port}`;
    }
    keys.set(id, key);
  }
  return key;
}

/** Keys of service objects seen (the reconciler asks for the same ones on every apply); identity fields are not changed in place. */
const keys = new WeakMap<object, string>();

/** Just the identity fields of a service. */
export function serviceId(s: ServiceId): ServiceId {
  return s.fwmark !== undefined
    ? { family: s.family, fwmark: s.fwmark }
    : { family: s.family, protocol: s.protocol, address: s.address, port: s.port };
}

export function familyToAf(family: IpFamily): number {
  return family === 4 ? C.AF_INET : C.AF_INET6;
}

export function afToFamily(af: number): IpFamily {
  if (af === C.AF_INET) return 4;
  if (af === C.AF_INET6) return 6;
  throw new DecodeError(`IPVS: unknown address family ${af}`);
}

const protocolNumbers: Record<Protocol, number> = { tcp: C.IPPROTO_TCP, udp: C.IPPROTO_UDP, sctp: C.IPPROTO_SCTP };

export function protocolNumber(p: Protocol): number {
  const n = protocolNumbers[p];
  if (n === undefined) throw new TypeError(`IPVS: unknown protocol ${JSON.stringify(p)}`);
  return n;
}

export function protocolName(n: number): Protocol {
  for (const [name, num] of Object.entries(protocolNumbers)) if (num === n) return name as Protocol;
  throw new DecodeError(`IPVS: unknown protocol number ${n}`);
}

/** union nf_inet_addr: 16 bytes, IPv4 in the first 4 (what ipvsadm sends and the kernel returns). */
export function packAddress(address: string, family: IpFamily): Buffer {
  const b = ipToBytes(address);
  if (ipFamily(address) !== family) throw new TypeError(`IPVS: ${address} is not an IPv${family} address`);
  const out = Buffer.alloc(16);
  b.copy(out);
  return out;
}

export function unpackAddress(b: Buffer, family: IpFamily): string {
  const need = family === 4 ? 4 : 16;
  if (b.length < need) throw new DecodeError(`IPVS: address of ${b.length} bytes for IPv${family}`);
  return bytesToIp(b.subarray(0, need));
}

export function flagsToBits(f: ServiceFlags): number {
  return (f.persistent ? C.IP_VS_SVC_F_PERSISTENT : 0)
    | (f.onePacket ? C.IP_VS_SVC_F_ONEPACKET : 0)
    | (f.shFallback ? C.IP_VS_SVC_F_SCHED_SH_FALLBACK : 0)
    | (f.shPort ? C.IP_VS_SVC_F_SCHED_SH_PORT : 0)
    | (f.sched3 ? C.IP_VS_SVC_F_SCHED3 : 0);
}

export function bitsToFlags(bits: number): ServiceFlags {
  const f: ServiceFlags = {};
  if (bits & C.IP_VS_SVC_F_PERSISTENT) f.persistent = true;
  if (bits & C.IP_VS_SVC_F_HASHED) f.hashed = true;
  if (bits & C.IP_VS_SVC_F_ONEPACKET) f.onePacket = true;
  if (bits & C.IP_VS_SVC_F_SCHED_SH_FALLBACK) f.shFallback = true;
  if (bits & C.IP_VS_SVC_F_SCHED_SH_PORT) f.shPort = true;
  if (bits & C.IP_VS_SVC_F_SCHED3) f.sched3 = true;
  return f;
}

function prefixToMask(prefix: number): number {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new TypeError(`IPVS: bad IPv4 netmask /${prefix}`);
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function maskToPrefix(mask: number): number {
  let n = 0;
  for (let bit = 31; bit >= 0 && (mask >>> bit) & 1; bit--) n++;
  return n;
}

/** Identity attributes only: what DEL_SERVICE, GET_SERVICE and the destination commands need. */
export function packServiceId(e: AttributeEncoder, id: ServiceId): void {
  e.uint16(C.IPVS_SVC_ATTR_AF, familyToAf(id.family));
  if (id.fwmark !== undefined) {
    e.uint32(C.IPVS_SVC_ATTR_FWMARK, id.fwmark);
    return;
  }
  e.uint16(C.IPVS_SVC_ATTR_PROTOCOL, protocolNumber(id.protocol));
  e.bytes(C.IPVS_SVC_ATTR_ADDR, packAddress(id.address, id.family));
  e.be16(C.IPVS_SVC_ATTR_PORT, id.port);
}

/** Full service (identity + config), in ipvsadm's attribute order: NEW_SERVICE / SET_SERVICE. */
export function packService(e: AttributeEncoder, s: Service): void {
  if (s.scheduler.length === 0 || s.scheduler.length >= C.IP_VS_SCHEDNAME_MAXLEN) {
    throw new TypeError(`IPVS: scheduler name ${JSON.stringify(s.scheduler)} must be 1..15 characters`);
  }
  packServiceId(e, s);
  e.string(C.IPVS_SVC_ATTR_SCHED_NAME, s.scheduler);
  if (s.pe) e.string(C.IPVS_SVC_ATTR_PE_NAME, s.pe);
  const flags = Buffer.alloc(8);
  flags.writeUInt32LE(flagsToBits(s.flags), 0);
  flags.writeUInt32LE(0xffffffff, 4);
  e.bytes(C.IPVS_SVC_ATTR_FLAGS, flags);
  e.uint32(C.IPVS_SVC_ATTR_TIMEOUT, s.timeout);
  if (s.family === 4) e.be32(C.IPVS_SVC_ATTR_NETMASK, prefixToMask(s.netmask));
  else e.uint32(C.IPVS_SVC_ATTR_NETMASK, s.netmask);
}

/** One service from the attributes inside IPVS_CMD_ATTR_SERVICE; unknown attributes are ignored. */
export function unpackService(d: AttributeDecoder): ServiceExtended {
  let af: number | undefined, proto: number | undefined, addr: Buffer | undefined, port: number | undefined;
  let fwmark: number | undefined, sched = '', pe: string | undefined, bits = 0, timeout = 0;
  let netmask: Buffer | undefined;
  let stats32: Stats | undefined, stats64: Stats | undefined;
  while (d.next()) {
    switch (d.type) {
      case C.IPVS_SVC_ATTR_AF: af = d.uint16(); break;
      case C.IPVS_SVC_ATTR_PROTOCOL: proto = d.uint16(); break;
      case C.IPVS_SVC_ATTR_ADDR: addr = d.bytes(); break;
      case C.IPVS_SVC_ATTR_PORT: port = d.be16(); break;
      case C.IPVS_SVC_ATTR_FWMARK: fwmark = d.uint32(); break;
      case C.IPVS_SVC_ATTR_SCHED_NAME: sched = d.string(); break;
      case C.IPVS_SVC_ATTR_PE_NAME: pe = d.string(); break;
      case C.IPVS_SVC_ATTR_FLAGS: {
        const b = d.bytes();
        if (b.length < 4) throw new DecodeError(`IPVS: service flags of ${b.length} bytes`);
        bits = b.readUInt32LE(0);
        break;
      }
      case C.IPVS_SVC_ATTR_TIMEOUT: timeout = d.uint32(); break;
      case C.IPVS_SVC_ATTR_NETMASK: netmask = d.bytes(); break;
      case C.IPVS_SVC_ATTR_STATS: d.nested((n) => { stats32 = decodeStats(n); }); break;
      case C.IPVS_SVC_ATTR_STATS64: d.nested((n) => { stats64 = decodeStats(n); }); break;
      default: break; // newer kernels may add attributes
    }
  }
  const err = d.err();
  if (err) throw err;
  if (af === undefined) throw new DecodeError('IPVS: service without IPVS_SVC_ATTR_AF');
  const family = afToFamily(af);
  let prefix = family === 4 ? 32 : 128;
  if (netmask && netmask.length >= 4) {
    prefix = family === 4 ? maskToPrefix(netmask.readUInt32BE(0)) : netmask.readUInt32LE(0);
  }
  const config: ServiceConfig = { scheduler: sched, flags: bitsToFlags(bits), timeout, netmask: prefix, ...(pe ? { pe } : {}) };
  let service: Service;
  if (fwmark !== undefined && fwmark !== 0) {
    service = { family, fwmark, ...config };
  } else {
    if (proto === undefined || addr === undefined || port === undefined) {
      throw new DecodeError('IPVS: service without protocol/address/port nor fwmark');
    }
    service = { family, protocol: protocolName(proto), address: unpackAddress(addr, family), port, ...config };
  }
  return { service, stats: stats64 ?? stats32 ?? emptyStats() };
}

/** True when two services have the same config (the kernel-owned hashed flag aside). */
export function sameServiceConfig(a: ServiceConfig, b: ServiceConfig): boolean {
  return a.scheduler === b.scheduler && flagsToBits(a.flags) === flagsToBits(b.flags) && a.timeout === b.timeout
    && a.netmask === b.netmask && (a.pe ?? '') === (b.pe ?? '');
}
