// The daemon's small pure-ish pieces: capability sets from /proc/self/status, the default-route NIC
// and MAC lookup k0s's config needs (over fake /proc and /sys trees), Prometheus text and --metrics.
import t from 'tap';
import { CAP_NET_ADMIN, CAP_NET_RAW, effectiveCapabilities, missingCapabilities, requiredCapabilities } from '../../src/daemon/capabilities.js';
import { defaultRouteInterface, interfaceForMac } from '../../src/daemon/host-facts.js';
import { histogramFamily, renderMetrics } from '../../src/daemon/metrics.js';
import { parseListen } from '../../src/daemon/listen.js';

t.test('capabilities', async (t) => {
  // CapEff lines as the kernel prints them: root (all), nobody with the two ambient caps, none.
  const dir = t.testdir({
    root: 'Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n',
    two: 'CapEff:\t0000000000003000\n',
    none: 'CapEff:\t0000000000000000\n',
  });
  t.equal(effectiveCapabilities(`${dir}/two`), 0x3000n);
  const want = requiredCapabilities({ vrrpOnly: false, checkOnly: false });
  t.same(missingCapabilities(want, effectiveCapabilities(`${dir}/root`)), []);
  t.same(missingCapabilities(want, effectiveCapabilities(`${dir}/two`)), []);
  t.same(missingCapabilities(want, effectiveCapabilities(`${dir}/none`)), ['CAP_NET_ADMIN', 'CAP_NET_RAW']);
  t.same(missingCapabilities(want, 1n << BigInt(CAP_NET_ADMIN)), ['CAP_NET_RAW']);
  t.same(requiredCapabilities({ vrrpOnly: false, checkOnly: true }), [CAP_NET_ADMIN], 'IPVS only: no raw sockets');
  t.equal(CAP_NET_RAW, 13);
});

t.test('default route interface', async (t) => {
  const head = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n';
  const dir = t.testdir({
    v4: {
      route: `${head}eth1\t000A0A0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\neth2\t00000000\t010A0A0A\t0003\t0\t0\t200\t00000000\t0\t0\t0\neth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n`,
      ipv6_route: '',
    },
    v6: {
      route: head,
      ipv6_route: `fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     ens3\n`
        + `00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003     ens4\n`
        + `00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n`,
    },
    none: { route: head, ipv6_route: '' },
  });
  t.equal(defaultRouteInterface(`${dir}/v4`), 'eth0', 'IPv4 default route with the lowest metric');
  t.equal(defaultRouteInterface(`${dir}/v6`), 'ens4', 'else the IPv6 one (not the lo unreachable route)');
  t.throws(() => defaultRouteInterface(`${dir}/none`), /there is no default route/);
});

t.test('interface for a MAC', async (t) => {
  const dir = t.testdir({ eth0: { address: '52:54:00:12:34:56\n' }, lo: { address: '00:00:00:00:00:00\n' } });
  t.equal(interfaceForMac('52:54:00:12:34:56', dir), 'eth0');
  t.equal(interfaceForMac('52:54:00:12:34:56'.toUpperCase(), dir), 'eth0', 'case-insensitive');
  t.throws(() => interfaceForMac('52:54:00:00:00:01', dir), /no link has the MAC address 52:54:00:00:00:01/);
});

t.test('metrics: --metrics spec and the text format', async (t) => {
  t.same(parseListen('9650'), { port: 9650 });
  t.same(parseListen(':9650'), { port: 9650 });
  t.same(parseListen('127.0.0.1:9650'), { host: '127.0.0.1', port: 9650 });
  t.same(parseListen('[::1]:9650'), { host: '::1', port: 9650 });
  for (const bad of ['', 'x', '0', '65536', 'host:', '1.2.3.4:99999']) t.throws(() => parseListen(bad), /--metrics: expected \[host:\]port/, JSON.stringify(bad));
  t.equal(renderMetrics([
    { name: 'vipd_vrrp_state', help: 'VRRP state', type: 'gauge', samples: [{ labels: { instance: 'a"b\\c\nd', state: 'master' }, value: 1 }] },
    { name: 'vipd_x_total', help: 'x', type: 'counter', samples: [{ value: Number.NaN }] },
  ]), [
    '# HELP vipd_vrrp_state VRRP state',
    '# TYPE vipd_vrrp_state gauge',
    'vipd_vrrp_state{instance="a\\"b\\\\c\\nd",state="master"} 1',
    '# HELP vipd_x_total x',
    '# TYPE vipd_x_total counter',
    'vipd_x_total 0',
    '',
  ].join('\n'));
});

t.test('metrics: a histogram family in the text format', async (t) => {
  t.equal(renderMetrics([histogramFamily('vipd_x_seconds', 'x', [0.001, 0.5], [3, 4], 0.75, 5)]), [
    '# HELP vipd_x_seconds x',
    '# TYPE vipd_x_seconds histogram',
    'vipd_x_seconds_bucket{le="0.001"} 3',
    'vipd_x_seconds_bucket{le="0.5"} 4',
    'vipd_x_seconds_bucket{le="+Inf"} 5',
    'vipd_x_seconds_sum 0.75',
    'vipd_x_seconds_count 5',
    '',
  ].join('\n'));
});
