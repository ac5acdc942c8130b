// What a receiver does with an advert, given its auth_hmac mode: accept or drop, which counter moves,
// how loud to log. Pure. Key rotation needs nothing here: any configured key id verifies (verify.ts),
// only the sender is bound to active_key.
//
//                       enforce        permissive     receive-only
//   sends a trailer     yes            yes            no
//   valid trailer       accept         accept         accept
//   no trailer          drop (warn)    accept (info)  accept (info)
//   bad trailer         drop (warn)    drop (warn)    drop (warn)
//
// A trailer that is there must verify in every mode: the migration modes only tolerate its absence.
// Stale and replay are logged apart from bad HMAC (clock drift vs forgery).
import type { ReplayState } from './replay.js';
import type { AuthMode } from './settings.js';
import { verifyTrailer, type AuthFailure, type ReceivedFacts, type TrailerVerdict, type VerifyPolicy } from './verify.js';

export type AuthOutcome = 'ok' | AuthFailure;

/** Per-instance auth_hmac counters (vipd status, metrics). */
export interface AuthHmacCounters {
  readonly authenticated: number;
  readonly missingTrailer: number;
  readonly malformed: number;
  readonly unknownKey: number;
  readonly invalidHmac: number;
  readonly stale: number;
  readonly replay: number;
  /** Accepted adverts whose timestamp was more than half the window off our clock. */
  readonly clockSkewWarnings: number;
}

export const AUTH_COUNTER: { readonly [O in AuthOutcome]: keyof AuthHmacCounters } = {
  ok: 'authenticated',
  missing: 'missingTrailer',
  malformed: 'malformed',
  'unknown-key': 'unknownKey',
  'bad-hmac': 'invalidHmac',
  stale: 'stale',
  replay: 'replay',
};

export function emptyAuthCounters(): AuthHmacCounters {
  return { authenticated: 0, missingTrailer: 0, malformed: 0, unknownKey: 0, invalidHmac: 0, stale: 0, replay: 0, clockSkewWarnings: 0 };
}

export interface ReceiveDecision {
  readonly accept: boolean;
  readonly outcome: AuthOutcome;
  readonly counter: keyof AuthHmacCounters;
  /** 'warn' for drops (and enforce's missing trailer), 'info' for a tolerated missing trailer. */
  readonly log: 'none' | 'info' | 'warn';
  readonly detail: string;
  /** The VRRP message without the trailer (when the payload split): hand this on when accepted. */
  readonly message?: Buffer;
  readonly skewWarning: boolean;
  /** Replay state to keep: moved only when an authenticated advert was accepted. */
  readonly replay: ReplayState;
}

/** The receive decision for a verifier verdict under `mode`. */
export function decideReceive(mode: AuthMode, verdict: TrailerVerdict): ReceiveDecision {
  if (verdict.ok) {
    return {
      accept: true, outcome: 'ok', counter: AUTH_COUNTER.ok, log: 'none', detail: `key ${verdict.keyId}`,
      message: verdict.message, skewWarning: verdict.skewWarning, replay: verdict.replay,
    };
  }
  const tolerated = verdict.reason === 'missing' && mode !== 'enforce';
  const base = {
    outcome: verdict.reason, counter: AUTH_COUNTER[verdict.reason], detail: verdict.detail, skewWarning: false, replay: verdict.replay,
    ...(verdict.message ? { message: verdict.message } : {}),
  };
  return tolerated ? { ...base, accept: true, log: 'info' } : { ...base, accept: false, log: 'warn' };
}

/** verifyTrailer then decideReceive: the one call the receive path makes. */
export function authenticateAdvert(
  payload: Uint8Array,
  facts: ReceivedFacts,
  policy: VerifyPolicy & { readonly mode: AuthMode },
  replay: ReplayState,
): ReceiveDecision {
  return decideReceive(policy.mode, verifyTrailer(payload, facts, policy, replay));
}

/** Counters after one decision. */
export function countAuth(counters: AuthHmacCounters, decision: ReceiveDecision): AuthHmacCounters {
  const next = { ...counters, [decision.counter]: counters[decision.counter] + 1 };
  return decision.skewWarning ? { ...next, clockSkewWarnings: next.clockSkewWarnings + 1 } : next;
}
