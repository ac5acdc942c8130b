// When a master's periodic adverts may leave from the addon's sender thread (advert-sender.ts,
// native/advert.c) instead of the event loop's timers, and what the thread is handed. Pure.
//
// The thread repeats fixed bytes. So only adverts that are the same every interval qualify: IPsec
// AH (a sequence number) and signed auth_hmac (a sequence and a timestamp) change per packet and
// stay on the event loop. Anything else that changes what is sent -- state, priority, addresses,
// config -- stops or replaces the schedule (the instance asks for a new plan and compares).
// The thread stops by itself when its lease runs out (a wedged event loop), so a master whose
// VRRP logic no longer runs yields to a backup instead of advertising forever.
import type { ResolvedInstanceConfig } from './instance-config.js';
import { ahKeyOf } from './instance-views.js';
import { signsAdverts } from './auth-hmac/settings.js';

/** A lease lasts this many advert intervals... */
export const LEASE_ADVERTS = 4;
/** ...and at least this long (ms): a GC pause or a busy moment must not cost the VIP. */
export const MIN_LEASE_MS = 1000;
/**
 * Leases are renewed this many times per (shortest) lease: a loop that stalls for longer than
 * half a lease (500 ms at least; a backup's Master_Down_Interval had passed long before, but for
 * adverts of 1.5 s and more) may stop the adverts. Each renewal wakes the event loop: at 10 ms
 * adverts it is the event loop's only work.
 */
export const RENEWALS_PER_LEASE = 2;

/** How long the thread goes on advertising without hearing from the event loop (ms). */
export function leaseMsOf(intervalMs: number): number {
  return Math.max(LEASE_ADVERTS * intervalMs, MIN_LEASE_MS);
}

/** How often the leases are renewed (ms): a loop late by less than half the shortest lease keeps them all. */
export function renewEveryMs(leasesMs: Iterable<number>): number {
  let shortest = Infinity;
  for (const l of leasesMs) if (l < shortest) shortest = l;
  return Number.isFinite(shortest) ? Math.max(1, Math.floor(shortest / RENEWALS_PER_LEASE)) : MIN_LEASE_MS / RENEWALS_PER_LEASE;
}

/**
 * Whether offloading is on for a router: the option (RouterOptions.advertOffload) and the
 * environment (VIPD_ADVERT_OFFLOAD=0) can turn it off, and it needs a clock that runs in real time
 * (the thread keeps its own; a test's virtual clock cannot drive it).
 */
export function offloadEnabled(option: boolean | undefined, env: Readonly<Record<string, string | undefined>>, realTimeClock: boolean): boolean {
  if (option === false) return false;
  if (env.VIPD_ADVERT_OFFLOAD === '0') return false;
  return realTimeClock;
}

/** Why this instance's periodic adverts stay on the event loop; undefined: they may be offloaded. */
export function offloadRefusal(cfg: ResolvedInstanceConfig, can: { sender: boolean; channel: boolean }): string | undefined {
  if (!can.sender) return 'advert offload is off';
  if (!can.channel) return 'the channel cannot hand its socket over';
  if (ahKeyOf(cfg)) return 'IPsec AH adverts change per packet (sequence number)';
  // receive-only sends its adverts unsigned: those are the same every time.
  if (cfg.authHmac && signsAdverts(cfg.authHmac.mode)) return 'auth_hmac adverts change per packet (sequence, timestamp)';
  return undefined;
}

/** What the thread is handed for one instance: the same messages every interval. */
export interface OffloadPlan {
  readonly priority: number;
  readonly intervalMs: number;
  readonly leaseMs: number;
  readonly ttl: number;
  /** One message per destination, encoded (checksum included) by the codec. */
  readonly adverts: ReadonlyArray<{ readonly to: string; readonly message: Buffer }>;
}

/** The plan for adverts of `priority` to `destinations`; `encode` is the instance's encoder (its cache). */
export function offloadPlan(priority: number, destinations: readonly string[], ttl: number, intervalMs: number, encode: (to: string) => Buffer): OffloadPlan {
  return { priority, intervalMs, leaseMs: leaseMsOf(intervalMs), ttl, adverts: destinations.map((to) => ({ to, message: encode(to) })) };
}

/** Whether a running schedule must be replaced to send what `next` says (bytes, destinations, timing). */
export function planChanged(current: OffloadPlan | undefined, next: OffloadPlan): boolean {
  if (!current) return true;
  if (current.priority !== next.priority || current.intervalMs !== next.intervalMs || current.leaseMs !== next.leaseMs || current.ttl !== next.ttl) return true;
  if (current.adverts.length !== next.adverts.length) return true;
  return current.adverts.some((a, i) => a.to !== next.adverts[i]!.to || !a.message.equals(next.adverts[i]!.message));
}
