// What one tracked thing does to an instance right now, keepalived's way, and how that is handed to
// the router (a tracking source is { ok, weight }: weight 0 failing is a FAULT, a positive weight
// counts while OK, a negative one while failed; see effectivePriority).
import type { TrackedWeight } from './tracker-state.js';

export type TrackEffect = { fault: true } | { fault: false; delta: number };

/**
 * An up/down thing (script, interface, process quorum): weight 0 means FAULT while down; a positive
 * weight is added while up, a negative one while down. `reverse` negates what the weight does (and
 * weight 0 reverse is FAULT while up), as keepalived.conf(5) says for track_bfd and keepalived does
 * for every tracker.
 */
export function upDownEffect(up: boolean, weight: number, reverse: boolean): TrackEffect {
  if (weight === 0) return up === reverse ? { fault: true } : { fault: false, delta: 0 };
  const delta = weight > 0 ? (up ? weight : 0) : (up ? 0 : weight);
  return { fault: false, delta: reverse ? -delta : delta };
}

/** The most a track_file can add or take off before it means FAULT (keepalived: below -253 is FAULT). */
const FILE_MAX = 253;

/**
 * A track_file's number: weight 0 means FAULT on any non-zero value; otherwise value x weight
 * (negated by reverse) is added, at most 253, and below -253 means FAULT.
 */
export function fileEffect(value: number, weight: number, reverse: boolean): TrackEffect {
  if (weight === 0) return (value !== 0) !== reverse ? { fault: true } : { fault: false, delta: 0 };
  const delta = value * weight * (reverse ? -1 : 1);
  if (delta < -FILE_MAX) return { fault: true };
  return { fault: false, delta: Math.min(delta, FILE_MAX) };
}

/** The router's form of an effect. */
export function asTracked(e: TrackEffect): TrackedWeight {
  if (e.fault) return { ok: false, weight: 0 };
  return e.delta < 0 ? { ok: false, weight: e.delta } : { ok: true, weight: e.delta };
}
