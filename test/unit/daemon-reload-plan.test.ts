// planReload(old, next): what a SIGHUP does to each instance, sync group, the k0s host setup and
// the virtual servers, decided purely from the two configurations.
import t from 'tap';
import { MemoryConfigFs, parseK0sConfig, parseKeepalivedConfig, type VipdConfig } from '../../src/config/index.js';
import { planReload, type InstanceStep, type ReloadPlan } from '../../src/daemon/reload-plan.js';

function conf(text: string): VipdConfig {
  return parseKeepalivedConfig(text, { file: '/k/keepalived.conf', fs: new MemoryConfigFs({}) }).config;
}

interface Inst { name?: string; vrid?: number; priority?: number; vips?: string[]; lines?: string[] }

function instance(o: Inst = {}): string {
  return `vrrp_instance ${o.name ?? 'VI'} {
  interface eth0
  virtual_router_id ${o.vrid ?? 51}
  priority ${o.priority ?? 100}
  advert_int 1
${(o.lines ?? []).map((l) => `  ${l}\n`).join('')}  virtual_ipaddress {
${(o.vips ?? ['10.0.0.10/24']).map((v) => `    ${v}\n`).join('')}  }
}
`;
}

const SCRIPTS = `vrrp_script chk {
  script "/bin/chk"
  interval 1
  weight -10
}
vrrp_script other {
  script "/bin/other arg"
}
`;

const step = (p: ReloadPlan, name = 'VI'): InstanceStep => p.instances.find((s) => s.name === name)!;
const kinds = (p: ReloadPlan) => Object.fromEntries(p.instances.map((s) => [s.name, s.kind]));
const plan = (a: string, b: string) => planReload(conf(a), conf(b));

t.test('start: everything is added', async (t) => {
  const p = planReload(undefined, conf(instance({ name: 'A' }) + instance({ name: 'B', vrid: 52 }) + 'vrrp_sync_group G {\n  group {\n    A\n    B\n  }\n}\n'));
  t.same(kinds(p), { A: 'add', B: 'add' });
  t.same(p.syncGroups, [{ kind: 'create', name: 'G', members: ['A', 'B'], notify: {} }]);
  t.same(p.host, { setup: { addresses: [], arpInterfaces: [], labels: [] }, removeAddresses: [], removeLabels: [] }, 'keepalived.conf: no k0s host setup');
  t.equal(p.virtualServers.onMasterOnly, false);
});

t.test('the same configuration, or the same with moved lines and other quoting: every instance kept', async (t) => {
  const text = SCRIPTS + instance({ lines: ['track_script {', '  chk', '}', 'notify_master "/bin/m x"'] });
  t.same(kinds(plan(text, text)), { VI: 'keep' });
  t.same(kinds(plan(text, `\n\n# moved\n${text}`)), { VI: 'keep' }, 'file:line positions are not behaviour');
  t.same(kinds(plan(text, text.replace('"/bin/m x"', '"/bin/m  x"'))), { VI: 'keep' }, 'the same argv, quoted differently');
});

t.test('in place: priority, VIPs, excluded VIPs, tracking, notify', async (t) => {
  const base = SCRIPTS + instance();
  const prio = step(plan(base, SCRIPTS + instance({ priority: 120 })));
  t.same(prio.kind === 'update' && prio.changes, { priority: { from: 100, to: 120 } }, 'priority, and nothing else');
  t.match(step(plan(base, SCRIPTS + instance({ vips: ['10.0.0.10/24', '10.0.0.11/24'] }))), {
    kind: 'update', changes: { virtualAddresses: { from: ['10.0.0.10/24'], to: ['10.0.0.10/24', '10.0.0.11/24'] } },
  }, 'a VIP added');
  t.match(step(plan(base, SCRIPTS + instance({ vips: ['10.0.0.12/24'] }))), { kind: 'update', changes: { virtualAddresses: { to: ['10.0.0.12/24'] } } }, 'replaced');
  t.match(step(plan(base, SCRIPTS + instance({ lines: ['virtual_ipaddress_excluded {', '  10.0.0.99/24', '}'] }))),
    { kind: 'update', changes: { virtualAddresses: { to: ['10.0.0.10/24', '10.0.0.99/24'] } } }, 'excluded VIPs too');
  t.match(step(plan(base, SCRIPTS + instance({ lines: ['notify_backup "/bin/b"'] }))), { kind: 'update', changes: { notify: true } }, 'notify scripts');
  const s = step(plan(base, SCRIPTS + instance({ priority: 90, lines: ['notify "/bin/n"'] })));
  t.same(s.kind === 'update' && Object.keys(s.changes).sort(), ['notify', 'priority'], 'several at once');
});

t.test('in place: tracking added, dropped, re-weighted, redefined', async (t) => {
  const track = (...names: string[]) => ['track_script {', ...names.map((n) => `  ${n}`), '}'];
  const ti = (...l: string[]) => ['track_interface {', ...l.map((x) => `  ${x}`), '}'];
  const changes = (a: string[], b: string[], scripts = SCRIPTS, scriptsB = SCRIPTS) => {
    const s = step(planReload(conf(scripts + instance({ lines: a })), conf(scriptsB + instance({ lines: b }))));
    if (s.kind !== 'update') throw new Error(`expected an update, got ${s.kind}`);
    const tr = s.changes.tracking!;
    const names = (x: typeof tr.added) => x.map((y) => `${y.kind}:${y.name}:${y.weight}`);
    return { added: names(tr.added), removed: names(tr.removed), reweighted: names(tr.reweighted) };
  };
  t.same(changes([], track('chk')), { added: ['script:chk:-10'], removed: [], reweighted: [] }, 'a script tracked');
  t.same(changes(track('chk', 'other'), track('other')), { added: [], removed: ['script:chk:-10'], reweighted: [] }, 'a script dropped');
  t.same(changes(track('chk'), track('chk weight -30')), { added: [], removed: [], reweighted: ['script:chk:-30'] }, 'another weight');
  t.same(changes(track('chk'), track('chk'), SCRIPTS, SCRIPTS.replace('interval 1', 'interval 2')),
    { added: ['script:chk:-10'], removed: ['script:chk:-10'], reweighted: [] }, 'the script itself changed: a new tracker');
  t.same(changes([], ti('eth1')), { added: ['interface:eth1:0'], removed: [], reweighted: [] }, 'an interface tracked');
  t.same(changes(ti('eth1'), ti('eth1 weight 20')), { added: [], removed: [], reweighted: ['interface:eth1:20'] }, 'its weight');
  const dropped = step(plan(SCRIPTS + instance({ lines: ti('eth1') }), SCRIPTS + instance()));
  t.match(dropped, { kind: 'restart', because: ['track_interface eth1 removed'] }, 'a dropped track_interface restarts (the router cannot untrack)');
});

t.test('restart: whatever the instance cannot change while running, named', async (t) => {
  const base = instance();
  const cases: Array<[string, string, string[]]> = [
    ['virtual_router_id', instance({ vrid: 52 }), ['vrid changed']],
    ['interface', instance().replace('interface eth0', 'interface eth1'), ['interface changed']],
    ['advert_int', instance().replace('advert_int 1', 'advert_int 2'), ['advertIntervalCs changed']],
    ['nopreempt', instance({ lines: ['nopreempt'] }), ['preempt changed']],
    ['preempt_delay', instance({ lines: ['preempt_delay 5'] }), ['preemptDelayMs changed']],
    ['version', instance({ lines: ['version 3'] }), ['version changed']],
    ['authentication', instance({ lines: ['authentication {', '  auth_type PASS', '  auth_pass secret', '}'] }), ['auth changed']],
    ['unicast_peer', instance({ lines: ['unicast_peer {', '  10.0.0.2', '}'] }), ['unicastPeers changed']],
    ['garp_master_delay', instance({ lines: ['garp_master_delay 10'] }), ['garp changed']],
    ['a VIP on another device', instance({ vips: ['10.0.0.10/24', '10.9.0.1/24 dev eth1'] }), ['a virtual address on eth1, a new interface']],
  ];
  for (const [what, next, because] of cases) t.match(step(plan(base, next)), { kind: 'restart', because }, what);
  t.same(step(plan(instance({ vips: ['10.9.0.1/24 dev eth1'] }), instance({ vips: ['10.9.0.2/24 dev eth1'] }))).kind, 'update', 'a device it already uses: in place');
  // keepalived 2.2.7 on SIGHUP: a master at 100 -> 255 -> 100 keeps its VIP and never sends priority 0.
  t.match(step(plan(base, instance({ priority: 255 }))), { kind: 'update', changes: { priority: { from: 100, to: 255 } } }, 'priority to 255 (address owner): in place, as keepalived');
  t.match(step(plan(instance({ priority: 255 }), base)), { kind: 'update', changes: { priority: { from: 255, to: 100 } } }, 'and from 255');
});

t.test('instances added, removed, renamed', async (t) => {
  const p = plan(instance({ name: 'A' }) + instance({ name: 'B', vrid: 52 }), instance({ name: 'B', vrid: 52 }) + instance({ name: 'C', vrid: 51 }));
  t.same(p.instances.map((s) => `${s.kind}:${s.name}`), ['remove:A', 'keep:B', 'add:C'], 'A renamed to C keeps the VRID: removed first, then added');
});

t.test('sync groups: kept unless their members change or restart', async (t) => {
  const g = (...m: string[]) => `vrrp_sync_group G {\n  group {\n${m.map((x) => `    ${x}\n`).join('')}  }\n}\n`;
  const three = instance({ name: 'A' }) + instance({ name: 'B', vrid: 52 }) + instance({ name: 'C', vrid: 53 });
  t.same(plan(three + g('A', 'B'), three + g('A', 'B')).syncGroups, [{ kind: 'keep', name: 'G', members: ['A', 'B'], notify: {} }]);
  t.same(plan(three + g('A', 'B'), three + g('A', 'B', 'C')).syncGroups, [{ kind: 'rebuild', name: 'G', members: ['A', 'B', 'C'], notify: {}, because: 'members changed' }]);
  const restarted = instance({ name: 'A', vrid: 54 }) + instance({ name: 'B', vrid: 52 }) + instance({ name: 'C', vrid: 53 });
  t.same(plan(three + g('A', 'B'), restarted + g('A', 'B')).syncGroups, [{ kind: 'rebuild', name: 'G', members: ['A', 'B'], notify: {}, because: 'A restarted' }]);
  t.same(plan(three + g('A', 'B'), three).syncGroups, [{ kind: 'remove', name: 'G' }]);
  t.same(plan(three + g('A', 'B'), three + g('A')).syncGroups, [{ kind: 'rebuild', name: 'G', members: ['A'], notify: {}, because: 'members changed' }],
    'a group of one is still a group (keepalived notifies it)');
  t.match(plan(three + g('A', 'B'), three + g('A', 'B').replace('}\n}', '}\n  notify_master /bin/gm\n}')).syncGroups,
    [{ kind: 'keep', name: 'G', members: ['A', 'B'], notify: { master: { argv: ['/bin/gm'] } } }], 'new group notify scripts: kept, not rebuilt');
});

const K0S = (vips: string[]) => `controlPlaneLoadBalancing:
  enabled: true
  keepalived:
    vrrpInstances:
${vips.map((v, i) => `      - virtualIPs: ["${v}"]\n        authPass: k${i}\n        interface: eth0\n`).join('')}    virtualServers:
      - ipAddress: "${vips[0]!.split('/')[0]}"
`;
const k0s = (vips: string[]) => parseK0sConfig(K0S(vips), { file: '/k/k0s.yaml', controllers: ['10.0.0.1'] }).config;

t.test('k0s: host setup and virtual servers only on MASTER from the model', async (t) => {
  const p = planReload(undefined, k0s(['10.0.0.200/24', 'fd00::200/64']));
  t.same(p.host.setup, {
    dummyLink: 'dummyvip0',
    addresses: [{ link: 'dummyvip0', address: '10.0.0.200', prefixLength: 32 }, { link: 'dummyvip0', address: 'fd00::200', prefixLength: 128 }],
    arpInterfaces: ['eth0'],
    labels: [{ prefix: 'fd00::200', prefixLength: 128, label: 10000 }],
  });
  t.equal(p.virtualServers.onMasterOnly, true);
  t.same([...p.virtualServers.owners], [['10.0.0.200', 'k0s-vip-0']], 'the virtual server belongs to the instance holding its VIP');
  const off = k0s(['10.0.0.200/24']);
  off.k0s!.virtualServersOnMasterOnly = false;
  t.equal(planReload(undefined, off).virtualServers.onMasterOnly, false, 'k0s input with the flag off: everywhere');

  const r = planReload(k0s(['10.0.0.200/24', 'fd00::200/64']), k0s(['10.0.0.200/24']));
  t.same(r.host.removeAddresses, [{ link: 'dummyvip0', address: 'fd00::200', prefixLength: 128 }]);
  t.same(r.host.removeLabels, [{ prefix: 'fd00::200', prefixLength: 128, label: 10000 }]);
  t.same(kinds(r), { 'k0s-vip-0': 'keep', 'k0s-vip-1': 'remove' });
});
