// Receiving side of auth_hmac: one call per advert, after the RFC checks that need no key (TTL,
// version, length, checksum, type, VRID, own advert, unicast peer...). Checks in order, first failure
// wins: trailer present -> well formed (type 1, reserved 0) -> key id known -> HMAC (constant time) ->
// fresh (time mode) -> not a replay. Costs at most one HMAC-SHA256 over ~100 bytes; never throws.
// The replay state only moves when everything passed.
import { bytesToIp } from '../../netif/ip-address.js';
import { hmacMatches, sourceBytes } from './hmac.js';
import type { HmacKey } from './keys.js';
import { checkFreshness, recordAccepted, type ReplayPolicy, type ReplayState } from './replay.js';
import { EXT_TYPE_HMAC_SHA256, decodeTrailer, splitPayload } from './trailer.js';
import type { IpVersion } from '../types.js';

/** Why an advert did not authenticate. */
export type AuthFailure =
  /** No trailer (the payload is exactly the VRRP message). */
  | 'missing'
  /** Extra bytes that are not a trailer, an extension type other than 1, or reserved bits set. */
  | 'malformed'
  /** The key id is not configured here. */
  | 'unknown-key'
  /** The HMAC does not match: wrong key, or the advert (or its pseudo-header facts) changed. */
  | 'bad-hmac'
  /** Authentic, but its timestamp is outside the freshness window (time mode). */
  | 'stale'
  /** Authentic, but not above the last sequence accepted from that sender. */
  | 'replay';

export const AUTH_FAILURES: readonly AuthFailure[] = ['missing', 'malformed', 'unknown-key', 'bad-hmac', 'stale', 'replay'];

export interface ReceivedFacts {
  readonly family: IpVersion;
  /** IP source address (text): bound by the HMAC, and the sender whose replay mark applies. */
  readonly source: string;
  /** Our clock, epoch milliseconds. */
  readonly nowMs: number;
}

export interface VerifyPolicy extends ReplayPolicy {
  readonly keys: ReadonlyMap<number, HmacKey>;
}

export type TrailerVerdict =
  | {
      readonly ok: true;
      /** The VRRP message without the trailer: what the RFC parser and the state machine see. */
      readonly message: Buffer;
      readonly keyId: number;
      readonly sequence: bigint;
      /** Sender's timestamp minus our clock, ms. */
      readonly skewMs: number;
      /** |skew| is over half the window: the early sign of clock drift (time mode). */
      readonly skewWarning: boolean;
      readonly replay: ReplayState;
    }
  | {
      readonly ok: false;
      readonly reason: AuthFailure;
      readonly detail: string;
      /** The message without the trailer, when the payload could be split. */
      readonly message?: Buffer;
      readonly keyId?: number;
      readonly sequence?: bigint;
      readonly skewMs?: number;
      /** Unchanged. */
      readonly replay: ReplayState;
    };

/** Verifies the trailer of a received VRRP payload (message + trailer, as the socket delivered it). */
export function verifyTrailer(payload: Uint8Array, facts: ReceivedFacts, policy: VerifyPolicy, replay: ReplayState): TrailerVerdict {
  const split = splitPayload(payload, facts.family);
  if (split.kind === 'malformed') return { ok: false, reason: 'malformed', detail: split.detail, replay };
  if (split.kind === 'none') return { ok: false, reason: 'missing', detail: 'no auth_hmac trailer', message: split.message, replay };
  const { message } = split;
  const t = decodeTrailer(split.trailer);
  if (t.extType !== EXT_TYPE_HMAC_SHA256) {
    return { ok: false, reason: 'malformed', detail: `trailer extension type ${t.extType}, only ${EXT_TYPE_HMAC_SHA256} (HMAC-SHA256) is defined`, message, replay };
  }
  if (t.reserved !== 0) return { ok: false, reason: 'malformed', detail: `trailer reserved field 0x${t.reserved.toString(16)} is not zero`, message, replay };
  const key = policy.keys.get(t.keyId);
  if (!key) return { ok: false, reason: 'unknown-key', detail: `key id ${t.keyId} is not configured`, message, keyId: t.keyId, replay };
  const src = sourceBytes(facts.source, facts.family);
  if (!src) return { ok: false, reason: 'malformed', detail: `source ${facts.source} is not an IPv${facts.family} address`, message, replay };
  if (!hmacMatches(key.material(), { family: facts.family, source: src, message, trailer: split.trailer }, t.hmac)) {
    return { ok: false, reason: 'bad-hmac', detail: `HMAC does not match key ${t.keyId}`, message, keyId: t.keyId, replay };
  }
  const sender = bytesToIp(src); // one spelling per sender for the replay marks
  const fresh = checkFreshness(replay, sender, t.sequence, facts.nowMs, policy);
  if (!fresh.ok) {
    return { ok: false, reason: fresh.reason, detail: fresh.detail, message, keyId: t.keyId, sequence: t.sequence, skewMs: fresh.skewMs, replay };
  }
  return {
    ok: true,
    message,
    keyId: t.keyId,
    sequence: t.sequence,
    skewMs: fresh.skewMs,
    skewWarning: policy.antiReplay === 'time' && Math.abs(fresh.skewMs) > (policy.windowS * 1000) / 2,
    replay: recordAccepted(replay, sender, t.sequence, policy),
  };
}
