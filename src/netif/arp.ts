// ARP over Ethernet (RFC 826) and the gratuitous forms a new master uses to move an address to its
// MAC (RFC 5227 §3 "ARP Announcement"; RFC 5944 §4.6 for the reply form).
//
// The byte layout matches what keepalived 2.2.7 and arping 2.23 put on the wire (captured in
// test/unit/arp-ndp.test.ts): Ethernet broadcast, sender = target = the address, target
// hardware address ff:ff:ff:ff:ff:ff, no padding to 60 bytes (the NIC pads; veths do not).
import { DecodeError } from '../errors.js';
import {
  BROADCAST_MAC, decodeEthernetHeader, encodeEthernetHeader, ETHERNET_HEADER_LENGTH, ETHERTYPE_ARP, ETHERTYPE_IPV4,
} from './ethernet.js';
import { bytesToIp, bytesToMac, ipToBytes, macToBytes } from './ip-address.js';

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;
const ARP_LENGTH = 28; // Ethernet/IPv4 ARP: 8-byte header + 2 * (6 + 4)
const HTYPE_ETHERNET = 1;

export interface ArpFrame {
  ethDestination: string;
  ethSource: string;
  /** 1 = request, 2 = reply. */
  op: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

export type GratuitousArpForm = 'request' | 'reply';

export function encodeArp(a: ArpFrame): Buffer {
  const frame = Buffer.alloc(ETHERNET_HEADER_LENGTH + ARP_LENGTH);
  encodeEthernetHeader({ destination: a.ethDestination, source: a.ethSource, etherType: ETHERTYPE_ARP }, frame);
  const spa = ipToBytes(a.senderIp);
  const tpa = ipToBytes(a.targetIp);
  if (spa.length !== 4 || tpa.length !== 4) throw new TypeError(`ARP carries IPv4 addresses, not ${a.senderIp} / ${a.targetIp}`);
  let o = ETHERNET_HEADER_LENGTH;
  o = frame.writeUInt16BE(HTYPE_ETHERNET, o);
  o = frame.writeUInt16BE(ETHERTYPE_IPV4, o);
  o = frame.writeUInt8(6, o);
  o = frame.writeUInt8(4, o);
  o = frame.writeUInt16BE(a.op, o);
  o += macToBytes(a.senderMac).copy(frame, o);
  o += spa.copy(frame, o);
  o += macToBytes(a.targetMac).copy(frame, o);
  tpa.copy(frame, o);
  return frame;
}

/**
 * A gratuitous ARP announcing `address` at `mac`: the request form (op 1, what keepalived sends)
 * or the reply form (op 2, for hosts that only update their caches from replies).
 */
export function encodeGratuitousArp(opts: {
  mac: string;
  address: string;
  form?: GratuitousArpForm;
  /** Target hardware address; default ff:ff:ff:ff:ff:ff like keepalived/arping. */
  targetMac?: string;
}): Buffer {
  return encodeArp({
    ethDestination: BROADCAST_MAC,
    ethSource: opts.mac,
    op: opts.form === 'reply' ? ARP_REPLY : ARP_REQUEST,
    senderMac: opts.mac,
    senderIp: opts.address,
    targetMac: opts.targetMac ?? BROADCAST_MAC,
    targetIp: opts.address,
  });
}

/** Decodes an Ethernet frame carrying Ethernet/IPv4 ARP; trailing padding is ignored. */
export function decodeArp(frame: Buffer): ArpFrame {
  const eth = decodeEthernetHeader(frame);
  if (eth.etherType !== ETHERTYPE_ARP) {
    throw new DecodeError(`not ARP: EtherType 0x${eth.etherType.toString(16).padStart(4, '0')}`, 12);
  }
  const o = ETHERNET_HEADER_LENGTH;
  if (frame.length < o + ARP_LENGTH) throw new DecodeError(`ARP packet truncated: ${frame.length - o} of ${ARP_LENGTH} bytes`, o);
  const htype = frame.readUInt16BE(o);
  const ptype = frame.readUInt16BE(o + 2);
  const hlen = frame.readUInt8(o + 4);
  const plen = frame.readUInt8(o + 5);
  if (htype !== HTYPE_ETHERNET || ptype !== ETHERTYPE_IPV4 || hlen !== 6 || plen !== 4) {
    throw new DecodeError(`unsupported ARP: hardware type ${htype}, protocol 0x${ptype.toString(16)}, lengths ${hlen}/${plen}`, o);
  }
  return {
    ethDestination: eth.destination,
    ethSource: eth.source,
    op: frame.readUInt16BE(o + 6),
    senderMac: bytesToMac(frame.subarray(o + 8, o + 14)),
    senderIp: bytesToIp(frame.subarray(o + 14, o + 18)),
    targetMac: bytesToMac(frame.subarray(o + 18, o + 24)),
    targetIp: bytesToIp(frame.subarray(o + 24, o + 28)),
  };
}

/** Gratuitous: the sender announces its own address (sender and target protocol addresses equal). */
export function isGratuitousArp(a: ArpFrame): boolean {
  return a.senderIp === a.targetIp;
}
