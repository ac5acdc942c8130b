// The VRRP state machine, table-driven over RFC 5798 section 6.4 (and RFC 3768 timing), with a fake clock:
// `now` is just a number in every event. No timers, no sleeps.
import t from 'tap';
import fc from 'fast-check';
import {
  createMachine,
  step,
  timersOf,
  vrrpTimers,
  type Action,
  type Machine,
  type MachineConfig,
  type MachineEvent,
} from '../../src/vrrp/index.js';

const BASE: MachineConfig = {
  version: 3,
  priority: 100,
  advertIntervalCs: 100,
  preempt: true,
  preemptDelayMs: 0,
  acceptMode: false,
  primaryAddress: '10.0.0.2',
};
// v3, priority 100, 1 s: Skew_Time = 156 * 1000 / 256 = 609 ms; Master_Down_Interval = 3609 ms.
const SKEW = 609;
const MDI = 3609;

type Ev = MachineEvent;
const startup = (now = 0): Ev => ({ type: 'startup', now });
const shutdown = (now: number): Ev => ({ type: 'shutdown', now });
const advert = (now: number, priority: number, source = '10.0.0.1', advertIntervalCs = 100): Ev => ({ type: 'advert', now, priority, source, advertIntervalCs });
const adverTimer = (now: number): Ev => ({ type: 'adver-timer', now });
const downTimer = (now: number): Ev => ({ type: 'master-down-timer', now });
const setPriority = (now: number, priority: number): Ev => ({ type: 'set-priority', now, priority });
const fault = (now: number, reason = 'link down'): Ev => ({ type: 'fault', now, reason });
const faultCleared = (now: number): Ev => ({ type: 'fault-cleared', now });

/** Runs events from a fresh machine; returns the final machine and the last event's actions. */
function run(config: Partial<MachineConfig>, events: Ev[]): { m: Machine; actions: readonly Action[] } {
  let m = createMachine({ ...BASE, ...config });
  let actions: readonly Action[] = [];
  for (const e of events) ({ machine: m, actions } = step(m, e));
  return { m, actions };
}

const toMaster = (now: number, priority: number, reason: string, previous = 'backup', acceptMode = false): Action[] => [
  { type: 'send-advert', priority },
  { type: 'add-vips', acceptMode },
  { type: 'send-garp' },
  { type: 'set-timer', timer: 'adver', at: now + 1000 },
  { type: 'notify', state: 'master', previous, reason } as Action,
];
// A backup at t=0 (startup), and a master (the owner-less way: master-down fired at MDI).
const BACKUP = [startup(0)];
const MASTER = [startup(0), downTimer(MDI)];

interface Row {
  name: string;
  config?: Partial<MachineConfig>;
  events: Ev[];
  state: Machine['state'];
  actions: Action[];
}

const TRANSITIONS: Row[] = [
  // 6.4.1 Initialize
  { name: 'Initialize: startup, owner (255) -> Master at once', config: { priority: 255 }, events: [startup(5)], state: 'master', actions: toMaster(5, 255, 'owner', 'initialize') },
  {
    name: 'Initialize: startup -> Backup, Master_Down_Timer = Master_Down_Interval',
    events: [startup(5)],
    state: 'backup',
    actions: [{ type: 'set-timer', timer: 'master-down', at: 5 + MDI }, { type: 'notify', state: 'backup', previous: 'initialize', reason: 'startup' }],
  },
  { name: 'Initialize: adverts and timers are ignored', events: [advert(1, 200), downTimer(9999), adverTimer(9999)], state: 'initialize', actions: [] },
  { name: 'Initialize: shutdown is a no-op', events: [shutdown(1)], state: 'initialize', actions: [] },
  // 6.4.2 Backup
  {
    name: 'Backup: shutdown -> Initialize, cancel Master_Down_Timer',
    events: [...BACKUP, shutdown(10)],
    state: 'initialize',
    actions: [{ type: 'cancel-timer', timer: 'master-down' }, { type: 'notify', state: 'initialize', previous: 'backup', reason: 'shutdown' }],
  },
  { name: 'Backup: Master_Down_Timer fires -> Master', events: [...BACKUP, downTimer(MDI)], state: 'master', actions: toMaster(MDI, 100, 'master-down') },
  { name: 'Backup: Master_Down_Timer fires late (stall) -> Master, adver timer from now', events: [...BACKUP, downTimer(MDI + 5000)], state: 'master', actions: toMaster(MDI + 5000, 100, 'master-down') },
  { name: 'Backup: timer event before its deadline is ignored and re-armed', events: [...BACKUP, downTimer(MDI - 1)], state: 'backup', actions: [{ type: 'set-timer', timer: 'master-down', at: MDI }] },
  { name: 'Backup: priority 0 -> Master_Down_Timer = Skew_Time', events: [...BACKUP, advert(1000, 0)], state: 'backup', actions: [{ type: 'set-timer', timer: 'master-down', at: 1000 + SKEW }] },
  { name: 'Backup: ... then it fires -> Master (master resigned)', events: [...BACKUP, advert(1000, 0), downTimer(1000 + SKEW)], state: 'master', actions: toMaster(1000 + SKEW, 100, 'master-resigned') },
  { name: 'Backup: higher priority resets Master_Down_Timer', events: [...BACKUP, advert(1000, 200)], state: 'backup', actions: [{ type: 'set-timer', timer: 'master-down', at: 1000 + MDI }] },
  { name: 'Backup: equal priority resets Master_Down_Timer', events: [...BACKUP, advert(1000, 100)], state: 'backup', actions: [{ type: 'set-timer', timer: 'master-down', at: 1000 + MDI }] },
  {
    name: 'Backup (v3): learns Master_Adver_Interval from the advert',
    events: [...BACKUP, advert(1000, 200, '10.0.0.1', 300)],
    state: 'backup',
    // 3 * 3000 + 156 * 3000 / 256 = 9000 + 1828
    actions: [{ type: 'set-timer', timer: 'master-down', at: 1000 + 9000 + 1828 }],
  },
  {
    name: 'Backup (v2): keeps its own interval; skew is (256-p)/256 s',
    config: { version: 2, advertIntervalCs: 300 },
    events: [startup(0), advert(1000, 200, '10.0.0.1', 300)],
    state: 'backup',
    actions: [{ type: 'set-timer', timer: 'master-down', at: 1000 + 9000 + 609 }],
  },
  { name: 'Backup, preempt: lower priority is discarded', events: [...BACKUP, advert(1000, 50)], state: 'backup', actions: [] },
  { name: 'Backup, preempt: ... and the timer takes over (preempted)', events: [...BACKUP, advert(1000, 50), downTimer(MDI)], state: 'master', actions: toMaster(MDI, 100, 'preempted') },
  { name: 'Backup, nopreempt: lower priority still resets the timer', config: { preempt: false }, events: [...BACKUP, advert(1000, 50)], state: 'backup', actions: [{ type: 'set-timer', timer: 'master-down', at: 1000 + MDI }] },
  // 6.4.3 Master
  {
    name: 'Master: shutdown -> cancel Adver_Timer, priority 0 advert, remove VIPs, Initialize',
    events: [...MASTER, shutdown(MDI + 10)],
    state: 'initialize',
    actions: [
      { type: 'cancel-timer', timer: 'adver' },
      { type: 'send-advert', priority: 0 },
      { type: 'remove-vips' },
      { type: 'notify', state: 'initialize', previous: 'master', reason: 'shutdown' },
    ],
  },
  { name: 'Master: Adver_Timer fires -> advert, re-arm', events: [...MASTER, adverTimer(MDI + 1000)], state: 'master', actions: [{ type: 'send-advert', priority: 100 }, { type: 'set-timer', timer: 'adver', at: MDI + 2000 }] },
  { name: 'Master: a late Adver_Timer keeps the schedule (next = previous deadline + interval)', events: [...MASTER, adverTimer(MDI + 1003)], state: 'master', actions: [{ type: 'send-advert', priority: 100 }, { type: 'set-timer', timer: 'adver', at: MDI + 2000 }] },
  { name: 'Master: an Adver_Timer one interval late (a stall) counts from now, no burst', events: [...MASTER, adverTimer(MDI + 2000)], state: 'master', actions: [{ type: 'send-advert', priority: 100 }, { type: 'set-timer', timer: 'adver', at: MDI + 3000 }] },
  { name: 'Master: early Adver_Timer event is re-armed', events: [...MASTER, adverTimer(MDI + 999)], state: 'master', actions: [{ type: 'set-timer', timer: 'adver', at: MDI + 1000 }] },
  { name: 'Master: priority 0 advert -> advertise at once', events: [...MASTER, advert(MDI + 300, 0)], state: 'master', actions: [{ type: 'send-advert', priority: 100 }, { type: 'set-timer', timer: 'adver', at: MDI + 1300 }] },
  {
    name: 'Master: higher priority -> Backup',
    events: [...MASTER, advert(MDI + 300, 101)],
    state: 'backup',
    actions: [
      { type: 'cancel-timer', timer: 'adver' },
      { type: 'remove-vips' },
      { type: 'set-timer', timer: 'master-down', at: MDI + 300 + MDI },
      { type: 'notify', state: 'backup', previous: 'master', reason: 'higher-priority' },
    ],
  },
  {
    name: 'Master: equal priority, higher address -> Backup',
    events: [...MASTER, advert(MDI + 300, 100, '10.0.0.3')],
    state: 'backup',
    actions: [
      { type: 'cancel-timer', timer: 'adver' },
      { type: 'remove-vips' },
      { type: 'set-timer', timer: 'master-down', at: MDI + 300 + MDI },
      { type: 'notify', state: 'backup', previous: 'master', reason: 'higher-priority' },
    ],
  },
  {
    name: 'Master: equal priority, address compared as unsigned (200.0.0.1 > 10.0.0.2)',
    events: [...MASTER, advert(MDI + 300, 100, '200.0.0.1')],
    state: 'backup',
    actions: [
      { type: 'cancel-timer', timer: 'adver' },
      { type: 'remove-vips' },
      { type: 'set-timer', timer: 'master-down', at: MDI + 300 + MDI },
      { type: 'notify', state: 'backup', previous: 'master', reason: 'higher-priority' },
    ],
  },
  {
    name: 'Master (v3): going Backup learns the new master\'s interval',
    events: [...MASTER, advert(MDI, 200, '10.0.0.1', 50)],
    state: 'backup',
    // 3 * 500 + 156 * 500 / 256 = 1500 + 304
    actions: [
      { type: 'cancel-timer', timer: 'adver' },
      { type: 'remove-vips' },
      { type: 'set-timer', timer: 'master-down', at: MDI + 1804 },
      { type: 'notify', state: 'backup', previous: 'master', reason: 'higher-priority' },
    ],
  },
  // keepalived answers a lower priority at once (and counts its interval from there); the RFC discards it.
  {
    name: 'Master: equal priority, lower address -> answer (keepalived)', events: [...MASTER, advert(MDI + 300, 100, '10.0.0.1')], state: 'master',
    actions: [{ type: 'send-advert', priority: 100 }, { type: 'set-timer', timer: 'adver', at: MDI + 1300 }],
  },
  {
    name: 'Master: lower priority -> answer (keepalived)', events: [...MASTER, advert(MDI + 300, 99, '10.0.0.200')], state: 'master',
    actions: [{ type: 'send-advert', priority: 100 }, { type: 'set-timer', timer: 'adver', at: MDI + 1300 }],
  },
  {
    name: 'Master: lower priority -> discard (lower_prio_no_advert, RFC)', config: { lowerPriorityNoAdvert: true },
    events: [...MASTER, advert(MDI + 300, 99, '10.0.0.200')], state: 'master', actions: [],
  },
  {
    name: 'Master: higher priority -> one last advert first (higher_prio_send_advert)', config: { higherPriorityAdvert: true },
    events: [...MASTER, advert(MDI + 300, 200, '10.0.0.1')], state: 'backup',
    actions: [
      { type: 'send-advert', priority: 100 },
      { type: 'cancel-timer', timer: 'adver' },
      { type: 'remove-vips' },
      { type: 'set-timer', timer: 'master-down', at: MDI + 300 + MDI },
      { type: 'notify', state: 'backup', previous: 'master', reason: 'higher-priority' },
    ],
  },
  { name: 'Master: master-down timer is ignored', events: [...MASTER, downTimer(MDI * 3)], state: 'master', actions: [] },
  { name: 'Master: accept mode is carried to add-vips', config: { acceptMode: true, priority: 255 }, events: [startup(0)], state: 'master', actions: toMaster(0, 255, 'owner', 'initialize', true) },
  // Fault (keepalived; tracked interface / script)
  {
    name: 'Master: fault -> resign with priority 0, remove VIPs, Fault',
    events: [...MASTER, fault(MDI + 10)],
    state: 'fault',
    actions: [
      { type: 'cancel-timer', timer: 'adver' },
      { type: 'send-advert', priority: 0 },
      { type: 'remove-vips' },
      { type: 'notify', state: 'fault', previous: 'master', reason: 'fault', detail: 'link down' },
    ],
  },
  {
    name: 'Backup: fault -> Fault',
    events: [...BACKUP, fault(10)],
    state: 'fault',
    actions: [{ type: 'cancel-timer', timer: 'master-down' }, { type: 'notify', state: 'fault', previous: 'backup', reason: 'fault', detail: 'link down' }],
  },
  { name: 'Initialize: fault -> Fault (start faulted)', events: [fault(0)], state: 'fault', actions: [{ type: 'notify', state: 'fault', previous: 'initialize', reason: 'fault', detail: 'link down' }] },
  { name: 'Fault: adverts, timers, startup and more faults are ignored', events: [...BACKUP, fault(10), advert(20, 0), downTimer(MDI), adverTimer(MDI), startup(30), fault(40)], state: 'fault', actions: [] },
  {
    name: 'Fault: cleared -> Backup (as at startup)',
    events: [...BACKUP, fault(10), faultCleared(100)],
    state: 'backup',
    actions: [{ type: 'set-timer', timer: 'master-down', at: 100 + MDI }, { type: 'notify', state: 'backup', previous: 'fault', reason: 'fault-cleared' }],
  },
  { name: 'Fault: cleared, owner -> Master', config: { priority: 255 }, events: [startup(0), fault(10), faultCleared(100)], state: 'master', actions: toMaster(100, 255, 'owner', 'fault') },
  { name: 'Fault: shutdown -> Initialize', events: [...BACKUP, fault(10), shutdown(20)], state: 'initialize', actions: [{ type: 'notify', state: 'initialize', previous: 'fault', reason: 'shutdown' }] },
  { name: 'fault-cleared outside Fault is ignored', events: [...BACKUP, faultCleared(10)], state: 'backup', actions: [] },
  // Effective priority (tracking weights)
  { name: 'Master: priority change is advertised at once', events: [...MASTER, setPriority(MDI + 100, 80)], state: 'master', actions: [{ type: 'send-advert', priority: 80 }, { type: 'set-timer', timer: 'adver', at: MDI + 1100 }] },
  { name: 'Master: unchanged priority does nothing', events: [...MASTER, setPriority(MDI + 100, 100)], state: 'master', actions: [] },
  { name: 'Master: owner priority is fixed', config: { priority: 255 }, events: [startup(0), setPriority(100, 10)], state: 'master', actions: [] },
  { name: 'Backup: priority change takes no action', events: [...BACKUP, setPriority(100, 150)], state: 'backup', actions: [] },
  // keepalived preempt_delay
  { name: 'preempt_delay: startup waits Master_Down_Interval + delay', config: { preemptDelayMs: 2000 }, events: [startup(0)], state: 'backup', actions: [{ type: 'set-timer', timer: 'master-down', at: MDI + 2000 }, { type: 'notify', state: 'backup', previous: 'initialize', reason: 'startup' }] },
  { name: 'preempt_delay with nopreempt: no delay', config: { preemptDelayMs: 2000, preempt: false }, events: [startup(0)], state: 'backup', actions: [{ type: 'set-timer', timer: 'master-down', at: MDI }, { type: 'notify', state: 'backup', previous: 'initialize', reason: 'startup' }] },
  { name: 'preempt_delay: a lower-priority master is accepted during the delay', config: { preemptDelayMs: 2000 }, events: [startup(0), advert(1000, 50), advert(2000, 50)], state: 'backup', actions: [{ type: 'set-timer', timer: 'master-down', at: 2000 + MDI }] },
  { name: 'preempt_delay: ... and discarded after it', config: { preemptDelayMs: 2000 }, events: [startup(0), advert(1000, 50), advert(2000, 50), advert(3000, 50)], state: 'backup', actions: [] },
  { name: 'preempt_delay: ... so the timer takes over', config: { preemptDelayMs: 2000 }, events: [startup(0), advert(1000, 50), advert(2000, 50), advert(3000, 50), downTimer(2000 + MDI)], state: 'master', actions: toMaster(2000 + MDI, 100, 'preempted') },
  // keepalived down_timer_adverts
  { name: 'down_timer_adverts 5', config: { downTimerAdverts: 5 }, events: [startup(0)], state: 'backup', actions: [{ type: 'set-timer', timer: 'master-down', at: 5000 + SKEW }, { type: 'notify', state: 'backup', previous: 'initialize', reason: 'startup' }] },
];

t.test('RFC 5798 6.4 transitions', async (t) => {
  for (const row of TRANSITIONS) {
    const { m, actions } = run(row.config ?? {}, row.events);
    t.equal(m.state, row.state, `${row.name}: state`);
    t.same(actions, row.actions, `${row.name}: actions`);
  }
});

t.test('timer maths', async (t) => {
  const rows: Array<[Parameters<typeof vrrpTimers>[0], number, number]> = [
    // [inputs, skew ms, master down interval ms]
    [{ version: 3, priority: 100, masterAdvertIntervalCs: 100 }, 609, 3609],
    [{ version: 3, priority: 255, masterAdvertIntervalCs: 100 }, 3, 3003],
    [{ version: 3, priority: 1, masterAdvertIntervalCs: 100 }, 996, 3996],
    [{ version: 3, priority: 200, masterAdvertIntervalCs: 4095 }, 8957, 3 * 40950 + 8957],
    [{ version: 3, priority: 128, masterAdvertIntervalCs: 1 }, 5, 35],
    [{ version: 2, priority: 100, masterAdvertIntervalCs: 100 }, 609, 3609],
    [{ version: 2, priority: 100, masterAdvertIntervalCs: 500 }, 609, 15609], // v2 skew does not scale
    [{ version: 2, priority: 128, masterAdvertIntervalCs: 100 }, 500, 3500], // keepalived man: 3.5 s
    [{ version: 3, priority: 100, masterAdvertIntervalCs: 100, downTimerAdverts: 1 }, 609, 1609],
  ];
  for (const [inputs, skew, mdi] of rows) {
    t.same(vrrpTimers(inputs), { skewMs: skew, masterDownIntervalMs: mdi }, JSON.stringify(inputs));
  }
  const m = run({ priority: 200 }, [startup(0)]).m;
  t.same(timersOf(m), { skewMs: 218, masterDownIntervalMs: 3218, advertIntervalMs: 1000 });
});

t.test('a master advertises once per interval however late its timer fires, and never bursts after a stall', async (t) => {
  // 10 ms adverts; the runtime fires each timer 1.3 ms late (Node's timers are ~1 ms late each).
  // Master_Down_Interval at 10 ms, priority 100: 30 + 156 * 10 / 256 = 36 ms.
  let m = run({ advertIntervalCs: 1 }, [startup(0), downTimer(36)]).m;
  t.equal(m.state, 'master');
  const sent: number[] = [];
  const fire = (now: number) => {
    const r = step(m, adverTimer(now));
    m = r.machine;
    if (r.actions.some((a) => a.type === 'send-advert')) sent.push(now);
  };
  for (let i = 0; i < 1000 && m.adverAt! < 36 + 1000; i++) fire(m.adverAt! + 1.3);
  t.equal(1 + sent.length, 100, 'the takeover advert and 99 more in a second: one per 10 ms, not one per 11.3 ms');
  t.equal(m.adverAt, 36 + 1000, 'the deadlines stay on the 10 ms grid');
  // A 55 ms stall: one advert now, the next one interval later (not five at once).
  const stalledAt = m.adverAt! + 55;
  fire(stalledAt);
  t.equal(m.adverAt, stalledAt + 10);
  fire(m.adverAt! + 1);
  t.same(sent.slice(-2), [stalledAt, stalledAt + 11], 'no catch-up burst');
});

t.test('stall-safe rule: adverts drained before the master-down timer keep the backup a backup', async (t) => {
  // The master advertises every second; the backup's event loop stalls from t=500 to t=10000. On wake-up the
  // master-down timer (due at 3609) is overdue. The runtime drains the queued adverts first, stamped `now`.
  let { m } = run({}, [startup(0), advert(0, 200)]);
  const actions: Action[] = [];
  for (let i = 0; i < 9; i++) {
    const r = step(m, advert(10000, 200)); // queued adverts from t=1000..9000, all processed at 10000
    m = r.machine;
    actions.push(...r.actions);
  }
  const fired = step(m, downTimer(10000));
  t.equal(fired.machine.state, 'backup', 'no false failover');
  t.same(fired.actions, [{ type: 'set-timer', timer: 'master-down', at: 10000 + MDI }], 'the overdue timer is re-armed');
  // Without the drain (no queued adverts: the master really died), the same late timer makes us master.
  const died = run({}, [startup(0), advert(0, 200), downTimer(10000)]);
  t.equal(died.m.state, 'master');
});

t.test("the Master_Down_Timer counts from the advert's arrival (receivedAt), not from when it was processed", async (t) => {
  const arrived = (now: number, receivedAt: number, priority: number): Ev => ({ type: 'advert', now, receivedAt, priority, source: '10.0.0.1', advertIntervalCs: 100 });
  const live = run({}, [startup(0), arrived(1000.7, 1000.2, 200)]);
  t.equal(live.m.masterDownAt, 1000.2 + MDI, 'Master_Down_Interval from the arrival');
  t.same(live.actions, [{ type: 'set-timer', timer: 'master-down', at: 1000.2 + MDI }]);
  const resigned = run({}, [startup(0), arrived(1000, 999, 200), arrived(2000.9, 2000.1, 0)]);
  t.equal(resigned.m.masterDownAt, 2000.1 + SKEW, 'priority 0: Skew_Time from the arrival');
  t.equal(step(resigned.m, downTimer(2000.1 + SKEW)).machine.state, 'master', 'takes over at arrival + Skew_Time');
  t.equal(run({}, [startup(0), advert(1000, 200)]).m.masterDownAt, 1000 + MDI, 'without receivedAt: from now');
  // A stall: adverts queued at 1000..9000 are processed at 10000. The last one arrived 1 s ago, so the master
  // is alive; had it died at 5000 (its last advert), Master_Down_Interval has passed and the backup takes over.
  let m = run({}, [startup(0)]).m;
  for (let at = 1000; at <= 9000; at += 1000) m = step(m, arrived(10000, at, 200)).machine;
  t.equal(step(m, downTimer(10000)).machine.state, 'backup', 'a live master found in the queue: no takeover');
  t.equal(m.masterDownAt, 9000 + MDI);
  m = run({}, [startup(0)]).m;
  for (let at = 1000; at <= 5000; at += 1000) m = step(m, arrived(10000, at, 200)).machine;
  t.equal(step(m, downTimer(10000)).machine.state, 'master', 'silent for Master_Down_Interval on the wire: takeover');
});

t.test('set-priority clamps and changes the skew', async (t) => {
  t.equal(run({}, [startup(0), setPriority(1, 0)]).m.priority, 1);
  t.equal(run({}, [startup(0), setPriority(1, -50)]).m.priority, 1);
  t.equal(run({}, [startup(0), setPriority(1, 255)]).m.priority, 254, 'only the owner has 255');
  t.equal(run({}, [startup(0), setPriority(1, 300)]).m.priority, 254);
  // Priority 200: skew 218, so the next accepted advert sets Master_Down_Interval 3218.
  const { actions } = run({}, [startup(0), setPriority(1, 200), advert(1000, 250)]);
  t.same(actions, [{ type: 'set-timer', timer: 'master-down', at: 1000 + 3218 }]);
  // Raised above the master's priority: its next advert is discarded and we preempt.
  const pre = run({}, [startup(0), advert(1000, 150), setPriority(1500, 200), advert(2000, 150), downTimer(1000 + MDI)]);
  t.equal(pre.m.state, 'master');
  t.same(pre.actions.at(-1), { type: 'notify', state: 'master', previous: 'backup', reason: 'preempted' });
});

t.test('reconfigure: a base priority to or from 255 makes or unmakes the address owner', async (t) => {
  const reconf = (now: number, priority: number): Ev => ({ type: 'reconfigure', now, config: { ...BASE, priority } });
  // A backup given 255 takes over at once, as an owner does at startup.
  const up = run({}, [startup(0), advert(10, 200), reconf(500, 255)]);
  t.equal(up.m.state, 'master');
  t.equal(up.m.priority, 255);
  t.same(up.actions, [{ type: 'cancel-timer', timer: 'master-down' }, ...toMaster(500, 255, 'owner')]);
  // A master given 255 advertises 255 now; tracking can no longer move it.
  const m = run({}, [...MASTER, reconf(MDI + 10, 255)]);
  t.same(m.actions, [{ type: 'send-advert', priority: 255 }, { type: 'set-timer', timer: 'adver', at: MDI + 1010 }]);
  t.equal(step(m.m, setPriority(MDI + 20, 100)).machine.priority, 255);
  // The owner given 200: still master, advertises 200, and the receive side is no longer the owner's.
  const down = run({ priority: 255 }, [startup(0), reconf(100, 200)]);
  t.equal(down.m.state, 'master');
  t.equal(down.m.priority, 200);
  t.same(down.actions, [{ type: 'send-advert', priority: 200 }, { type: 'set-timer', timer: 'adver', at: 1100 }]);
  t.equal(step(down.m, setPriority(200, 150)).machine.priority, 150, 'tracking applies again');
  // Not crossing 255: the state and the effective priority stay (set-priority follows).
  const keep = run({}, [startup(0), reconf(10, 120)]);
  t.same(keep.actions, []);
  t.equal(keep.m.state, 'backup');
  t.throws(() => run({}, [startup(0), reconf(10, 0)]), /priority must be 1..255/);
});

t.test('the machine remembers who is master', async (t) => {
  const b = run({}, [startup(0), advert(10, 200, '10.0.0.9', 150)]).m;
  t.match(b, { masterAddress: '10.0.0.9', masterPriority: 200, masterAdvertIntervalCs: 150 });
  const m = run({}, MASTER).m;
  t.match(m, { masterAddress: '10.0.0.2', masterPriority: 100, adverAt: MDI + 1000, masterDownAt: null });
});

t.test('IPv6 tie-break compares link-local addresses as unsigned 128-bit numbers', async (t) => {
  const cfg = { primaryAddress: 'fe80::1' };
  t.equal(run(cfg, [startup(0), downTimer(MDI), advert(MDI + 1, 100, 'fe80::2')]).m.state, 'backup');
  t.equal(run(cfg, [startup(0), downTimer(MDI), advert(MDI + 1, 100, 'fe80::0:1')]).m.state, 'master', 'same address');
  t.equal(run({ primaryAddress: 'fe80::ffff' }, [startup(0), downTimer(MDI), advert(MDI + 1, 100, 'fe80::1:0')]).m.state, 'backup');
});

t.test('createMachine rejects impossible configs', async (t) => {
  const bad: Array<Partial<MachineConfig>> = [
    { priority: 0 },
    { priority: 256 },
    { priority: 1.5 },
    { advertIntervalCs: 0 },
    { advertIntervalCs: 4096 },
    { version: 2, advertIntervalCs: 150 },
    { preemptDelayMs: -1 },
    { preemptDelayMs: Number.NaN },
    { downTimerAdverts: 0 },
    { version: 4 as 3 },
  ];
  for (const c of bad) t.throws(() => createMachine({ ...BASE, ...c }), { code: 'VIPD_ERR_CONFIG' }, JSON.stringify(c));
  t.doesNotThrow(() => createMachine({ ...BASE, version: 2, advertIntervalCs: 25500 }));
});

// A tiny discrete-event simulation: routers on one LAN, adverts delivered 1 ms after they are sent, one fake clock.
interface Sim {
  configs: MachineConfig[];
  machines: Machine[];
  timers: Map<string, number>;
  up: boolean[];
  /** Every transition: [now, router, new state, reason]. */
  log: Array<[number, number, string, string]>;
  apply: (i: number, e: Ev) => void;
}
const LATENCY = 1;

function simulate(configs: MachineConfig[], until: number, script: Array<[number, (s: Sim, now: number) => void]> = []): Sim {
  const sim: Sim = { configs, machines: configs.map((c) => createMachine(c)), timers: new Map(), up: configs.map(() => true), log: [], apply: () => {} };
  const inflight: Array<[number, number, Ev]> = [];
  const pending = [...script];
  const apply = (i: number, e: Ev) => {
    const r = step(sim.machines[i]!, e);
    sim.machines[i] = r.machine;
    for (const a of r.actions) {
      if (a.type === 'set-timer') sim.timers.set(`${i}:${a.timer}`, a.at);
      else if (a.type === 'cancel-timer') sim.timers.delete(`${i}:${a.timer}`);
      else if (a.type === 'notify') sim.log.push([e.now, i, a.state, a.reason]);
      else if (a.type === 'send-advert' && sim.up[i]) {
        const at = e.now + LATENCY;
        for (let j = 0; j < configs.length; j++) {
          if (j !== i) inflight.push([at, j, { type: 'advert', now: at, priority: a.priority, source: configs[i]!.primaryAddress, advertIntervalCs: configs[i]!.advertIntervalCs }]);
        }
      }
    }
  };
  sim.apply = apply;
  configs.forEach((_, i) => apply(i, startup(0)));
  for (;;) {
    let timer: [string, number] | undefined;
    for (const entry of sim.timers) if (!timer || entry[1] < timer[1]) timer = entry;
    inflight.sort((a, b) => a[0] - b[0]);
    const packet = inflight[0];
    const scripted = pending[0];
    const times = [timer?.[1] ?? Infinity, packet?.[0] ?? Infinity, scripted?.[0] ?? Infinity];
    const now = Math.min(...times);
    if (now > until) break;
    if (scripted && scripted[0] === now) {
      pending.shift();
      scripted[1](sim, now);
    } else if (timer && timer[1] === now) {
      sim.timers.delete(timer[0]);
      const [idx, name] = timer[0].split(':') as [string, string];
      apply(Number(idx), name === 'adver' ? adverTimer(now) : downTimer(now));
    } else if (packet) {
      inflight.shift();
      if (sim.up[packet[1]]) apply(packet[1], packet[2]);
    }
  }
  return sim;
}

const router = (priority: number, address: string, extra: Partial<MachineConfig> = {}): MachineConfig => ({ ...BASE, priority, primaryAddress: address, ...extra });
const masters = (s: Sim) => s.machines.flatMap((m, i) => (m.state === 'master' ? [i] : []));

t.test('simulation: three routers elect exactly one master, the highest priority', async (t) => {
  const s = simulate([router(100, '10.0.0.1'), router(200, '10.0.0.2'), router(150, '10.0.0.3')], 20000);
  t.same(masters(s), [1]);
});

t.test('simulation: equal priorities, the highest primary address wins', async (t) => {
  const s = simulate([router(200, '10.0.0.3'), router(200, '10.0.0.20'), router(200, '10.0.0.100')], 20000);
  t.same(masters(s), [2]);
});

t.test('simulation: graceful stop hands over within Skew_Time', async (t) => {
  const s = simulate([router(200, '10.0.0.1'), router(100, '10.0.0.2')], 30000, [
    [10000, (sim, now) => {
      sim.apply(0, shutdown(now)); // sends priority 0 while still on the LAN
      sim.up[0] = false;
    }],
  ]);
  t.same(masters(s), [1]);
  const takeover = s.log.find(([, i, state]) => i === 1 && state === 'master');
  t.same(takeover, [10000 + LATENCY + SKEW, 1, 'master', 'master-resigned'], 'the backup waits only Skew_Time');
});

t.test('simulation: master dies, backup takes over; it returns and preempts (or not, with nopreempt)', async (t) => {
  // A crash: no priority 0 advert, its timers gone with it. Then a fresh process starts.
  const die = (sim: Sim) => { sim.up[0] = false; sim.timers.delete('0:adver'); };
  const revive = (sim: Sim, now: number) => {
    sim.up[0] = true;
    sim.machines[0] = createMachine(sim.configs[0]!);
    sim.apply(0, startup(now));
  };
  const preempt = simulate([router(200, '10.0.0.1'), router(100, '10.0.0.2')], 40000, [[10000, die], [20000, revive]]);
  t.same(masters(preempt), [0], 'preempt: the higher priority router is master again');
  const b = preempt.log.filter(([, i]) => i === 1).map(([now, , state, reason]) => [now, state, reason]);
  // Router 0 (priority 200, skew 218) became master at 3218 and last advertised at 9218, heard at 9219:
  // router 1 takes over one Master_Down_Interval later. Router 0 restarts at 20000, preempts at 20000 + 3218,
  // and router 1 hears it 1 ms later.
  t.same(b, [[0, 'backup', 'startup'], [9219 + MDI, 'master', 'master-down'], [23219, 'backup', 'higher-priority']]);
  const nopreempt = simulate([router(200, '10.0.0.1', { preempt: false }), router(100, '10.0.0.2')], 40000, [[10000, die], [20000, revive]]);
  t.same(masters(nopreempt), [1], 'nopreempt: the backup that took over stays master');
});

t.test('invariants over random event sequences (fast-check)', async (t) => {
  // An event is generated as a function of the time it happens at.
  const event: fc.Arbitrary<(now: number) => Ev> = fc.oneof(
    fc.constant(startup),
    fc.constant(shutdown),
    fc.record({ p: fc.integer({ min: 0, max: 255 }), last: fc.integer({ min: 1, max: 9 }), cs: fc.integer({ min: 1, max: 4095 }) })
      .map(({ p, last, cs }) => (now: number) => advert(now, p, `10.0.0.${last}`, cs)),
    fc.constant(adverTimer),
    fc.constant(downTimer),
    fc.integer({ min: -10, max: 300 }).map((p) => (now: number) => setPriority(now, p)),
    fc.constant((now: number) => fault(now)),
    fc.constant(faultCleared),
  );
  const config = fc.record({
    version: fc.constantFrom(2 as const, 3 as const),
    priority: fc.integer({ min: 1, max: 255 }),
    preempt: fc.boolean(),
    preemptDelayMs: fc.constantFrom(0, 1500),
  });
  const script = fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), event), { maxLength: 60 });
  fc.assert(
    fc.property(config, script, (cfg, events) => {
      let m = createMachine({ ...BASE, ...cfg });
      let now = 0;
      let vips = false;
      const timers = new Map<string, number>();
      for (const [gap, make] of events) {
        now += gap;
        const r = step(m, make(now));
        m = r.machine;
        for (const a of r.actions) {
          if (a.type === 'add-vips') { if (vips) return false; vips = true; }
          if (a.type === 'remove-vips') { if (!vips) return false; vips = false; }
          if (a.type === 'set-timer') { if (a.at < now) return false; timers.set(a.timer, a.at); }
          if (a.type === 'cancel-timer') timers.delete(a.timer);
          if (a.type === 'send-advert' && a.priority !== 0 && a.priority !== m.priority) return false;
        }
        if (vips !== (m.state === 'master')) return false;
        if (m.state === 'master' && (m.adverAt === null || m.masterDownAt !== null || timers.get('adver') !== m.adverAt)) return false;
        if (m.state === 'backup' && (m.masterDownAt === null || m.adverAt !== null || timers.get('master-down') !== m.masterDownAt)) return false;
        if ((m.state === 'initialize' || m.state === 'fault') && (m.adverAt !== null || m.masterDownAt !== null)) return false;
        if (m.priority < 1 || m.priority > 255 || (m.priority === 255) !== (cfg.priority === 255)) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.pass('VIPs held exactly in Master; the one live timer matches the state; priorities in range');
});
