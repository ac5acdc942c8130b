// When a master announces its addresses (gratuitous ARP / unsolicited NA), as keepalived does:
//   becoming master      garp_master_repeat rounds now, the same again after garp_master_delay,
//                        and garp_master_refresh_repeat rounds every garp_master_refresh
//   lower-priority advert garp_lower_prio_repeat rounds now and after garp_lower_prio_delay
//                        (another router thought it was master: the LAN's last GARPs may be its)
//   addresses added      one round of the new ones (a reload while master)
//   garp_extra_if        while master, one round every extraIfRefreshMs of the addresses on other
//                        interfaces (the runtime picks them: VMACs, or all with `all`)
// The rounds of one burst are garp_interval apart (at least 1 ms). Leaving master drops everything.
// Pure: events in, new schedule out; `takeDue` says what to announce now and `nextDueAt` when to
// look again, so one timer drives it (garp-timer.ts).
import type { GarpSettings } from './instance-config.js';
import type { VirtualAddress } from './virtual-addresses.js';

/** One announcement of each address: every held address (as they are then), or the ones listed. */
export interface GarpRound {
  readonly at: number;
  /** 'extra': the garp_extra_if addresses. */
  readonly addresses: 'all' | 'extra' | readonly VirtualAddress[];
}

export interface GarpSchedule {
  readonly settings: GarpSettings;
  /** Pending rounds, by time. */
  readonly rounds: readonly GarpRound[];
  /** Next refresh burst, while master with refresh on. */
  readonly refreshAt: number | null;
  /** Next garp_extra_if round, while master with it on. */
  readonly extraAt?: number | null;
  /** Last lower-priority burst: at most one a second, whatever the advert rate. */
  readonly lowerPrioAt: number;
}

const LOWER_PRIO_MIN_GAP_MS = 1000;
const NO_ROUNDS: readonly GarpRound[] = [];

export function garpSchedule(settings: GarpSettings): GarpSchedule {
  return { settings, rounds: NO_ROUNDS, refreshAt: null, lowerPrioAt: -Infinity };
}

/** Gap between two rounds of one burst. */
function gapMs(s: GarpSettings): number {
  return Math.max(1, s.intervalMs);
}

function burst(s: GarpSettings, at: number, repeat: number, addresses: GarpRound['addresses'] = 'all'): GarpRound[] {
  const out: GarpRound[] = [];
  for (let i = 0; i < repeat; i++) out.push({ at: at + i * gapMs(s), addresses });
  return out;
}

function withRounds(g: GarpSchedule, add: readonly GarpRound[]): GarpSchedule {
  if (add.length === 0) return g;
  // Stable by time: rounds due together keep the order they were scheduled in.
  return { ...g, rounds: [...g.rounds, ...add].sort((a, b) => a.at - b.at) };
}

/** Became master: the first burst now, the second after masterDelayMs, refreshes after that. */
export function onBecomeMaster(g: GarpSchedule, now: number): GarpSchedule {
  const s = g.settings;
  const rounds = burst(s, now, s.masterRepeat);
  if (s.masterDelayMs > 0) rounds.push(...burst(s, now + s.masterDelayMs, s.masterRepeat));
  return withRounds({
    ...g, rounds: NO_ROUNDS, refreshAt: s.masterRefreshMs > 0 ? now + s.masterRefreshMs : null, extraAt: s.extraIfRefreshMs > 0 ? now + s.extraIfRefreshMs : null,
  }, rounds);
}

/** Still master after a lower-priority (non-zero) advert. */
export function onLowerPriorityAdvert(g: GarpSchedule, now: number): GarpSchedule {
  const s = g.settings;
  if (s.lowerPrioRepeat <= 0 || now - g.lowerPrioAt < LOWER_PRIO_MIN_GAP_MS) return g;
  const rounds = burst(s, now, s.lowerPrioRepeat);
  if (s.lowerPrioDelayMs > 0) rounds.push(...burst(s, now + s.lowerPrioDelayMs, s.lowerPrioRepeat));
  return withRounds({ ...g, lowerPrioAt: now }, rounds);
}

/** Addresses added while master. */
export function onAddressesAdded(g: GarpSchedule, now: number, addresses: readonly VirtualAddress[]): GarpSchedule {
  return addresses.length ? withRounds(g, [{ at: now, addresses }]) : g;
}

/** No longer master: nothing more to announce. */
export function onLeaveMaster(g: GarpSchedule): GarpSchedule {
  return { ...g, rounds: NO_ROUNDS, refreshAt: null, extraAt: null };
}

/** The rounds due at `now` (in order), and the schedule without them. A due refresh starts its burst now. */
export function takeDue(g: GarpSchedule, now: number): { schedule: GarpSchedule; due: readonly GarpRound[] } {
  let next = g;
  if (g.refreshAt !== null && g.refreshAt <= now) {
    // After a stall, one burst and the next refresh one period from now (no catch-up bursts).
    next = withRounds({ ...g, refreshAt: now + g.settings.masterRefreshMs }, burst(g.settings, now, g.settings.masterRefreshRepeat));
  }
  if (next.extraAt != null && next.extraAt <= now) {
    next = withRounds({ ...next, extraAt: now + next.settings.extraIfRefreshMs }, [{ at: now, addresses: 'extra' }]);
  }
  let n = 0;
  while (n < next.rounds.length && next.rounds[n]!.at <= now) n++;
  if (n === 0) return { schedule: next, due: NO_ROUNDS };
  return { schedule: { ...next, rounds: next.rounds.slice(n) }, due: next.rounds.slice(0, n) };
}

/** When something is next due, or null. */
export function nextDueAt(g: GarpSchedule): number | null {
  const times = [g.rounds[0]?.at, g.refreshAt, g.extraAt].filter((x): x is number => typeof x === 'number');
  return times.length ? Math.min(...times) : null;
}
