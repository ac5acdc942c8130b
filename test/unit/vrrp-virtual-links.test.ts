// use_vmac / use_ipvlan without a kernel: what link an instance asks for, the sysctls keepalived
// 2.2.7 sets (observed with sysctl -a), stale links, rp_filter spread and restored; and keepalived's
// rule for instances sharing one VRID.
import t from 'tap';
import { resolveInstanceConfig, type InstanceConfig } from '../../src/vrrp/instance-config.js';
import { linkSysctls, virtualLinkOf, VirtualLinks, type LinkOps, type SysctlOps } from '../../src/vrrp/virtual-link.js';
import { instancesConflict } from '../../src/vrrp/demux.js';
import type { Link } from '../../src/netif/rtnetlink/link.js';

const base = (over: Partial<InstanceConfig> = {}) => resolveInstanceConfig({ name: 'vi', vrid: 42, interface: 'eth0', virtualAddresses: ['10.0.0.100/24'], ...over });

t.test('the link an instance asks for', async (t) => {
  t.same(virtualLinkOf(base({ vmac: {} })), { kind: 'macvlan', name: 'vrrp.42', family: 4, mac: '00:00:5e:00:01:2a', mode: 'private', xmitBase: false });
  t.match(virtualLinkOf(base({ vmac: {}, virtualAddresses: ['fd00::1/64'] }), 'vx'), { name: 'vx.42', mac: '00:00:5e:00:02:2a' }, 'IPv6, vmac_prefix');
  t.match(virtualLinkOf(base({ vmac: { name: 'mine', mac: '02:11:22:33:44', xmitBase: true } })), { name: 'mine', mac: '02:11:22:33:44:2a', xmitBase: true });
  t.same(virtualLinkOf(base({ ipvlan: { address: '10.0.0.5/24' } })), {
    kind: 'ipvlan', name: 'vrrp.42', family: 4, mode: 'bridge', xmitBase: false, address: { address: '10.0.0.5', prefixLength: 24 },
  });
  t.equal(virtualLinkOf(base()), undefined);
  t.throws(() => base({ vmac: { mac: '01:00:5e:00:00' } }), /multicast MAC/);
  t.throws(() => base({ ipvlan: {} }), /IPv4 ipvlan needs an address/);
  t.throws(() => base({ vmac: {}, ipvlan: { address: '10.0.0.5/24' } }), /either a VMAC or an ipvlan/);
  t.throws(() => base({ vmac: { name: 'a/b' } }), /not an interface name/);
});

t.test('sysctls: keepalived 2.2.7\'s', async (t) => {
  t.same(linkSysctls(virtualLinkOf(base({ vmac: {} }))!, 'eth0'), [
    ['net/ipv6/conf/vrrp.42/addr_gen_mode', '1'], ['net/ipv6/conf/vrrp.42/disable_ipv6', '1'],
    ['net/ipv4/conf/vrrp.42/arp_ignore', '1'], ['net/ipv4/conf/vrrp.42/accept_local', '1'], ['net/ipv4/conf/vrrp.42/rp_filter', '0'],
    ['net/ipv4/conf/vrrp.42/promote_secondaries', '1'], ['net/ipv4/conf/eth0/arp_ignore', '1'], ['net/ipv4/conf/eth0/arp_filter', '1'],
  ]);
  t.same(linkSysctls(virtualLinkOf(base({ vmac: {}, virtualAddresses: ['fd00::1/64'] }))!, 'eth0'), [['net/ipv6/conf/vrrp.42/addr_gen_mode', '1']]);
});

function fakeHost(existing: Link[] = []) {
  const links = new Map(existing.map((l) => [l.name, l]));
  const calls: string[] = [];
  let next = 20;
  const ops: LinkOps = {
    link: async (w) => {
      const l = typeof w === 'number' ? [...links.values()].find((x) => x.index === w) : links.get(w);
      if (!l) throw new Error(`no such link: ${w}`);
      return l;
    },
    links: async () => [...links.values()],
    createLink: async (s) => {
      calls.push(`create ${s.name} ${s.kind} ${s.mode ?? ''} ${s.mac ?? ''}`.trim());
      links.set(s.name, { index: next++, name: s.name, mac: s.mac ?? '', flags: 0, up: false, operstate: 'down', kind: s.kind, mtu: 1500, parent: s.parent! });
    },
    deleteLink: async (w) => {
      calls.push(`delete ${w}`);
      for (const [n, l] of links) if (l.index === w || n === w) links.delete(n);
    },
    setLinkUp: async (i, up) => { calls.push(`up ${i} ${up}`); },
    addAddress: async (a) => { calls.push(`address ${a.ifindex} ${a.address}/${a.prefixLength}`); },
  };
  const sys = new Map<string, string>([['net/ipv4/conf/all/rp_filter', '0'], ['net/ipv4/conf/eth0/rp_filter', '0'], ['net/ipv4/conf/default/rp_filter', '0']]);
  const sysctl: SysctlOps = {
    read: (k) => sys.get(k),
    write: (k, v) => { sys.set(k, v); },
    list: () => [...new Set([...sys.keys()].map((k) => k.split('/')[3]!))],
  };
  return { ops, sysctl, calls, sys, links };
}

const ETH0: Link = { index: 2, name: 'eth0', mac: '02:00:00:00:00:02', flags: 0, up: true, operstate: 'up', mtu: 1500 };

t.test('created fresh (a stale one of ours replaced, a stranger refused), removed on stop', async (t) => {
  const stale: Link = { index: 9, name: 'vrrp.42', mac: '00:00:5e:00:01:2a', flags: 0, up: true, operstate: 'up', kind: 'macvlan', mtu: 1500, parent: 2 };
  const h = fakeHost([ETH0, stale]);
  const vl = new VirtualLinks(h.ops, h.sysctl);
  const l = await vl.create(virtualLinkOf(base({ vmac: {} }))!, ETH0);
  t.same(h.calls, ['delete 9', 'create vrrp.42 macvlan private 00:00:5e:00:01:2a', 'up 20 true']);
  t.equal(l.index, 20);
  t.equal(h.sys.get('net/ipv4/conf/eth0/arp_filter'), '1');
  await t.rejects(vl.create(virtualLinkOf(base({ vmac: {} }))!, ETH0), /already used by another VRRP instance/);
  await vl.remove('vrrp.42');
  t.equal(h.links.has('vrrp.42'), false);
  const other = fakeHost([ETH0, { ...stale, kind: 'veth' }]);
  await t.rejects(new VirtualLinks(other.ops, other.sysctl).create(virtualLinkOf(base({ vmac: {} }))!, ETH0), /exists and is not a macvlan of eth0/);
  const six = fakeHost([ETH0]);
  await new VirtualLinks(six.ops, six.sysctl).create(virtualLinkOf(base({ vmac: {}, virtualAddresses: ['fd00::1/64'] }))!, ETH0, 'fe80::2');
  t.match(six.calls, ['create vrrp.42 macvlan private 00:00:5e:00:02:2a', 'up 20 true', 'address 20 fe80::2/64'], 'IPv6: the interface\'s link-local on the VMAC');
});

t.test('all.rp_filter on: spread to every interface, all 0, restored when the last VMAC goes', async (t) => {
  const h = fakeHost([ETH0]);
  h.sys.set('net/ipv4/conf/all/rp_filter', '1');
  h.sys.set('net/ipv4/conf/lo/rp_filter', '2');
  const vl = new VirtualLinks(h.ops, h.sysctl);
  await vl.create(virtualLinkOf(base({ vmac: {} }))!, ETH0);
  t.same(['all', 'default', 'eth0', 'lo', 'vrrp.42'].map((d) => h.sys.get(`net/ipv4/conf/${d}/rp_filter`)), ['0', '1', '1', '2', '0']);
  await vl.remove('vrrp.42');
  t.same(['all', 'default', 'eth0', 'lo'].map((d) => h.sys.get(`net/ipv4/conf/${d}/rp_filter`)), ['1', '0', '0', '2'], 'keepalived restores them');
});

t.test('one VRID twice on one interface: apart by multicast group or by unicast peers (keepalived)', async (t) => {
  const mc = base();
  t.match(instancesConflict(mc, base({ name: 'b' })), /both multicast to 224.0.0.18/);
  t.equal(instancesConflict(mc, base({ name: 'b', multicastGroup: '224.0.0.19' })), undefined);
  const u1 = base({ unicastPeers: ['10.0.0.2', '10.0.0.3'] });
  t.equal(instancesConflict(mc, u1), undefined, 'multicast and unicast never clash');
  t.equal(instancesConflict(u1, base({ name: 'b', unicastPeers: ['10.0.0.4'] })), undefined);
  t.match(instancesConflict(u1, base({ name: 'b', unicastPeers: ['10.0.0.3'] })), /both unicast to 10.0.0.3/);
  t.equal(instancesConflict(mc, base({ name: 'b', interface: 'eth1' })), undefined);
  t.equal(instancesConflict(mc, base({ name: 'b', vrid: 43 })), undefined);
});
