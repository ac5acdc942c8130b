// auth_hmac sequence numbers: 64 bits = 32-bit UTC seconds | 16-bit fraction | 16-bit counter.
// Compared with serial number arithmetic (RFC 1982), so the seconds field wrapping in 2106 is a
// non-event. Pure: the clock is an argument (epoch milliseconds, fraction allowed).
//
// Sending: each advert takes the clock's timestamp with counter 0, unless that is not above the last
// one sent (two adverts in the same 1/65536 s, or the clock stepped back): then last + 1, so a sender's
// sequence always grows. In `time` mode a sender whose last sequence ran more than the freshness window
// ahead of its clock (a forward clock step that was corrected) starts again from the clock: carrying on
// from the future would keep every receiver rejecting it as stale. `monotonic` mode never goes back.

const HALF64 = 1n << 63n;
const U48 = 1n << 48n;
const HALF48 = 1n << 47n;
/** Subsecond units per second. */
export const SUBSEC_PER_SECOND = 65536;

export type AntiReplay = 'time' | 'monotonic';

/** The sequence for a clock reading: seconds mod 2^32, fraction in 1/65536 s, counter 0. */
export function sequenceAt(epochMs: number): bigint {
  const ms = Math.max(0, epochMs);
  const sec = Math.floor(ms / 1000);
  const rem = Math.max(0, ms - sec * 1000); // float rounding near a whole second can make it negative
  const sub = Math.min(SUBSEC_PER_SECOND - 1, Math.floor((rem * SUBSEC_PER_SECOND) / 1000));
  return (BigInt.asUintN(32, BigInt(sec)) << 32n) | (BigInt(sub) << 16n);
}

/**
 * RFC 1982 "a is greater than b" on 64 bits. Values exactly 2^63 apart are undefined in the RFC: neither
 * is newer here, so an ambiguous sequence is never taken as fresh.
 */
export function isNewer(a: bigint, b: bigint): boolean {
  const d = BigInt.asUintN(64, a - b);
  return d !== 0n && d < HALF64;
}

/** a + n modulo 2^64. */
export function addSequence(a: bigint, n: bigint | number): bigint {
  return BigInt.asUintN(64, a + BigInt(n));
}

/**
 * How far the sequence's timestamp is from the clock, in milliseconds (positive: ahead of the clock),
 * modulo the 32-bit seconds field: the answer is always within +-2^31 s.
 */
export function skewMs(sequence: bigint, epochMs: number): number {
  const ts = BigInt.asUintN(64, sequence) >> 16n;
  const now = sequenceAt(epochMs) >> 16n;
  let d = BigInt.asUintN(48, ts - now);
  if (d >= HALF48) d -= U48;
  return (Number(d) * 1000) / SUBSEC_PER_SECOND;
}

/** Seconds field of a sequence (UTC seconds mod 2^32). */
export function sequenceSeconds(sequence: bigint): number {
  return Number(BigInt.asUintN(64, sequence) >> 32n);
}

/** What a sender remembers between adverts: the last sequence it put on the wire. */
export interface SendSequenceState {
  readonly last?: bigint;
}

export interface SendPolicy {
  readonly antiReplay: AntiReplay;
  /** Freshness window, seconds (time mode). */
  readonly windowS: number;
}

/** The sequence for the next advert and the state after it. */
export function nextSendSequence(
  state: SendSequenceState,
  epochMs: number,
  policy: SendPolicy,
): { readonly sequence: bigint; readonly state: SendSequenceState } {
  const fromClock = sequenceAt(epochMs);
  const last = state.last;
  let sequence = fromClock;
  if (last !== undefined && !isNewer(fromClock, last)) {
    const ranAhead = policy.antiReplay === 'time' && skewMs(last, epochMs) > policy.windowS * 1000;
    sequence = ranAhead ? fromClock : addSequence(last, 1);
  }
  return { sequence, state: { last: sequence } };
}
