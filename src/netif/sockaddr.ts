// struct sockaddr_{in,in6,ll,nl} <-> typed objects.
import { AF_INET, AF_INET6, AF_NETLINK, AF_PACKET } from './constants.js';
import { bytesToIp, bytesToMac, ipToBytes, macToBytes } from './ip-address.js';

export interface Inet4Address { family: 'inet'; address: string; port?: number }
export interface Inet6Address { family: 'inet6'; address: string; port?: number; scopeId?: number; flowinfo?: number }
/** AF_PACKET: ifindex plus link-layer destination for sends; protocol is an ETH_P_* value. */
export interface PacketAddress {
  family: 'packet';
  ifindex: number;
  protocol: number;
  /** MAC as text ("ff:ff:ff:ff:ff:ff"). */
  address?: string;
  hatype?: number;
  pkttype?: number;
}
export interface NetlinkAddress { family: 'netlink'; pid?: number; groups?: number }
export type SockAddr = Inet4Address | Inet6Address | PacketAddress | NetlinkAddress;

export function encodeSockAddr(sa: SockAddr): Buffer {
  switch (sa.family) {
    case 'inet': {
      const b = Buffer.alloc(16);
      b.writeUInt16LE(AF_INET, 0);
      b.writeUInt16BE(sa.port ?? 0, 2);
      ipToBytes(sa.address).copy(b, 4);
      return b;
    }
    case 'inet6': {
      const b = Buffer.alloc(28);
      b.writeUInt16LE(AF_INET6, 0);
      b.writeUInt16BE(sa.port ?? 0, 2);
      b.writeUInt32BE(sa.flowinfo ?? 0, 4);
      ipToBytes(sa.address).copy(b, 8);
      b.writeUInt32LE(sa.scopeId ?? 0, 24);
      return b;
    }
    case 'packet': {
      const b = Buffer.alloc(20);
      b.writeUInt16LE(AF_PACKET, 0);
      b.writeUInt16BE(sa.protocol, 2);
      b.writeInt32LE(sa.ifindex, 4);
      b.writeUInt16LE(sa.hatype ?? 0, 8);
      b.writeUInt8(sa.pkttype ?? 0, 10);
      if (sa.address) {
        const mac = macToBytes(sa.address);
        b.writeUInt8(mac.length, 11);
        mac.copy(b, 12);
      }
      return b;
    }
    case 'netlink': {
      const b = Buffer.alloc(12);
      b.writeUInt16LE(AF_NETLINK, 0);
      b.writeUInt32LE(sa.pid ?? 0, 4);
      b.writeUInt32LE(sa.groups ?? 0, 8);
      return b;
    }
  }
}

/** Returns undefined for an empty or unknown address family. */
export function decodeSockAddr(b: Buffer): SockAddr | undefined {
  if (b.length < 2) return undefined;
  const family = b.readUInt16LE(0);
  if (family === AF_INET && b.length >= 8) {
    return { family: 'inet', port: b.readUInt16BE(2), address: bytesToIp(b.subarray(4, 8)) };
  }
  if (family === AF_INET6 && b.length >= 24) {
    return {
      family: 'inet6', port: b.readUInt16BE(2), flowinfo: b.readUInt32BE(4),
      address: bytesToIp(b.subarray(8, 24)), scopeId: b.length >= 28 ? b.readUInt32LE(24) : 0,
    };
  }
  if (family === AF_PACKET && b.length >= 12) {
    const halen = Math.min(b.readUInt8(11), 8);
    return {
      family: 'packet', protocol: b.readUInt16BE(2), ifindex: b.readInt32LE(4), hatype: b.readUInt16LE(8),
      pkttype: b.readUInt8(10), address: bytesToMac(b.subarray(12, 12 + halen)),
    };
  }
  if (family === AF_NETLINK && b.length >= 12) {
    return { family: 'netlink', pid: b.readUInt32LE(4), groups: b.readUInt32LE(8) };
  }
  return undefined;
}
