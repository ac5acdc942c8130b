// Ethernet II header (RFC 894): destination, source, EtherType. Shared by the ARP and ND codecs.
import { DecodeError } from '../errors.js';
import { bytesToMac, macToBytes } from './ip-address.js';

export const ETHERNET_HEADER_LENGTH = 14;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

export interface EthernetHeader {
  destination: string;
  source: string;
  etherType: number;
}

export function encodeEthernetHeader(h: EthernetHeader, into: Buffer, offset = 0): void {
  macToBytes(h.destination).copy(into, offset);
  macToBytes(h.source).copy(into, offset + 6);
  into.writeUInt16BE(h.etherType, offset + 12);
}

export function decodeEthernetHeader(frame: Buffer): EthernetHeader {
  if (frame.length < ETHERNET_HEADER_LENGTH) {
    throw new DecodeError(`Ethernet frame of ${frame.length} bytes is shorter than its 14-byte header`, 0);
  }
  return {
    destination: bytesToMac(frame.subarray(0, 6)),
    source: bytesToMac(frame.subarray(6, 12)),
    etherType: frame.readUInt16BE(12),
  };
}

/** RFC 2464 §7: an IPv6 multicast address maps to 33:33 plus its last four bytes. */
export function ipv6MulticastMac(group: Uint8Array): string {
  return bytesToMac(Uint8Array.from([0x33, 0x33, ...group.subarray(12, 16)]));
}
