// vrrp_sync_group: the pure decisions (sync-group-state.ts) as tables, then SyncGroup over two real
// VrrpInstances on one virtual clock, against what keepalived 2.2.7 / 2.4.3 were seen doing: a member
// whose timer expires first waits for its partner, then both become master together; a fault of one
// puts the other in FAULT (which resigns with priority 0) and the group; a master yielding to a
// higher priority takes its partner to BACKUP without a priority-0 advert; the group's notifications
// come after its members'.
import { EventEmitter } from 'node:events';
import t, { type Test } from 'tap';
import { VrrpInstance, type FaultsChange, type StateChange } from '../../src/vrrp/instance.js';
import { SyncGroup, type GroupStateChange, type SyncGroupRouter } from '../../src/vrrp/sync-group.js';
import {
  faultsChanged, initialGroup, mayBecomeMaster, stateChanged, type MemberView, type SyncGroupModel,
} from '../../src/vrrp/sync-group-state.js';
import { step, createMachine, type Machine } from '../../src/vrrp/state-machine.js';
import { advertDatagram, ETH0, FakeAddressOps, FakeAnnouncer, FakeChannel, settle, VirtualClock } from '../helpers/vrrp-fakes.js';

const m = (name: string, state: MemberView['state'], over: Partial<MemberView> = {}): MemberView => ({ name, state, wantsMaster: false, ownFault: false, ...over });
const model = (state: SyncGroupModel['state'], held: string[] = []): SyncGroupModel => ({ state, held: new Set(held) });

t.test('decisions: FAULT spreads and is released together', async (t) => {
  let r = faultsChanged(model('backup'), [m('A', 'fault', { ownFault: true }), m('B', 'backup')]);
  t.same(r.actions, [{ type: 'hold', instance: 'B', on: true }, { type: 'group', state: 'fault', previous: 'backup' }], 'B held, then the group reports FAULT');
  t.same([...r.group.held], ['B']);
  r = faultsChanged(r.group, [m('A', 'fault', { ownFault: true }), m('B', 'fault', { ownFault: true })]);
  t.same(r.actions, [{ type: 'hold', instance: 'A', on: true }], 'both faulted: each holds the other');
  r = faultsChanged(r.group, [m('A', 'fault'), m('B', 'fault', { ownFault: true })]);
  t.same(r.actions, [{ type: 'hold', instance: 'B', on: false }], "A's own fault cleared: still held by B's");
  t.equal(r.group.state, 'fault');
  r = faultsChanged(r.group, [m('A', 'fault'), m('B', 'backup')]);
  t.same(r.actions, [{ type: 'hold', instance: 'A', on: false }, { type: 'group', state: 'backup', previous: 'fault' }], 'the last own fault cleared: released, BACKUP');
});

t.test('decisions: masters and backups follow; takeover waits for every partner', async (t) => {
  const members = [m('A', 'master'), m('B', 'backup'), m('C', 'backup')];
  t.same(stateChanged(model('backup'), { instance: 'A', state: 'master', previous: 'backup' }, members).actions, [
    { type: 'sync', instance: 'B', to: 'master' }, { type: 'sync', instance: 'C', to: 'master' }, { type: 'group', state: 'master', previous: 'backup' },
  ]);
  t.same(stateChanged(model('master'), { instance: 'B', state: 'master', previous: 'backup' }, members).actions, [], 'a follower re-entering: nothing');
  t.same(stateChanged(model('master'), { instance: 'A', state: 'backup', previous: 'master' }, [m('A', 'backup'), m('B', 'master'), m('C', 'master')]).actions, [
    { type: 'sync', instance: 'B', to: 'backup' }, { type: 'sync', instance: 'C', to: 'backup' }, { type: 'group', state: 'backup', previous: 'master' },
  ]);
  t.same(stateChanged(model('fault'), { instance: 'A', state: 'backup', previous: 'fault' }, members).actions, [], 'leaving FAULT is the fault rule\'s');
  t.notOk(mayBecomeMaster(model('backup'), 'A', [m('A', 'backup'), m('B', 'backup')]), 'B does not want to be master yet');
  t.ok(mayBecomeMaster(model('backup'), 'A', [m('A', 'backup'), m('B', 'backup', { wantsMaster: true })]), 'B wants to: go');
  t.ok(mayBecomeMaster(model('master'), 'A', [m('A', 'backup'), m('B', 'backup')]), 'the group is MASTER already');
  t.notOk(mayBecomeMaster(model('backup'), 'A', [m('A', 'backup'), m('B', 'initialize')]), 'a partner not running holds it back');
  t.equal(initialGroup([m('A', 'fault', { ownFault: true }), m('B', 'initialize')]).group.state, 'fault');
  t.same(initialGroup([m('A', 'master'), m('B', 'master')]).group.state, 'master', 'rebuilt around masters');
  t.same(initialGroup([]).group.state, 'backup', 'keepalived starts a group BACKUP');
});

t.test('state machine: a held takeover waits Master_Down_Interval, wanting to be master; sync-master / sync-backup', async (t) => {
  const cfg = { version: 3 as const, priority: 100, advertIntervalCs: 100, preempt: true, preemptDelayMs: 0, acceptMode: true, primaryAddress: '10.0.0.2' };
  let mc: Machine = step(createMachine(cfg), { type: 'startup', now: 0 }).machine;
  const held = step(mc, { type: 'master-down-timer', now: 3609, held: true });
  t.equal(held.machine.state, 'backup');
  t.ok(held.machine.wantsMaster);
  t.same(held.actions, [{ type: 'set-timer', timer: 'master-down', at: 3609 + 3609 }]);
  mc = held.machine;
  const heard = step(mc, { type: 'advert', now: 4000, priority: 150, advertIntervalCs: 100, source: '10.0.0.9' });
  t.notOk(heard.machine.wantsMaster, 'a master is heard again: no longer wants to be');
  const up = step(mc, { type: 'sync-master', now: 4000 });
  t.equal(up.machine.state, 'master');
  t.match(up.actions.at(-1), { type: 'notify', state: 'master', reason: 'sync-group' });
  const down = step(up.machine, { type: 'sync-backup', now: 5000 });
  t.equal(down.machine.state, 'backup');
  t.notOk(down.actions.some((a) => a.type === 'send-advert'), 'no priority-0 advert (keepalived: the partner takes over anyway)');
  t.ok(down.actions.some((a) => a.type === 'remove-vips'));
  t.equal(step(mc, { type: 'sync-backup', now: 4000 }).actions.length, 0, 'sync-backup of a backup: nothing');
});

/** Two (or more) instances on one clock, and a router-like relay of their events. */
function pair(names: string[], priorities: number[] = names.map(() => 100)) {
  const clock = new VirtualClock();
  const router = new EventEmitter() as EventEmitter & SyncGroupRouter;
  const instances = new Map<string, VrrpInstance>();
  const channels = new Map<string, FakeChannel>();
  const log: string[] = [];
  names.forEach((name, i) => {
    const channel = new FakeChannel(clock, 4);
    const inst = new VrrpInstance({ name, vrid: 61 + i, interface: 'eth0', version: 3, priority: priorities[i]!, virtualAddresses: [`10.0.0.${61 + i}/24`] }, {
      clock, channel, link: ETH0, links: new Map(), primaryAddress: '10.0.0.2', addresses: new FakeAddressOps(), announce: new FakeAnnouncer(clock),
    });
    inst.on('state', (s: StateChange) => { log.push(`${s.instance} ${s.state.toUpperCase()}`); router.emit('state', s); });
    inst.on('faults', (f: FaultsChange) => router.emit('faults', f));
    instances.set(name, inst);
    channels.set(name, channel);
  });
  (router as unknown as { instance: SyncGroupRouter['instance'] }).instance = (n) => instances.get(n);
  return { clock, router, instances, channels, log };
}

function group(p: ReturnType<typeof pair>, name = 'G') {
  const g = new SyncGroup(p.router, name, [...p.instances.keys()]);
  g.on('state', (c: GroupStateChange) => p.log.push(`GROUP ${c.state.toUpperCase()}`));
  g.announce();
  return g;
}

/** outside and inside in group G, both started and settled; stopped when the test ends. */
async function startedPair(t: Test) {
  const p = pair(['outside', 'inside']);
  const g = group(p);
  const [a, b] = [p.instances.get('outside')!, p.instances.get('inside')!];
  t.teardown(async () => {
    g.close();
    await a.stop();
    await b.stop();
  });
  await a.start();
  await b.start();
  await settle();
  return { p, g, a, b };
}

t.test('SyncGroup: the first timer waits for its partner, then both become master together', async (t) => {
  const p = pair(['outside', 'inside']);
  const g = group(p);
  const [a, b] = [p.instances.get('outside')!, p.instances.get('inside')!];
  await a.start();
  p.clock.advance(300);
  await b.start();
  await settle();
  p.clock.advanceTo(3609);
  t.equal(a.state, 'backup', 'outside: its timer expired, inside does not want to be master yet');
  t.ok(a.wantsMaster);
  p.clock.advanceTo(3909);
  t.equal(b.state, 'master', "inside's timer: it may (outside wants to), master");
  t.equal(a.state, 'master', 'outside followed at once');
  t.same(p.log, ['GROUP BACKUP', 'outside BACKUP', 'inside BACKUP', 'inside MASTER', 'outside MASTER', 'GROUP MASTER'], "keepalived's order");
  t.equal(g.state, 'master');
  await a.stop();
  await b.stop();
  g.close();
});

t.test('SyncGroup: a fault takes the partner to FAULT (resigning), the recovery releases both', async (t) => {
  const { p, g, a, b } = await startedPair(t);
  p.clock.advanceTo(3609);
  t.same([a.state, b.state], ['master', 'master']);
  p.log.length = 0;
  const sentBefore = p.channels.get('outside')!.sent.length;
  b.setFault('file:tf', true);
  t.same([a.state, b.state], ['fault', 'fault']);
  t.same(p.log, ['inside FAULT', 'outside FAULT', 'GROUP FAULT']);
  t.equal(p.channels.get('outside')!.sent.slice(sentBefore).at(-1)?.advert.priority, 0, 'the member taken to FAULT resigns with priority 0 (keepalived does)');
  p.log.length = 0;
  b.setFault('file:tf', false);
  t.same([a.state, b.state], ['backup', 'backup']);
  t.same(p.log, ['inside BACKUP', 'outside BACKUP', 'GROUP BACKUP']);
});

t.test('SyncGroup: a master yielding to a higher priority takes its partner to BACKUP, no priority-0 advert', async (t) => {
  const { p, g, a, b } = await startedPair(t);
  p.clock.advanceTo(3609);
  p.log.length = 0;
  const inside = p.channels.get('inside')!;
  const before = inside.sent.length;
  a.receive(advertDatagram({ version: 3, vrid: 61, priority: 150, advertIntervalCs: 100, family: 4, addresses: ['10.0.0.61'] }, '10.0.0.9'));
  t.same([a.state, b.state], ['backup', 'backup']);
  t.same(p.log, ['outside BACKUP', 'inside BACKUP', 'GROUP BACKUP']);
  t.same(inside.sent.slice(before).map((s) => s.advert.priority), [], 'inside left MASTER without an advert');
});

t.test('SyncGroup: a partner that never wants to be master keeps the other BACKUP (keepalived 2.2.7)', async (t) => {
  const { p, g, a, b } = await startedPair(t);
  // inside hears a higher-priority master every second; outside hears nobody.
  for (let now = 0; now < 12_000; now += 1000) {
    b.receive(advertDatagram({ version: 3, vrid: 62, priority: 200, advertIntervalCs: 100, family: 4, addresses: ['10.0.0.62'] }, '10.0.0.9'));
    p.clock.advance(1000);
  }
  t.same([a.state, b.state], ['backup', 'backup'], 'outside waits, one Master_Down_Interval after another');
  t.ok(a.wantsMaster);
});
