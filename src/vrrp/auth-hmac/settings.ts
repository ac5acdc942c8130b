// An instance's auth_hmac settings, resolved from configuration: what the sender and the receiver
// need, nothing else. Plain data (keys are HmacKey, which never prints its bytes).
import type { HmacKey } from './keys.js';
import type { AntiReplay } from './sequence.js';

/**
 * Rollout modes. enforce: sign, accept only valid trailers. permissive: sign, also accept adverts
 * without a trailer. receive-only: do not sign, accept adverts without a trailer. In every mode a
 * trailer that is present must verify.
 */
export type AuthMode = 'enforce' | 'permissive' | 'receive-only';
export const AUTH_MODES: readonly AuthMode[] = ['enforce', 'permissive', 'receive-only'];

export interface AuthHmacSettings {
  /** Every key the receiver accepts, by id (rotation: old and new side by side). */
  readonly keys: ReadonlyMap<number, HmacKey>;
  /** The key id that signs. Always one of `keys`. */
  readonly activeKeyId: number;
  readonly mode: AuthMode;
  readonly antiReplay: AntiReplay;
  /** Freshness window, seconds 1..300. */
  readonly windowS: number;
  /** Most senders whose replay mark is kept (see replay.ts). */
  readonly replaySenders?: number;
}

export const WINDOW_MIN_S = 1;
export const WINDOW_MAX_S = 300;
const WINDOW_FLOOR_S = 5;

/**
 * keepalived 2.4.3's default time_window: 3 x advert_int (its whole seconds, as configured, before the
 * VRRPv3 clamp to 40.95 s), at least 5, at most 300. 0.5 s -> 5, 2.5 s -> 6, 6.6 s -> 18, 100 -> 300.
 */
export function defaultWindowS(advertIntS: number): number {
  const whole = Math.floor(advertIntS + 1e-9);
  return Math.min(WINDOW_MAX_S, Math.max(WINDOW_FLOOR_S, 3 * whole));
}

/** Whether adverts carry a trailer in this mode. */
export function signsAdverts(mode: AuthMode): boolean {
  return mode !== 'receive-only';
}

/** The signing key. */
export function activeKey(settings: AuthHmacSettings): HmacKey {
  const k = settings.keys.get(settings.activeKeyId);
  if (!k) throw new RangeError(`auth_hmac active_key ${settings.activeKeyId} is not among the keys`);
  return k;
}
