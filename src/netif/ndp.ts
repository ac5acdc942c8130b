// IPv6 Neighbor Advertisement (RFC 4861 §4.4) in an Ethernet frame: the unsolicited form a new
// master sends so neighbours repoint an address to its MAC (RFC 4861 §7.2.6; RFC 5798 §6.4.2).
//
// Layout as keepalived 2.2.7 sends it (captured in test/unit/arp-ndp.test.ts): to ff02::1 /
// 33:33:00:00:00:01, hop limit 255 (receivers drop ND with any other, RFC 4861 §7.1.2), source =
// the advertised address, flags Override (plus Router when asked), one Target Link-Layer
// Address option.
import { DecodeError } from '../errors.js';
import {
  decodeEthernetHeader, encodeEthernetHeader, ETHERNET_HEADER_LENGTH, ETHERTYPE_IPV6, ipv6MulticastMac,
} from './ethernet.js';
import { bytesToIp, bytesToMac, ipToBytes, macToBytes } from './ip-address.js';

export const ALL_NODES = 'ff02::1';
export const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;
const IPV6_HEADER_LENGTH = 40;
const NEXT_HEADER_ICMPV6 = 58;
const NA_LENGTH = 24; // type, code, checksum, flags+reserved, target
const OPT_TARGET_LLADDR = 2;
const FLAG_ROUTER = 0x80;
const FLAG_SOLICITED = 0x40;
const FLAG_OVERRIDE = 0x20;

export interface NeighborAdvertFrame {
  ethDestination: string;
  ethSource: string;
  /** IPv6 source and destination. */
  source: string;
  destination: string;
  hopLimit: number;
  router: boolean;
  solicited: boolean;
  override: boolean;
  target: string;
  /** Target link-layer address option, when present. */
  targetMac?: string;
}

/** The ones' complement sum of RFC 4443 §2.3: IPv6 pseudo-header (RFC 8200 §8.1) plus the message. */
export function icmpv6Checksum(source: Uint8Array, destination: Uint8Array, message: Uint8Array): number {
  let sum = 0;
  const add = (b: Uint8Array) => {
    for (let i = 0; i < b.length; i += 2) sum += (b[i]! << 8) | (b[i + 1] ?? 0);
  };
  add(source);
  add(destination);
  sum += (message.length >>> 16) + (message.length & 0xffff); // upper-layer packet length (32 bits)
  sum += NEXT_HEADER_ICMPV6;
  add(message);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function encodeNeighborAdvert(na: NeighborAdvertFrame): Buffer {
  const src = ipToBytes(na.source);
  const dst = ipToBytes(na.destination);
  const target = ipToBytes(na.target);
  if (src.length !== 16 || dst.length !== 16 || target.length !== 16) {
    throw new TypeError(`a neighbour advertisement carries IPv6 addresses (${na.source}, ${na.destination}, ${na.target})`);
  }
  const icmpLength = NA_LENGTH + (na.targetMac ? 8 : 0);
  const frame = Buffer.alloc(ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH + icmpLength);
  encodeEthernetHeader({ destination: na.ethDestination, source: na.ethSource, etherType: ETHERTYPE_IPV6 }, frame);
  const ip = ETHERNET_HEADER_LENGTH;
  frame.writeUInt32BE(0x60000000, ip); // version 6, traffic class 0, flow label 0
  frame.writeUInt16BE(icmpLength, ip + 4);
  frame.writeUInt8(NEXT_HEADER_ICMPV6, ip + 6);
  frame.writeUInt8(na.hopLimit, ip + 7);
  src.copy(frame, ip + 8);
  dst.copy(frame, ip + 24);
  const icmp = ip + IPV6_HEADER_LENGTH;
  frame.writeUInt8(ICMPV6_NEIGHBOR_ADVERTISEMENT, icmp);
  frame.writeUInt8(0, icmp + 1);
  frame.writeUInt8((na.router ? FLAG_ROUTER : 0) | (na.solicited ? FLAG_SOLICITED : 0) | (na.override ? FLAG_OVERRIDE : 0), icmp + 4);
  target.copy(frame, icmp + 8);
  if (na.targetMac) {
    frame.writeUInt8(OPT_TARGET_LLADDR, icmp + 24);
    frame.writeUInt8(1, icmp + 25); // length in units of 8 bytes
    macToBytes(na.targetMac).copy(frame, icmp + 26);
  }
  frame.writeUInt16BE(icmpv6Checksum(src, dst, frame.subarray(icmp)), icmp + 2);
  return frame;
}

/**
 * An unsolicited neighbour advertisement for `address` at `mac`: Override set, Solicited clear,
 * Router as asked, to all-nodes, from the address itself unless `source` is given.
 */
export function encodeUnsolicitedNa(opts: { mac: string; address: string; router?: boolean; source?: string }): Buffer {
  return encodeNeighborAdvert({
    ethDestination: ipv6MulticastMac(ipToBytes(ALL_NODES)),
    ethSource: opts.mac,
    source: opts.source ?? opts.address,
    destination: ALL_NODES,
    hopLimit: 255,
    router: opts.router ?? false,
    solicited: false,
    override: true,
    target: opts.address,
    targetMac: opts.mac,
  });
}

/** Decodes an Ethernet frame carrying an IPv6 neighbour advertisement; verifies the ICMPv6 checksum. */
export function decodeNeighborAdvert(frame: Buffer): NeighborAdvertFrame {
  const eth = decodeEthernetHeader(frame);
  if (eth.etherType !== ETHERTYPE_IPV6) throw new DecodeError(`not IPv6: EtherType 0x${eth.etherType.toString(16).padStart(4, '0')}`, 12);
  const ip = ETHERNET_HEADER_LENGTH;
  if (frame.length < ip + IPV6_HEADER_LENGTH) throw new DecodeError('IPv6 header truncated', ip);
  const version = frame.readUInt8(ip) >> 4;
  if (version !== 6) throw new DecodeError(`IP version ${version} in an IPv6 frame`, ip);
  const payloadLength = frame.readUInt16BE(ip + 4);
  const nextHeader = frame.readUInt8(ip + 6);
  if (nextHeader !== NEXT_HEADER_ICMPV6) {
    // ND messages never carry extension headers in practice; RFC 6980 forbids fragmenting them.
    throw new DecodeError(`next header ${nextHeader} is not ICMPv6`, ip + 6);
  }
  const icmp = ip + IPV6_HEADER_LENGTH;
  if (frame.length < icmp + payloadLength) throw new DecodeError(`IPv6 payload truncated: ${frame.length - icmp} of ${payloadLength} bytes`, icmp);
  const message = frame.subarray(icmp, icmp + payloadLength); // beyond: Ethernet padding
  if (message.length < 2) throw new DecodeError('ICMPv6 header truncated', icmp);
  const type = message.readUInt8(0);
  if (type !== ICMPV6_NEIGHBOR_ADVERTISEMENT || message.readUInt8(1) !== 0) {
    throw new DecodeError(`ICMPv6 type ${type} code ${message.readUInt8(1)} is not a neighbour advertisement`, icmp);
  }
  if (message.length < NA_LENGTH) throw new DecodeError(`ICMPv6 message of ${message.length} bytes is too short for a neighbour advertisement`, icmp);
  const srcBytes = frame.subarray(ip + 8, ip + 24);
  const dstBytes = frame.subarray(ip + 24, ip + 40);
  if (icmpv6Checksum(srcBytes, dstBytes, message) !== 0) {
    throw new DecodeError(`bad ICMPv6 checksum 0x${message.readUInt16BE(2).toString(16)}`, icmp + 2);
  }
  const flags = message.readUInt8(4);
  const na: NeighborAdvertFrame = {
    ethDestination: eth.destination,
    ethSource: eth.source,
    source: bytesToIp(srcBytes),
    destination: bytesToIp(dstBytes),
    hopLimit: frame.readUInt8(ip + 7),
    router: (flags & FLAG_ROUTER) !== 0,
    solicited: (flags & FLAG_SOLICITED) !== 0,
    override: (flags & FLAG_OVERRIDE) !== 0,
    target: bytesToIp(message.subarray(8, 24)),
  };
  for (let o = NA_LENGTH; o < message.length; ) {
    if (o + 2 > message.length) throw new DecodeError('ND option header truncated', icmp + o);
    const optType = message.readUInt8(o);
    const optLength = message.readUInt8(o + 1) * 8;
    // RFC 4861 §4.6: a zero-length option is invalid and the packet must be dropped.
    if (optLength === 0) throw new DecodeError(`ND option ${optType} has length 0`, icmp + o);
    if (o + optLength > message.length) throw new DecodeError(`ND option ${optType} overruns the message`, icmp + o);
    // Other options (source link-layer address, nonce...) say nothing about the target: skipped.
    if (optType === OPT_TARGET_LLADDR && optLength >= 8) na.targetMac = bytesToMac(message.subarray(o + 2, o + 8));
    o += optLength;
  }
  return na;
}
