// VRRP advertisement codec: bytes in, typed values out, and back. Pure; parsing never throws and is O(size).
//
// VRRPv2 (RFC 3768 5.1):                          VRRPv3 (RFC 5798 5.1, RFC 9568 5.1):
//   0: Version=2 | Type=1                           0: Version=3 | Type=1
//   1: Virtual Rtr ID                               1: Virtual Rtr ID
//   2: Priority                                     2: Priority
//   3: Count IP Addrs                               3: Count IPvX Addrs
//   4: Auth Type                                    4-5: rsvd (4 bits) | Max Adver Int (12 bits, centiseconds)
//   5: Adver Int (seconds)                          6-7: Checksum
//   6-7: Checksum                                   8..: IPv4 or IPv6 addresses
//   8..: IPv4 addresses, then 8 bytes Authentication Data
import { bytesToIp, ipToBytes } from '../netif/ip-address.js';
import { VipdError } from '../errors.js';
import { AUTH_DATA_LENGTH } from './auth.js';
import { internetChecksum, pseudoHeaderSum } from './checksum.js';
import { TRAILER_LENGTH } from './auth-hmac/trailer.js';
import {
  type Advertisement,
  type ChecksumMode,
  type IpVersion,
  type VrrpVersion,
  IPPROTO_VRRP,
  VRRP_TYPE_ADVERTISEMENT,
  VRRP_TTL,
} from './types.js';

export const VRRP_HEADER_LENGTH = 8;
const IPV4_HEADER_MIN = 20;
/** Largest VRRPv3 Max Adver Int (12 bits), in centiseconds. */
export const MAX_ADVERT_INTERVAL_V3_CS = 0x0fff;

/** An encode call with values that cannot go on the wire: a programming or config error, never a packet. */
export class VrrpEncodeError extends VipdError {
  constructor(message: string) {
    super('VIPD_ERR_VRRP_ENCODE', message);
  }
}

export interface EncodeOptions {
  /** Source and destination of the IP packet: the VRRPv3 checksum covers them. Unused for v2. */
  readonly source?: string;
  readonly destination?: string;
  /** VRRPv3 over IPv4 only: 'no-pseudo' for peers that leave the pseudo-header out. Default 'pseudo'. */
  readonly checksum?: 'pseudo' | 'no-pseudo';
}

/** The VRRP message (IP payload) for an advertisement, checksum filled in. The kernel adds the IP header. */
export function encodeAdvertisement(adv: Advertisement, options: EncodeOptions = {}): Buffer {
  const { version, family } = adv;
  if (version !== 2 && version !== 3) throw new VrrpEncodeError(`VRRP version must be 2 or 3, not ${String(version)}`);
  if (version === 2 && family !== 4) throw new VrrpEncodeError('VRRPv2 carries IPv4 addresses only');
  checkByte('virtual router id', adv.vrid, 1, 255);
  checkByte('priority', adv.priority, 0, 255);
  if (adv.addresses.length < 1 || adv.addresses.length > 255) {
    throw new VrrpEncodeError(`an advertisement carries 1 to 255 addresses, not ${adv.addresses.length}`);
  }
  const addrLen = family === 4 ? 4 : 16;
  const length = VRRP_HEADER_LENGTH + adv.addresses.length * addrLen + (version === 2 ? AUTH_DATA_LENGTH : 0);
  const out = Buffer.alloc(length);
  out[0] = (version << 4) | VRRP_TYPE_ADVERTISEMENT;
  out[1] = adv.vrid;
  out[2] = adv.priority;
  out[3] = adv.addresses.length;
  if (version === 2) {
    const seconds = adv.advertIntervalCs / 100;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 255) {
      throw new VrrpEncodeError(`a VRRPv2 advertisement interval is 1 to 255 whole seconds, not ${adv.advertIntervalCs} cs`);
    }
    checkByte('auth type', adv.authType ?? 0, 0, 255);
    out[4] = adv.authType ?? 0;
    out[5] = seconds;
  } else {
    if (!Number.isInteger(adv.advertIntervalCs) || adv.advertIntervalCs < 1 || adv.advertIntervalCs > MAX_ADVERT_INTERVAL_V3_CS) {
      throw new VrrpEncodeError(`a VRRPv3 advertisement interval is 1 to 4095 centiseconds, not ${adv.advertIntervalCs}`);
    }
    out.writeUInt16BE(adv.advertIntervalCs, 4);
  }
  let offset = VRRP_HEADER_LENGTH;
  for (const address of adv.addresses) {
    const bytes = addressBytes(address, addrLen);
    bytes.copy(out, offset);
    offset += addrLen;
  }
  if (version === 2 && adv.authData) {
    if (adv.authData.length !== AUTH_DATA_LENGTH) throw new VrrpEncodeError('VRRPv2 authentication data is 8 bytes');
    out.set(adv.authData, offset);
  }
  let seed = 0;
  if (version === 3 && (family === 6 || options.checksum !== 'no-pseudo')) {
    if (!options.source || !options.destination) {
      throw new VrrpEncodeError('the VRRPv3 checksum needs the source and destination addresses');
    }
    seed = pseudoHeaderSum(addressBytes(options.source, addrLen), addressBytes(options.destination, addrLen), length);
  }
  out.writeUInt16BE(internetChecksum(out, seed), 6);
  return out;
}

function checkByte(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new VrrpEncodeError(`${what} must be an integer from ${min} to ${max}, not ${String(value)}`);
  }
}

function addressBytes(address: string, length: number): Buffer {
  let bytes: Buffer;
  try {
    bytes = ipToBytes(address);
  } catch {
    throw new VrrpEncodeError(`not an IP address: ${JSON.stringify(address)}`);
  }
  if (bytes.length !== length) throw new VrrpEncodeError(`${address} is not an IPv${length === 4 ? 4 : 6} address`);
  return bytes;
}

// ---------------------------------------------------------------------------------------------------------
// Parsing

/** Why a packet did not parse, checked in this order (RFC 5798 7.1 / RFC 3768 7.1 first checks). */
export type ParseFailure =
  /** Not a well-formed IPv4 packet carrying VRRP (header length, protocol, fragment). */
  | 'ip-header'
  /** TTL / hop limit is not 255. */
  | 'ttl'
  /** VRRP version is not 2 or 3, not the one expected, or v2 over IPv6. */
  | 'version'
  /**
   * Not the length its header, addresses and (v2) auth data say (plus a 28-byte auth_hmac trailer
   * when the instance has auth_hmac); or no addresses.
   */
  | 'length'
  | 'checksum'
  /** Type is not 1 (advertisement). */
  | 'type';

/** An advertisement as it arrived, with the IP-level facts the validator needs. */
export interface ReceivedAdvertisement extends Advertisement {
  readonly source: string;
  readonly destination: string;
  readonly ttl: number;
  /** The v3 IPv4 checksum variant that matched ('v2' for VRRPv2): lets the runtime log a non-RFC peer. */
  readonly checksumKind: 'v2' | 'pseudo' | 'no-pseudo' | 'old-unicast';
}

export type ParseResult =
  | { readonly ok: true; readonly advert: ReceivedAdvertisement }
  | { readonly ok: false; readonly reason: ParseFailure; readonly detail: string; readonly vrid?: number };

export interface ParseOptions {
  /** Reject other versions with 'version'. Undefined accepts both (e.g. for router-wide statistics). */
  readonly version?: VrrpVersion;
  /** How to check a VRRPv3 IPv4 checksum. Default 'pseudo' (RFC 5798/9568). */
  readonly checksum?: ChecksumMode;
  /** Any TTL / hop limit (unicast: keepalived checks it per peer, if at all). Default: 255 only. */
  readonly anyTtl?: boolean;
  /**
   * VRRPv3 IPv4 unicast: also accept a checksum whose pseudo-header has this (multicast group)
   * destination instead of ours (keepalived before 1.3.6, its old_unicast_checksum).
   */
  readonly oldUnicastDestination?: Uint8Array;
  /**
   * auth_hmac: the message may be followed by its 28-byte trailer (verified later, by the instance).
   * Without it any byte after the message is a length error, as keepalived counts it.
   */
  readonly trailer?: boolean;
}

/** Facts the IP layer gives about a VRRP message received on an IPv6 socket (or any payload). */
export interface PacketMeta {
  readonly family: IpVersion;
  readonly source: string;
  readonly destination: string;
  /** TTL (IPv4) or hop limit (IPv6, from IPV6_HOPLIMIT). */
  readonly ttl: number;
}

function fail(reason: ParseFailure, detail: string, vrid?: number): ParseResult {
  return vrid === undefined ? { ok: false, reason, detail } : { ok: false, reason, detail, vrid };
}

/** Parses a whole IPv4 packet as a raw IPPROTO_VRRP socket delivers it (IPv4 header included). */
export function parseIpv4Packet(packet: Uint8Array, options: ParseOptions = {}): ParseResult {
  if (packet.length < IPV4_HEADER_MIN) return fail('ip-header', `${packet.length} bytes is shorter than an IPv4 header`);
  if (packet[0]! >> 4 !== 4) return fail('ip-header', `IP version ${packet[0]! >> 4}, expected 4`);
  const headerLength = (packet[0]! & 0x0f) * 4;
  const totalLength = (packet[2]! << 8) | packet[3]!;
  if (headerLength < IPV4_HEADER_MIN || headerLength > packet.length) {
    return fail('ip-header', `IPv4 header length ${headerLength} does not fit ${packet.length} bytes`);
  }
  if (totalLength < headerLength) return fail('ip-header', `IPv4 total length ${totalLength} < header length ${headerLength}`);
  if (packet[9] !== IPPROTO_VRRP) return fail('ip-header', `IP protocol ${packet[9]!}, expected ${IPPROTO_VRRP}`);
  const fragment = ((packet[6]! << 8) | packet[7]!) & 0x3fff; // MF flag and fragment offset
  if (fragment !== 0) return fail('ip-header', 'IPv4 fragment');
  const ttl = packet[8]!;
  const source = packet.subarray(12, 16);
  const destination = packet.subarray(16, 20);
  // A truncated read: the IP header promises more than we got. Length problems are VRRP length errors.
  const end = Math.min(totalLength, packet.length);
  const payload = packet.subarray(headerLength, end);
  if (totalLength > packet.length) {
    if (ttl !== VRRP_TTL && !options.anyTtl) return fail('ttl', `TTL ${ttl}, expected ${VRRP_TTL}`, vridOf(payload));
    return fail('length', `IPv4 total length ${totalLength} but only ${packet.length} bytes received`, vridOf(payload));
  }
  return parseMessage(payload, 4, source, destination, ttl, options);
}

/** The VRRP payload of a whole IPv4 packet that parsed (what follows its header, up to its total length). */
export function ipv4Payload(packet: Uint8Array): Uint8Array {
  const headerLength = (packet[0]! & 0x0f) * 4;
  return packet.subarray(headerLength, Math.min((packet[2]! << 8) | packet[3]!, packet.length));
}

/** Parses a VRRP message (the IP payload) whose addresses and TTL/hop limit come from the socket. */
export function parseVrrpMessage(payload: Uint8Array, meta: PacketMeta, options: ParseOptions = {}): ParseResult {
  let source: Buffer;
  let destination: Buffer;
  try {
    source = ipToBytes(meta.source);
    destination = ipToBytes(meta.destination);
  } catch {
    return fail('ip-header', `bad source or destination address ${meta.source} -> ${meta.destination}`);
  }
  const len = meta.family === 4 ? 4 : 16;
  if (source.length !== len || destination.length !== len) {
    return fail('ip-header', `addresses ${meta.source} -> ${meta.destination} are not IPv${meta.family}`);
  }
  return parseMessage(payload, meta.family, source, destination, meta.ttl, options);
}

/** The VRID byte, if there is one: lets a runtime pick the instance before full parsing. */
export function vridOf(payload: Uint8Array): number | undefined {
  return payload.length >= 2 ? payload[1] : undefined;
}

/** The VRID byte of a whole IPv4 packet (raw socket), past its header; undefined if there is none. */
export function vridOfIpv4Packet(packet: Uint8Array): number | undefined {
  if (packet.length < IPV4_HEADER_MIN) return undefined;
  const headerLength = (packet[0]! & 0x0f) * 4;
  return headerLength >= IPV4_HEADER_MIN && packet.length >= headerLength + 2 ? packet[headerLength + 1] : undefined;
}

function parseMessage(
  msg: Uint8Array,
  family: IpVersion,
  source: Uint8Array,
  destination: Uint8Array,
  ttl: number,
  options: ParseOptions,
): ParseResult {
  const vrid = vridOf(msg);
  if (ttl !== VRRP_TTL && !options.anyTtl) return fail('ttl', `TTL/hop limit ${ttl}, expected ${VRRP_TTL}`, vrid);
  if (msg.length < 1) return fail('length', 'empty VRRP message');
  const version = msg[0]! >> 4;
  if (version !== 2 && version !== 3) return fail('version', `VRRP version ${version}`, vrid);
  if (options.version !== undefined && version !== options.version) {
    return fail('version', `VRRP version ${version}, expected ${options.version}`, vrid);
  }
  if (version === 2 && family === 6) return fail('version', 'VRRPv2 over IPv6', vrid);
  if (msg.length < VRRP_HEADER_LENGTH) return fail('length', `${msg.length} bytes is shorter than the VRRP header`, vrid);
  const count = msg[3]!;
  const addrLen = family === 4 ? 4 : 16;
  const need = VRRP_HEADER_LENGTH + count * addrLen + (version === 2 ? AUTH_DATA_LENGTH : 0);
  if (count === 0) return fail('length', 'no addresses', vrid);
  if (msg.length < need) return fail('length', `${msg.length} bytes, ${count} addresses need ${need}`, vrid);
  if (msg.length !== need && !(options.trailer && msg.length === need + TRAILER_LENGTH)) {
    const allowed = options.trailer ? `${need} or ${need + TRAILER_LENGTH} (auth_hmac trailer)` : `${need}`;
    return fail('length', `${msg.length} bytes, ${count} addresses make ${allowed}`, vrid);
  }

  // The checksum covers the message only (an auth_hmac trailer is outside it), except over IPv6,
  // where it is the transport checksum of the whole payload (RFC 8200 8.1).
  let checksumKind: ReceivedAdvertisement['checksumKind'];
  if (version === 2) {
    if (internetChecksum(msg, 0, 0, need) !== 0) return fail('checksum', 'bad VRRPv2 checksum', vrid);
    checksumKind = 'v2';
  } else {
    const mode = family === 6 ? 'pseudo' : (options.checksum ?? 'pseudo');
    const end = family === 6 ? msg.length : need;
    const withPseudo = mode !== 'no-pseudo' && internetChecksum(msg, pseudoHeaderSum(source, destination, end), 0, end) === 0;
    if (withPseudo) checksumKind = 'pseudo';
    else if (mode !== 'pseudo' && internetChecksum(msg, 0, 0, end) === 0) checksumKind = 'no-pseudo';
    else if (options.oldUnicastDestination && family === 4
      && internetChecksum(msg, pseudoHeaderSum(source, options.oldUnicastDestination, end), 0, end) === 0) checksumKind = 'old-unicast';
    else return fail('checksum', `bad VRRPv3 checksum (${mode})`, vrid);
  }
  const type = msg[0]! & 0x0f;
  if (type !== VRRP_TYPE_ADVERTISEMENT) return fail('type', `VRRP type ${type}, expected ${VRRP_TYPE_ADVERTISEMENT}`, vrid);

  const addresses: string[] = [];
  for (let i = 0, off = VRRP_HEADER_LENGTH; i < count; i++, off += addrLen) {
    addresses.push(bytesToIp(msg.subarray(off, off + addrLen)));
  }
  // One object per advert, built in one go (this runs for every datagram received).
  const advert: ReceivedAdvertisement = version === 2
    ? {
        version: 2, vrid: msg[1]!, priority: msg[2]!, family, addresses,
        source: bytesToIp(source), destination: bytesToIp(destination), ttl, checksumKind,
        advertIntervalCs: msg[5]! * 100,
        authType: msg[4]!,
        authData: Buffer.from(msg.subarray(VRRP_HEADER_LENGTH + count * 4, VRRP_HEADER_LENGTH + count * 4 + AUTH_DATA_LENGTH)),
      }
    : {
        version: 3, vrid: msg[1]!, priority: msg[2]!, family, addresses,
        source: bytesToIp(source), destination: bytesToIp(destination), ttl, checksumKind,
        advertIntervalCs: ((msg[4]! << 8) | msg[5]!) & MAX_ADVERT_INTERVAL_V3_CS,
      };
  return { ok: true, advert };
}
