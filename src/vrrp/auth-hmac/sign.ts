// Sending side of auth_hmac: append the trailer to an encoded advert. One HMAC per advert; the
// copies for several unicast peers differ only in the IPv6 checksum (which covers the destination).
import { internetChecksum, pseudoHeaderSum } from '../checksum.js';
import { VrrpEncodeError } from '../packet.js';
import type { IpVersion } from '../types.js';
import { computeHmac, sourceBytes } from './hmac.js';
import type { HmacKey } from './keys.js';
import { nextSendSequence, type SendSequenceState } from './sequence.js';
import { activeKey, signsAdverts, type AuthHmacSettings } from './settings.js';
import { HMAC_OFFSET, messageLength, trailerTemplate } from './trailer.js';

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

/** A copy of a signed IPv6 payload with the checksum for another destination (same HMAC). IPv4: as is. */
export function readdress(payload: Uint8Array, family: IpVersion, source: string, destination: string): Buffer {
  return family === 6 ? withIpv6Checksum(Buffer.from(payload), source, destination) : Buffer.from(payload);
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
