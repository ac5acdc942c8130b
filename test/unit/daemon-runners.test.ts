// The daemon against a fake host (test/helpers/daemon-fakes.ts): what each runner does to the
// "kernel" on start, reload and stop, observed there (addresses, IPVS table, sysctls, scripts).
import t from 'tap';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryConfigFs, parseK0sConfig, parseKeepalivedConfig, type VipdConfig } from '../../src/config/index.js';
import { captureLogger, fakeHost, settle, type FakeHost } from '../helpers/daemon-fakes.js';

function conf(text: string): VipdConfig {
  return parseKeepalivedConfig(text, { file: '/k/keepalived.conf', fs: new MemoryConfigFs({}) }).config;
}

function instance(name: string, o: { vrid?: number; priority?: number; vips?: string[]; extra?: string } = {}): string {
  return `vrrp_instance ${name} {
  interface eth0
  virtual_router_id ${o.vrid ?? 51}
  priority ${o.priority ?? 150}
  advert_int 1
${o.extra ?? ''}
  virtual_ipaddress {
${(o.vips ?? ['10.1.1.10/24']).map((v) => `    ${v}\n`).join('')}  }
}
`;
}

function daemon(host: FakeHost, opts: { vrrpOnly?: boolean; checkOnly?: boolean } = {}) {
  const cap = captureLogger();
  return { d: new Daemon(cap.log, { logDetail: false, vrrpOnly: opts.vrrpOnly ?? false, checkOnly: opts.checkOnly ?? false }, host.deps), ...cap };
}

/** Past every Master_Down_Interval: with no peer, each instance becomes master. */
async function takeOver(host: FakeHost): Promise<void> {
  host.clock.advance(5000);
  await settle();
}

const transitions = (lines: Array<Record<string, unknown>>) => lines.filter((l) => typeof l.state === 'string' && typeof l.previous === 'string')
  .map((l) => `${String(l.instance)}:${String(l.previous)}->${String(l.state)}`);

t.test('start, master, stop: VIPs, notify scripts (keepalived order, STOP to notify), nothing left', async (t) => {
  const host = fakeHost();
  const { d, problems } = daemon(host);
  await d.start(conf(instance('VI', { extra: '  notify_master "/bin/m"\n  notify_stop "/bin/s"\n  notify "/bin/n"' })));
  await takeOver(host);
  t.equal(host.router().instance('VI')?.state, 'master');
  t.ok(host.kernel.addressesOf('eth0').includes('10.1.1.10/24'), 'VIP added');
  await d.stop();
  t.notOk(host.kernel.addressesOf('eth0').includes('10.1.1.10/24'), 'VIP removed');
  t.same(host.notifies, [
    ['/bin/n', 'INSTANCE', 'VI', 'BACKUP', '150'], ['/bin/m'], ['/bin/n', 'INSTANCE', 'VI', 'MASTER', '150'],
    ['/bin/s'], ['/bin/n', 'INSTANCE', 'VI', 'STOP', '150'],
  ]);
  t.same(problems(), []);
  t.ok(host.router().closed, 'router closed');
  t.ok(host.closed, 'dependencies released');
});

const K0S = `controlPlaneLoadBalancing:
  enabled: true
  keepalived:
    vrrpInstances:
      - virtualIPs: ["10.1.1.200/24"]
        authPass: k0s
        interface: eth0
      - virtualIPs: ["fd00:1::200/64"]
        authPass: k0s6
        interface: eth0
    virtualServers:
      - ipAddress: "10.1.1.200"
`;

function k0sConfig(): VipdConfig {
  return parseK0sConfig(K0S, { file: '/k/k0s.yaml', defaultInterface: () => 'eth0', controllers: ['10.1.1.1', '10.1.1.2'] }).config;
}

t.test('k0s: IPVS programmed only while an owner is MASTER (the model flag, not "is this k0s")', async (t) => {
  const host = fakeHost();
  const { d, problems } = daemon(host);
  const cfg = k0sConfig();
  t.equal(cfg.k0s?.virtualServersOnMasterOnly, true);
  await d.start(cfg);
  await settle();
  t.equal(host.ipvs.table.size, 0, 'BACKUP: nothing programmed');
  t.match(d.status(), { ipvs: { active: false } });
  await takeOver(host);
  t.equal(host.ipvs.table.size, 1, 'MASTER: the virtual server');
  t.same([...host.ipvs.table.values()][0]!.dests.size, 2, 'with both controllers');
  host.router().setTracked('k0s-vip-0', 'test', false, 0); // FAULT: the VIP and IPVS go
  await settle();
  t.equal(host.router().instance('k0s-vip-0')?.state, 'fault');
  t.equal(host.ipvs.table.size, 0, 'no longer MASTER: released');
  await d.stop();
  t.same(problems(), []);

  const off = fakeHost();
  const o = daemon(off);
  const flagOff = k0sConfig();
  flagOff.k0s!.virtualServersOnMasterOnly = false;
  await o.d.start(flagOff);
  await settle();
  t.equal(off.ipvs.table.size, 1, 'flag off: programmed while BACKUP');
  await o.d.stop();
  t.equal(off.ipvs.table.size, 0, 'released at stop');
});

t.test('k0s host setup: dummyvip0 /32 and /128, LVS-DR ARP sysctls, IPv6 labels; a reload removes what went', async (t) => {
  const host = fakeHost();
  const { d, problems } = daemon(host);
  await d.start(k0sConfig());
  const dummy = host.kernel.links.get('dummyvip0');
  t.equal(dummy?.kind, 'dummy');
  t.equal((dummy!.flags & 1), 0, 'never brought up');
  t.same(host.kernel.addressesOf('dummyvip0').sort(), ['10.1.1.200/32', 'fd00:1::200/128']);
  t.same(Object.fromEntries(host.sysctls), { 'net/ipv4/conf/eth0/arp_ignore': '1', 'net/ipv4/conf/eth0/arp_announce': '2' });
  t.same(host.kernel.labels, [{ prefix: 'fd00:1::200', prefixLength: 128, label: 10000 }]);

  const one = parseK0sConfig(K0S.replace(/ {6}- virtualIPs: \["fd00[^]*?interface: eth0\n/, ''), { file: '/k/k0s.yaml', controllers: ['10.1.1.1'] }).config;
  t.equal(one.vrrpInstances.length, 1);
  await d.reload(one);
  t.same(host.kernel.addressesOf('dummyvip0'), ['10.1.1.200/32'], 'the removed VIP left dummyvip0');
  t.same(host.kernel.labels, [], 'and its label');
  await d.stop();
  t.same(problems(), []);
});

t.test('reload: in place (priority, VIPs, tracking, notify) without a transition; restart only when needed', async (t) => {
  const host = fakeHost();
  const { d, lines, problems } = daemon(host);
  const script = 'vrrp_script chk {\n  script "/bin/chk"\n  interval 1\n  weight -20\n}\n';
  await d.start(conf(script + instance('VI', { priority: 150 })));
  await takeOver(host);
  const before = transitions(lines);
  t.same(before, ['VI:initialize->backup', 'VI:backup->master']);

  host.scriptResults.set('/bin/chk', false);
  await d.reload(conf(script + instance('VI', { priority: 140, vips: ['10.1.1.10/24', '10.1.1.11/24'], extra: '  track_script {\n    chk\n  }\n  notify_backup "/bin/b2"' })));
  await settle();
  const vi = host.router().instance('VI')!;
  t.equal(vi.state, 'master', 'still master');
  t.equal(vi.basePriority, 140);
  t.equal(vi.status().priority, 120, 'the failing script takes 20 off the new base');
  t.ok(host.kernel.addressesOf('eth0').includes('10.1.1.11/24'), 'new VIP held');
  t.same(transitions(lines), before, 'no transition');
  t.ok(lines.some((l) => l.msg === 'VI: updated in place (priority 150 -> 140, virtual addresses, tracking, notify scripts)'), 'updated in place');

  // A changed VRID is a new virtual router: that instance restarts, with the reason logged.
  await d.reload(conf(script + instance('VI', { vrid: 52, priority: 140 })));
  t.match(lines.find((l) => String(l.msg).includes('restarting')), { msg: 'VI: restarting the instance (vrid changed)', because: ['vrid changed'] });
  t.same(transitions(lines).slice(before.length), ['VI:master->initialize', 'VI:initialize->backup'], 'stopped and started again');
  t.equal(host.router().instance('VI')?.config.vrid, 52);
  await d.stop();
  t.same(problems(), []);
});

t.test('reload: priority to and from 255 in place, as keepalived 2.2.7 (a master keeps its VIP, sends no priority 0)', async (t) => {
  const host = fakeHost();
  const { d, lines, problems } = daemon(host);
  await d.start(conf(instance('VI', { priority: 100 })));
  await takeOver(host);
  const before = transitions(lines);
  for (const priority of [255, 100]) {
    await d.reload(conf(instance('VI', { priority })));
    await settle();
    const vi = host.router().instance('VI')!;
    t.match(vi.status(), { state: 'master', priority, configuredPriority: priority }, `priority ${priority}: still master`);
    t.ok(host.kernel.addressesOf('eth0').includes('10.1.1.10/24'), 'the VIP stays');
  }
  t.same(transitions(lines), before, 'no transition');
  t.notOk(lines.some((l) => String(l.msg).includes('restarting')), 'no restart');
  await d.stop();
  t.same(problems(), []);
});

t.test('reload: moving lines (file:line positions) changes nothing', async (t) => {
  const host = fakeHost();
  const { d, lines } = daemon(host);
  const body = 'vrrp_script chk {\n  script "/bin/chk"\n}\n' + instance('VI', { extra: '  track_script {\n    chk\n  }\n  notify_master "/bin/m"' });
  await d.start(conf(body));
  await takeOver(host);
  const n = lines.length;
  await d.reload(conf(`# a comment\n\n\n${body}`));
  t.same(lines.slice(n), [], 'not a line logged: nothing restarted or updated');
  await d.stop();
});

t.test('reload: a sync group whose members did not change keeps its fault state', async (t) => {
  const host = fakeHost();
  const { d, lines } = daemon(host);
  const text = (prio: number) => `vrrp_script chk {\n  script "/bin/chk"\n  interval 1\n}\nvrrp_sync_group G {\n  group {\n    A\n    B\n  }\n}\n`
    + instance('A', { vrid: 61, vips: ['10.1.1.61/24'], extra: '  track_script {\n    chk\n  }' })
    + instance('B', { vrid: 62, vips: ['10.1.1.62/24'] }) + instance('C', { vrid: 63, priority: prio, vips: ['10.1.1.63/24'] });
  host.scriptResults.set('/bin/chk', false);
  await d.start(conf(text(100)));
  await takeOver(host);
  t.equal(host.router().instance('A')?.state, 'fault', 'A: its script fails');
  t.equal(host.router().instance('B')?.state, 'fault', 'B: taken along by the group');
  const before = transitions(lines).length;
  await d.reload(conf(text(90)));
  await settle();
  t.equal(host.router().instance('B')?.state, 'fault', 'an unrelated change leaves the group as it was');
  t.equal(transitions(lines).length, before, 'without releasing B for a moment');
  t.equal(host.router().instance('C')?.basePriority, 90);
  await d.stop();
});

t.test('reload: a step that fails does not stop the others; the next reload starts what failed', async (t) => {
  const host = fakeHost({ autoLinks: false });
  const { d } = daemon(host);
  await d.start(conf(instance('A', { vrid: 61 })));
  const next = conf(instance('A', { vrid: 61, priority: 120 }) + instance('B', { vrid: 62, vips: ['10.1.1.62/24'] }).replace('eth0', 'eth9'));
  await t.rejects(d.reload(next), { message: 'B: no such link: eth9' });
  t.equal(host.router().instance('A')?.basePriority, 120, 'A updated anyway');
  t.notOk(host.router().instance('B'), 'B not running');
  host.kernel.addLink('eth9');
  await d.reload(next);
  t.ok(host.router().instance('B'), 'the same configuration again: B starts');
  await d.stop();
});

t.test('-P (VRRP only) opens no IPVS; -C (checkers only) creates no router', async (t) => {
  const host = fakeHost();
  const cfg = k0sConfig();
  cfg.k0s!.virtualServersOnMasterOnly = false;
  const v = daemon(host, { vrrpOnly: true });
  await v.d.start(cfg);
  await settle();
  t.equal(host.ipvs.commands.length, 0, 'no IPVS command');
  await v.d.stop();

  const c = fakeHost();
  const k = daemon(c, { checkOnly: true });
  await k.d.start(cfg);
  await settle();
  t.throws(() => c.router(), /has not created its router/);
  t.equal(c.ipvs.table.size, 1);
  t.same(c.kernel.links.has('dummyvip0'), false, 'no host setup without VRRP');
  await k.d.stop();
});
