// auth_hmac (draft-cassen-vrrp-auth-hmac-00, wire-compatible with keepalived 2.4.3): the pure core.
// Sender: signNext / signAdvertisement. Receiver: authenticateAdvert (verifyTrailer + decideReceive).
// Configuration: authHmacKeywords / finishAuthHmac / resolveAuthHmac. See trailer.ts for the design.
export {
  TRAILER_LENGTH, EXT_TYPE_HMAC_SHA256, HMAC_LENGTH, messageLength, splitPayload, decodeTrailer, trailerTemplate,
  type Trailer, type Split,
} from './trailer.js';
export {
  sequenceAt, isNewer, addSequence, skewMs, sequenceSeconds, nextSendSequence, SUBSEC_PER_SECOND,
  type AntiReplay, type SendSequenceState, type SendPolicy,
} from './sequence.js';
export { computeHmac, hmacMatches, pseudoHeader, PSEUDO_HEADER_LENGTH, type HmacInput } from './hmac.js';
export {
  HmacKey, mask, decodeKeyValue, decodeHexKey, KeyValueError, KEY_MIN_BYTES, KEY_MAX_BYTES,
  type KeySource, type KeyFileReader, type DecodedKey,
} from './keys.js';
export { nodeKeyFileReader } from './key-file.js';
export {
  checkFreshness, recordAccepted, emptyReplayState, DEFAULT_REPLAY_SENDERS,
  type ReplayPolicy, type ReplayState, type ReplayMark, type FreshnessVerdict,
} from './replay.js';
export { verifyTrailer, AUTH_FAILURES, type AuthFailure, type ReceivedFacts, type VerifyPolicy, type TrailerVerdict } from './verify.js';
export {
  decideReceive, authenticateAdvert, countAuth, emptyAuthCounters, AUTH_COUNTER,
  type AuthOutcome, type AuthHmacCounters, type ReceiveDecision,
} from './decision.js';
export { signAdvertisement, readdress, signNext, type SignContext } from './sign.js';
export {
  AUTH_MODES, defaultWindowS, signsAdverts, activeKey, WINDOW_MIN_S, WINDOW_MAX_S,
  type AuthMode, type AuthHmacSettings,
} from './settings.js';
export {
  newAuthHmacDraft, authHmacKeywords, finishAuthHmac, parseAuthHmacBlock, resolveAuthHmac,
  type AuthHmacStatement, type AuthHmacDraft, type AuthHmacSpec, type AuthHmacEnv, type InstanceFacts, type Warning,
} from './config.js';
