// A master's periodic adverts handed to the advert thread (a fake scheduler here): what the instance
// hands over and when, that leaving master takes them back before any priority-0 advert, that a
// change of priority or addresses replaces them, that signed adverts stay on the event loop, and
// that the thread's counters reach the status. Virtual clock: v3, priority 100, 1 s adverts.
import t from 'tap';
import { VrrpInstance, type InstanceConfig, type LateAdvertEvent } from '../../src/vrrp/instance.js';
import type { AdvertSchedule, AdvertScheduler, OffloadTarget, ScheduleOwner } from '../../src/vrrp/advert-sender.js';
import type { OffloadPlan } from '../../src/vrrp/advert-offload.js';
import { HmacKey } from '../../src/vrrp/auth-hmac/index.js';
import { parseVrrpMessage } from '../../src/vrrp/packet.js';
import { advertDatagram, fakeEnv, settle, FakeChannel, type FakeEnv } from '../helpers/vrrp-fakes.js';

const MDI = 3609;
const VIP = '10.0.0.100';

type Logged = { op: 'set'; plan: OffloadPlan; firstInMs: number | undefined; at: number } | { op: 'stop'; at: number } | { op: 'js-send'; priority: number; at: number };

class FakeScheduler implements AdvertScheduler {
  log: Logged[] = [];
  owner: ScheduleOwner | undefined;
  fail = false;
  constructor(readonly env: FakeEnv) {}
  open(owner: ScheduleOwner): AdvertSchedule {
    this.owner = owner;
    let active = false;
    const self = this;
    return {
      get active() { return active; },
      set(plan, _target, firstInMs) {
        if (self.fail) throw new Error('no addon here');
        active = true;
        self.log.push({ op: 'set', plan, firstInMs, at: self.env.clock.now() });
      },
      stop() {
        if (!active) return;
        active = false;
        self.log.push({ op: 'stop', at: self.env.clock.now() });
      },
    };
  }
}

class OffloadChannel extends FakeChannel {
  constructor(readonly scheduler: () => FakeScheduler, env: FakeEnv) { super(env.clock); }
  offloadTarget(_source: string, destinations: readonly string[]): OffloadTarget {
    return { fd: 3, routes: destinations.map(() => ({ dest: Buffer.alloc(16), control: Buffer.alloc(0) })) };
  }
  override send(message: Buffer, source: string, to?: string, ttl?: number): boolean {
    const ok = super.send(message, source, to, ttl);
    this.scheduler().log.push({ op: 'js-send', priority: this.sent.at(-1)!.advert.priority, at: this.sent.at(-1)!.at });
    return ok;
  }
}

async function master(over: Partial<InstanceConfig> = {}) {
  const env = fakeEnv();
  const sched = new FakeScheduler(env);
  env.channel = new OffloadChannel(() => sched, env);
  env.advertSender = sched;
  const inst = new VrrpInstance({ name: 'vi', vrid: 51, interface: 'eth0', version: 3, virtualAddresses: [`${VIP}/24`], ...over }, env);
  env.channel.deliver = (d) => inst.receive(d);
  const errors: string[] = [];
  inst.on('send-error', (e) => errors.push(e.error.message));
  await inst.start();
  env.clock.advance(MDI);
  await settle();
  return { env, inst, sched, errors };
}

const planPriority = (p: OffloadPlan) => parseVrrpMessage(p.adverts[0]!.message, { family: 4, source: '10.0.0.2', destination: '224.0.0.18', ttl: 255 }, {});

t.test('becoming master: the takeover advert from the loop, the periodic ones handed over', async (t) => {
  const { env, inst, sched } = await master();
  t.equal(inst.state, 'master');
  t.same(sched.log.map((l) => l.op), ['js-send', 'set'], 'the first advert at once, then the schedule');
  const set = sched.log[1] as Extract<Logged, { op: 'set' }>;
  t.equal(set.firstInMs, 1000, 'the next one an interval later');
  t.match(set.plan, { priority: 100, intervalMs: 1000, leaseMs: 4000, ttl: 255 });
  t.same(set.plan.adverts.map((a) => a.to), ['224.0.0.18']);
  const parsed = planPriority(set.plan);
  t.ok(parsed.ok && parsed.advert.priority === 100 && parsed.advert.addresses.join() === VIP, 'the codec\'s bytes, checksum included');
  env.clock.advance(5000);
  t.equal(env.channel.sent.length, 1, 'no advert timer on the loop meanwhile');
  t.equal(inst.status().timers.adverAt, MDI + 1000, 'status: the thread\'s deadline');

  const late: LateAdvertEvent[] = [];
  inst.on('late-advert', (l) => late.push(l));
  const before = inst.status().stats.sentAdvertisements;
  sched.owner!.counted({ sent: 5, late: 2, worstLateMs: 2300, nextInMs: 400 });
  const s = inst.status();
  t.equal(s.stats.sentAdvertisements, before + 5, 'the thread\'s adverts are counted');
  t.equal(s.lateAdverts, 2, 'and its late ones');
  t.same(late, [{ instance: 'vi', lateMs: 2300, intervalMs: 1000, count: 2 }]);
  t.equal(s.timers.adverAt, env.clock.now() + 400);
});

t.test('leaving master: the schedule stops before the priority-0 advert', async (t) => {
  const { inst, sched } = await master();
  sched.log = [];
  await inst.stop();
  t.same(sched.log.map((l) => l.op === 'js-send' ? `send ${l.priority}` : l.op), ['stop', 'send 0']);

  const b = await master();
  b.sched.log = [];
  b.inst.receive(advertDatagram({ version: 3, vrid: 51, priority: 200, advertIntervalCs: 100, family: 4, addresses: [VIP] }, '10.0.0.1'));
  t.equal(b.inst.state, 'backup');
  t.same(b.sched.log.map((l) => l.op), ['stop'], 'a higher priority: stopped, nothing sent');

  const f = await master();
  f.sched.log = [];
  f.inst.setFault('link:eth9', true);
  t.equal(f.inst.state, 'fault');
  t.same(f.sched.log.map((l) => l.op === 'js-send' ? `send ${l.priority}` : l.op), ['stop', 'send 0'], 'fault: the same');
});

t.test('a new priority or new addresses replace the schedule', async (t) => {
  const { env, inst, sched } = await master();
  sched.log = [];
  inst.setPriority(90);
  t.same(sched.log.map((l) => l.op === 'js-send' ? `send ${l.priority}` : l.op), ['send 90', 'set'], 'tracking: the new priority at once, then handed over');
  t.equal((sched.log[1] as Extract<Logged, { op: 'set' }>).plan.priority, 90);
  sched.log = [];
  env.clock.advance(300);
  await inst.setVirtualAddresses([`${VIP}/24`, '10.0.0.101/24']);
  t.same(sched.log.map((l) => l.op), ['set']);
  const set = sched.log[0] as Extract<Logged, { op: 'set' }>;
  t.equal(set.firstInMs, undefined, 'on the running deadline');
  const p = planPriority(set.plan);
  t.ok(p.ok && p.advert.addresses.join() === `${VIP},10.0.0.101`, 'the new address list');
  sched.log = [];
  await inst.setVirtualAddresses([`${VIP}/24`, '10.0.0.101/24']);
  t.same(sched.log, [], 'the same bytes: left running');
});

t.test('signed adverts stay on the event loop; turning auth_hmac on takes them back at the thread\'s deadline', async (t) => {
  const key = new HmacKey(1, Buffer.alloc(32, 9));
  const signed = await master({ authHmac: { keys: [key], activeKeyId: 1 } });
  t.same(signed.sched.log.map((l) => l.op), ['js-send'], 'never handed over');
  signed.env.clock.advance(3000);
  t.equal(signed.env.channel.sent.length, 4, 'the loop\'s advert timer sends them');

  const { env, inst, sched } = await master();
  env.clock.advance(1500); // the thread's next deadline: MDI + 2000
  sched.owner!.counted({ sent: 1, late: 0, worstLateMs: 0, nextInMs: 500 });
  const late: LateAdvertEvent[] = [];
  inst.on('late-advert', (l) => late.push(l));
  sched.log = [];
  inst.setAuthHmac({ keys: [key], activeKeyId: 1 });
  t.same(sched.log.map((l) => l.op), ['stop']);
  env.clock.advance(499);
  t.equal(env.channel.sent.length, 1, 'not before the deadline the thread had');
  env.clock.advance(1);
  t.equal(env.channel.sent.length, 2, 'then from the loop');
  t.equal(env.channel.sent[1]!.at, MDI + 2000);
  env.clock.advance(1000);
  t.equal(env.channel.sent.length, 3, 'every interval');
  t.same(late, [], 'none counted late');
});

t.test('no advert thread (the stub addon): one send-error, the loop advertises', async (t) => {
  const env = fakeEnv();
  const sched = new FakeScheduler(env);
  sched.fail = true;
  env.channel = new OffloadChannel(() => sched, env);
  env.advertSender = sched;
  const inst = new VrrpInstance({ name: 'vi', vrid: 51, interface: 'eth0', version: 3, virtualAddresses: [`${VIP}/24`] }, env);
  const errors: string[] = [];
  inst.on('send-error', (e) => errors.push(e.error.message));
  await inst.start();
  env.clock.advance(MDI + 3000);
  t.match(errors, [/advert thread unavailable, adverts stay on the event loop: no addon here/]);
  t.equal(env.channel.sent.length, 4, 'adverts on time from the loop');
});
