// keepalived checker semantics, pure: retry counting, alpha, warmup, quorum with hysteresis,
// inhibit_on_failure and sorry_server; then VirtualServerManager with a scripted probe, fake
// timers and the in-memory IPVS table.
import t from 'tap';
import { defaultCheckerSettings, onProbeResult, startChecker, type CheckerState } from '../../src/ipvs/checks/checker.js';
import { nextQuorumUp, programmedDestinations } from '../../src/ipvs/checks/quorum.js';
import { IpvsClient } from '../../src/ipvs/client.js';
import { makeDestination } from '../../src/ipvs/destination.js';
import { VirtualServerManager, type Timers } from '../../src/ipvs/manager.js';
import { makeService } from '../../src/ipvs/service.js';
import { FakeIpvsKernel } from '../helpers/ipvs-fake-kernel.js';

const s = { ...defaultCheckerSettings, retry: 2, delayBeforeRetryMs: 500, delayLoopMs: 3000 };

t.test('checker: retries before failing, success resets, alpha, warmup', async (t) => {
  let st: CheckerState = startChecker(s, () => 0.5).state;
  t.equal(st.up, true, 'starts up');
  let step = onProbeResult(s, st, false);
  t.same([step.transition, step.nextDelayMs, step.state.retries], [undefined, 500, 1], 'first failure: retry');
  step = onProbeResult(s, step.state, false);
  t.same([step.transition, step.nextDelayMs], [undefined, 500], 'second failure: retry');
  step = onProbeResult(s, step.state, false);
  t.same([step.transition, step.nextDelayMs, step.state.up], ['down', 3000, false], 'third failure: down');
  step = onProbeResult(s, step.state, false);
  t.same([step.transition, step.nextDelayMs], [undefined, 3000], 'already down: no retries');
  step = onProbeResult(s, step.state, true);
  t.same([step.transition, step.state.up], ['up', true]);
  st = onProbeResult(s, onProbeResult(s, step.state, false).state, true).state;
  t.equal(st.retries, 0, 'success resets the retry count');
  const a = startChecker({ ...s, alpha: true, warmupMs: 2000 }, () => 0.25);
  t.same([a.state.up, a.firstDelayMs], [false, 500], 'alpha starts down; warmup delays the first probe');
  t.equal(onProbeResult(s, a.state, true).transition, 'up');
});

t.test('quorum with hysteresis; inhibit and sorry server', async (t) => {
  t.equal(nextQuorumUp(true, 2, 3, 1), true, 'tolerates quorum - hysteresis');
  t.equal(nextQuorumUp(true, 1, 3, 1), false);
  t.equal(nextQuorumUp(false, 3, 3, 1), false, 'needs quorum + hysteresis to come back');
  t.equal(nextQuorumUp(false, 4, 3, 1), true);
  const d1 = makeDestination({ family: 4, address: '10.0.0.11', port: 80, weight: 2 });
  const d2 = makeDestination({ family: 4, address: '10.0.0.12', port: 80, weight: 3 });
  const sorry = makeDestination({ family: 4, address: '10.0.0.99', port: 80 });
  t.same(programmedDestinations([{ destination: d1, up: true, inhibitOnFailure: false }, { destination: d2, up: false, inhibitOnFailure: false }], true), [d1], 'down: removed');
  t.same(programmedDestinations([{ destination: d1, up: true, inhibitOnFailure: true }, { destination: d2, up: false, inhibitOnFailure: true }], true), [d1, { ...d2, weight: 0 }], 'down + inhibit: weight 0');
  t.same(programmedDestinations([{ destination: d1, up: false, inhibitOnFailure: false }], false, sorry), [sorry], 'quorum lost: sorry server');
});

/** Timers and their clock run by hand: advance(ms) fires what is due, in order, each at its time. */
class FakeTimers implements Timers {
  #now = 0;
  #q: Array<{ at: number; fn: () => void; id: number }> = [];
  #id = 0;
  now(): number { return this.#now; }
  setTimeout(fn: () => void, ms: number): unknown { const id = ++this.#id; this.#q.push({ at: this.#now + ms, fn, id }); return id; }
  clearTimeout(h: unknown): void { this.#q = this.#q.filter((x) => x.id !== h); }
  get pending(): number { return this.#q.length; }
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      this.#q.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.#q[0];
      if (!next || next.at > end) break;
      this.#q.shift();
      this.#now = next.at;
      next.fn();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
    this.#now = end;
  }
}

t.test('manager: a failed check removes or inhibits, recovery restores, runtime changes, setActive', async (t) => {
  const k = new FakeIpvsKernel();
  const client = await IpvsClient.open({ genl: k });
  const timers = new FakeTimers();
  const healthy = new Map<string, boolean>([['10.0.0.11', true], ['10.0.0.12', true], ['10.0.0.13', true]]);
  const probe = async (_c: unknown, target: { address: string }) => ({ ok: healthy.get(target.address) ?? false, reason: 'refused' });
  const m = new VirtualServerManager({ client, probe, timers, programOnlyWhileMaster: true, random: () => 0 });
  const events: string[] = [];
  m.on('realServerDown', (e) => events.push(`down ${e.destination}`));
  m.on('realServerUp', (e) => events.push(`up ${e.destination}`));
  const service = makeService({ family: 4, protocol: 'tcp', address: '10.0.0.100', port: 80, scheduler: 'rr' });
  const check = { type: 'TCP_CHECK' as const, retry: 1, delayBeforeRetryMs: 100 };
  const rs = (a: string, inhibit = false) => ({ destination: makeDestination({ family: 4, address: a, port: 80, forward: 'masq' }), checks: [check], inhibitOnFailure: inhibit });
  await m.setVirtualServers([{ service, delayLoopMs: 1000, realServers: [rs('10.0.0.11'), rs('10.0.0.12', true)] }]);
  t.equal(k.table.size, 0, 'not programmed while not master');
  await m.setActive(true);
  const dests = () => [...(k.table.get('tcp:10.0.0.100:80')?.dests.values() ?? [])].map((d) => `${d.address}:${d.weight}`).sort();
  t.same(dests(), ['10.0.0.11:1', '10.0.0.12:1']);
  await timers.advance(0);
  healthy.set('10.0.0.11', false);
  healthy.set('10.0.0.12', false);
  await timers.advance(1000); // first failure: retry
  t.same(dests(), ['10.0.0.11:1', '10.0.0.12:1'], 'one failure is retried first');
  await timers.advance(100);
  await m.settled();
  t.same(dests(), ['10.0.0.12:0'], 'removed; inhibited one kept at weight 0');
  healthy.set('10.0.0.11', true);
  await timers.advance(1000);
  await m.settled();
  t.same(dests(), ['10.0.0.11:1', '10.0.0.12:0'], 'recovery restores');
  await m.addRealServer('tcp:10.0.0.100:80', rs('10.0.0.13'));
  t.same(dests(), ['10.0.0.11:1', '10.0.0.12:0', '10.0.0.13:1'], 'added at run time');
  await m.removeRealServer('tcp:10.0.0.100:80', '10.0.0.11:80');
  t.same(dests(), ['10.0.0.12:0', '10.0.0.13:1'], 'removed at run time');
  await m.setActive(false);
  t.equal(k.table.size, 0, 'BACKUP: owned services removed');
  await m.setActive(true);
  t.equal(k.table.size, 1, 'MASTER again: programmed');
  await m.stop();
  t.equal(k.table.size, 0, 'stop releases');
  t.same(events, ['down 10.0.0.11:80', 'down 10.0.0.12:80', 'up 10.0.0.11:80']);
});

t.test('manager at scale: checks start once the table has their server, a cap on probes at once, one apply per round of results', async (t) => {
  const k = new FakeIpvsKernel();
  const client = await IpvsClient.open({ genl: k });
  const timers = new FakeTimers();
  let running = 0, most = 0;
  const seenProgrammed: boolean[] = [];
  const finish: Array<() => void> = [];
  const addresses = Array.from({ length: 8 }, (_, i) => `10.0.1.${i + 1}`);
  const healthy = new Set<string>(addresses);
  const probe = (_c: unknown, target: { address: string }) => new Promise<{ ok: boolean }>((resolve) => {
    seenProgrammed.push(k.table.get('tcp:10.0.1.100:80')?.dests.has(`${target.address}:80`) ?? false);
    running++;
    most = Math.max(most, running);
    finish.push(() => {
      running--;
      resolve({ ok: healthy.has(target.address) });
    });
  });
  const m = new VirtualServerManager({ client, probe, timers, random: () => 0, maxProbesInFlight: 3 });
  const service = makeService({ family: 4, protocol: 'tcp', address: '10.0.1.100', port: 80, scheduler: 'rr' });
  const check = { type: 'TCP_CHECK' as const, retry: 0 };
  const applied: number[] = [];
  m.on('applied', (r) => applied.push(r.sent));
  const started = m.setVirtualServers([{ service, delayLoopMs: 1000, realServers: addresses.map((a) => ({ destination: makeDestination({ family: 4, address: a, port: 80, forward: 'masq' }), checks: [check] })) }]);
  await timers.advance(0);
  t.equal(running, 0, 'no check before the table is programmed');
  await started;
  await timers.advance(0);
  t.equal(running, 3, 'three probes at once, the others wait');
  while (finish.length) {
    finish.splice(0).forEach((f) => f());
    for (let i = 0; i < 10; i++) await Promise.resolve();
  }
  t.equal(most, 3, 'never more than the cap');
  t.equal(seenProgrammed.length, 8, 'every checker ran');
  t.ok(seenProgrammed.every(Boolean), 'each with its server in the table');
  await m.settled();
  t.same(applied, [9], 'start: the service and its eight servers; the passing checks change nothing');
  // All eight fail in the same round: the removals go to the kernel together.
  applied.length = 0;
  healthy.clear();
  await timers.advance(1000);
  finish.splice(0).forEach((f) => f());
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await timers.advance(0);
  finish.splice(0).forEach((f) => f());
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await timers.advance(0);
  finish.splice(0).forEach((f) => f());
  await m.settled();
  t.equal(k.table.get('tcp:10.0.1.100:80')?.dests.size, 0, 'all eight removed');
  t.ok(applied.length <= 3, `results of one round coalesce into few applies (${applied.join(', ')})`);
  await m.stop();
});

t.test('manager: one timer for every checker; first checks spread over warmup, then one per delay_loop each', async (t) => {
  const k = new FakeIpvsKernel();
  const client = await IpvsClient.open({ genl: k });
  const timers = new FakeTimers();
  const n = 1000;
  const checked: Array<{ at: number; address: string }> = [];
  const probe = async (_c: unknown, target: { address: string }) => {
    checked.push({ at: timers.now(), address: target.address });
    return { ok: true };
  };
  let r = 0;
  const m = new VirtualServerManager({ client, probe, timers, random: () => (r++ % n) / n });
  const service = makeService({ family: 4, protocol: 'tcp', address: '10.0.2.100', port: 80, scheduler: 'rr' });
  const check = { type: 'TCP_CHECK' as const, retry: 0, warmupMs: 1000 };
  const addresses = Array.from({ length: n }, (_, i) => `10.0.${2 + (i >> 8)}.${i & 255}`);
  await m.setVirtualServers([{ service, delayLoopMs: 1000, realServers: addresses.map((a) => ({ destination: makeDestination({ family: 4, address: a, port: 80, forward: 'masq' }), checks: [check] })) }]);
  t.ok(timers.pending <= 1, `one timer for ${n} armed checkers (${timers.pending})`);
  await timers.advance(999);
  t.equal(checked.length, n, 'every checker ran once within the warm-up');
  const perTenth = Array.from({ length: 10 }, (_, i) => checked.filter((c) => c.at >= i * 100 && c.at < (i + 1) * 100).length);
  t.same(perTenth, Array(10).fill(100), 'spread evenly, as their random delays');
  t.ok(timers.pending <= 1, 'still one timer while checks run');
  checked.length = 0;
  await timers.advance(1000);
  t.equal(checked.length, n, 'the next round: each once more, a delay_loop later');
  t.equal(new Set(checked.map((c) => c.address)).size, n);
  await m.stop();
  t.equal(timers.pending, 0, 'stop leaves no timer');
});
