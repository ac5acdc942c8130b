// keepalived's tracking semantics: rise/fall/init_fail and how weights change the priority.
import t from 'tap';
import { effectivePriority, initialTrackerState, trackerResult, type TrackerSettings } from '../../src/vrrp/track/tracker-state.js';
import { MemoryConfigFs, parseKeepalivedConfig } from '../../src/config/index.js';
import { trackSpecs } from '../../src/daemon/config-mapping.js';
import { asTracked, upDownEffect } from '../../src/vrrp/track/effect.js';

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

// keepalived 2.2.7 measured on the wire (base priority 100, adverts captured): track_interface and
// track_script alike, `reverse` negates the weight and counts the thing as OK while down/failed.
t.test("reverse, from keepalived.conf to the advertised priority, as keepalived 2.2.7", async (t) => {
  const rows: Array<[string, boolean, number | 'fault']> = [
    ['weight 10', true, 110], ['weight 10', false, 100],
    ['weight 10 reverse', true, 90], ['weight 10 reverse', false, 100],
    ['weight -10 reverse', true, 100], ['weight -10 reverse', false, 110],
    ['weight 0 reverse', true, 'fault'], ['weight 0 reverse', false, 100],
  ];
  for (const kind of ['track_interface', 'track_script'] as const) {
    for (const [opts, up, want] of rows) {
      const text = `vrrp_script chk {\n  script "/bin/true"\n}\nvrrp_instance VI {\n  interface eth0\n  virtual_router_id 1\n  priority 100\n  ${kind} {\n    ${kind === 'track_interface' ? 'eth1' : 'chk'} ${opts}\n  }\n  virtual_ipaddress {\n    10.0.0.10/24\n  }\n}\n`;
      const cfg = parseKeepalivedConfig(text, { file: '/k.conf', fs: new MemoryConfigFs({}), configId: 'x' }).config;
      const specs = trackSpecs(cfg.vrrpInstances[0]!, cfg);
      const r = effectivePriority(100, specs.map((s) => asTracked(upDownEffect(up, s.weight, s.reverse))));
      t.same(r.fault ? 'fault' : r.priority, want, `${kind} ${opts}, ${up ? 'up' : 'down'}`);
    }
  }
});
