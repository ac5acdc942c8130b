// Configs keepalived runs (checked against keepalived 2.2.7 as a black box: `keepalived -t` and
// --dump-conf in a namespace) that vipd once refused: they load, with keepalived's warnings, and
// map to VRRP instances and IPVS services without an exception.
import t from 'tap';
import { parseKeepalivedConfig } from '../../src/config/index.js';
import { instanceConfig, virtualServerConfigs } from '../../src/daemon/config-mapping.js';
import { ConfigError } from '../../src/errors.js';

const load = (text: string, more: { interfaceOfAddress?: (a: string) => string | undefined } = {}) => parseKeepalivedConfig(text, { file: '/k.conf', ...more });
const lines = (w: Array<{ line: number; message: string }>) => w.map((x) => `${x.line}: ${x.message}`);

const instance = (body: string) => `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n${body}\n}\n`;

t.test('auth_pass longer than 8 characters: the first 8, with a warning (keepalived: "Truncating auth_pass to 8 characters")', async (t) => {
  const { config, warnings } = load(instance('  authentication {\n    auth_type PASS\n    auth_pass 123456789012\n  }\n  virtual_ipaddress {\n    10.0.0.10/24\n  }'));
  t.strictSame(config.vrrpInstances[0]!.authentication, { type: 'PASS', pass: '12345678' });
  t.strictSame(lines(warnings), ['6: auth_pass: password is 12 characters, truncated to the first 8 as keepalived does']);
  t.same(instanceConfig(config.vrrpInstances[0]!, config).auth, { type: 'pass', password: '12345678' });
});

t.test('IPv4 and IPv6 in one virtual_ipaddress: the first VIP sets the family, the others are dropped with a warning', async (t) => {
  const { config, warnings } = load(instance('  virtual_ipaddress {\n    fd00::5/64\n    10.0.0.10/24\n    fd00::6/64\n  }'));
  const i = config.vrrpInstances[0]!;
  t.equal(i.family, 6);
  t.equal(i.version, 3);
  t.strictSame(i.virtualIpAddresses.map((v) => v.address), ['fd00::5', 'fd00::6']);
  t.strictSame(lines(warnings), ["6: virtual_ipaddress: 10.0.0.10/24 is not IPv6 like the instance's first VIP, ignored as keepalived does"]);
});

t.test('vrrp_strict with authentication: the authentication is dropped with a warning', async (t) => {
  const { config, warnings } = load(`global_defs {\n  vrrp_strict\n}\n${instance('  authentication {\n    auth_pass secret\n  }\n  virtual_ipaddress {\n    10.0.0.10/24\n  }')}`);
  const i = config.vrrpInstances[0]!;
  t.equal(i.authentication, undefined);
  t.equal(i.accept, false, 'strict mode: no accept by default');
  t.equal(instanceConfig(i, config).authPass, undefined);
  t.ok(lines(warnings).includes('7: vrrp_instance VI_1: strict mode does not allow authentication, ignored as keepalived does'), lines(warnings).join('\n'));
});

t.test('a unicast keyword without peers: multicast with a warning (keepalived: "Defaulting to multicast"), strict mode too', async (t) => {
  const { config, warnings } = load(`global_defs {\n  vrrp_strict\n}\n${instance('  virtual_ipaddress {\n    10.0.0.10\n  }\n  unicast_src_ip 10.0.0.10')}`);
  t.ok(lines(warnings).includes('10: vrrp_instance VI_1: a unicast keyword without unicast peers: adverts are multicast, as keepalived does (deprecated there)'), lines(warnings).join('\n'));
  const c = instanceConfig(config.vrrpInstances[0]!, config);
  t.match(c, { strict: true, unicastPeers: [], unicastSource: '10.0.0.10' }, 'runs (keepalived 2.2.7 and 2.4.3 -t accept it)');
});

t.test('VIP brd / scope / peer, with keepalived 2.2.7\'s rules (checked with keepalived -t)', async (t) => {
  const { config, warnings } = load(instance([
    '  virtual_ipaddress {', '    10.0.0.100/24 brd + scope link', '    10.0.0.101/24 brd 10.0.0.255 peer 10.0.0.102', '    10.0.0.103/24 peer fd00::1',
    '    10.0.0.104/24 brd - scope host', '  }',
  ].join('\n')));
  const lib = instanceConfig(config.vrrpInstances[0]!, config);
  t.same(lib.virtualAddresses, [
    { address: '10.0.0.100', prefixLength: 24, scope: 'link', broadcast: '10.0.0.255' },
    { address: '10.0.0.101', prefixLength: 32, peer: '10.0.0.102' },
    { address: '10.0.0.103', prefixLength: 24 },
    { address: '10.0.0.104', prefixLength: 24, scope: 'host', broadcast: '10.0.0.0' },
  ]);
  t.same(lines(warnings), [
    '6: virtual_ipaddress: 10.0.0.101/24 with a peer: the prefix is ignored (/32), as keepalived does',
    '6: virtual_ipaddress: broadcast and peer for 10.0.0.101: the broadcast address is ignored, as keepalived does',
    '7: virtual_ipaddress: peer fd00::1 is not IPv4 like 10.0.0.103, ignored as keepalived does',
  ]);
  const v6 = load(instance('  virtual_ipaddress {\n    fd00::100/64 brd 10.0.0.255\n    fd00::101/64 scope link\n  }'));
  t.same(v6.config.vrrpInstances[0]!.virtualIpAddresses.map((v) => v.address), ['fd00::101'], 'an IPv6 VIP with brd is skipped');
  t.same(lines(v6.warnings), ['5: virtual_ipaddress: a broadcast address for IPv6 fd00::100: the address is skipped, as keepalived does']);
});

t.test('sync groups: undefined members are dropped, an empty group is removed, each with a warning', async (t) => {
  const text = `${instance('  virtual_ipaddress {\n    10.0.0.10/24\n  }')}vrrp_sync_group G1 {\n  group {\n    VI_1\n    VI_9\n  }\n}\nvrrp_sync_group G2 {\n  group {\n    VI_8\n  }\n}\nvrrp_sync_group G3 {\n  group {\n  }\n}\n`;
  const { config, warnings } = load(text);
  t.strictSame(config.vrrpSyncGroups.map((g) => [g.name, g.group]), [['G1', ['VI_1']]]);
  t.strictSame(lines(warnings), [
    "19: vrrp_sync_group G3: empty 'group', the group is removed as keepalived does",
    "8: vrrp_sync_group G1: vrrp_instance 'VI_9' is not defined, ignored",
    '8: vrrp_sync_group G1: only one vrrp_instance (VI_1), nothing to synchronise',
    "14: vrrp_sync_group G2: vrrp_instance 'VI_8' is not defined, ignored",
    '14: vrrp_sync_group G2: no vrrp_instance left in the group, the group is removed',
  ]);
});

t.test('a unicast instance without interface: the interface holding unicast_src_ip (keepalived 2.4)', async (t) => {
  const text = 'vrrp_instance VI_1 {\n  virtual_router_id 51\n  unicast_src_ip 10.0.0.1\n  unicast_peer {\n    10.0.0.2\n  }\n  virtual_ipaddress {\n    10.0.0.10/24\n  }\n}\n';
  const { config, warnings } = load(text, { interfaceOfAddress: (a) => (a === '10.0.0.1' ? 'eth7' : undefined) });
  t.equal(config.vrrpInstances[0]!.interface, 'eth7');
  t.strictSame(warnings, []);
  const pure = load(text);
  t.equal(pure.config.vrrpInstances[0]!.interface, '', 'without host facts the interface is left to the daemon');
  const none = load(text, { interfaceOfAddress: () => undefined });
  t.strictSame(lines(none.warnings), [
    "1: vrrp_instance VI_1: no 'interface' and no interface has unicast_src_ip 10.0.0.1",
    '8: vrrp_instance VI_1: no interface for virtual address 10.0.0.10/24 (the instance has none, give it a dev), removed as keepalived does',
    '1: vrrp_instance VI_1: no virtual_ipaddress; at least one is sensible',
  ], 'keepalived 2.4 runs it unbound, and drops the VIPs that name no interface');
  const devs = load(text.replace('10.0.0.10/24', '10.0.0.10/24 dev eth0'), { interfaceOfAddress: () => undefined });
  t.equal(devs.config.vrrpInstances[0]!.virtualIpAddresses.length, 1, 'a VIP with dev stays');
  t.match(instanceConfig(devs.config.vrrpInstances[0]!, devs.config), { interface: '', unicastSource: '10.0.0.1', virtualAddresses: [{ interface: 'eth0' }] });
  t.throws(() => load(text.replace('  unicast_src_ip 10.0.0.1\n', '')), { message: "/k.conf:1: vrrp_instance VI_1: no 'interface' (a unicast instance needs interface or unicast_src_ip)" });
  t.throws(() => load('vrrp_instance VI_1 {\n  virtual_router_id 51\n}\n'), { message: "/k.conf:1: vrrp_instance VI_1: no 'interface'" });
});

t.test('fwmark services: real_server with port 0 or none', async (t) => {
  const { config } = load('virtual_server fwmark 5 {\n  real_server 10.0.0.31 0 {\n  }\n  real_server 10.0.0.32 {\n  }\n}\n');
  t.strictSame(config.virtualServers[0]!.realServers.map((r) => r.port), [0, 0]);
  const [m] = virtualServerConfigs(config);
  t.strictSame(m!.config.realServers.map((r) => r.destination.port), [0, 0]);
});

t.test('quorum 0: 1, with keepalived\'s warning', async (t) => {
  const { config, warnings } = load('virtual_server 10.0.0.10 80 {\n  protocol TCP\n  quorum 0\n}\n');
  t.equal(config.virtualServers[0]!.quorum, 1);
  t.strictSame(lines(warnings), ['3: quorum: 0 is out of range 1..4294967295, 1 is used as keepalived does']);
});

t.test('every scheduler name keepalived accepts, under lb_algo and lvs_sched', async (t) => {
  for (const s of ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos']) {
    for (const k of ['lb_algo', 'lvs_sched']) {
      const { config } = load(`virtual_server 10.0.0.10 80 {\n  protocol TCP\n  ${k} ${s}\n}\n`);
      t.equal(config.virtualServers[0]!.scheduler, s, `${k} ${s}`);
    }
  }
  for (const k of ['lb_kind', 'lvs_method']) {
    for (const m of ['NAT', 'DR', 'TUN']) t.equal(load(`virtual_server 10.0.0.10 80 {\n  protocol TCP\n  ${k} ${m}\n}\n`).config.virtualServers[0]!.method, m);
  }
});

t.test('persistence_granularity is checked at parse time and maps', async (t) => {
  const vs = (g: string, addr = '10.0.0.10') => `virtual_server ${addr} 80 {\n  protocol TCP\n  persistence_timeout 60\n  persistence_granularity ${g}\n}\n`;
  t.equal(virtualServerConfigs(load(vs('255.255.255.0')).config)[0]!.config.service.netmask, 24);
  t.equal(virtualServerConfigs(load(vs('24')).config)[0]!.config.service.netmask, 24);
  t.ok(load(vs('24')).warnings.some((w) => w.line === 4 && /reads '24' as the prefix length \/24; keepalived reads a bare number as the netmask 0\.0\.0\.24/.test(w.message)), 'a bare IPv4 number: the difference from keepalived is said');
  t.notOk(load(vs('64', 'fd00::10')).warnings.some((w) => /persistence_granularity/.test(w.message)), 'IPv6: a prefix length, as keepalived');
  t.equal(virtualServerConfigs(load(vs('64', 'fd00::10')).config)[0]!.config.service.netmask, 64);
  // keepalived runs these (the value ignored, or a netmask vipd cannot program): a warning at file:line.
  for (const [g, msg] of [
    ['foo', "persistence_granularity: 'foo' is not a netmask or prefix length, ignored as keepalived does"],
    ['255.0.255.0', "persistence_granularity: '255.0.255.0' is not a contiguous netmask: keepalived programs it as given; vipd programs prefix lengths only and leaves the granularity at /32 (its default)"],
    ['33', "persistence_granularity: keepalived programs '33' as the netmask 0.0.0.33 (a bare number read as inet_aton reads it); vipd programs prefix lengths only and leaves the granularity at /32 (its default)"],
  ] as const) {
    t.ok(load(vs(g)).warnings.some((w) => w.line === 4 && w.message === msg), g);
  }
  for (const [g, addr, msg] of [
    ['129', 'fd00::10', "/k.conf:4: persistence_granularity: '129' is not an IPv6 prefix length (1..128)"],
    ['255.255.0.0', 'fd00::10', "/k.conf:4: persistence_granularity: '255.255.0.0' is not an IPv6 prefix length (1..128)"],
  ] as const) {
    t.throws(() => load(vs(g, addr)), { message: msg }, g);
  }
});

t.test('virtual_server_group ranges map to every address, IPv4 and IPv6, of any size', async (t) => {
  const text = [
    'virtual_server_group G4 {',
    '  10.1.0.0/16 80',
    '  10.2.0.254-10.2.1.1 81',
    '  10.3.0.1-3 82',
    '}',
    'virtual_server_group G6 {',
    '  fd00::1-ff 80',
    '  fd00::1:fffe-fd00::2:1 81',
    '  fd00::100/126 82',
    '}',
    'virtual_server group G4 {\n  protocol TCP\n  real_server 10.0.0.31 80 {\n  }\n}',
    'virtual_server group G6 {\n  protocol TCP\n  real_server fd00::31 {\n  }\n}',
  ].join('\n');
  const { config } = load(text);
  const mapped = virtualServerConfigs(config);
  // One entry per group and port: the first service, the others as extraServices (one set of checkers).
  const services = mapped.flatMap((m) => [m.config.service, ...(m.config.extraServices ?? [])].map((service) => ({ service, m })));
  const addrs = (port: number, fam: 4 | 6) => services.filter(({ service: s }) => s.port === port && s.family === fam).map(({ service: s }) => s.address);
  const v4 = addrs(80, 4);
  t.equal(v4.length, 65536, 'a /16 is 65,536 services');
  t.equal(v4[0], '10.1.0.0');
  t.equal(v4.at(-1), '10.1.255.255');
  t.strictSame(addrs(81, 4), ['10.2.0.254', '10.2.0.255', '10.2.1.0', '10.2.1.1']);
  t.strictSame(addrs(82, 4), ['10.3.0.1', '10.3.0.2', '10.3.0.3']);
  const v6 = addrs(80, 6);
  t.equal(v6.length, 255, 'fd00::1-ff is 255 services (the last group is hex)');
  t.equal(v6.at(-1), 'fd00::ff');
  t.strictSame(addrs(81, 6), ['fd00::1:fffe', 'fd00::1:ffff', 'fd00::2:0', 'fd00::2:1']);
  t.strictSame(addrs(82, 6), ['fd00::100', 'fd00::101', 'fd00::102', 'fd00::103']);
  const g6 = mapped.filter((m) => m.config.service.family === 6);
  t.equal(g6[0]!.config.realServers[0]!.destination.port, 80, 'a real server without port takes each service port');
  t.equal(g6.at(-1)!.config.realServers[0]!.destination.port, 82);
  t.equal(mapped.length, 6, 'one entry per group and port');
  t.equal(mapped[0]!.config.extraServices?.length, 65535, "the /16's other services share the first one's real servers and checkers");
  t.throws(() => load('virtual_server_group G {\n  fd00::/64 80\n}\n'), { message: '/k.conf:2: virtual_server_group: \'fd00::/64\' has 18446744073709551616 addresses, more than 16777216 services' });
  t.throws(() => load('virtual_server_group G {\n  10.0.0.5-3 80\n}\n'), { message: "/k.conf:2: virtual_server_group: '10.0.0.5-3' is an empty range (10.0.0.3 is before 10.0.0.5)" });
  t.throws(() => load('virtual_server_group G {\n  10.0.0.5-300 80\n}\n'), ConfigError);
});
