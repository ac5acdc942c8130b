// Event-loop health measured on the VRRP timers: lateness histogram, a (rate-limited) warning when a
// stall exceeds the shortest Master_Down_Interval, MASTER adverts sent more than an interval late.
// A ManualClock plays the stalls; the daemon test at the end runs real instances on it.
import t from 'tap';
import { LoopHealth, DELAY_BUCKETS_S, type LoopView } from '../../src/daemon/loop-health.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { renderMetrics } from '../../src/daemon/metrics.js';
import { MemoryConfigFs, parseKeepalivedConfig } from '../../src/config/index.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { captureLogger, fakeHost, settle } from '../helpers/daemon-fakes.js';

function view(over: Partial<LoopView> = {}): LoopView {
  return { shortestAdvertIntervalMs: () => 1000, shortestMasterDown: () => ({ ms: 3609, instance: 'VI' }), ...over };
}

t.test('lateness of each timer into the histogram; the wrapped clock behaves as the clock', async (t) => {
  const { log, problems } = captureLogger();
  const h = new LoopHealth(log);
  h.attach(view());
  const clock = new ManualClock();
  const c = h.instrument(clock);
  const fired: string[] = [];
  c.setTimeout(() => fired.push('a'), 100);
  const b = c.setTimeout(() => fired.push('b'), 200);
  c.setPreciseTimeout!(() => fired.push('p'), 300);
  c.clearTimeout(b);
  t.equal(c.now(), clock.now());
  clock.advance(1000);
  t.same(fired, ['a', 'p'], 'cancelled timers stay cancelled');
  t.match(h.snapshot(), { samples: 2, stalls: 0, lateMasterAdverts: {} }, 'on time: two samples, no stall');
  t.equal(h.snapshot().buckets[0], 2, 'both within the first bucket (1 ms)');

  c.setTimeout(() => undefined, 100);
  clock.advance(600, { late: true }); // the loop wakes 500 ms after the deadline
  const s = h.snapshot();
  t.equal(s.samples, 3);
  t.equal(s.maxMs, 500.223, 'HDR precision (3 significant digits, microseconds)');
  t.equal(s.buckets[DELAY_BUCKETS_S.indexOf(0.5)], 3, 'in the 0.5 s bucket');
  t.equal(s.buckets[DELAY_BUCKETS_S.indexOf(0.2)], 2, 'not in the 0.2 s one');
  t.equal(Math.round(s.sumSeconds * 1000), 500);
  t.same(problems(), [], 'shorter than the Master_Down_Interval: no warning');
});

t.test('a timer found overdue when cancelled counts: the loop did not get to it in time', async (t) => {
  const { log } = captureLogger();
  const h = new LoopHealth(log);
  h.attach(view());
  const clock = new ManualClock();
  const c = h.instrument(clock);
  const a = c.setPreciseTimeout!(() => t.fail('cancelled'), 100);
  clock.advance(50);
  c.clearTimeout(a);
  t.equal(h.snapshot().samples, 0, 'cancelled before its deadline: no sample');
  const b = c.setPreciseTimeout!(() => t.fail('cancelled'), 3609);
  (clock as unknown as { now(): number }).now = () => 10_000_000; // the loop stalled: now is far past the deadline
  c.clearTimeout(b);
  t.equal(h.snapshot().samples, 1);
  t.equal(h.snapshot().stalls, 1, 'a backup stalled beyond its Master_Down_Interval');
});

t.test('stalls beyond the shortest Master_Down_Interval: counted once per stall, warned rate-limited', async (t) => {
  const { log, problems } = captureLogger();
  const h = new LoopHealth(log);
  h.attach(view());
  const clock = new ManualClock();
  const c = h.instrument(clock);
  for (let i = 0; i < 3; i++) c.setTimeout(() => undefined, 100 + i);
  clock.advance(5000, { late: true }); // three timers late from one 4.9 s stall
  t.equal(h.snapshot().stalls, 1, 'one stall, however many timers it delayed');
  c.setTimeout(() => undefined, 100);
  clock.advance(5000, { late: true });
  t.equal(h.snapshot().stalls, 2, 'a second stall');
  const warned = problems();
  t.equal(warned.length, 1, 'the second within a minute is only counted');
  t.match(warned[0], {
    code: 'VIPD_LOOP_STALL', stallMs: 4900, masterDownIntervalMs: 3609, instance: 'VI',
    msg: 'event loop stalled 4900 ms, longer than the Master_Down_Interval of VI (3609 ms): peers may have taken over meanwhile (README: event-loop health)',
  });
});

t.test('without instances nothing is attributed or warned', async (t) => {
  const { log, problems } = captureLogger();
  const h = new LoopHealth(log);
  const clock = new ManualClock();
  const c = h.instrument(clock);
  c.setTimeout(() => undefined, 10);
  clock.advance(60_000, { late: true });
  t.equal(h.snapshot().samples, 1);
  t.equal(h.snapshot().stalls, 0);
  t.same(problems(), []);
});

const KEEPALIVED = `vrrp_instance VI {
  interface eth0
  virtual_router_id 51
  priority 150
  version 3
  advert_int 0.1
  virtual_ipaddress {
    10.1.1.10/24
  }
}
vrrp_instance SLOW {
  interface eth0
  virtual_router_id 52
  priority 150
  advert_int 5
  virtual_ipaddress {
    10.1.1.11/24
  }
}
`;

t.test('the daemon: a MASTER advert sent more than an interval late is counted per instance', async (t) => {
  const host = fakeHost();
  const { log, lines } = captureLogger();
  const d = new Daemon(log, { logDetail: false, vrrpOnly: true, checkOnly: false }, host.deps);
  await d.start(parseKeepalivedConfig(KEEPALIVED, { file: '/k/keepalived.conf', fs: new MemoryConfigFs({}) }).config);
  host.clock.advance(20_000);
  await settle();
  t.equal(host.router().instance('VI')?.state, 'master');
  t.equal(host.router().instance('SLOW')?.state, 'master');
  const sent = host.router().sent.get('VI') ?? 0;
  t.match(d.status(), { eventLoop: { lateMasterAdverts: {}, stallsOverMasterDown: 0 } }, 'on time: nothing late');

  host.clock.advance(450, { late: true }); // VI's advert (every 100 ms) goes out ~350 ms late
  await settle();
  t.equal((host.router().sent.get('VI') ?? 0) - sent, 1, 'one advert after the stall, not a burst');
  const st = d.status() as { eventLoop: { lateMasterAdverts: Record<string, number>; stallsOverMasterDown: number; delayMaxMs: number } };
  t.same(st.eventLoop.lateMasterAdverts, { VI: 1 }, 'VI: one late advert; SLOW (5 s interval) was not due');
  t.equal(st.eventLoop.stallsOverMasterDown, 1, '450 ms > VI\'s Master_Down_Interval (~0.3 s)');
  t.ok(st.eventLoop.delayMaxMs > 300);
  t.match(lines.find((l) => l.code === 'VIPD_LATE_ADVERT'), { instance: 'VI', intervalMs: 100, msg: /^VI: MASTER advert sent \d+ ms late \(interval 100 ms\)$/ });
  const text = renderMetrics(d.metrics());
  t.match(text, /^vipd_vrrp_adverts_late_total\{instance="VI"\} 1$/m);
  t.match(text, /^vipd_vrrp_adverts_late_total\{instance="SLOW"\} 0$/m);
  t.match(text, /^# TYPE vipd_event_loop_delay_seconds histogram$/m);
  t.match(text, /^vipd_event_loop_delay_seconds_bucket\{le="0\.5"\} \d+$/m);
  t.match(text, /^vipd_event_loop_delay_seconds_bucket\{le="\+Inf"\} \d+$/m);
  t.match(text, /^vipd_event_loop_delay_seconds_count \d+$/m);
  t.match(text, /^vipd_event_loop_stalls_total 1$/m);
  await d.stop();
});
