// The auth_hmac trailer: 28 bytes appended to a VRRP advertisement (draft-cassen-vrrp-auth-hmac-00,
// as keepalived 2.4.3 puts it on the wire). Pure codec: bytes in, values out; never throws on input.
//
// Design note (how the extension works, in our words):
//
//   VRRP message (RFC 3768 / RFC 9568, unchanged) | trailer
//
//   trailer  0: extension type   1 = HMAC-SHA256 truncated to 128 bits (the only one defined)
//            1: key id           1..255, selects one of the keys both sides hold
//          2-3: reserved         zero when sent; a receiver drops a trailer where it is not
//          4-7: seconds          UTC seconds since 1970, modulo 2^32 (the field wraps; no epoch games)
//          8-9: subseconds       binary fraction of that second (units of 1/65536 s)
//        10-11: counter          tie-breaker when two adverts would carry the same timestamp
//        12-27: HMAC             first 16 bytes of HMAC-SHA256(key, pseudo-header | message | trailer)
//   Bytes 4-11 read as one 64-bit big-endian number are the sequence number (sequence.ts).
//
//   The HMAC input (hmac.ts) starts with a 20-byte pseudo-header that ties the advert to its sender and
//   virtual router without covering the IP header (so TTL handling and unicast routing stay outside it):
//     address family (4 or 6) | VRRP version | VRID | 0 | source address in 16 bytes (IPv4: 4 bytes, 12 zero)
//   then the VRRP message with its checksum field read as zero, then the trailer with its HMAC field
//   read as zero. Zeroing the checksum matters for IPv6, where the transport checksum covers the trailer
//   and is written after signing. The destination is not covered, so the copies a sender unicasts to
//   several peers share one sequence number and one HMAC.
//
//   The VRRP checksum is the RFC one, computed as if there were no trailer, except over IPv6:
//     v2 (IPv4):   over the VRRP message only (RFC 3768 5.3.8)
//     v3 IPv4:     over the message only, pseudo-header length = message length (RFC 9568 5.2.8)
//     v3 IPv6:     the transport checksum over the whole payload, trailer included (RFC 8200 8.1)
//   A receiver finds the trailer by length: the header's address count says where the message ends;
//   exactly 28 bytes more is a trailer, nothing more is "no trailer", anything else is malformed.
//   VRRPv2 adverts that carry a trailer use auth type 0 (the legacy PASS/AH block is not combined with it).
//
//   Receivers (verify.ts) check, in this order: trailer present and well formed (type 1, reserved 0),
//   key id configured, HMAC (constant time), then freshness and replay (replay.ts). Replay state moves
//   only for adverts whose HMAC verified, so forgeries cannot push it. Rollout modes and key rotation
//   are in decision.ts; key material and the keepalived.conf block in keys.ts and config.ts.
import { VRRP_HEADER_LENGTH } from '../packet.js';
import { AUTH_DATA_LENGTH } from '../auth.js';
import type { IpVersion } from '../types.js';

export const TRAILER_LENGTH = 28;
/** Extension type of HMAC-SHA256-128, the only scheme the draft defines. */
export const EXT_TYPE_HMAC_SHA256 = 1;
export const HMAC_LENGTH = 16;
/** Offset of the HMAC inside the trailer; bytes before it are the trailer header. */
export const HMAC_OFFSET = 12;
export const SEQUENCE_OFFSET = 4;

/** The trailer's fields. `sequence` is bytes 4-11 as one unsigned 64-bit number. */
export interface Trailer {
  readonly extType: number;
  readonly keyId: number;
  readonly reserved: number;
  readonly sequence: bigint;
  readonly hmac: Buffer;
}

/** A payload split where its VRRP message ends. */
export type Split =
  | { readonly kind: 'trailer'; readonly message: Buffer; readonly trailer: Buffer }
  | { readonly kind: 'none'; readonly message: Buffer }
  /** Too short for its own header, or extra bytes that are not a 28-byte trailer. */
  | { readonly kind: 'malformed'; readonly detail: string };

/**
 * Length of the VRRP message at the start of `payload`, from its header (version and address count),
 * or undefined when the header is not there. v2 carries 8 bytes of authentication data after the addresses.
 */
export function messageLength(payload: Uint8Array, family: IpVersion): number | undefined {
  if (payload.length < VRRP_HEADER_LENGTH) return undefined;
  const version = payload[0]! >> 4;
  const addrLen = family === 4 ? 4 : 16;
  return VRRP_HEADER_LENGTH + payload[3]! * addrLen + (version === 2 ? AUTH_DATA_LENGTH : 0);
}

/** Splits a received VRRP payload (the IP payload) into message and trailer. Views, no copies. */
export function splitPayload(payload: Uint8Array, family: IpVersion): Split {
  const need = messageLength(payload, family);
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  if (need === undefined) return { kind: 'malformed', detail: `${payload.length} bytes is shorter than the VRRP header` };
  if (payload.length === need) return { kind: 'none', message: buf };
  if (payload.length === need + TRAILER_LENGTH) {
    return { kind: 'trailer', message: buf.subarray(0, need), trailer: buf.subarray(need) };
  }
  return {
    kind: 'malformed',
    detail: `${payload.length} bytes: the message is ${need}, so ${payload.length - need} bytes follow it, not 0 or ${TRAILER_LENGTH}`,
  };
}

/** Reads the trailer's fields (no validation: that is the verifier's). `bytes` is exactly 28 long. */
export function decodeTrailer(bytes: Uint8Array): Trailer {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    extType: b[0]!,
    keyId: b[1]!,
    reserved: b.readUInt16BE(2),
    sequence: b.readBigUInt64BE(SEQUENCE_OFFSET),
    hmac: b.subarray(HMAC_OFFSET, HMAC_OFFSET + HMAC_LENGTH),
  };
}

/** The trailer header (bytes 0-11) followed by a zero HMAC field: what the HMAC is computed over. */
export function trailerTemplate(keyId: number, sequence: bigint, extType = EXT_TYPE_HMAC_SHA256): Buffer {
  const t = Buffer.alloc(TRAILER_LENGTH);
  t[0] = extType;
  t[1] = keyId;
  t.writeBigUInt64BE(BigInt.asUintN(64, sequence), SEQUENCE_OFFSET);
  return t;
}
