// Ancillary data (struct cmsghdr) for raw IP sockets: what the kernel tells us about a packet
// (arrival interface, destination, TTL / hop limit, receive time) and what we tell it when sending.
import { IP_PKTINFO, IP_TTL, IPPROTO_IP, IPPROTO_IPV6, IPV6_HOPLIMIT, IPV6_PKTINFO, SCM_TIMESTAMPNS, SOL_SOCKET } from './constants.js';
import { bytesToIp, ipToBytes } from './ip-address.js';

// CMSG_ALIGN: cmsg data is aligned to sizeof(size_t) (8 on 64-bit Linux).
const ALIGN = 8;
const align = (n: number) => (n + ALIGN - 1) & ~(ALIGN - 1);
const HDR = 16; // struct cmsghdr { size_t len; int level; int type; }

export interface PacketInfo {
  /** Interface the packet arrived on. */
  ifindex?: number;
  /** Destination address of the packet (multicast group or our unicast address). */
  destination?: string;
  /** IPv4 TTL or IPv6 hop limit as received. */
  ttl?: number;
  /** When the kernel received the packet (SO_TIMESTAMPNS): CLOCK_REALTIME, ms. */
  kernelTimeMs?: number;
}

/** A little-endian 64-bit integer as a number, without a BigInt (exact below 2^53). */
function readInt64(b: Buffer, off: number): number {
  return b.readInt32LE(off + 4) * 0x1_0000_0000 + b.readUInt32LE(off);
}

export function parseControl(control: Buffer): PacketInfo {
  const info: PacketInfo = {};
  let off = 0;
  while (off + HDR <= control.length) {
    const len = readInt64(control, off);
    if (len < HDR || off + len > control.length) break;
    const level = control.readInt32LE(off + 8);
    const type = control.readInt32LE(off + 12);
    const data = control.subarray(off + HDR, off + len);
    if (level === IPPROTO_IP && type === IP_PKTINFO && data.length >= 12) {
      // struct in_pktinfo { int ipi_ifindex; in_addr ipi_spec_dst; in_addr ipi_addr; }
      info.ifindex = data.readInt32LE(0);
      info.destination = bytesToIp(data.subarray(8, 12));
    } else if (level === IPPROTO_IP && type === IP_TTL && data.length >= 1) {
      info.ttl = data.length >= 4 ? data.readInt32LE(0) : data.readUInt8(0);
    } else if (level === IPPROTO_IPV6 && type === IPV6_PKTINFO && data.length >= 20) {
      // struct in6_pktinfo { in6_addr ipi6_addr; unsigned ipi6_ifindex; }
      info.destination = bytesToIp(data.subarray(0, 16));
      info.ifindex = data.readUInt32LE(16);
    } else if (level === IPPROTO_IPV6 && type === IPV6_HOPLIMIT && data.length >= 4) {
      info.ttl = data.readInt32LE(0);
    } else if (level === SOL_SOCKET && type === SCM_TIMESTAMPNS && data.length >= 16) {
      // struct timespec { time_t tv_sec; long tv_nsec; } (64-bit)
      info.kernelTimeMs = readInt64(data, 0) * 1000 + readInt64(data, 8) / 1e6;
    }
    off += align(len);
  }
  return info;
}

function cmsg(level: number, type: number, data: Buffer): Buffer {
  const b = Buffer.alloc(align(HDR + data.length));
  b.writeBigUInt64LE(BigInt(HDR + data.length), 0);
  b.writeInt32LE(level, 8);
  b.writeInt32LE(type, 12);
  data.copy(b, HDR);
  return b;
}

/** IP_PKTINFO for sendmsg: choose the source address and/or outgoing interface of one packet. */
export function ipv4PacketInfo(opts: { ifindex?: number; source?: string }): Buffer {
  const d = Buffer.alloc(12);
  d.writeInt32LE(opts.ifindex ?? 0, 0);
  if (opts.source) ipToBytes(opts.source).copy(d, 4);
  return cmsg(IPPROTO_IP, IP_PKTINFO, d);
}

/** IPV6_PKTINFO for sendmsg: source address and/or outgoing interface of one packet. */
export function ipv6PacketInfo(opts: { ifindex?: number; source?: string }): Buffer {
  const d = Buffer.alloc(20);
  if (opts.source) ipToBytes(opts.source).copy(d, 0);
  d.writeUInt32LE(opts.ifindex ?? 0, 16);
  return cmsg(IPPROTO_IPV6, IPV6_PKTINFO, d);
}

/** IPV6_HOPLIMIT for sendmsg: the hop limit of one packet. */
export function ipv6HopLimit(hops: number): Buffer {
  const d = Buffer.alloc(4);
  d.writeInt32LE(hops, 0);
  return cmsg(IPPROTO_IPV6, IPV6_HOPLIMIT, d);
}

/** IP_TTL for sendmsg: the TTL of one IPv4 packet (unicast or multicast). */
export function ipv4Ttl(ttl: number): Buffer {
  const d = Buffer.alloc(4);
  d.writeInt32LE(ttl, 0);
  return cmsg(IPPROTO_IP, IP_TTL, d);
}
