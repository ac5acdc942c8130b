// The Internet checksum (RFC 1071) over VRRP messages, with the pseudo-headers VRRPv3 uses.
// VRRPv2 (RFC 3768 5.3.8): over the VRRP message only.
// VRRPv3 (RFC 5798 5.2.8, RFC 9568 5.2.8): over the VRRP message plus the IPv4 pseudo-header of RFC 768
// (src, dst, zero, protocol 112, VRRP length) or the IPv6 one of RFC 8200 8.1 (src, dst, 32-bit length,
// 3 zero bytes, next header 112).
import { IPPROTO_VRRP } from './types.js';

/** Adds 16-bit big-endian words of `data` to `sum` (not folded). Odd length is padded with a zero byte. */
function addWords(sum: number, data: Uint8Array, start = 0, end = data.length): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (i < end) sum += data[i]! << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** Sum of the pseudo-header for a VRRP message of `length` bytes between two addresses (4 or 16 bytes each). */
export function pseudoHeaderSum(source: Uint8Array, destination: Uint8Array, length: number): number {
  let sum = addWords(0, source);
  sum = addWords(sum, destination);
  if (source.length === 16) {
    // RFC 8200 8.1: 32-bit upper-layer length, 24 zero bits, next header.
    sum += Math.floor(length / 0x10000) + (length & 0xffff) + IPPROTO_VRRP;
  } else {
    // RFC 768: zero, protocol, 16-bit length.
    sum += IPPROTO_VRRP + (length & 0xffff);
  }
  return sum;
}

/**
 * The checksum of `message` (checksum field included as it is: zero it to compute, keep it to verify),
 * optionally seeded with a pseudo-header sum. A message that carries a correct checksum yields 0.
 */
export function internetChecksum(message: Uint8Array, seed = 0, start = 0, end = message.length): number {
  return ~fold(addWords(seed, message, start, end)) & 0xffff;
}
