// The VRRP protocol state machine (RFC 5798 6.4, RFC 9568 6.4; RFC 3768 6.4 timing for v2), pure:
//
//     step(machine, event) -> { machine, actions }
//
// CONTRACT FOR THE RUNTIME
// - Time is injected: every event carries `now`, a monotonic clock in milliseconds (performance.now() or
//   process.hrtime). Timer deadlines in actions are absolute times on that clock.
// - Events in:
//     startup                  the instance starts (RFC "Startup event")
//     shutdown                 the instance stops (RFC "Shutdown event"); also SIGTERM
//     advert                   an advertisement that passed validate.ts (never feed a dropped packet);
//                              `receivedAt` (<= now) is when it reached the host (the kernel's receive
//                              time): the Master_Down_Timer it (re)starts counts from there, as the RFC
//                              sets the timer when the advert is received
//     adver-timer              the 'adver' timer fired
//     master-down-timer        the 'master-down' timer fired -- see STALL-SAFE RULE
//     set-priority             the effective priority changed (tracking weights); configured 255 never changes
//     reconfigure              the base config changed at run time (a reload): a priority to or from 255
//                              makes or unmakes the address owner
//     fault / fault-cleared    a tracked interface or script went bad / good again (keepalived FAULT)
//     sync-master / sync-backup  a vrrp_sync_group moves this member with another one (keepalived's
//                              "Syncing instances to MASTER/BACKUP state"); master-down-timer may be
//                              `held` by the group: the member then waits one more Master_Down_Interval
//                              and says it wants to be master (wantsMaster) until an advert is accepted
//     resign                   a master lost something it holds (keepalived: a tracked virtual route or
//                              rule deleted by someone else): to Backup with priority 0, Master again
//                              after Master_Down_Interval unless another router takes over
// - Actions out, to perform in order:
//     set-timer {timer, at}    (re)arm the one timer of that name to fire at `at`; replaces any earlier one
//     cancel-timer {timer}
//     send-advert {priority}   send an advert with this priority, our configured interval and our VIPs
//     add-vips {acceptMode}    add the virtual addresses (acceptMode: also accept traffic to them; v3 Accept_Mode)
//     remove-vips
//     send-garp                gratuitous ARP / unsolicited NA for the VIPs (the runtime applies
//                              garp_master_delay / repeat / refresh)
//     notify {state, previous, reason}  a transition happened: run notify scripts, emit events, count stats
//   Actions are data: the machine never waits for them. A failed send is the runtime's to log.
// - STALL-SAFE RULE. When the master-down timer fires, the runtime FIRST drains every advert already queued
//   on the socket and feeds each (validated) one as an `advert` event stamped with the current `now` (and its
//   receive time); only then does it send `master-down-timer`. An advert that was queued proves the master was
//   alive: a live master's last advert arrived less than an interval ago, so it pushes masterDownAt past `now`
//   and the machine ignores the timer (re-arming it), instead of a false failover after the event loop or the
//   CPU stalled. Worst case (the master died during the stall): takeover is late by at most one
//   Master_Down_Interval, never early.
//   Draining before the adver timer too is harmless (a higher-priority master found in the queue demotes us).
// - A timer event that arrives before its deadline (stale, or a clock rounding) is ignored and re-armed, so
//   runtimes may deliver timer events freely.
// - Equal priorities: as the RFC says, a Backup accepts an equal-priority master; the higher primary address
//   wins only between routers that are Master at the same time (e.g. started together).
import { compareIp } from '../netif/ip-address.js';
import { ConfigError } from '../errors.js';
import { advertIntervalMs, masterDownIntervalMs, nextAdvertAt, skewTimeMs } from './timers.js';
import { PRIORITY_OWNER, PRIORITY_STOP, type VrrpVersion } from './types.js';

export type VrrpStateName = 'initialize' | 'backup' | 'master' | 'fault';
export type TimerName = 'adver' | 'master-down';

/** Why a transition happened; `notify` carries it (and stats map it to vrrpv3StatisticsNewMasterReason). */
export type TransitionReason =
  /** Initialize -> Backup. */
  | 'startup'
  /** Priority 255: straight to Master at startup. */
  | 'owner'
  /** Master_Down_Timer fired: no advert from the master. */
  | 'master-down'
  /** Master_Down_Timer fired after we discarded a lower-priority master's adverts (preemption). */
  | 'preempted'
  /** Master_Down_Timer (Skew_Time) fired after the master sent priority 0. */
  | 'master-resigned'
  /** Master -> Backup: a higher priority (or equal priority, higher address) advert. */
  | 'higher-priority'
  | 'fault'
  | 'fault-cleared'
  /** A vrrp_sync_group member followed another member to Master or Backup. */
  | 'sync-group'
  /** Master -> Backup: the runtime asked (resign event). */
  | 'resigned'
  | 'shutdown';

export interface MachineConfig {
  readonly version: VrrpVersion;
  /** Configured priority, 1..255 (255 = address owner). */
  readonly priority: number;
  /** Our Advertisement_Interval, centiseconds (v2: a multiple of 100). */
  readonly advertIntervalCs: number;
  /** Preempt_Mode (keepalived `nopreempt` makes it false). */
  readonly preempt: boolean;
  /** keepalived `preempt_delay`, ms: see the Backup advert rule. 0 = none. */
  readonly preemptDelayMs: number;
  /** Accept_Mode, carried to add-vips. */
  readonly acceptMode: boolean;
  /** Our primary address (the source of our adverts): breaks priority ties. */
  readonly primaryAddress: string;
  /** keepalived `down_timer_adverts` (default 3, the RFC value). */
  readonly downTimerAdverts?: number;
  /**
   * keepalived lower_prio_no_advert. false (keepalived's default): a Master that receives a
   * lower-priority advert answers at once with its own and counts its interval from there; true: it
   * discards it (RFC 5798 6.4.3).
   */
  readonly lowerPriorityNoAdvert?: boolean;
  /** keepalived higher_prio_send_advert: a Master yielding to a higher priority sends one last advert first. */
  readonly higherPriorityAdvert?: boolean;
}

export interface Machine {
  readonly config: MachineConfig;
  readonly state: VrrpStateName;
  /** Effective priority (configured, adjusted by tracking). */
  readonly priority: number;
  /** Master_Adver_Interval, centiseconds: v3 learns it from the master's adverts; v2 keeps ours. */
  readonly masterAdvertIntervalCs: number;
  readonly adverAt: number | null;
  readonly masterDownAt: number | null;
  /** preempt_delay: when lower-priority adverts stop holding us back. */
  readonly preemptDeadline: number | null;
  /** The current master as far as we know (ourselves when Master). */
  readonly masterAddress: string | null;
  readonly masterPriority: number | null;
  /** Backup: a lower-priority advert was discarded since the last accepted one. */
  readonly sawLowerPriority: boolean;
  /** Backup: the master sent priority 0. */
  readonly masterResigned: boolean;
  /** Backup: Master_Down_Timer expired but a sync group held us back (keepalived's wantstate MASTER). */
  readonly wantsMaster: boolean;
}

export type MachineEvent =
  | { readonly type: 'startup'; readonly now: number }
  | { readonly type: 'shutdown'; readonly now: number }
  | {
      readonly type: 'advert';
      readonly now: number;
      readonly priority: number;
      /** The advert's interval, centiseconds. */
      readonly advertIntervalCs: number;
      /** IP source of the advert (the sender's primary address). */
      readonly source: string;
      /** When it reached the host (<= now; default now): the Master_Down_Timer counts from here. */
      readonly receivedAt?: number;
    }
  | { readonly type: 'adver-timer'; readonly now: number }
  | {
      readonly type: 'master-down-timer';
      readonly now: number;
      /** A sync group does not let this member become master now (its partners do not want to). */
      readonly held?: boolean;
    }
  | { readonly type: 'set-priority'; readonly now: number; readonly priority: number }
  | { readonly type: 'reconfigure'; readonly now: number; readonly config: MachineConfig }
  | { readonly type: 'fault'; readonly now: number; readonly reason?: string }
  | { readonly type: 'fault-cleared'; readonly now: number }
  | { readonly type: 'sync-master'; readonly now: number }
  | { readonly type: 'sync-backup'; readonly now: number }
  | { readonly type: 'resign'; readonly now: number };

export type Action =
  | { readonly type: 'send-advert'; readonly priority: number }
  | { readonly type: 'add-vips'; readonly acceptMode: boolean }
  | { readonly type: 'remove-vips' }
  | { readonly type: 'send-garp' }
  | { readonly type: 'set-timer'; readonly timer: TimerName; readonly at: number }
  | { readonly type: 'cancel-timer'; readonly timer: TimerName }
  | {
      readonly type: 'notify';
      readonly state: VrrpStateName;
      readonly previous: VrrpStateName;
      readonly reason: TransitionReason;
      readonly detail?: string;
    };

export interface StepResult {
  readonly machine: Machine;
  readonly actions: readonly Action[];
}

/** Throws ConfigError on a config that cannot work (createMachine checks it once, so do config resolvers). */
export function checkMachineConfig(config: Pick<MachineConfig, 'version' | 'priority' | 'advertIntervalCs' | 'preemptDelayMs' | 'downTimerAdverts'>): void {
  const { version, priority, advertIntervalCs, preemptDelayMs } = config;
  if (version !== 2 && version !== 3) throw new ConfigError(`VRRP version must be 2 or 3, not ${String(version)}`);
  if (!Number.isInteger(priority) || priority < 1 || priority > 255) throw new ConfigError(`priority must be 1..255, not ${priority}`);
  const maxCs = version === 2 ? 25500 : 4095;
  if (!Number.isInteger(advertIntervalCs) || advertIntervalCs < 1 || advertIntervalCs > maxCs || (version === 2 && advertIntervalCs % 100 !== 0)) {
    throw new ConfigError(`advert interval ${advertIntervalCs} cs is not valid for VRRPv${version}`);
  }
  if (!(preemptDelayMs >= 0)) throw new ConfigError(`preempt delay must be >= 0, not ${preemptDelayMs}`);
  const dta = config.downTimerAdverts ?? 3;
  if (!Number.isInteger(dta) || dta < 1 || dta > 100) throw new ConfigError(`down_timer_adverts must be 1..100, not ${dta}`);
}

/** A machine in Initialize. Throws ConfigError on a config that cannot work (see checkMachineConfig). */
export function createMachine(config: MachineConfig): Machine {
  checkMachineConfig(config);
  return {
    config,
    state: 'initialize',
    priority: config.priority,
    masterAdvertIntervalCs: config.advertIntervalCs,
    ...NO_MASTER_KNOWN,
  };
}

/** Timers, known master and Backup bookkeeping of a machine that is neither Backup nor Master. */
const NO_MASTER_KNOWN = {
  adverAt: null,
  masterDownAt: null,
  preemptDeadline: null,
  masterAddress: null,
  masterPriority: null,
  sawLowerPriority: false,
  masterResigned: false,
  wantsMaster: false,
} as const;

/** Skew_Time of the machine as it is now (ms). */
export function skewTimeOf(m: Machine): number {
  return skewTimeMs(m.config.version, m.priority, m.masterAdvertIntervalCs);
}

/** Master_Down_Interval of the machine as it is now, or with the master's interval `masterAdvertIntervalCs` (ms). */
export function masterDownIntervalOf(m: Machine, masterAdvertIntervalCs = m.masterAdvertIntervalCs): number {
  return masterDownIntervalMs(m.config.version, m.priority, masterAdvertIntervalCs, m.config.downTimerAdverts ?? 3);
}

/** Our Advertisement_Interval (ms). */
function ourIntervalMs(m: Machine): number {
  return advertIntervalMs(m.config.advertIntervalCs);
}

/** Skew_Time, Master_Down_Interval and our Advertisement_Interval for the machine as it is now (ms). */
export function timersOf(m: Machine): { skewMs: number; masterDownIntervalMs: number; advertIntervalMs: number } {
  return { skewMs: skewTimeOf(m), masterDownIntervalMs: masterDownIntervalOf(m), advertIntervalMs: ourIntervalMs(m) };
}

export function step(m: Machine, event: MachineEvent): StepResult {
  switch (event.type) {
    case 'startup':
      return m.state === 'initialize' ? start(m, event.now, 'startup') : same(m);
    case 'shutdown':
      return shutdown(m);
    case 'advert':
      if (m.state === 'backup') return backupAdvert(m, event);
      if (m.state === 'master') return masterAdvert(m, event);
      return same(m);
    case 'adver-timer':
      return adverTimer(m, event.now);
    case 'master-down-timer':
      return masterDownTimer(m, event.now, event.held === true);
    case 'set-priority':
      return setPriority(m, event.priority, event.now);
    case 'reconfigure':
      return reconfigure(m, event.config, event.now);
    case 'fault':
      return fault(m, event.reason);
    case 'fault-cleared':
      return m.state === 'fault' ? start(m, event.now, 'fault-cleared') : same(m);
    case 'sync-master':
      return m.state === 'backup' ? becomeMaster(m, event.now, 'sync-group', [{ type: 'cancel-timer', timer: 'master-down' }]) : same(m);
    case 'sync-backup':
      // keepalived leaves master without a priority-0 advert here: the partner takes over anyway.
      return m.state === 'master'
        ? becomeBackup(m, event.now, 'sync-group', [{ type: 'cancel-timer', timer: 'adver' }, { type: 'remove-vips' }])
        : same(m);
    case 'resign':
      return m.state === 'master' ? becomeBackup(m, event.now, 'resigned', resign()) : same(m);
  }
}

function same(m: Machine, actions: readonly Action[] = []): StepResult {
  return { machine: m, actions };
}

/** RFC 6.4.1: owner -> Master; else Backup with Master_Down_Timer (plus preempt_delay, keepalived). */
function start(m: Machine, now: number, reason: 'startup' | 'fault-cleared'): StepResult {
  if (m.config.priority === PRIORITY_OWNER) return becomeMaster(m, now, 'owner', []);
  const reset: Machine = { ...m, masterAdvertIntervalCs: m.config.advertIntervalCs };
  const delay = m.config.preempt ? m.config.preemptDelayMs : 0;
  return becomeBackup(reset, now, reason, [], delay);
}

function becomeMaster(m: Machine, now: number, reason: TransitionReason, pre: Action[]): StepResult {
  const at = now + ourIntervalMs(m);
  const machine: Machine = {
    ...m,
    state: 'master',
    adverAt: at,
    masterDownAt: null,
    preemptDeadline: null,
    masterAddress: m.config.primaryAddress,
    masterPriority: m.priority,
    sawLowerPriority: false,
    masterResigned: false,
    wantsMaster: false,
  };
  // RFC 5798 6.4.2: the advert first, then the addresses and their announcement: the advert is
  // what ends the other routers' wait, and adding addresses (netlink) or telling listeners may not delay it.
  return {
    machine,
    actions: [
      ...pre,
      { type: 'send-advert', priority: m.priority },
      { type: 'add-vips', acceptMode: m.config.acceptMode },
      { type: 'send-garp' },
      { type: 'set-timer', timer: 'adver', at },
      { type: 'notify', state: 'master', previous: m.state, reason },
    ],
  };
}

function becomeBackup(m: Machine, now: number, reason: TransitionReason, pre: Action[], extraDelayMs = 0): StepResult {
  const at = now + masterDownIntervalOf(m) + extraDelayMs;
  const machine: Machine = {
    ...m,
    state: 'backup',
    adverAt: null,
    masterDownAt: at,
    preemptDeadline: null,
    sawLowerPriority: false,
    masterResigned: false,
    wantsMaster: false,
  };
  return {
    machine,
    actions: [...pre, { type: 'set-timer', timer: 'master-down', at }, { type: 'notify', state: 'backup', previous: m.state, reason }],
  };
}

/** Leaving Master for Initialize or Fault: stop advertising, resign with priority 0, drop the VIPs. */
function resign(): Action[] {
  return [{ type: 'cancel-timer', timer: 'adver' }, { type: 'send-advert', priority: PRIORITY_STOP }, { type: 'remove-vips' }];
}

function leave(m: Machine, state: 'initialize' | 'fault', reason: TransitionReason, detail?: string): StepResult {
  const pre: Action[] =
    m.state === 'master' ? resign() : m.state === 'backup' ? [{ type: 'cancel-timer', timer: 'master-down' }] : [];
  const notify: Action =
    detail === undefined
      ? { type: 'notify', state, previous: m.state, reason }
      : { type: 'notify', state, previous: m.state, reason, detail };
  const machine: Machine = { ...m, state, ...NO_MASTER_KNOWN };
  return { machine, actions: [...pre, notify] };
}

function shutdown(m: Machine): StepResult {
  return m.state === 'initialize' ? same(m) : leave(m, 'initialize', 'shutdown');
}

function fault(m: Machine, detail?: string): StepResult {
  return m.state === 'fault' ? same(m) : leave(m, 'fault', 'fault', detail);
}

type AdvertEvent = Extract<MachineEvent, { type: 'advert' }>;

/** RFC 6.4.2, Backup receives an ADVERTISEMENT. */
function backupAdvert(m: Machine, e: AdvertEvent): StepResult {
  const receivedAt = e.receivedAt ?? e.now;
  if (e.priority === PRIORITY_STOP) {
    // The master resigned: take over after Skew_Time only.
    const at = receivedAt + skewTimeOf(m);
    return same({ ...m, masterDownAt: at, masterResigned: true }, [{ type: 'set-timer', timer: 'master-down', at }]);
  }
  const lower = m.config.preempt && e.priority < m.priority;
  let deadline = m.preemptDeadline;
  if (lower) {
    // keepalived preempt_delay: keep accepting a lower-priority master until the delay has passed.
    if (m.config.preemptDelayMs > 0) deadline ??= e.now + m.config.preemptDelayMs;
    if (deadline === null || e.now >= deadline) {
      return same({ ...m, preemptDeadline: deadline, sawLowerPriority: true });
    }
  } else {
    deadline = null;
  }
  const masterAdvertIntervalCs = m.config.version === 3 ? e.advertIntervalCs : m.config.advertIntervalCs;
  const at = receivedAt + masterDownIntervalOf(m, masterAdvertIntervalCs);
  // Every advert of a live master lands here: a literal, as spreading a Machine costs ~20x more.
  const next: Machine = {
    config: m.config,
    state: m.state,
    priority: m.priority,
    masterAdvertIntervalCs,
    adverAt: m.adverAt,
    masterDownAt: at,
    preemptDeadline: deadline,
    masterAddress: e.source,
    masterPriority: e.priority,
    sawLowerPriority: false,
    masterResigned: false,
    wantsMaster: false,
  };
  return same(next, [{ type: 'set-timer', timer: 'master-down', at }]);
}

/** RFC 6.4.3, Master receives an ADVERTISEMENT. */
function masterAdvert(m: Machine, e: AdvertEvent): StepResult {
  if (e.priority === PRIORITY_STOP) {
    // Another router resigned: advertise now so backups learn who is master without waiting.
    const at = e.now + ourIntervalMs(m);
    return same({ ...m, adverAt: at }, [
      { type: 'send-advert', priority: m.priority },
      { type: 'set-timer', timer: 'adver', at },
    ]);
  }
  if (e.priority > m.priority || (e.priority === m.priority && addressGreater(e.source, m.config.primaryAddress))) {
    const learned: Machine = {
      ...m,
      masterAdvertIntervalCs: m.config.version === 3 ? e.advertIntervalCs : m.config.advertIntervalCs,
      masterAddress: e.source,
      masterPriority: e.priority,
    };
    return becomeBackup(learned, e.now, 'higher-priority', [
      ...(m.config.higherPriorityAdvert ? [{ type: 'send-advert', priority: m.priority } as const] : []),
      { type: 'cancel-timer', timer: 'adver' },
      { type: 'remove-vips' },
    ]);
  }
  // Lower priority (or equal, lower address). keepalived answers with an advert of its own at once
  // (and counts the interval from it); RFC 5798 and lower_prio_no_advert discard it.
  if (m.config.lowerPriorityNoAdvert) return same(m);
  const at = e.now + ourIntervalMs(m);
  return same({ ...m, adverAt: at }, [
    { type: 'send-advert', priority: m.priority },
    { type: 'set-timer', timer: 'adver', at },
  ]);
}

/** Tie-break: the sender's primary address against ours, as unsigned integers (RFC 5798 6.4.3). */
function addressGreater(theirs: string, ours: string): boolean {
  try {
    return compareIp(theirs, ours) > 0;
  } catch {
    return false;
  }
}

function adverTimer(m: Machine, now: number): StepResult {
  if (m.state !== 'master' || m.adverAt === null) return same(m);
  if (now < m.adverAt) return same(m, [{ type: 'set-timer', timer: 'adver', at: m.adverAt }]);
  const at = nextAdvertAt(m.adverAt, now, ourIntervalMs(m));
  return same({ ...m, adverAt: at }, [
    { type: 'send-advert', priority: m.priority },
    { type: 'set-timer', timer: 'adver', at },
  ]);
}

function masterDownTimer(m: Machine, now: number, held: boolean): StepResult {
  if (m.state !== 'backup' || m.masterDownAt === null) return same(m);
  if (now < m.masterDownAt) return same(m, [{ type: 'set-timer', timer: 'master-down', at: m.masterDownAt }]);
  if (held) {
    // keepalived: wait 3 x Master_Adver_Interval + Skew_Time more, wanting to be master meanwhile.
    const at = now + masterDownIntervalOf(m);
    return same({ ...m, masterDownAt: at, wantsMaster: true }, [{ type: 'set-timer', timer: 'master-down', at }]);
  }
  const reason: TransitionReason = m.masterResigned ? 'master-resigned' : m.sawLowerPriority ? 'preempted' : 'master-down';
  return becomeMaster(m, now, reason, []);
}

/**
 * A new base config (reload). Becoming the address owner (255): a Backup takes over at once, a Master
 * advertises 255. No longer the owner: the priority drops to the new base (tracking adds on top with
 * set-priority) and a Master advertises it. Any other change keeps the state.
 */
function reconfigure(m: Machine, config: MachineConfig, now: number): StepResult {
  checkMachineConfig(config);
  const wasOwner = m.config.priority === PRIORITY_OWNER;
  const owner = config.priority === PRIORITY_OWNER;
  const next: Machine = { ...m, config, priority: owner ? PRIORITY_OWNER : wasOwner ? config.priority : m.priority };
  if (owner && !wasOwner && m.state === 'backup') {
    return becomeMaster(next, now, 'owner', [{ type: 'cancel-timer', timer: 'master-down' }]);
  }
  if (next.priority === m.priority || m.state !== 'master') return same(next);
  const at = now + ourIntervalMs(next);
  return same({ ...next, adverAt: at, masterPriority: next.priority }, [
    { type: 'send-advert', priority: next.priority },
    { type: 'set-timer', timer: 'adver', at },
  ]);
}

/** Tracking changed the effective priority. An owner's 255 is fixed; others stay within 1..254. */
function setPriority(m: Machine, requested: number, now: number): StepResult {
  const priority =
    m.config.priority === PRIORITY_OWNER ? PRIORITY_OWNER : Math.min(254, Math.max(1, Math.round(requested) || 1));
  if (priority === m.priority) return same(m);
  const next: Machine = { ...m, priority };
  if (m.state !== 'master') return same(next);
  // Tell the backups at once: a lower priority lets a preempting backup take over one interval sooner.
  const at = now + ourIntervalMs(m);
  return same({ ...next, adverAt: at, masterPriority: priority }, [
    { type: 'send-advert', priority },
    { type: 'set-timer', timer: 'adver', at },
  ]);
}
