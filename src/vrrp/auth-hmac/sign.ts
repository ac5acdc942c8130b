// Sending side of auth_hmac: append the trailer to an encoded advert. One HMAC per advert; the copies
// for several unicast peers differ only in their checksum (which covers the destination; the HMAC does not).
import { internetChecksum, pseudoHeaderSum } from '../checksum.js';
import { VrrpEncodeError } from '../packet.js';
import type { IpVersion } from '../types.js';
import { computeHmac, sourceBytes } from './hmac.js';
import type { HmacKey } from './keys.js';
import { nextSendSequence, type SendSequenceState } from './sequence.js';
import { activeKey, signsAdverts, type AuthHmacSettings } from './settings.js';
import { HMAC_OFFSET, TRAILER_LENGTH, messageLength, trailerTemplate } from './trailer.js';

export interface SignContext {
  readonly family: IpVersion;
  /** IP source address the advert goes out with (the HMAC covers it). */
  readonly source: string;
  /** IPv6 only: the destination, for the transport checksum (which covers the trailer). */
  readonly destination?: string;
  readonly key: HmacKey;
  readonly sequence: bigint;
}

/**
 * `message` (encodeAdvertisement's output, no trailer) followed by its trailer. IPv4: the message's
 * checksum is already right (it never covers the trailer). IPv6: the checksum is rewritten over the
 * whole payload for `destination`. `message` is not modified.
 */
export function signAdvertisement(message: Uint8Array, ctx: SignContext): Buffer {
  const src = sourceBytes(ctx.source, ctx.family);
  if (!src) throw new VrrpEncodeError(`auth_hmac: ${JSON.stringify(ctx.source)} is not an IPv${ctx.family} source address`);
  if (messageLength(message, ctx.family) !== message.length) {
    throw new VrrpEncodeError(`auth_hmac: ${message.length} bytes is not one VRRP message (its header says otherwise)`);
  }
  const trailer = trailerTemplate(ctx.key.id, ctx.sequence);
  const hmac = computeHmac(ctx.key.material(), { family: ctx.family, source: src, message, trailer });
  hmac.copy(trailer, HMAC_OFFSET);
  const payload = Buffer.concat([message, trailer]);
  return ctx.family === 6 ? withIpv6Checksum(payload, ctx.source, ctx.destination) : payload;
}

/**
 * The same signed advert for another destination (unicast peers), without a second HMAC. `message` is
 * encodeAdvertisement's output for that destination: it may differ from the signed one only in its
 * checksum (v3 over IPv4 covers the destination too), which the HMAC does not cover. IPv6: the
 * checksum is then recomputed over the whole payload for `destination`.
 */
export function readdress(signed: Uint8Array, message: Uint8Array, family: IpVersion, source: string, destination: string): Buffer {
  const m = message.length;
  const same = signed.length === m + TRAILER_LENGTH
    && Buffer.compare(signed.subarray(0, 6), message.subarray(0, 6)) === 0
    && Buffer.compare(signed.subarray(8, m), message.subarray(8)) === 0;
  if (!same) throw new VrrpEncodeError('auth_hmac: readdress needs the same advert (only the checksum may differ)');
  const payload = Buffer.concat([message, signed.subarray(m)]);
  return family === 6 ? withIpv6Checksum(payload, source, destination) : payload;
}

function withIpv6Checksum(payload: Buffer, source: string, destination: string | undefined): Buffer {
  const s = sourceBytes(source, 6);
  const d = destination === undefined ? undefined : sourceBytes(destination, 6);
  if (!s || !d) throw new VrrpEncodeError('auth_hmac: the IPv6 checksum needs the source and destination addresses');
  payload.writeUInt16BE(0, 6);
  payload.writeUInt16BE(internetChecksum(payload, pseudoHeaderSum(s, d, payload.length)), 6);
  return payload;
}

/**
 * The sender's whole step: next sequence from the clock, then sign with the active key; or the message
 * unchanged in receive-only mode. Pure: returns the new sequence state.
 */
export function signNext(
  state: SendSequenceState,
  message: Uint8Array,
  ctx: Omit<SignContext, 'key' | 'sequence'>,
  nowMs: number,
  settings: AuthHmacSettings,
): { readonly payload: Buffer; readonly state: SendSequenceState; readonly sequence?: bigint } {
  if (!signsAdverts(settings.mode)) return { payload: Buffer.from(message), state };
  const next = nextSendSequence(state, nowMs, { antiReplay: settings.antiReplay, windowS: settings.windowS });
  const payload = signAdvertisement(message, { ...ctx, key: activeKey(settings), sequence: next.sequence });
  return { payload, state: next.state, sequence: next.sequence };
}
