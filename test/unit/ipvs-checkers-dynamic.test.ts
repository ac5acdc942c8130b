// The checker side of keepalived's LVS semantics, pure and then through VirtualServerManager
// with a scripted probe, a manual clock and the in-memory IPVS kernel: dynamic weights
// (misc_dynamic sets, FILE_CHECK adds; several checkers add up), quorum on the effective weight,
// per-checker alpha, and HTTP_GET recovering one URL per delay_loop (fast_recovery: all at once).
import t from 'tap';
import { onProbeResult, startChecker, defaultCheckerSettings } from '../../src/ipvs/checks/checker.js';
import { effectiveWeight } from '../../src/ipvs/checks/weight.js';
import { IpvsClient } from '../../src/ipvs/client.js';
import { makeDestination } from '../../src/ipvs/destination.js';
import { VirtualServerManager } from '../../src/ipvs/manager.js';
import { makeService } from '../../src/ipvs/service.js';
import type { CheckConfig, ProbeContext, ProbeResult, ProbeTarget } from '../../src/ipvs/checks/types.js';
import { FakeIpvsKernel } from '../helpers/ipvs-fake-kernel.js';
import { ManualClock } from '../helpers/manual-clock.js';

t.test('effective weight: keepalived 2.2.7\'s sums', async (t) => {
  t.equal(effectiveWeight(3, [{ set: 7 }]), 7, 'misc_dynamic exit 9');
  t.equal(effectiveWeight(10, [{ set: 10 }, { set: 5 }]), 5, 'exits 12 and 7 on weight 10: 10 + 0 - 5');
  t.equal(effectiveWeight(10, [{ add: 70000 }, { set: 5 }]), 70005, 'a file value and a misc exit');
  t.equal(effectiveWeight(10, [{ add: -15 }]), 0, 'never below 0 (keepalived programs weight 0)');
  t.equal(effectiveWeight(10, [undefined, { add: 8 }]), 18);
  t.equal(effectiveWeight(1, [{ add: 2 ** 31 }]), 0x7fffffff, 'the kernel\'s limit');
});

t.test('checker steps: a pending success while down moves on without coming up', async (t) => {
  const s = { ...defaultCheckerSettings, alpha: true, delayLoopMs: 3000, retry: 0 };
  let st = startChecker(s, () => 0).state;
  t.same(st, { up: false, retries: 0, hasRun: false, step: 0 });
  let step = onProbeResult(s, st, true, true);
  t.same([step.transition, step.state.step, step.nextDelayMs], [undefined, 1, 3000], 'URL 1 of 3 passed');
  step = onProbeResult(s, step.state, false);
  t.same([step.transition, step.state.step], [undefined, 0], 'a failure starts again from the first URL');
  step = onProbeResult(s, onProbeResult(s, onProbeResult(s, step.state, true, true).state, true, true).state, true);
  t.same([step.transition, step.state.up, step.state.step], ['up', true, 0], 'the last URL: up');
  st = onProbeResult(s, step.state, true, true).state;
  t.equal(st.up, true, 'pending while up means nothing');
});

async function run(clock: ManualClock, ms: number): Promise<void> {
  for (let i = 0; i < ms; i += 50) {
    clock.advance(50);
    for (let j = 0; j < 5; j++) await new Promise((r) => setImmediate(r));
  }
}

t.test('manager: dynamic weights, quorum on them, per-checker alpha, URL steps', async (t) => {
  const k = new FakeIpvsKernel();
  const client = await IpvsClient.open({ genl: k });
  const clock = new ManualClock(0);
  const answers = new Map<string, ProbeResult>();
  const calls: Array<{ target: string; context?: ProbeContext }> = [];
  const probe = async (c: CheckConfig, target: ProbeTarget, context?: ProbeContext): Promise<ProbeResult> => {
    const key = `${target.address}/${c.type === 'MISC_CHECK' ? c.argv[0] : c.type}`;
    calls.push({ target: key, ...(context ? { context } : {}) });
    return answers.get(key) ?? { ok: true };
  };
  const m = new VirtualServerManager({ client, probe, timers: clock, random: () => 0 });
  const events: string[] = [];
  m.on('realServerUp', (e) => events.push(`up ${e.destination}`));
  m.on('realServerDown', (e) => events.push(`down ${e.destination}`));
  m.on('quorumDown', () => events.push('quorum down'));
  m.on('quorumUp', () => events.push('quorum up'));
  const service = makeService({ family: 4, protocol: 'tcp', address: '10.0.0.100', port: 80, scheduler: 'rr' });
  const misc = (argv0: string): CheckConfig => ({ type: 'MISC_CHECK', argv: [argv0], dynamic: true, retry: 0, delayLoopMs: 1000 });
  const dest = (a: string, weight: number) => makeDestination({ family: 4, address: a, port: 80, forward: 'masq', weight });
  answers.set('10.0.0.11/m1', { ok: true, weight: { set: 7 } });
  answers.set('10.0.0.12/m1', { ok: true, weight: { set: 10 } });
  answers.set('10.0.0.12/m2', { ok: true, weight: { set: 5 } });
  answers.set('10.0.0.13/FILE_CHECK', { ok: true, weight: { add: 8 } });
  await m.setVirtualServers([{
    service, delayLoopMs: 1000, quorum: 20,
    realServers: [
      { destination: dest('10.0.0.11', 3), checks: [misc('m1')] },
      { destination: dest('10.0.0.12', 10), checks: [misc('m1'), misc('m2')] },
      { destination: dest('10.0.0.13', 10), checks: [{ type: 'FILE_CHECK', path: '/f', weight: 2, retry: 0, delayLoopMs: 1000 }] },
      { destination: dest('10.0.0.14', 1), checks: [{ type: 'HTTP_GET', alpha: true, urls: [{ path: '/1' }, { path: '/2' }], retry: 0, delayLoopMs: 1000 }] },
    ],
  }]);
  const table = () => [...(k.table.get('tcp:10.0.0.100:80')?.dests.values() ?? [])].map((d) => `${d.address}:${d.weight}`).sort();
  t.same(table(), ['10.0.0.11:3', '10.0.0.12:10', '10.0.0.13:10'], 'alpha on the HTTP checker: that server starts out; the others start in at their weight');
  // A virtual server starts without quorum and gains it from its initial real servers (keepalived runs quorum_up then).
  t.same(events, ['quorum up'], 'quorum 20 of 23 configured: gained at start');
  events.length = 0;
  answers.set('10.0.0.14/HTTP_GET', { ok: true, pending: true });
  await run(clock, 10);
  await m.settled();
  t.same(table(), ['10.0.0.11:7', '10.0.0.12:5', '10.0.0.13:18'], 'the weights the checkers give');
  t.same(events, [], 'URL 1 passed: still out');
  t.match(calls.find((c) => c.target === '10.0.0.14/HTTP_GET')?.context, { up: false, step: 0 });
  answers.set('10.0.0.14/HTTP_GET', { ok: true });
  await run(clock, 1000);
  await m.settled();
  t.match(calls.filter((c) => c.target === '10.0.0.14/HTTP_GET').at(-1)?.context, { up: false, step: 1 }, 'the next URL a delay_loop later');
  t.same(events, ['up 10.0.0.14:80'], 'the last URL passed: in');
  t.same(table(), ['10.0.0.11:7', '10.0.0.12:5', '10.0.0.13:18', '10.0.0.14:1']);
  answers.set('10.0.0.13/FILE_CHECK', { ok: true, weight: { add: -15 } });
  await run(clock, 1000);
  await m.settled();
  t.same(table(), ['10.0.0.11:7', '10.0.0.12:5', '10.0.0.13:0', '10.0.0.14:1'], 'a new value: a new weight, no transition');
  t.same(events, ['up 10.0.0.14:80', 'quorum down'], 'alive weight 13 < quorum 20: lost, counted on the effective weights');
  answers.set('10.0.0.11/m1', { ok: true });
  answers.set('10.0.0.13/FILE_CHECK', { ok: true, weight: { add: 8 } });
  await run(clock, 1000);
  await m.settled();
  t.same(table(), ['10.0.0.11:3', '10.0.0.12:5', '10.0.0.13:18', '10.0.0.14:1'], 'misc_dynamic exit 0: the configured weight again');
  t.same(events.at(-1), 'quorum up', '27 >= 20');
  answers.set('10.0.0.12/m2', { ok: false, reason: 'exit 1' });
  await run(clock, 1000);
  await m.settled();
  t.same(table(), ['10.0.0.11:3', '10.0.0.13:18', '10.0.0.14:1'], 'one dynamic checker fails: the server is out');
  answers.set('10.0.0.12/m2', { ok: true, weight: { set: 10 } });
  await run(clock, 1000);
  await m.settled();
  t.same(table(), ['10.0.0.11:3', '10.0.0.12:10', '10.0.0.13:18', '10.0.0.14:1'], 'and back with the weights of now');
  await m.stop();
});

t.test('manager: log_all_failures reports every failed attempt that changes nothing', async (t) => {
  const k = new FakeIpvsKernel();
  const client = await IpvsClient.open({ genl: k });
  const clock = new ManualClock(0);
  let ok = true;
  const probe = async (): Promise<ProbeResult> => (ok ? { ok: true } : { ok: false, reason: 'connect ECONNREFUSED' });
  const m = new VirtualServerManager({ client, probe, timers: clock, random: () => 0 });
  const events: string[] = [];
  m.on('realServerDown', (e) => events.push(`down ${e.destination}`));
  m.on('checkFailed', (e) => events.push(`${e.check} ${e.destination} ${e.reason} ${e.up ? `retry ${e.retry!.n}/${e.retry!.of}` : 'still down'}`));
  const service = makeService({ family: 4, protocol: 'tcp', address: '10.0.0.100', port: 80, scheduler: 'rr' });
  const dest = (a: string) => makeDestination({ family: 4, address: a, port: 80, forward: 'masq', weight: 1 });
  await m.setVirtualServers([{
    service, delayLoopMs: 1000,
    realServers: [
      { destination: dest('10.0.0.11'), checks: [{ type: 'TCP_CHECK', retry: 2, delayBeforeRetryMs: 500, delayLoopMs: 1000, logAllFailures: true }] },
      { destination: dest('10.0.0.12'), checks: [{ type: 'TCP_CHECK', retry: 2, delayBeforeRetryMs: 500, delayLoopMs: 1000 }] },
    ],
  }]);
  await run(clock, 10);
  ok = false;
  await run(clock, 3100);
  await m.settled();
  t.same(events, [
    'TCP_CHECK 10.0.0.11:80 connect ECONNREFUSED retry 1/2',
    'TCP_CHECK 10.0.0.11:80 connect ECONNREFUSED retry 2/2',
    'down 10.0.0.11:80',
    'down 10.0.0.12:80',
    'TCP_CHECK 10.0.0.11:80 connect ECONNREFUSED still down',
  ], 'each retry and each failure while down, for the checker that asks; the transition once');
  await m.stop();
});

t.test('manager: initial states reported as keepalived 2.2.7 runs notify_up/notify_down', async (t) => {
  // Observed with keepalived 2.2.7 in UML (six real servers, each with notify_up/notify_down):
  // without rs_init_notifies: down 82 (fails), up 83 (alpha, passes), down 84 (alpha, fails: its
  // first failure is reported although it started down); with it, also up 80 81 82 85 at start
  // (every server that starts up, with or without checkers) and nothing more for 80 81 85.
  for (const initial of [false, true]) {
    const k = new FakeIpvsKernel();
    const client = await IpvsClient.open({ genl: k });
    const clock = new ManualClock(0);
    const probe = async (c: CheckConfig): Promise<ProbeResult> => (c.type === 'TCP_CHECK' && c.connectPort === 99 ? { ok: false, reason: 'connect ECONNREFUSED' } : { ok: true });
    const m = new VirtualServerManager({ client, probe, timers: clock, random: () => 0, initialNotifies: initial });
    const events: string[] = [];
    m.on('realServerUp', (e) => events.push(`up ${e.destination.split(':')[1]}${e.initial ? ' (initial)' : ''}`));
    m.on('realServerDown', (e) => events.push(`down ${e.destination.split(':')[1]}${e.initial ? ' (initial)' : ''}`));
    const service = makeService({ family: 4, protocol: 'tcp', address: '10.0.0.100', port: 80, scheduler: 'rr' });
    const rs = (port: number, connectPort?: number, alpha = false) => ({
      destination: makeDestination({ family: 4, address: '10.0.0.10', port, forward: 'masq', weight: 1 }),
      checks: connectPort === undefined ? [] : [{ type: 'TCP_CHECK' as const, connectPort, alpha, retry: 0, delayLoopMs: 1000 }],
    });
    const config = { service, delayLoopMs: 1000, realServers: [rs(80), rs(81, 80), rs(82, 99), rs(83, 80, true), rs(84, 99, true), rs(85, 80)] };
    await m.setVirtualServers([config]);
    await run(clock, 3000);
    await m.settled();
    const expected = ['down 82', 'up 83', 'down 84 (initial)'];
    t.same(events, initial ? ['up 80 (initial)', 'up 81 (initial)', 'up 82 (initial)', 'up 85 (initial)', ...expected] : expected, initial ? 'rs_init_notifies' : 'without rs_init_notifies');
    events.length = 0;
    await m.setVirtualServers([config]);
    await run(clock, 2000);
    t.same(events, [], 'a reload of the same servers reports nothing');
    await m.stop({ release: false });
  }
});
