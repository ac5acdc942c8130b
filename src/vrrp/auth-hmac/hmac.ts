// The auth_hmac MAC: HMAC-SHA256 over pseudo-header | message (checksum zero) | trailer (HMAC zero),
// truncated to its first 16 bytes. See trailer.ts for the layout. Pure; node:crypto only.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ipToBytes } from '../../netif/ip-address.js';
import type { IpVersion } from '../types.js';
import { HMAC_LENGTH, HMAC_OFFSET, TRAILER_LENGTH } from './trailer.js';

export const PSEUDO_HEADER_LENGTH = 20;

/** family | VRRP version | VRID | 0 | source address in 16 bytes (IPv4 left-aligned, zero-filled). */
export function pseudoHeader(family: IpVersion, version: number, vrid: number, source: Uint8Array): Buffer {
  const ph = Buffer.alloc(PSEUDO_HEADER_LENGTH);
  ph[0] = family;
  ph[1] = version;
  ph[2] = vrid;
  ph.set(source.subarray(0, 16), 4);
  return ph;
}

/** The source address as bytes of the right family, or undefined when it is not one. */
export function sourceBytes(source: string | Uint8Array, family: IpVersion): Buffer | undefined {
  let b: Buffer;
  try {
    b = typeof source === 'string' ? ipToBytes(source) : Buffer.from(source);
  } catch {
    return undefined;
  }
  return b.length === (family === 4 ? 4 : 16) ? b : undefined;
}

export interface HmacInput {
  readonly family: IpVersion;
  /** IP source address of the advert (4 or 16 bytes). */
  readonly source: Uint8Array;
  /** The VRRP message (header, addresses, v2 auth data), as sent: its checksum field is read as zero. */
  readonly message: Uint8Array;
  /** The 28-byte trailer: its HMAC field is read as zero. */
  readonly trailer: Uint8Array;
}

/** The 16-byte truncated HMAC-SHA256 of an advert under `key`. */
export function computeHmac(key: Uint8Array, input: HmacInput): Buffer {
  const { message, trailer } = input;
  if (message.length < 8) throw new RangeError('a VRRP message is at least 8 bytes');
  if (trailer.length !== TRAILER_LENGTH) throw new RangeError(`an auth_hmac trailer is ${TRAILER_LENGTH} bytes`);
  const h = createHmac('sha256', key);
  h.update(pseudoHeader(input.family, message[0]! >> 4, message[1]!, input.source));
  h.update(message.subarray(0, 6));
  h.update(ZERO2);
  h.update(message.subarray(8));
  h.update(trailer.subarray(0, HMAC_OFFSET));
  h.update(ZERO16);
  return h.digest().subarray(0, HMAC_LENGTH);
}

const ZERO2 = Buffer.alloc(2);
const ZERO16 = Buffer.alloc(HMAC_LENGTH);

/**
 * True when `received` is the HMAC of the advert under `key`. Constant time in the bytes compared;
 * an all-zero field never matches (a sender whose HMAC failed may have left zeros there).
 */
export function hmacMatches(key: Uint8Array, input: HmacInput, received: Uint8Array): boolean {
  if (received.length !== HMAC_LENGTH) return false;
  const expected = computeHmac(key, input);
  const equal = timingSafeEqual(expected, received);
  return equal && !timingSafeEqual(received, ZERO16);
}
