// PING_CHECK's wire format, pure: ICMP echo request (RFC 792) and ICMPv6 echo request (RFC 4443
// section 4.1), and recognising the matching reply. An IPv4 raw socket hands over the IP header
// too; an ICMPv6 raw socket hands over the ICMPv6 message only, and the kernel computes ICMPv6
// checksums itself (the pseudo-header needs the source it picks), so requests carry 0 there.
import { internetChecksum } from '../vrrp/checksum.js';

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_ECHO_REQUEST = 8;
export const ICMPV6_DEST_UNREACH = 1;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;

export interface EchoId {
  id: number;
  seq: number;
}

export function buildEchoRequest(family: 4 | 6, e: EchoId, payload: Buffer): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b[0] = family === 4 ? ICMP_ECHO_REQUEST : ICMPV6_ECHO_REQUEST;
  b.writeUInt16BE(e.id & 0xffff, 4);
  b.writeUInt16BE(e.seq & 0xffff, 6);
  payload.copy(b, 8);
  if (family === 4) b.writeUInt16BE(internetChecksum(b), 2);
  return b;
}

/** What a received datagram is, for the request `e` (payload compared too: a stale reply is not ours). */
export type EchoVerdict = { kind: 'reply' } | { kind: 'unreachable'; code: number } | { kind: 'other' };

/** `data` as a raw socket of that family delivers it (IPv4: with the IP header). */
export function classifyEchoReply(family: 4 | 6, data: Buffer, e: EchoId, payload: Buffer): EchoVerdict {
  let icmp = data;
  if (family === 4) {
    if (data.length < 20 || data[0]! >> 4 !== 4) return { kind: 'other' };
    icmp = data.subarray((data[0]! & 0x0f) * 4);
  }
  if (icmp.length < 8) return { kind: 'other' };
  const type = icmp[0]!;
  const reply = family === 4 ? ICMP_ECHO_REPLY : ICMPV6_ECHO_REPLY;
  if (type === reply) {
    if (family === 4 && internetChecksum(icmp) !== 0) return { kind: 'other' };
    const ours = icmp.readUInt16BE(4) === (e.id & 0xffff) && icmp.readUInt16BE(6) === (e.seq & 0xffff) && icmp.subarray(8).equals(payload);
    return ours ? { kind: 'reply' } : { kind: 'other' };
  }
  // An error quotes our request: its IP header, then at least 8 bytes of the ICMP message.
  const unreach = family === 4 ? ICMP_DEST_UNREACH : ICMPV6_DEST_UNREACH;
  if (type === unreach) {
    const inner = quotedEcho(family, icmp.subarray(8));
    if (inner && inner.readUInt16BE(4) === (e.id & 0xffff) && inner.readUInt16BE(6) === (e.seq & 0xffff)) return { kind: 'unreachable', code: icmp[1]! };
  }
  return { kind: 'other' };
}

function quotedEcho(family: 4 | 6, quoted: Buffer): Buffer | undefined {
  if (family === 4) {
    if (quoted.length < 28 || quoted[0]! >> 4 !== 4 || quoted[9] !== 1) return undefined;
    const inner = quoted.subarray((quoted[0]! & 0x0f) * 4);
    return inner.length >= 8 && inner[0] === ICMP_ECHO_REQUEST ? inner : undefined;
  }
  if (quoted.length < 48 || quoted[0]! >> 4 !== 6 || quoted[6] !== 58) return undefined;
  const inner = quoted.subarray(40);
  return inner[0] === ICMPV6_ECHO_REQUEST ? inner : undefined;
}

/**
 * ICMP type filters for raw sockets (ICMP_FILTER / ICMP6_FILTER): a set bit blocks that type, so
 * the probe's socket sees only echo replies and destination-unreachable errors.
 */
export function icmpFilter(family: 4 | 6): Buffer {
  if (family === 4) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE((~((1 << ICMP_ECHO_REPLY) | (1 << ICMP_DEST_UNREACH))) >>> 0, 0);
    return b;
  }
  const b = Buffer.alloc(32, 0xff);
  for (const t of [ICMPV6_ECHO_REPLY, ICMPV6_DEST_UNREACH]) {
    const word = t >> 5;
    b.writeUInt32LE((b.readUInt32LE(word * 4) & ~(1 << (t & 31))) >>> 0, word * 4);
  }
  return b;
}
