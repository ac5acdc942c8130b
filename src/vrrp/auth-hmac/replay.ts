// Anti-replay for auth_hmac receivers, as pure state transitions: a per-sender high-water mark of the
// last accepted sequence, plus (anti_replay time) a freshness window around the receiver's clock.
//
//   time       the sequence's timestamp must be within +-window of our clock (modulo 2^32 s), and above
//              the sender's mark. A mark whose own timestamp has left the window is forgotten: every
//              advert it could still stop is stale anyway, and forgetting it lets a sender whose clock
//              was stepped forward and corrected back be heard again after at most one window.
//   monotonic  no clock agreement needed: only "above the sender's mark", and marks never expire.
//
// Marks are keyed by source address (a unicast peer, or one of the senders heard on multicast) and
// bounded in number: the least recently accepted sender is forgotten first. Only adverts whose HMAC
// verified get here, so a forger cannot fill the table or move a mark; the bound only matters for
// a group with more key holders than slots (keepalived keeps 4 per instance; we keep 32).
import { isNewer, skewMs, type AntiReplay } from './sequence.js';

export interface ReplayPolicy {
  readonly antiReplay: AntiReplay;
  /** Freshness window, whole seconds 1..300 (ignored by monotonic). */
  readonly windowS: number;
  /** Most senders remembered (default DEFAULT_REPLAY_SENDERS). */
  readonly replaySenders?: number;
}

export const DEFAULT_REPLAY_SENDERS = 32;

export interface ReplayMark {
  readonly sequence: bigint;
  /** Value of the state's tick when this mark was set: least recently used goes first. */
  readonly tick: number;
}

export interface ReplayState {
  readonly marks: ReadonlyMap<string, ReplayMark>;
  readonly tick: number;
}

export const emptyReplayState: ReplayState = { marks: new Map(), tick: 0 };

export type FreshnessVerdict =
  | { readonly ok: true; readonly skewMs: number }
  | { readonly ok: false; readonly reason: 'stale' | 'replay'; readonly detail: string; readonly skewMs: number };

/** Whether an authenticated advert from `sender` with `sequence` is fresh at `nowMs` (epoch ms). */
export function checkFreshness(
  state: ReplayState,
  sender: string,
  sequence: bigint,
  nowMs: number,
  policy: ReplayPolicy,
): FreshnessVerdict {
  const skew = skewMs(sequence, nowMs);
  const windowMs = policy.windowS * 1000;
  if (policy.antiReplay === 'time' && Math.abs(skew) > windowMs) {
    const dir = skew > 0 ? 'ahead of' : 'behind';
    return { ok: false, reason: 'stale', detail: `timestamp ${fmtS(Math.abs(skew))} ${dir} our clock, window ${policy.windowS}s`, skewMs: skew };
  }
  const mark = state.marks.get(sender);
  if (mark && !(policy.antiReplay === 'time' && Math.abs(skewMs(mark.sequence, nowMs)) > windowMs)) {
    if (!isNewer(sequence, mark.sequence)) {
      const what = sequence === mark.sequence ? 'repeats' : 'is below';
      return { ok: false, reason: 'replay', detail: `sequence ${hex(sequence)} ${what} the last accepted ${hex(mark.sequence)}`, skewMs: skew };
    }
  }
  return { ok: true, skewMs: skew };
}

/** The state after accepting `sequence` from `sender` (call only for adverts that passed everything). */
export function recordAccepted(state: ReplayState, sender: string, sequence: bigint, policy: ReplayPolicy): ReplayState {
  const tick = state.tick + 1;
  const marks = new Map(state.marks);
  marks.set(sender, { sequence, tick });
  const limit = Math.max(1, policy.replaySenders ?? DEFAULT_REPLAY_SENDERS);
  while (marks.size > limit) {
    let oldest: string | undefined;
    let oldestTick = Infinity;
    for (const [k, m] of marks) if (m.tick < oldestTick) [oldest, oldestTick] = [k, m.tick];
    marks.delete(oldest!);
  }
  return { marks, tick };
}

function hex(s: bigint): string {
  return `0x${s.toString(16).padStart(16, '0')}`;
}

function fmtS(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}
