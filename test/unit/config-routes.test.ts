// static_routes / static_rules / virtual_routes / virtual_rules / static_ipaddress: a config line
// becomes exactly the request keepalived 2.2.7 sends (its strace, test/fixtures/keepalived-route-
// requests.ts), with keepalived's warnings; what vipd does not do is warned; bad values fail.
import t from 'tap';
import { parseKeepalivedConfig } from '../../src/config/index.js';
import { decodeMessages } from '../../src/netif/netlink/message.js';
import { addRouteRequest, decodeRoute } from '../../src/netif/rtnetlink/route.js';
import { addRuleRequest, decodeRule } from '../../src/netif/rtnetlink/rule.js';
import { routeAddMode, routeOf, ruleOf, routeSets, routeKey } from '../../src/daemon/route-plan.js';
import { KEEPALIVED_IFINDEX, KEEPALIVED_REQUESTS, KEEPALIVED_ROUTES_CONF } from '../fixtures/keepalived-route-requests.js';
import type { ConfigError } from '../../src/errors.js';

const parse = (text: string) => parseKeepalivedConfig(text, { file: '/k.conf', configId: 'x' });

function instance(body: string, extra = ''): string {
  return `${extra}vrrp_instance VI {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress { 10.0.0.100/24 }\n${body}\n}\n`;
}

t.test('vipd sends what keepalived sends for the same lines', async (t) => {
  const { config } = parse(KEEPALIVED_ROUTES_CONF);
  const routes = config.staticRoutes ?? [];
  const rules = config.staticRules ?? [];
  const kaRoutes = KEEPALIVED_REQUESTS.filter(([k]) => k === 'RTM_NEWROUTE').map(([, h]) => decodeMessages(Buffer.from(h, 'hex'))[0]!);
  const kaRules = KEEPALIVED_REQUESTS.filter(([k]) => k === 'RTM_NEWRULE').map(([, h]) => decodeMessages(Buffer.from(h, 'hex'))[0]!);
  t.equal(routes.length, kaRoutes.length, 'one request per route line');
  t.equal(rules.length, kaRules.length, 'one request per rule line');
  routes.forEach((spec, i) => {
    const ka = kaRoutes[i]!;
    const req = addRouteRequest(routeOf(spec, (dev) => KEEPALIVED_IFINDEX[dev]!), routeAddMode(spec));
    const line = `line ${spec.where.line}`;
    // NLM_F_REQUEST|NLM_F_ACK come from the connection; the rest says add / prepend / append.
    t.equal(req.flags, ka.header.flags & ~0x5, `${line}: the same NLM_F_* flags`);
    t.strictSame(decodeRoute({ header: ka.header, data: req.data }), decodeRoute(ka), `${line}: the same route`);
  });
  rules.forEach((spec, i) => {
    const ka = kaRules[i]!;
    const req = addRuleRequest(ruleOf(spec));
    t.equal(req.flags, ka.header.flags & ~0x5, `line ${spec.where.line}: the same NLM_F_* flags`);
    t.strictSame(decodeRule({ header: ka.header, data: req.data }), decodeRule(ka), `line ${spec.where.line}: the same rule`);
  });
});

t.test('keepalived\'s warnings: deprecated words, reset protocols, assigned preferences, untracked routes', async (t) => {
  const { warnings, config } = parse(`static_rules {
  from 10.1.0.0/16 table 5
}
${instance(`  virtual_routes {
    10.2.0.0/24 gw 10.0.0.1 dev eth0
    10.3.0.0/24 via 10.0.0.1 or 10.0.0.2
    10.4.0.0/24 dev eth0 protocol bird
    10.5.0.0/24 dev eth0 protocol bird no_track
  }
  virtual_rules {
    to 10.6.0.0/24 table 5
    to 10.7.0.0/24 table 5 protocol 12
    to 10.8.0.0/24 table 5 priority 7 no_track
  }`)}`);
  const msgs = warnings.map((w) => `${w.line}: ${w.message}`);
  t.match(msgs, [
    /^2: static_rules: no preference, 16384 assigned/,
    /^9: virtual_routes: 'gw' is deprecated/,
    /^10: virtual_routes: 'or' is deprecated/,
    /^10: virtual_routes: a route without 'dev' is not tracked/,
    /^11: virtual_routes: protocol 12 is replaced by keepalived \(18\)/,
    /^15: virtual_rules: no preference, 16383 assigned/,
    /^16: virtual_rules: no preference, 16382 assigned/,
    /^16: virtual_rules: protocol 12 is replaced/,
  ]);
  t.equal(msgs.length, 8);
  const [vi] = config.vrrpInstances;
  t.match(vi!.virtualRoutes, [
    { gateway: '10.0.0.1', dev: 'eth0', noTrack: false },
    { nexthops: [{ gateway: '10.0.0.1' }, { gateway: '10.0.0.2' }], noTrack: true },
    { protocol: 18, noTrack: false },
    { protocol: 12, noTrack: true },
  ]);
  t.equal(vi!.virtualRoutes![1]!.gateway, undefined, "'via A or B' is two nexthops, no gateway");
  t.match(vi!.virtualRules, [{ priority: 16383, protocol: 18 }, { priority: 16382, protocol: 18 }, { priority: 7, noTrack: true }]);
  t.equal(vi!.virtualRules![2]!.protocol, undefined, 'a no_track rule without protocol sends none (as keepalived)');
});

t.test('families, defaults, names', async (t) => {
  const { config } = parse(`static_routes {
  default via fd00::1 dev eth0
  default dev eth0 table main
  fd00:1::/64 dev eth0 table local scope link protocol static
  2001:db8:0:0::1 dev eth0
}
static_rules {
  from all table default priority 1
  from all table 5 priority 2 inet6
  to 2001:db8::/32 lookup main priority 3
}
global_defs {
  default_interface eth7
}
static_ipaddress {
  10.0.0.5/24
  10.0.1.5/24 dev eth1 label eth1:x
}
`);
  t.match(config.staticRoutes, [
    { family: 6, destination: { address: '::', prefixLength: 0 }, gateway: 'fd00::1', table: 254 },
    { family: 4, destination: { address: '0.0.0.0', prefixLength: 0 }, table: 254 },
    { family: 6, table: 255, scope: 253, protocol: 18 },
    { family: 6, destination: { address: '2001:db8::1', prefixLength: 128 } },
  ]);
  t.match(config.staticRules, [
    { family: 4, table: 253, from: { address: '0.0.0.0', prefixLength: 0 } },
    { family: 6, table: 5, from: { address: '::', prefixLength: 0 } },
    { family: 6, table: 254, to: { address: '2001:db8::', prefixLength: 32 } },
  ]);
  t.match(config.staticAddresses, [{ address: '10.0.0.5', dev: 'eth7' }, { address: '10.0.1.5', dev: 'eth1', label: 'eth1:x' }],
    'default_interface applies even when it comes later in the file');
  t.equal(parse('static_ipaddress {\n  10.0.0.5/24\n}\n').config.staticAddresses![0]!.dev, 'eth0', "keepalived's default_interface is eth0");
});

t.test('rtt, rttvar, rto_min: keepalived\'s units and its 200 ms floor', async (t) => {
  const { config } = parse(`static_routes {
  10.1.0.0/24 dev eth0 rtt 500ms rttvar 250ms rto_min 1s
  10.2.0.0/24 dev eth0 rtt 5ms rttvar 2 rto_min 2
  10.3.0.0/24 dev eth0 rtt 2000 rttvar 1000 rto_min 300
  10.4.0.0/24 dev eth0 rtt lock 1.5s mtu lock 1400 ssthresh lock 9
}`);
  const m = (config.staticRoutes ?? []).map((r) => r.metrics);
  t.strictSame(m[0], { rtt: 4000, rttvar: 1000, rtoMin: 1000 });
  t.strictSame(m[1], { rtt: 1600, rttvar: 800, rtoMin: 200 }, 'below 200 ms: 200 ms');
  t.strictSame(m[2], { rtt: 2000, rttvar: 1000, rtoMin: 300 }, "bare numbers are the kernel's units");
  t.strictSame(m[3], { rtt: 12000, mtu: 1400, ssthresh: 9, lock: (1 << 4) | (1 << 2) | (1 << 6) });
});

t.test('what vipd does not do is warned, and the line is left out', async (t) => {
  const { config, warnings } = parse(`static_routes {
  10.1.0.0/24 dev eth0 encap mpls 200/300
  10.2.0.0/24 dev eth0 vrf blue
  10.3.0.0/24 dev eth0 as to 10.9.9.9
  10.4.0.0/24 dev eth0 track_group G
}
static_rules {
  from 10.5.0.0/16 table 5 priority 5 track_group G
}`);
  t.match(warnings.map((w) => `${w.line}: ${w.message}`), [
    /^2: static_routes encap: not supported by vipd, routes with encap are not added/,
    /^3: static_routes vrf: not supported by vipd, routes with vrf are not added/,
    /^4: static_routes as: not supported by vipd, the MPLS destination is ignored/,
    /^5: static_routes track_group: not supported by vipd, track groups are not used/,
    /^8: static_rules track_group: not supported by vipd/,
  ]);
  t.same(config.staticRoutes!.map((r) => r.destination.address), ['10.3.0.0', '10.4.0.0']);
  t.equal(config.staticRules!.length, 1);
});

t.test('a line with an unusable value is left out with a warning at its line, as keepalived', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['10.1.0.0/24 dev eth0 bogus 3', /unknown option 'bogus'/],
    ['10.1.0.0/33 dev eth0', /invalid prefix length/],
    ['dev eth0', /no destination/],
    ['10.1.0.0/24 via fd00::1', /fd00::1 is IPv6, the rest of the line IPv4/],
    ['10.1.0.0/24 dev eth0 from 10.2.0.0/24', /'from' is only supported on IPv6 routes/],
    ['10.1.0.0/24 dev eth0 pref high', /'pref' is only valid on IPv6/],
    ['10.1.0.0/24 dev eth0 expires 5', /'expires' is only valid on IPv6/],
    ['10.1.0.0/24 nexthop via 10.0.0.1 table 5', /'table' after the nexthops/],
    ['10.1.0.0/24 nexthop via 10.0.0.1 weight 257', /weight: 257 is out of range 1..256/],
    ['10.1.0.0/24 dev eth0 window lock 5', /window: 'lock' is not allowed/],
    ['10.1.0.0/24 dev eth0 hoplimit 256', /hoplimit: 256 is out of range 0..255/],
    ['10.1.0.0/24 dev eth0 quickack 2', /quickack: 2 is out of range 0..1/],
    ['10.1.0.0/24 dev eth0 rtt 961s', /rtt: '961s' is more than 960 s/],
    ['10.1.0.0/24 dev eth0 rtt 1.5ms', /too many decimal places/],
    ['10.1.0.0/24 dev eth0 realms 256', /realms: '256' is not \[FROM\/\]TO/],
    ['10.1.0.0/24 dev eth0 table nosuch', /table: 'nosuch' is not a number or a name in \/etc\/iproute2\/rt_tables/],
    ['10.1.0.0/24 dev eth0 scope 256', /scope: 256 is out of range/],
    ['10.1.0.0/24 dev eth0 protocol nosuch', /protocol: 'nosuch' is not a number or a name/],
    ['10.1.0.0/24 dev eth0 metric 0x10', /metric: '0x10' is not a number/],
  ];
  for (const [line, re] of cases) {
    const { config, warnings } = parse(instance(`  virtual_routes {\n    ${line}\n    10.9.0.0/24 dev eth0\n  }`));
    const w = warnings.find((x) => x.line === 6);
    t.match(w?.message, re, `'${line}': warned at line 6 (${w?.message})`);
    t.match(w?.message, /^virtual_routes: .*: line ignored as keepalived does$/, `'${line}': the line is ignored`);
    t.match(config.vrrpInstances[0]!.virtualRoutes, [{ destination: { address: '10.9.0.0' }, where: { line: 7 } }], `'${line}': only the next line is kept`);
    t.equal(config.vrrpInstances[0]!.virtualRoutes!.length, 1);
  }
  const ruleCases: Array<[string, RegExp]> = [
    ['from 10.1.0.0/16 priority 5', /no action/],
    ['from 10.1.0.0/16 table 5 dport 20-10', /ends before it starts/],
    ['from 10.1.0.0/16 to fd00::/8 table 5', /is IPv6, the rest of the line IPv4/],
    ['from 10.1.0.0/16 table 5 priority 4294967296', /priority: 4294967296 is out of range/],
    ['from 10.1.0.0/16 table 5 ip_proto tcp', /unknown option 'ip_proto'/],
    ['from 10.1.0.0/16 goto 5 table 5', /'goto' and 'table' together/],
    ['from 10.1.0.0/16 table 5 fwmark 1/2/3', /fwmark: '1\/2\/3' is not MARK\[\/MASK\]/],
    ['from 10.1.0.0/16 table 5 type nat', /type: 'nat' is not blackhole/],
    ['from 10.1.0.0/16 table 0', /table 0 is not valid/],
  ];
  for (const [line, re] of ruleCases) {
    const { config, warnings } = parse(`static_rules {\n  ${line}\n}\n`);
    const w = warnings.find((x) => x.line === 2 && /ignored/.test(x.message));
    t.match(w?.message, re, `'${line}': warned at line 2 (${w?.message})`);
    t.match(w?.message, /^static_rules: .*: line ignored as keepalived does$/, `'${line}': the line is ignored`);
    t.equal(config.staticRules?.length ?? 0, 0, `'${line}': no rule`);
  }
});

t.test('a few bad values drop only their option, as keepalived: the line is still added', async (t) => {
  const { config, warnings } = parse(`static_routes {
  10.1.0.0/24 dev eth0 features bogus mtu 1400
  10.2.0.0/24 dev eth0 ttl-propagate maybe
  10.3.0.0/24 dev eth0 table 0 metric 5
}
static_rules {
  from 10.1.0.0/16 table 5 priority 1 sport 10
  from 10.2.0.0/16 table 5 priority 2 dport 20 sport 1-2
  from 10.3.0.0/16 table 5 priority 3 ipproto bogus
  from 10.4.0.0/16 table 5 priority 4 protocol bird no_track
  from 10.5.0.0/16 table 5 priority 5 suppress_prefixlength 200
}
`);
  t.match(warnings.map((w) => `${w.line}: ${w.message}`), [
    /^2: static_routes: features: 'bogus' is not supported \(ecn\): option ignored as keepalived does$/,
    /^3: static_routes: ttl-propagate: 'maybe' is not enabled or disabled: option ignored/,
    /^7: static_rules: sport: '10' is not a range START-END: option ignored/,
    /^8: static_rules: dport: '20' is not a range START-END: option ignored/,
    /^9: static_rules: ipproto: 'bogus' is not a number: option ignored/,
    /^10: static_rules: protocol: 'bird' is not a number: option ignored/,
  ]);
  t.equal(warnings.length, 6);
  const [features, ttl, table0] = config.staticRoutes!;
  t.strictSame(features!.metrics, { mtu: 1400 }, 'the rest of the line stays');
  t.equal(ttl!.ttlPropagate, undefined);
  t.match(table0, { table: 254, metric: 5 }, 'a route in table 0 goes to main (the kernel and keepalived do so)');
  const rules = config.staticRules!;
  t.equal(rules.length, 5);
  t.equal(rules[0]!.sport, undefined);
  t.match(rules[1], { sport: { start: 1, end: 2 } });
  t.equal(rules[1]!.dport, undefined);
  t.equal(rules[2]!.ipProto, undefined);
  t.equal(rules[3]!.protocol, undefined, 'no protocol is sent (no_track)');
  t.equal(rules[4]!.suppressPrefixLength, 200, 'passed on, as keepalived (the kernel takes it)');
});

t.test('a destination given twice: the last one counts, as keepalived (vipd warns)', async (t) => {
  const { config, warnings } = parse('static_routes {\n  10.1.0.0/24 dev eth0 to 10.2.0.0/24\n  to 10.3.0.0/24 dev eth0 10.4.0.0/24\n}\n');
  t.match(config.staticRoutes, [{ destination: { address: '10.2.0.0' } }, { destination: { address: '10.4.0.0' } }]);
  t.match(warnings.map((w) => `${w.line}: ${w.message}`), [/^2: static_routes: the destination is given twice, '10.2.0.0\/24' is used/, /^3: .*'10.4.0.0\/24' is used/]);
});

t.test('an option without its value is a ConfigError at its line (keepalived does not start either)', async (t) => {
  for (const line of ['10.1.0.0/24 dev', '10.1.0.0/24 dev eth0 metric', '10.1.0.0/24 dev eth0 mtu lock', '10.1.0.0/24 nexthop via']) {
    let err: ConfigError | undefined;
    try {
      parse(instance(`  virtual_routes {\n    ${line}\n  }`));
    } catch (e) {
      err = e as ConfigError;
    }
    t.equal(err?.line, 6, `'${line}': line 6`);
    t.match(err?.message, /needs a value/, `'${line}': ${err?.message}`);
  }
  for (const line of ['from 10.1.0.0/16 table', 'from 10.1.0.0/16 table 5 sport', 'from']) {
    let err: ConfigError | undefined;
    try {
      parse(`static_rules {\n  ${line}\n}\n`);
    } catch (e) {
      err = e as ConfigError;
    }
    t.equal(err?.line, 2, `'${line}': line 2`);
    t.match(err?.message, /needs a value/, `'${line}': ${err?.message}`);
  }
});

t.test('route sets and keys: where a line is does not matter', async (t) => {
  const a = routeSets(parse(instance('  virtual_routes {\n    10.1.0.0/24 dev eth0\n  }')).config);
  const b = routeSets(parse(instance('\n\n  virtual_routes {\n    10.1.0.0/24 dev eth0\n  }')).config);
  t.equal(routeKey(a.instances.get('VI')!.routes[0]!), routeKey(b.instances.get('VI')!.routes[0]!));
  t.same(routeSets(parse(instance('')).config).instances.size, 0, 'instances without virtual routes or rules are left out');
});
