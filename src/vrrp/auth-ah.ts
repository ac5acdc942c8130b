// VRRPv2 over an IPsec Authentication Header (RFC 2338 5.3.6.3, keepalived `auth_type AH`), pure.
// The layout is RFC 2402's, with the choices keepalived makes (learned from captures of 2.2.7 and
// 2.4.3 talking to each other, and checked against them both ways):
//
//   IPv4 header  TOS 0xc0, ID = the AH sequence number, no fragment bits, TTL 255, protocol 51
//   AH           next header 112, payload length 4 (24 bytes), reserved 0, SPI = the sender's IPv4
//                address, sequence number, ICV (12 bytes)
//   VRRPv2       auth type 2, Authentication Data all zero
//
// ICV = the first 12 bytes of HMAC-MD5 keyed by the password (at most 8 bytes), over the IPv4 header
// with TOS, flags/fragment offset and checksum zeroed (TTL is kept), the AH with its ICV zeroed and
// the VRRP message. Each router keeps one counter, the highest sequence number it sent or
// authenticated: it sends the next one, and drops an advert at or below it ("already processed",
// keepalived 2.2.7 and 2.4.3 alike). Every router hears its peers before it first sends (keepalived
// refuses state MASTER with AH), so a restarted one catches up instead of being dropped.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { bytesToIp, ipToBytes } from '../netif/ip-address.js';

export const IPPROTO_AH = 51;
const IPV4_HEADER = 20;
const AH_FIXED = 12;
const ICV_LENGTH = 12;
export const AH_LENGTH = AH_FIXED + ICV_LENGTH;
const TOS_NETWORK_CONTROL = 0xc0;

export interface AhSendOptions {
  source: string;
  destination: string;
  ttl: number;
  /** Sequence number (1..2^32-1); also the IP identification's low 16 bits. */
  seq: number;
  key: Uint8Array;
}

function icvOf(packet: Buffer, headerLength: number, key: Uint8Array): Buffer {
  const m = Buffer.from(packet);
  m[1] = 0; // TOS
  m[6] = 0; // flags, fragment offset
  m[7] = 0;
  m[10] = 0; // header checksum
  m[11] = 0;
  m.fill(0, headerLength + AH_FIXED, headerLength + AH_LENGTH);
  return createHmac('md5', key).update(m).digest().subarray(0, ICV_LENGTH);
}

/** The whole IPv4 packet (for an IP_HDRINCL socket: the kernel fills in the checksum). */
export function encodeAhPacket(vrrp: Uint8Array, o: AhSendOptions): Buffer {
  const src = ipToBytes(o.source);
  const dst = ipToBytes(o.destination);
  const total = IPV4_HEADER + AH_LENGTH + vrrp.length;
  const p = Buffer.alloc(total);
  p[0] = 0x45;
  p[1] = TOS_NETWORK_CONTROL;
  p.writeUInt16BE(total, 2);
  // Never 0: the kernel would pick its own identification for an IP_HDRINCL packet.
  p.writeUInt16BE((o.seq & 0xffff) || 1, 4);
  p[8] = o.ttl;
  p[9] = IPPROTO_AH;
  src.copy(p, 12);
  dst.copy(p, 16);
  p[20] = 112; // next header: VRRP
  p[21] = AH_LENGTH / 4 - 2;
  src.copy(p, 24); // SPI: our address, as keepalived
  p.writeUInt32BE(o.seq >>> 0, 28);
  p.set(vrrp, IPV4_HEADER + AH_LENGTH);
  icvOf(p, IPV4_HEADER, o.key).copy(p, IPV4_HEADER + AH_FIXED);
  return p;
}

export type AhParse =
  | { ok: true; seq: number; source: string; destination: string; ttl: number; vrrp: Buffer }
  | { ok: false; reason: 'ip-header' | 'auth-failure'; detail: string };

/** Checks an IPv4 packet with an AH (as an IPPROTO_AH raw socket delivers it) and returns the VRRP message. */
export function parseAhPacket(packet: Uint8Array, key: Uint8Array): AhParse {
  const bad = (reason: 'ip-header' | 'auth-failure', detail: string): AhParse => ({ ok: false, reason, detail });
  if (packet.length < IPV4_HEADER || packet[0]! >> 4 !== 4) return bad('ip-header', 'not an IPv4 packet');
  const hl = (packet[0]! & 0x0f) * 4;
  const total = (packet[2]! << 8) | packet[3]!;
  if (hl < IPV4_HEADER || total > packet.length || total < hl + AH_LENGTH) return bad('ip-header', `IPv4 lengths (header ${hl}, total ${total}) do not fit ${packet.length} bytes with an AH`);
  if (packet[9] !== IPPROTO_AH) return bad('ip-header', `IP protocol ${packet[9]!}, expected ${IPPROTO_AH}`);
  if ((((packet[6]! << 8) | packet[7]!) & 0x3fff) !== 0) return bad('ip-header', 'IPv4 fragment');
  if (packet[hl] !== 112) return bad('ip-header', `AH next header ${packet[hl]!}, expected 112 (VRRP)`);
  if (packet[hl + 1] !== AH_LENGTH / 4 - 2) return bad('auth-failure', `AH payload length ${packet[hl + 1]!}, expected ${AH_LENGTH / 4 - 2} (HMAC-MD5-96)`);
  const p = Buffer.from(packet.subarray(0, total));
  const icv = p.subarray(hl + AH_FIXED, hl + AH_LENGTH);
  if (!timingSafeEqual(icv, icvOf(p, hl, key))) return bad('auth-failure', 'AH authentication data (HMAC-MD5-96) does not match');
  return {
    ok: true,
    seq: p.readUInt32BE(hl + 8),
    source: bytesToIp(p.subarray(12, 16)),
    destination: bytesToIp(p.subarray(16, 20)),
    ttl: p[8]!,
    vrrp: p.subarray(hl + AH_LENGTH),
  };
}

/** The sequence number to send next: after the highest sent or accepted, skipping 0 on wrap. */
export function nextAhSequence(last: number): number {
  const n = (last + 1) >>> 0;
  return n === 0 ? 1 : n;
}
