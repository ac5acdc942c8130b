// VrrpInstance, the shell around the state machine, driven by a virtual clock: a fake channel (what we
// send, what is queued on the socket), fake address operations and a fake announcer. Times are the
// RFC's: v3, priority 100, 1 s adverts -> Skew_Time 609 ms, Master_Down_Interval 3609 ms.
import t from 'tap';
import { VrrpInstance, type InstanceConfig, type LateAdvertEvent, type StateChange } from '../../src/vrrp/instance.js';
import type { Advertisement } from '../../src/vrrp/types.js';
import { ConfigError } from '../../src/errors.js';
import { advertDatagram, fakeEnv, settle, type FakeEnv } from '../helpers/vrrp-fakes.js';

const MDI = 3609;
const VIP = '10.0.0.100';
const MASTER = '10.0.0.1';

function setup(over: Partial<InstanceConfig> = {}, envOpts: Parameters<typeof fakeEnv>[0] = {}) {
  const env = fakeEnv(envOpts);
  const inst = new VrrpInstance({ name: 'vi', vrid: 51, interface: 'eth0', version: 3, virtualAddresses: [`${VIP}/24`], ...over }, env);
  env.channel.deliver = (d) => inst.receive(d);
  const states: StateChange[] = [];
  inst.on('state', (s) => states.push(s));
  return { env, inst, states };
}

/** An advert from the other router, delivered now. */
function hear(env: FakeEnv, inst: VrrpInstance, priority: number, over: Partial<Advertisement> = {}, source = MASTER): void {
  inst.receive(advertDatagram({ version: 3, vrid: 51, priority, advertIntervalCs: 100, family: 4, addresses: [VIP], ...over }, source));
}

/** Hears `priority` adverts every second from now until `until` (exclusive). */
function hearEverySecond(env: FakeEnv, inst: VrrpInstance, priority: number, until: number): void {
  while (env.clock.now() < until) {
    hear(env, inst, priority);
    env.clock.advance(Math.min(1000, until - env.clock.now()));
  }
}

async function master(over: Partial<InstanceConfig> = {}) {
  const s = setup(over);
  await s.inst.start();
  s.env.clock.advance(MDI);
  await settle();
  return s;
}

const sentAt = (env: FakeEnv) => env.channel.sent.map((a) => a.at);
const priorities = (env: FakeEnv) => env.channel.sent.map((a) => a.advert.priority);
const garpTimes = (env: FakeEnv) => env.announce.sent.map((a) => a.at);

t.test('startup -> backup -> master-down -> master: adverts, VIPs and the GARP schedule on time', async (t) => {
  const { env, inst, states } = setup();
  await inst.start();
  await settle();
  t.same(env.addresses.calls, [{ op: 'delete', address: VIP, ifindex: 2 }], 'a VIP left by an earlier run is removed at start');
  t.equal(inst.state, 'backup');
  t.same(states.map((s) => [s.previous, s.state, s.reason]), [['initialize', 'backup', 'startup']]);
  t.same(env.clock.pending(), [{ at: MDI, precise: true }], 'the master-down timer is the precise one, at Master_Down_Interval');
  t.same(env.announce.prepared, [VIP], 'GARP frames built ahead');

  env.clock.advance(MDI - 1);
  t.equal(inst.state, 'backup', 'not a millisecond early');
  t.equal(env.channel.sent.length, 0, 'a backup does not advertise');
  env.clock.advance(1);
  t.equal(inst.state, 'master');
  t.same(states.at(-1), { instance: 'vi', state: 'master', previous: 'backup', reason: 'master-down', priority: 100, at: MDI });
  t.equal(env.channel.drains, 1, 'the socket is drained before the timer counts (stall-safe rule)');
  const first = env.channel.sent[0]!;
  t.match(first, { at: MDI, source: '10.0.0.2', to: '224.0.0.18', ttl: 255 });
  t.match(first.advert, { version: 3, vrid: 51, priority: 100, advertIntervalCs: 100, addresses: [VIP], destination: '224.0.0.18' });
  await settle();
  t.ok(env.addresses.present.has(`${VIP}/24`), 'VIP added');

  env.clock.advanceTo(MDI + 5000 + 10);
  t.same(garpTimes(env), [0, 1, 2, 3, 4, 5000, 5001, 5002, 5003, 5004].map((d) => MDI + d),
    'garp_master_repeat 5 now, again after garp_master_delay 5 s, 1 ms apart');
  t.ok(env.announce.sent.every((a) => a.kind === 'garp' && a.address === VIP && a.ifname === 'eth0'));
  t.same(sentAt(env), [0, 1, 2, 3, 4, 5].map((k) => MDI + k * 1000), 'one advert a second');
  env.clock.advance(60_000);
  t.equal(env.announce.sent.length, 10, 'no refresh unless configured');
  t.equal(inst.status().garpsSent, 10);
  t.equal(inst.status().stats.sentAdvertisements, env.channel.sent.length);
  await inst.stop();
});

t.test('a backup follows a live master, and takes over one Master_Down_Interval after its last advert', async (t) => {
  const { env, inst } = setup();
  await inst.start();
  hearEverySecond(env, inst, 200, 10_000);
  t.equal(inst.state, 'backup');
  t.match(inst.status(), { master: MASTER, masterPriority: 200, masterDownIntervalMs: MDI });
  t.same(env.clock.pending(), [{ at: 9000 + MDI, precise: true }]);
  env.clock.advance(MDI - 1000 - 1);
  t.equal(inst.state, 'backup');
  env.clock.advance(1);
  t.equal(inst.state, 'master');
  await inst.stop();
});

t.test('preemption', async (t) => {
  await t.test('a lower-priority master is preempted after Master_Down_Interval', async (t) => {
    const { env, inst, states } = setup();
    await inst.start();
    hearEverySecond(env, inst, 50, MDI + 1);
    t.equal(inst.state, 'master');
    t.match(states.at(-1), { state: 'master', reason: 'preempted', at: MDI });
    t.equal(inst.stats.newMasterReason, 'preempted');
    await inst.stop();
  });
  await t.test('nopreempt: the lower-priority master stays master', async (t) => {
    const { env, inst } = setup({ preempt: false });
    await inst.start();
    hearEverySecond(env, inst, 50, 20_000);
    t.equal(inst.state, 'backup');
    await inst.stop();
  });
  await t.test('preempt_delay: the lower-priority master is accepted until the delay has passed', async (t) => {
    const { env, inst } = setup({ preemptDelayMs: 5000 });
    await inst.start();
    env.clock.advance(1000);
    hearEverySecond(env, inst, 50, 5000 + MDI - 1); // the first at 1000: accepted until 6000
    t.equal(inst.state, 'backup');
    t.match(inst.status(), { master: MASTER, masterPriority: 50 });
    env.clock.advance(1);
    t.equal(inst.state, 'master', 'Master_Down_Interval after the last accepted advert (5000)');
    await inst.stop();
  });
  await t.test('a master that hears a higher priority steps down: VIPs removed, adverts and GARPs stop', async (t) => {
    const { env, inst, states } = await master();
    env.clock.advance(500);
    hear(env, inst, 200);
    await settle();
    t.equal(inst.state, 'backup');
    t.match(states.at(-1), { previous: 'master', state: 'backup', reason: 'higher-priority' });
    t.notOk(env.addresses.present.has(`${VIP}/24`));
    const adverts = env.channel.sent.length;
    const garps = env.announce.sent.length;
    env.clock.advance(MDI - 1);
    t.equal(env.channel.sent.length, adverts, 'no advert as backup');
    t.equal(env.announce.sent.length, garps, 'the pending GARP bursts were dropped');
    await inst.stop();
  });
});

t.test('stop: a master resigns with priority 0 and removes its VIPs; a backup sends nothing', async (t) => {
  const { env, inst, states } = await master();
  env.clock.advance(300);
  await inst.stop();
  t.same(env.channel.sent.at(-1)!.advert.priority, 0);
  t.equal(env.channel.sent.at(-1)!.at, MDI + 300);
  t.equal(inst.stats.priorityZeroPktsSent, 1);
  t.equal(env.addresses.present.size, 0, 'VIPs gone when stop() resolves');
  t.match(states.at(-1), { previous: 'master', state: 'initialize', reason: 'shutdown' });
  t.same(env.clock.pending(), [], 'no timer left behind');

  const b = setup();
  await b.inst.start();
  await b.inst.stop();
  t.equal(b.env.channel.sent.length, 0);
  t.same(b.env.clock.pending(), []);
});

t.test("the master-down timer counts from an advert's kernel receive time, on clocks that can map it", async (t) => {
  const SKEW = 609;
  const arrived = (priority: number, receivedAt: number) =>
    ({ ...advertDatagram({ version: 3, vrid: 51, priority, advertIntervalCs: 100, family: 4, addresses: [VIP] }, MASTER), receivedAt });
  const { env, inst } = setup();
  // The virtual clock stands for performance.now() itself.
  Object.assign(env.clock, { fromPerformanceTime: (at: number) => at });
  await inst.start();
  env.clock.advance(1000);
  inst.receive(arrived(200, 999.25));
  t.same(env.clock.pending(), [{ at: 999.25 + MDI, precise: true }], 'Master_Down_Interval from the arrival, 0.75 ms before we saw it');
  inst.receive(arrived(200, 1500));
  t.same(env.clock.pending(), [{ at: 1000 + MDI, precise: true }], 'a receive time after now counts as now');
  env.clock.advance(500);
  inst.receive(arrived(0, 1499.5));
  t.same(env.clock.pending(), [{ at: 1499.5 + SKEW, precise: true }], 'priority 0: Skew_Time from the arrival');
  env.clock.advanceTo(1499.5 + SKEW);
  t.equal(inst.state, 'master');
  t.same(env.channel.sent.map((a) => [a.at, a.advert.priority]), [[1499.5 + SKEW, 100]], 'the takeover advert at arrival + Skew_Time');
  await inst.stop();

  const plain = setup(); // a virtual clock without the mapping: the receive time means nothing to it
  await plain.inst.start();
  plain.env.clock.advance(1000);
  plain.inst.receive(arrived(200, 5));
  t.same(plain.env.clock.pending(), [{ at: 1000 + MDI, precise: true }], 'counted from now');
  await plain.inst.stop();
});

t.test('a stall: adverts queued on the socket are drained before the master-down timer counts', async (t) => {
  for (const queued of [true, false]) {
    const { env, inst } = setup();
    await inst.start();
    hear(env, inst, 200);
    env.clock.stall(6000); // the process did not run from 0 to 6000 ms; the master kept advertising
    if (queued) for (let i = 0; i < 5; i++) env.channel.queue.push(advertDatagram({ version: 3, vrid: 51, priority: 200, advertIntervalCs: 100, family: 4, addresses: [VIP] }, MASTER));
    env.clock.advance(0);
    if (queued) {
      t.equal(inst.state, 'backup', 'queued adverts prove the master alive: no false takeover');
      t.equal(inst.stats.rcvdAdvertisements, 6);
      t.same(env.clock.pending(), [{ at: 6000 + MDI, precise: true }], 'Master_Down_Interval from the drain');
    } else {
      t.equal(inst.state, 'master', 'nothing queued: the master is gone');
    }
    await inst.stop();
  }
});

t.test('set-priority at run time', async (t) => {
  await t.test('a master tells the backups at once and restarts its interval', async (t) => {
    const { env, inst } = await master();
    env.clock.advance(400);
    inst.setPriority(50);
    t.same(env.channel.sent.at(-1), { ...env.channel.sent.at(-1)!, at: MDI + 400 });
    t.equal(env.channel.sent.at(-1)!.advert.priority, 50);
    env.clock.advance(1000);
    t.same(sentAt(env).slice(-2), [MDI + 400, MDI + 1400]);
    t.match(inst.status(), { priority: 50, configuredPriority: 100 });
    inst.setBasePriority(80);
    t.match(inst.status(), { priority: 80, configuredPriority: 80 });
    t.equal(env.channel.sent.at(-1)!.advert.priority, 80);
    await inst.stop();
  });
  await t.test('a backup raised above its master preempts it', async (t) => {
    const { env, inst, states } = setup();
    await inst.start();
    hearEverySecond(env, inst, 150, 5000);
    t.equal(inst.state, 'backup');
    inst.setPriority(200);
    t.equal(inst.status().masterDownIntervalMs, 3000 + Math.floor((56 * 1000) / 256), 'the skew follows the priority');
    hearEverySecond(env, inst, 150, 20_000);
    t.equal(inst.state, 'master');
    t.match(states.at(-1), { reason: 'preempted', priority: 200 });
    await inst.stop();
  });
  await t.test('the owner (255) stays at 255; others stay within 1..254', async (t) => {
    const owner = setup({ priority: 255 });
    await owner.inst.start();
    t.equal(owner.inst.state, 'master', 'the address owner is master at once');
    t.match(owner.states.at(-1), { reason: 'owner', at: 0 });
    owner.inst.setPriority(10);
    t.equal(owner.inst.status().priority, 255);
    await owner.inst.stop();
    const { inst } = setup();
    await inst.start();
    inst.setPriority(300);
    t.equal(inst.status().priority, 254);
    inst.setPriority(-5);
    t.equal(inst.status().priority, 1);
    await inst.stop();
  });
});

t.test('set-virtual-addresses at run time', async (t) => {
  const { env, inst, states } = await master();
  env.clock.advance(20_000);
  const garps = env.announce.sent.length;
  env.addresses.calls = [];
  await inst.setVirtualAddresses([`${VIP}/24`, '10.0.0.101/24']);
  t.same(env.addresses.calls, [{ op: 'add', address: '10.0.0.101', ifindex: 2 }], 'only the new address is added');
  t.same(env.announce.sent.slice(garps).map((a) => a.address), ['10.0.0.101'], 'and announced');
  env.clock.advance(1000);
  t.same(env.channel.sent.at(-1)!.advert.addresses, [VIP, '10.0.0.101'], 'adverts carry the new list');
  env.addresses.calls = [];
  await inst.setVirtualAddresses(['10.0.0.101/24']);
  t.same(env.addresses.calls, [{ op: 'delete', address: VIP, ifindex: 2 }]);
  t.same([...env.addresses.present], ['10.0.0.101/24']);
  t.same(inst.status().virtualAddresses, ['10.0.0.101/24']);
  t.equal(states.at(-1)!.state, 'master', 'no state change');
  await t.rejects(inst.setVirtualAddresses(['10.0.0.300/24']), ConfigError, 'a bad address is refused');
  await t.rejects(inst.setVirtualAddresses(['fd00::1/64']), ConfigError, 'so is another family');
  await t.rejects(inst.setVirtualAddresses([{ address: '10.0.0.102', interface: 'eth9' }]), /no interface eth9/);
  t.same(inst.status().virtualAddresses, ['10.0.0.101/24'], 'and changes nothing');
  await inst.stop();

  const b = setup();
  await b.inst.start();
  await settle();
  b.env.addresses.calls = [];
  await b.inst.setVirtualAddresses([`${VIP}/24`, '10.0.0.101/24']);
  t.same(b.env.addresses.calls, [], 'a backup holds no VIP to change');
  hear(b.env, b.inst, 200, { addresses: [VIP, '10.0.0.101'] });
  t.equal(b.inst.stats.addressListErrors, 0, 'the receive checks use the new list');
  await b.inst.stop();
});

t.test('faults', async (t) => {
  await t.test('own link down: FAULT without a priority-0 advert (it could not leave; a queued one would arrive stale)', async (t) => {
    const { env, inst, states } = await master();
    const adverts = env.channel.sent.length;
    inst.setFault('link:eth0', true);
    await settle();
    t.equal(inst.state, 'fault');
    t.match(states.at(-1), { state: 'fault', reason: 'fault', detail: 'link:eth0' });
    t.equal(env.channel.sent.length, adverts, 'no advert');
    t.equal(env.addresses.present.size, 0, 'VIPs removed');
    env.clock.advance(10_000);
    t.equal(env.channel.sent.length, adverts, 'nothing while in FAULT');
    inst.setFault('link:eth0', false);
    t.equal(inst.state, 'backup');
    t.match(states.at(-1), { previous: 'fault', state: 'backup', reason: 'fault-cleared' });
    await inst.stop();
  });
  await t.test('another fault (a tracked script): the master resigns with priority 0', async (t) => {
    const { env, inst } = await master();
    inst.setFault('script:chk', true);
    t.equal(inst.state, 'fault');
    t.equal(env.channel.sent.at(-1)!.advert.priority, 0);
    await inst.stop();
  });
  await t.test('a fault known before start: INITIALIZE -> FAULT, no BACKUP in between (keepalived)', async (t) => {
    const { inst, states } = setup();
    inst.setFault('link:eth0', true);
    await inst.start();
    t.same(states.map((s) => `${s.previous}->${s.state}`), ['initialize->fault']);
    await inst.stop();
  });
});

t.test('late adverts: counted (and an event) when a master advertises more than one interval late', async (t) => {
  const { env, inst } = await master();
  const late: LateAdvertEvent[] = [];
  inst.on('late-advert', (e) => late.push(e));
  env.clock.advance(1000); // advert at MDI + 1000, next due MDI + 2000
  env.clock.stall(500);
  env.clock.advance(500);
  t.equal(inst.status().lateAdverts, 0, 'half an interval late is not counted');
  env.clock.stall(1000 + 1500);
  env.clock.advance(0);
  t.equal(inst.status().lateAdverts, 1);
  t.equal(inst.stats.lateAdverts, 1);
  t.same(late, [{ instance: 'vi', lateMs: 1500, intervalMs: 1000 }]);
  const at = env.clock.now();
  env.clock.advance(1000);
  t.same(sentAt(env).slice(-2), [at, at + 1000], 'then one advert a second again, no burst');
  await inst.stop();
});

t.test('GARP schedule: lower-priority adverts and refresh', async (t) => {
  await t.test('a master hearing a lower priority re-announces now and after the delay, at most once a second', async (t) => {
    const { env, inst } = await master({ garp: { lowerPrioDelayMs: 2000, lowerPrioRepeat: 2 } });
    env.clock.advanceTo(20_000);
    const before = env.announce.sent.length;
    hear(env, inst, 50);
    env.clock.advance(500);
    hear(env, inst, 50);
    env.clock.advance(5000);
    t.same(garpTimes(env).slice(before), [20_000, 20_001, 22_000, 22_001]);
    t.equal(inst.state, 'master');
    await inst.stop();
  });
  await t.test('refresh while master', async (t) => {
    const { env, inst } = await master({ garp: { masterDelayMs: 0, masterRepeat: 1, masterRefreshMs: 10_000, masterRefreshRepeat: 2, intervalMs: 50 } });
    env.clock.advance(25_000);
    t.same(garpTimes(env), [MDI, MDI + 10_000, MDI + 10_050, MDI + 20_000, MDI + 20_050]);
    await inst.stop();
    env.clock.advance(25_000);
    t.equal(env.announce.sent.length, 5, 'nothing after stop');
  });
  await t.test('lower-priority defaults follow the master pair (keepalived)', async (t) => {
    const { env, inst } = await master({ garp: { masterDelayMs: 0, masterRepeat: 1 } });
    env.clock.advance(1000);
    const before = env.announce.sent.length;
    hear(env, inst, 50);
    env.clock.advance(10_000);
    t.equal(env.announce.sent.length - before, 1);
    await inst.stop();
  });
});

t.test('IPv6: v3, unsolicited NAs, adverts to ff02::12 from the link-local address', async (t) => {
  const env = fakeEnv({ family: 6 });
  const inst = new VrrpInstance({ name: 'v6', vrid: 7, interface: 'eth0', virtualAddresses: ['fd00::100/64'] }, env);
  t.match(inst.config, { version: 3, family: 6, priority: 100, advertIntervalCs: 100 });
  await inst.start();
  env.clock.advance(MDI);
  t.equal(inst.state, 'master');
  t.match(env.channel.sent[0], { source: 'fe80::2', to: 'ff02::12', advert: { version: 3, family: 6, destination: 'ff02::12', addresses: ['fd00::100'] } });
  t.match(env.announce.sent[0], { kind: 'na', address: 'fd00::100' });
  await inst.stop();
});

t.test('unicast: one advert per peer, from unicastSource; other sources only with checkUnicastSource off', async (t) => {
  const { env, inst } = setup({ unicastSource: '10.0.0.2', unicastPeers: ['10.0.0.3', '10.0.0.4'], checkUnicastSource: true }, { primaryAddress: '10.0.0.9' });
  await inst.start();
  const drops: string[] = [];
  inst.on('drop', (d) => drops.push(d.reason));
  hear(env, inst, 200, {}, '10.0.0.5');
  t.same(drops, ['unicast-peer']);
  env.clock.advance(MDI);
  t.same(env.channel.sent.map((s) => [s.source, s.to, s.advert.destination]), [['10.0.0.2', '10.0.0.3', '10.0.0.3'], ['10.0.0.2', '10.0.0.4', '10.0.0.4']]);
  await inst.stop();
  // keepalived's default (no check_unicast_src): a stranger's advert counts.
  const open = setup({ unicastSource: '10.0.0.2', unicastPeers: ['10.0.0.3'] }, { primaryAddress: '10.0.0.9' });
  await open.inst.start();
  hear(open.env, open.inst, 200, {}, '10.0.0.5');
  t.equal(open.inst.status().master, '10.0.0.5');
  await open.inst.stop();
});

t.test('a full socket buffer or a failing VIP is reported, not thrown', async (t) => {
  const { env, inst } = setup();
  const errors: string[] = [];
  inst.on('send-error', (e) => errors.push(e.error.message));
  const vipErrors: string[] = [];
  inst.on('vip-error', (e) => vipErrors.push(`${e.op} ${e.failures.map((f) => f.vip.address).join()}`));
  env.channel.full = true;
  env.addresses.failing.add(VIP);
  await inst.start();
  env.clock.advance(MDI);
  await settle();
  t.equal(inst.state, 'master');
  t.match(errors, [/socket buffer full/]);
  t.same(vipErrors, [`add ${VIP}`]);
  await inst.stop();
});

t.test('an instance refuses a config that cannot run, before it touches anything', async (t) => {
  const env = fakeEnv();
  t.throws(() => new VrrpInstance({ name: 'x', vrid: 51, interface: 'eth0', version: 2, advertIntervalCs: 50, virtualAddresses: [VIP] }, env), ConfigError);
  t.throws(() => new VrrpInstance({ name: 'x', vrid: 51, interface: 'eth0', virtualAddresses: [{ address: VIP, interface: 'eth1' }] }, env), /no interface eth1/);
  t.same(env.addresses.calls, []);
});

t.test('linkRestored (dont_track_primary): a master announces its VIPs again, a backup does not', async (t) => {
  const { env, inst } = await master();
  env.clock.advance(20_000);
  const garps = env.announce.sent.length;
  inst.linkRestored();
  env.clock.advance(10);
  t.same(env.announce.sent.slice(garps).map((a) => a.address), [VIP, VIP, VIP, VIP, VIP], 'garp_master_repeat GARPs at once');
  t.equal(inst.state, 'master', 'no state change');
  await inst.stop();
  const b = setup();
  await b.inst.start();
  b.inst.linkRestored();
  b.env.clock.advance(10);
  t.equal(b.env.announce.sent.length, 0, 'a backup has nothing to announce');
  await b.inst.stop();
});
