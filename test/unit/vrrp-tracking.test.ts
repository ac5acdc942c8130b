// keepalived's tracking semantics: rise/fall/init_fail and how weights change the priority.
import t from 'tap';
import { effectivePriority, initialTrackerState, trackerResult, type TrackerSettings } from '../../src/vrrp/track/tracker-state.js';

t.test('rise and fall count consecutive results', async (t) => {
  const s: TrackerSettings = { rise: 2, fall: 3, initFail: false };
  let st = initialTrackerState(s);
  t.equal(st.ok, true, 'starts OK without init_fail');
  for (const [result, ok] of [[false, true], [false, true], [false, false], [true, false], [false, false], [true, false], [true, true]] as const) {
    st = trackerResult(s, st, result);
    t.equal(st.ok, ok, `after ${result ? 'success' : 'failure'}: ${ok ? 'OK' : 'FAILED'}`);
  }
});

t.test('init_fail starts FAILED; rise 1 recovers at once', async (t) => {
  const s: TrackerSettings = { rise: 1, fall: 1, initFail: true };
  const st = initialTrackerState(s);
  t.equal(st.ok, false);
  t.equal(trackerResult(s, st, true).ok, true);
});

t.test('a result that agrees with the state resets the streak', async (t) => {
  const s: TrackerSettings = { rise: 1, fall: 2, initFail: false };
  let st = trackerResult(s, initialTrackerState(s), false);
  st = trackerResult(s, st, true);
  st = trackerResult(s, st, false);
  t.equal(st.ok, true, 'two failures, but not consecutive');
});

t.test('effective priority', async (t) => {
  const rows: Array<[string, number, Array<{ ok: boolean; weight: number }>, { priority: number; fault: boolean }]> = [
    ['no trackers', 100, [], { priority: 100, fault: false }],
    ['positive weight while OK adds', 100, [{ ok: true, weight: 20 }], { priority: 120, fault: false }],
    ['positive weight while FAILED adds nothing', 100, [{ ok: false, weight: 20 }], { priority: 100, fault: false }],
    ['negative weight while FAILED subtracts', 100, [{ ok: false, weight: -30 }], { priority: 70, fault: false }],
    ['negative weight while OK changes nothing', 100, [{ ok: true, weight: -30 }], { priority: 100, fault: false }],
    ['weight 0 failing means FAULT', 100, [{ ok: false, weight: 0 }], { priority: 100, fault: true }],
    ['capped at 254', 250, [{ ok: true, weight: 50 }], { priority: 254, fault: false }],
    ['floored at 1', 10, [{ ok: false, weight: -50 }], { priority: 1, fault: false }],
    ['the address owner never changes', 255, [{ ok: false, weight: -50 }], { priority: 255, fault: false }],
  ];
  for (const [name, base, tracked, want] of rows) t.same(effectivePriority(base, tracked), want, name);
});
