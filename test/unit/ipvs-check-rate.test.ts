// The cap on checks started per second: the delay_loops' need with headroom, a burst at once,
// then spread evenly; pure, then through VirtualServerManager with fake timers.
import t from 'tap';
import { CheckRate } from '../../src/ipvs/checks/check-rate.js';
import { IpvsClient } from '../../src/ipvs/client.js';
import { makeDestination } from '../../src/ipvs/destination.js';
import { VirtualServerManager, type Timers } from '../../src/ipvs/manager.js';
import { makeService } from '../../src/ipvs/service.js';
import { FakeIpvsKernel } from '../helpers/ipvs-fake-kernel.js';
import { ManualClock } from '../helpers/manual-clock.js';

t.test('the need of the delay_loops, a burst, then evenly', async (t) => {
  const r = new CheckRate({ headroom: 1.5, minBurst: 3, burstMs: 0 });
  for (let i = 0; i < 30; i++) r.add(6000); // 30 checkers at delay_loop 6: 5 checks/s, 7.5 with headroom
  t.equal(Math.round(r.perSecond * 1e6) / 1e6, 7.5);
  t.same([r.take(0), r.take(0), r.take(0), r.take(0)], [true, true, true, false], 'a burst of three, then none');
  t.equal(Math.round(r.nextAt(0)), 133, 'the next one a 7.5th of a second later');
  t.equal(r.take(133), false);
  t.equal(r.take(134), true);
  for (let i = 0; i < 30; i++) r.remove(6000);
  t.equal(r.perSecond, 0, 'every checker gone');
  t.equal(r.nextAt(10_000), Infinity, 'no need, no token to come');
});

t.test('manager: checkers due together start at the rate, spread evenly, none beyond', async (t) => {
  const k = new FakeIpvsKernel();
  const client = await IpvsClient.open({ genl: k });
  const clock = new ManualClock(0);
  const started: number[] = [];
  const probe = async () => {
    started.push(clock.now());
    return { ok: true };
  };
  const timers: Timers = clock;
  // 1,000 checkers at delay_loop 1 s: 1 check/ms allowed (no headroom), 100 at once.
  const m = new VirtualServerManager({ client, probe, timers, random: () => 0, checkRate: { headroom: 1, minBurst: 100, burstMs: 0 } });
  const service = makeService({ family: 4, protocol: 'tcp', address: '10.0.3.100', port: 80, scheduler: 'rr' });
  const check = { type: 'TCP_CHECK' as const, retry: 0, warmupMs: 0 };
  const realServers = Array.from({ length: 1000 }, (_, i) => ({ destination: makeDestination({ family: 4, address: `10.0.${4 + (i >> 8)}.${i & 255}`, port: 80, forward: 'masq' as const }), checks: [check] }));
  await m.setVirtualServers([{ service, delayLoopMs: 1000, realServers }]);
  for (let ms = 0; ms < 1000; ms++) {
    clock.advance(1);
    for (let i = 0; i < 3; i++) await Promise.resolve();
  }
  t.equal(started.length, 1000, 'every checker checked within its delay_loop');
  t.equal(started.filter((at) => at === 0).length, 100, 'the burst at once');
  const perMs = new Map<number, number>();
  for (const at of started.filter((x) => x > 0)) perMs.set(at, (perMs.get(at) ?? 0) + 1);
  t.ok([...perMs.values()].every((n) => n <= 1), 'then one per ms, no more');
  t.ok(started.at(-1)! <= 901, `the last at ${started.at(-1)} ms`);
  await m.stop();
});
