// plan() as a pure diff, and Reconciler + IpvsClient against the in-memory IPVS table
// (test/helpers/ipvs-fake-kernel.ts): idempotence, one SET_DEST per changed weight, ownership,
// races, unknown scheduler, non-unicast destinations and rollback of half-programmed services.
import t from 'tap';
import { IpvsClient } from '../../src/ipvs/client.js';
import { IpvsError } from '../../src/ipvs/errors.js';
import * as C from '../../src/ipvs/constants.js';
import { makeDestination } from '../../src/ipvs/destination.js';
import { makeService, serviceKey } from '../../src/ipvs/service.js';
import { plan, Reconciler, sameState, type ServiceState } from '../../src/ipvs/reconciler.js';
import { performance } from 'node:perf_hooks';
import { FakeIpvsKernel } from '../helpers/ipvs-fake-kernel.js';

const svc = (address: string, port = 6443, extra = {}) => makeService({ family: 4, protocol: 'tcp', address, port, scheduler: 'rr', flags: { persistent: true }, timeout: 360, ...extra });
const dst = (address: string, weight = 1, port = 6443) => makeDestination({ family: 4, address, port, forward: 'route', weight });
const seed = (): ServiceState[] => [{ service: svc('10.0.0.100'), destinations: [dst('10.0.0.11'), dst('10.0.0.12'), dst('10.0.0.13')] }];

t.test('plan: pure diff', async (t) => {
  t.same(plan(seed(), seed()), [], 'same state: nothing');
  const ops = plan(seed(), []);
  t.same(ops.map((o) => o.kind), ['createService', 'createDestination', 'createDestination', 'createDestination']);
  const changed = seed();
  changed[0]!.destinations[1] = dst('10.0.0.12', 5);
  t.same(plan(changed, seed()).map((o) => o.kind), ['updateDestination'], 'one weight: one update');
  const scheduler = seed();
  scheduler[0]!.service = svc('10.0.0.100', 6443, { scheduler: 'wrr' });
  t.same(plan(scheduler, seed()).map((o) => o.kind), ['updateService']);
  const fewer = seed();
  fewer[0]!.destinations.pop();
  t.same(plan(fewer, seed()).map((o) => o.kind), ['removeDestination']);
  const foreign: ServiceState = { service: svc('10.0.0.200'), destinations: [] };
  t.same(plan(seed(), [...seed(), foreign]), [], 'a service we do not own is left alone');
  t.same(plan(seed(), [...seed(), foreign], new Set([serviceKey(foreign.service)])).map((o) => o.kind), ['removeService'], 'an owned one is removed');
  // The kernel's hashed flag and canonical address forms do not make a difference.
  const actual = seed();
  actual[0]!.service = { ...actual[0]!.service, flags: { persistent: true, hashed: true } };
  t.same(plan(seed(), actual), []);
});

t.test('reconcile: idempotent, minimal, counted in commands', async (t) => {
  const k = new FakeIpvsKernel();
  const client = await IpvsClient.open({ genl: k });
  const r = new Reconciler(client);
  const first = await r.apply(seed());
  t.equal(first.sent, 4);
  t.same(first.failed, []);
  const writes = k.writes.length;
  const second = await r.apply(seed());
  t.equal(second.sent, 0, 'second apply sends nothing');
  t.equal(k.writes.length, writes, 'no write command reached the kernel');
  const changed = seed();
  changed[0]!.destinations[2] = dst('10.0.0.13', 7);
  const third = await r.apply(changed);
  t.equal(third.sent, 1);
  const newWrites = k.writes.slice(writes);
  t.same(newWrites.map((c) => c.cmd), [C.IPVS_CMD_SET_DEST], 'exactly one SET_DEST');
  t.equal(k.table.get('tcp:10.0.0.100:6443')!.dests.get('10.0.0.13:6443')!.weight, 7);
  // Someone else's service survives; ours goes when no longer desired.
  await client.createService(svc('10.0.0.200'));
  const gone = await r.apply([]);
  t.equal(gone.sent, 1);
  t.same([...k.table.keys()], ['tcp:10.0.0.200:6443']);
});

t.test('client errors: typed, with the op, errno name and a clear message', async (t) => {
  const k = new FakeIpvsKernel();
  const client = await IpvsClient.open({ genl: k });
  await client.createService(svc('10.0.0.100'));
  const exists = await client.createService(svc('10.0.0.100')).catch((e: unknown) => e);
  t.ok(exists instanceof IpvsError);
  t.match(exists, { op: 'createService', syscallCode: 'EEXIST', target: 'tcp:10.0.0.100:6443', message: /service already exists/ });
  t.match(await client.createService(svc('10.0.0.101', 80, { scheduler: 'foo' })).catch((e: unknown) => e),
    { syscallCode: 'ENOENT', message: /unknown scheduler "foo"/ });
  t.match(await client.removeService(svc('10.0.0.102')).catch((e: unknown) => e), { syscallCode: 'ESRCH', message: /no such service/ });
  t.match(await client.service(svc('10.0.0.102')).catch((e: unknown) => e), { op: 'service', syscallCode: 'ESRCH' });
  t.match(await client.createDestination(svc('10.0.0.100'), dst('224.0.0.5')).catch((e: unknown) => e),
    { op: 'createDestination', syscallCode: 'EINVAL', message: /224\.0\.0\.5 must be a unicast address/ });
  t.match(await client.removeDestination(svc('10.0.0.100'), dst('10.0.0.9')).catch((e: unknown) => e), { syscallCode: 'ENOENT', message: /no such destination/ });
  const none = await IpvsClient.open({ genl: { ...k, family: async () => { throw new (await import('../../src/netif/netlink/errors.js')).NetlinkError('CTRL_CMD_GETFAMILY', 2); } } as never }).catch((e: unknown) => e);
  t.match(none, { code: 'VIPD_ERR_IPVS', message: /load the ip_vs module/ });
});

t.test('reconcile: races are retried once after a re-read', async (t) => {
  const k = new FakeIpvsKernel();
  const client = await IpvsClient.open({ genl: k });
  const r = new Reconciler(client);
  // Someone adds our destination between our read and our write: EEXIST, then the re-read sees it.
  let raced = false;
  k.inject = (cmd, key) => {
    if (!raced && cmd === C.IPVS_CMD_NEW_DEST && key.endsWith('10.0.0.12:6443')) {
      raced = true;
      k.table.get('tcp:10.0.0.100:6443')!.dests.set('10.0.0.12:6443', dst('10.0.0.12'));
      return 'EEXIST';
    }
    return undefined;
  };
  const res = await r.apply(seed());
  t.same(res.failed, [], 'resolved on retry');
  t.same([...k.table.get('tcp:10.0.0.100:6443')!.dests.keys()].sort(), ['10.0.0.11:6443', '10.0.0.12:6443', '10.0.0.13:6443']);
  // A service removed behind our back (ESRCH on update) is created again.
  k.inject = undefined;
  k.table.delete('tcp:10.0.0.100:6443');
  const changed = seed();
  changed[0]!.destinations[0] = dst('10.0.0.11', 9);
  const res2 = await r.apply(changed);
  t.same(res2.failed, []);
  t.equal(k.table.get('tcp:10.0.0.100:6443')!.dests.get('10.0.0.11:6443')!.weight, 9);
});

t.test('reconcile: persistent failures are reported, no half-programmed service', async (t) => {
  const k = new FakeIpvsKernel();
  const client = await IpvsClient.open({ genl: k });
  const r = new Reconciler(client);
  const desired: ServiceState[] = [
    ...seed(),
    { service: svc('10.0.0.101', 80, { scheduler: 'foo' }), destinations: [dst('10.0.0.21', 1, 80)] },
    { service: svc('10.0.0.102', 80), destinations: [dst('10.0.0.22', 1, 80), dst('224.0.0.1', 1, 80)] },
  ];
  const res = await r.apply(desired);
  const failed = res.failed.map((f) => `${f.op.kind} ${f.error.syscallCode}`);
  t.ok(failed.includes('createService ENOENT'), 'unknown scheduler reported');
  t.ok(failed.includes('createDestination EINVAL'), 'non-unicast destination reported');
  t.match(res.failed.find((f) => f.error.syscallCode === 'ENOENT')!.error.message, /unknown scheduler "foo"/);
  t.same([...new Set(res.rolledBack)], ['tcp:10.0.0.102:80'], 'the service whose destination failed was rolled back');
  t.same([...k.table.keys()], ['tcp:10.0.0.100:6443'], 'table consistent: only complete services');
  t.equal(k.table.get('tcp:10.0.0.100:6443')!.dests.size, 3);
});

// ---- Trusting what was applied, at scale, and the audit ---------------------------------------

const READS = [C.IPVS_CMD_GET_SERVICE, C.IPVS_CMD_GET_DEST];
const bigTable = (n: number, changed?: { index: number; weight: number }): ServiceState[] => Array.from({ length: n }, (_, i) => ({
  service: svc(`10.${100 + (i >> 16)}.${(i >> 8) & 0xff}.${i & 0xff}`, 80),
  destinations: [1, 2, 3].map((j) => dst(`10.${j}.${(i >> 8) & 0xff}.${i & 0xff}`, changed?.index === i && j === 2 ? changed.weight : 1, 80)),
}));

t.test('trusted: after the first apply, one weight change among 10,000 services is one SET_DEST and no read', async (t) => {
  const k = new FakeIpvsKernel();
  const client = await IpvsClient.open({ genl: k });
  const r = new Reconciler(client);
  const first = await r.apply(bigTable(10_000));
  t.equal(first.sent, 40_000, '10,000 NEW_SERVICE + 30,000 NEW_DEST');
  t.same(k.commands.filter((c) => READS.includes(c.cmd)).map((c) => c.cmd), [C.IPVS_CMD_GET_SERVICE], 'the first apply reads the (empty) table once');
  const before = k.commands.length;
  const t0 = performance.now();
  const res = await r.apply(bigTable(10_000, { index: 4321, weight: 5 }));
  const ms = performance.now() - t0;
  const after = k.commands.slice(before);
  t.same(after.map((c) => c.cmd), [C.IPVS_CMD_SET_DEST], 'exactly one command: SET_DEST, no GET_SERVICE / GET_DEST dump');
  t.equal(res.sent, 1);
  t.equal(k.table.get('tcp:10.100.16.225:80')!.dests.get('10.2.16.225:80')!.weight, 5);
  t.comment(`plan + send of one change among 10,000 services (fake kernel): ${ms.toFixed(1)} ms`);
  const again = k.commands.length;
  await r.apply(bigTable(10_000, { index: 4321, weight: 5 }));
  t.equal(k.commands.length, again, 'the same state again: nothing at all');
});

t.test('trusted: a refusal re-reads only the service it concerns', async (t) => {
  const k = new FakeIpvsKernel();
  const client = await IpvsClient.open({ genl: k });
  const r = new Reconciler(client);
  await r.apply(bigTable(50));
  // Someone deleted one of our destinations: our SET_DEST gets ENOENT; the retry re-creates it.
  k.table.get('tcp:10.100.0.7:80')!.dests.delete('10.2.0.7:80');
  const before = k.commands.length;
  const res = await r.apply(bigTable(50, { index: 7, weight: 3 }));
  t.same(res.failed, []);
  const cmds = k.commands.slice(before).map((c) => c.cmd);
  t.same(cmds, [C.IPVS_CMD_SET_DEST, C.IPVS_CMD_GET_SERVICE, C.IPVS_CMD_GET_DEST, C.IPVS_CMD_NEW_DEST],
    'SET_DEST (ENOENT), that one service read back (GET_SERVICE, GET_DEST), then NEW_DEST');
  t.equal(k.commands.slice(before).filter((c) => c.cmd === C.IPVS_CMD_GET_SERVICE && c.flags & 0x300).length, 0, 'no dump of all services');
  t.equal(k.table.get('tcp:10.100.0.7:80')!.dests.get('10.2.0.7:80')!.weight, 3);
});

t.test('audit: its reads do not hold up an apply, and what the apply changed meanwhile is not judged', async (t) => {
  const k = new FakeIpvsKernel();
  const client = await IpvsClient.open({ genl: k });
  const r = new Reconciler(client);
  await r.apply(bigTable(10));
  let release!: () => void;
  k.holdDumps = new Promise((resolve) => { release = resolve; });
  const audit = r.auditStep({ services: 10 });
  await new Promise((resolve) => setImmediate(resolve)); // the audit's service dump is under way
  const before = k.writes.length;
  // A reload's one change goes through while the audit's dump is held.
  const applied = await r.applyChanged(bigTable(10, { index: 6, weight: 4 }).filter((s) => serviceKey(s.service) === 'tcp:10.100.0.6:80'),
    new Set(['tcp:10.100.0.6:80']));
  t.equal(applied.sent, 1, 'the apply did not wait for the audit');
  t.same(k.writes.slice(before).map((c) => c.cmd), [C.IPVS_CMD_SET_DEST]);
  const writes = k.writes.length;
  // The audit's reads now see the table as it was before that apply (the dump answered late).
  k.table.get('tcp:10.100.0.6:80')!.dests.get('10.2.0.6:80')!.weight = 1;
  release();
  const step = await audit;
  k.holdDumps = undefined;
  t.same(step.drifted, [], 'the service the apply changed during the reads is not called drift');
  t.equal(k.writes.length, writes, 'and nothing is written back');
  // Had it really drifted, the next pass (no apply in between) puts it back.
  let q;
  do q = await r.auditStep({ services: 10 }); while (!q.passDone);
  t.equal(k.table.get('tcp:10.100.0.6:80')!.dests.get('10.2.0.6:80')!.weight, 4, 'a later pass repairs it');
});

t.test('audit: reads a few services per step and puts back what others changed', async (t) => {
  const k = new FakeIpvsKernel();
  const client = await IpvsClient.open({ genl: k });
  const r = new Reconciler(client);
  t.same(await r.auditStep(), { read: 0, drifted: [], sent: 0, failed: [], passDone: true }, 'nothing applied yet: nothing read');
  await r.apply(bigTable(10));
  await client.createService(svc('10.0.0.200')); // someone else's: never touched
  const e = (i: number) => k.table.get(`tcp:10.100.0.${i}:80`)!;
  e(1).dests.get('10.1.0.1:80')!.weight = 9; // weight changed
  e(2).dests.delete('10.3.0.2:80'); // destination removed
  e(3).dests.set('10.9.9.9:80', dst('10.9.9.9', 1, 80)); // destination added
  k.table.delete('tcp:10.100.0.4:80'); // service removed
  e(5).service = { ...e(5).service, scheduler: 'wrr' }; // service changed
  const before = k.commands.length;
  const s1 = await r.auditStep({ services: 4 });
  const s1cmds = k.commands.slice(before);
  t.equal(s1cmds.filter((c) => c.cmd === C.IPVS_CMD_GET_SERVICE).length, 1, 'a pass starts with one service dump');
  t.same(s1.drifted.sort(), ['tcp:10.100.0.1:80', 'tcp:10.100.0.2:80', 'tcp:10.100.0.3:80', 'tcp:10.100.0.4:80', 'tcp:10.100.0.5:80'].sort(),
    'found: the changed weight, removed and added destinations, the removed and the changed service');
  t.equal(s1.passDone, false);
  let s = s1;
  let steps = 1;
  while (!s.passDone) { s = await r.auditStep({ services: 4 }); steps++; }
  t.ok(steps >= 2, `a pass over 10 services, 4 per step, took ${steps} steps`);
  const fresh = await r.read();
  const wanted = new Map(bigTable(10).map((x) => [serviceKey(x.service), x]));
  for (const have of fresh) {
    const want = wanted.get(serviceKey(have.service));
    if (!want) continue;
    t.ok(sameState(want, have), `${serviceKey(have.service)} is as applied again`);
  }
  t.equal(fresh.length, 11, 'all ten back, the foreign one still there');
  t.ok(k.table.has('tcp:10.0.0.200:6443'), 'the foreign service untouched');
  // A quiet table: a whole pass finds nothing and sends nothing.
  const quiet = k.writes.length;
  let q;
  do q = await r.auditStep({ services: 4 }); while (!q.passDone);
  t.equal(k.writes.length, quiet, 'no drift: no write');
  // And the next apply still trusts the repaired model: one change, one command.
  const n = k.commands.length;
  await r.apply(bigTable(10, { index: 6, weight: 4 }));
  t.same(k.commands.slice(n).map((c) => c.cmd), [C.IPVS_CMD_SET_DEST]);
});
