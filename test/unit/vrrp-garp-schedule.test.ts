// The GARP schedule, pure: keepalived's garp_master_delay / repeat / refresh / lower_prio and the
// interval between rounds, as data (what is due when).
import t from 'tap';
import {
  garpSchedule, nextDueAt, onAddressesAdded, onBecomeMaster, onLeaveMaster, onLowerPriorityAdvert, takeDue, type GarpSchedule,
} from '../../src/vrrp/garp-schedule.js';
import { DEFAULT_GARP, type GarpSettings } from '../../src/vrrp/instance-config.js';

/** Runs the schedule from `from` to `to`, taking what is due at every due time; returns the round times. */
function run(g: GarpSchedule, to: number): { times: number[]; schedule: GarpSchedule } {
  const times: number[] = [];
  for (let at = nextDueAt(g); at !== null && at <= to; at = nextDueAt(g)) {
    const r = takeDue(g, at);
    for (const d of r.due) times.push(at);
    g = r.schedule;
  }
  return { times, schedule: g };
}

const settings = (over: Partial<GarpSettings> = {}): GarpSettings => ({ ...DEFAULT_GARP, ...over });

t.test('becoming master: a burst now, another after masterDelayMs, rounds at least 1 ms apart', async (t) => {
  const { times, schedule } = run(onBecomeMaster(garpSchedule(settings()), 100), 100_000);
  t.same(times, [100, 101, 102, 103, 104, 5100, 5101, 5102, 5103, 5104]);
  t.equal(nextDueAt(schedule), null, 'then nothing (no refresh)');
  t.same(run(onBecomeMaster(garpSchedule(settings({ intervalMs: 20, masterRepeat: 2, masterDelayMs: 0 })), 0), 1e6).times, [0, 20]);
  t.same(run(onBecomeMaster(garpSchedule(settings({ masterRepeat: 0 })), 0), 1e6).times, [], 'repeat 0: none');
});

t.test('refresh: a burst every period, counted from when it ran (no catch-up after a stall)', async (t) => {
  let g = onBecomeMaster(garpSchedule(settings({ masterDelayMs: 0, masterRepeat: 1, masterRefreshMs: 1000, masterRefreshRepeat: 2 })), 0);
  t.same(run(g, 2500).times, [0, 1000, 1001, 2000, 2001]);
  g = takeDue(g, 0).schedule;
  const late = takeDue(g, 3700);
  t.equal(late.due.length, 1, 'one round due at the stall\'s end (the rest of the burst 1 ms later)');
  t.equal(nextDueAt(late.schedule), 3701);
  t.equal(late.schedule.refreshAt, 4700);
});

t.test('lower-priority adverts: a burst now and after the delay, at most once a second', async (t) => {
  let g = garpSchedule(settings({ lowerPrioRepeat: 2, lowerPrioDelayMs: 3000 }));
  g = onLowerPriorityAdvert(g, 10_000);
  g = onLowerPriorityAdvert(g, 10_999);
  t.same(run(g, 1e6).times, [10_000, 10_001, 13_000, 13_001]);
  g = onLowerPriorityAdvert(g, 11_000);
  t.equal(g.rounds.length, 8, 'a second later: another burst pair');
  t.same(onLowerPriorityAdvert(garpSchedule(settings({ lowerPrioRepeat: 0 })), 0).rounds, [], 'repeat 0: off');
});

t.test('added addresses: one round of those only; rounds merge in time order', async (t) => {
  const vip = { address: '10.0.0.101', prefixLength: 24, ifindex: 2 };
  let g = onBecomeMaster(garpSchedule(settings({ masterRepeat: 3, masterDelayMs: 0, intervalMs: 10 })), 0);
  g = onAddressesAdded(g, 5, [vip]);
  t.same(g.rounds.map((r) => [r.at, typeof r.addresses === 'string' ? r.addresses : r.addresses.map((v) => v.address)]), [[0, 'all'], [5, ['10.0.0.101']], [10, 'all'], [20, 'all']]);
  t.equal(onAddressesAdded(g, 5, []), g, 'nothing added: unchanged');
  const due = takeDue(g, 10);
  t.equal(due.due.length, 3, 'everything due by now, in order');
  t.same(due.schedule.rounds.map((r) => r.at), [20]);
});

t.test('leaving master drops every pending round and the refresh', async (t) => {
  const g = onLeaveMaster(onBecomeMaster(garpSchedule(settings({ masterRefreshMs: 1000 })), 0));
  t.same(g.rounds, []);
  t.equal(nextDueAt(g), null);
  t.same(takeDue(g, 1e9).due, []);
});

t.test('garp_extra_if: one round of the extra addresses every period while master', async (t) => {
  let g = onBecomeMaster(garpSchedule(settings({ masterRepeat: 1, masterDelayMs: 0, extraIfRefreshMs: 100_000 })), 0);
  g = takeDue(g, 0).schedule;
  t.equal(nextDueAt(g), 100_000);
  const due = takeDue(g, 100_000);
  t.same(due.due.map((r) => [r.at, r.addresses]), [[100_000, 'extra']]);
  t.equal(nextDueAt(due.schedule), 200_000);
  t.equal(nextDueAt(onLeaveMaster(due.schedule)), null, 'nothing once no longer master');
  t.equal(onBecomeMaster(garpSchedule(settings({ masterRepeat: 1, masterDelayMs: 0 })), 0).extraAt, null, 'off by default');
});
