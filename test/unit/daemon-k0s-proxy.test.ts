// k0s's userspace load balancing in the daemon (src/daemon/k0s-proxy-runner.ts) on a fake host:
// a stale redirect table is removed at start, the proxy listens on every node, the redirect
// follows MASTER (and only the master instance's VIPs), reloads move the port and backends, a
// busy port fails the start, stop removes everything. nft rulesets are recorded, not applied.
import t from 'tap';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryConfigFs, parseK0sConfig, parseKeepalivedConfig, type VipdConfig } from '../../src/config/index.js';
import { captureLogger, fakeHost, settle, type FakeHost } from '../helpers/daemon-fakes.js';

const DEL = 'table inet vipd_k0s_proxy {}\ndelete table inet vipd_k0s_proxy\n';

function k0s(extra = '', opts: { controllers?: string[] } = {}): VipdConfig {
  return parseK0sConfig(`controlPlaneLoadBalancing:
  keepalived:
${extra}    vrrpInstances:
    - virtualIPs: ["10.1.1.200/24"]
      authPass: k0s
      interface: eth0
    - virtualIPs: ["fd00:1::200/64"]
      authPass: k0s6
      interface: eth0
      virtualRouterID: 60
`, { file: '/k/k0s.yaml', controllers: opts.controllers ?? ['10.1.1.1', '10.1.1.2', '10.1.1.3'] }).config;
}

function daemon(host: FakeHost) {
  const cap = captureLogger();
  return { d: new Daemon(cap.log, { logDetail: false, vrrpOnly: false, checkOnly: false }, host.deps), ...cap };
}

const redirected = (ruleset: string | undefined) => [...(ruleset ?? '').matchAll(/chain prerouting[^}]*/g)]
  .flatMap((m) => [...m[0].matchAll(/daddr (\S+) tcp dport (\d+) redirect to :(\d+)/g)].map((r) => `${r[1]}:${r[2]}->${r[3]}`));

t.test('start cleans, the proxy listens, the redirect follows MASTER, stop removes it', async (t) => {
  const host = fakeHost();
  const { d, problems } = daemon(host);
  await d.start(k0s());
  await settle();
  t.equal(host.nftRulesets[0], DEL, 'first thing: a table left by a crashed vipd is deleted');
  t.equal(host.nftRulesets.length, 1, 'BACKUP: no redirect');
  t.equal(host.proxies.length, 1);
  const proxy = host.proxies[0]!;
  t.equal(proxy.port, 6444, "listening on k0s's userSpaceProxyBindPort while BACKUP too");
  t.same(proxy.backends, ['10.1.1.1', '10.1.1.2', '10.1.1.3'].map((address) => ({ address, port: 6443 })));
  t.equal(proxy.balance, 'round-robin');

  host.clock.advance(5000);
  await settle();
  t.equal(host.router().instance('k0s-vip-0')?.state, 'master');
  t.same(redirected(host.nftRulesets.at(-1)), ['10.1.1.200:6443->6444', 'fd00:1::200:6443->6444'], 'MASTER: both VIPs redirected');
  t.match(host.nftRulesets.at(-1), /chain output \{\n {4}type nat hook output/, 'local clients too');
  t.match(d.status(), { proxy: { listening: 6444, redirecting: ['10.1.1.200', 'fd00:1::200'], backends: [{ backend: '10.1.1.1:6443', healthy: true }, {}, {}] } });

  host.router().setTracked('k0s-vip-1', 'test', false, 0); // the IPv6 instance goes FAULT
  await settle();
  t.same(redirected(host.nftRulesets.at(-1)), ['10.1.1.200:6443->6444'], 'only the VIPs of instances that are MASTER');
  host.router().setTracked('k0s-vip-0', 'test', false, 0);
  await settle();
  t.equal(host.nftRulesets.at(-1), DEL, 'no instance MASTER: the table is gone');

  host.router().setTracked('k0s-vip-0', 'test', true, 0);
  host.clock.advance(5000);
  await settle();
  t.same(redirected(host.nftRulesets.at(-1)), ['10.1.1.200:6443->6444']);
  const count = host.nftRulesets.length;
  await d.stop();
  t.equal(host.nftRulesets.length, count + 1);
  t.equal(host.nftRulesets.at(-1), DEL, 'stop: the redirect is removed');
  t.same(proxy.closed, { connections: true }, 'and the proxy closed');
  t.same(problems(), []);
});

t.test('a backend whose probe fails is reported down; a reload moves port, backends and balance', async (t) => {
  const host = fakeHost();
  const { d, lines } = daemon(host);
  host.backendResults.set('10.1.1.3', false);
  await d.start(k0s());
  await settle();
  t.match(d.status(), { proxy: { backends: [{ healthy: true }, { healthy: true }, { backend: '10.1.1.3:6443', healthy: false }] } });
  t.ok(lines.some((l) => l.level === 40 && l.backend === '10.1.1.3:6443' && /is down/.test(String(l.msg))), 'logged as down');
  host.clock.advance(5000);
  await settle();

  const next = k0s('    userSpaceProxyBindPort: 7444\n', { controllers: ['10.1.1.1', '10.1.1.4'] });
  next.k0s!.userSpaceProxy!.balance = 'least-connections';
  await d.reload(next);
  await settle();
  t.equal(host.proxies.length, 2, 'a new listener for the new port');
  t.same(host.proxies[0]!.closed, { connections: false }, 'the old one stops listening; its connections run on');
  t.equal(host.proxies[1]!.port, 7444);
  t.same(host.proxies[1]!.backends.map((b) => b.address), ['10.1.1.1', '10.1.1.4']);
  t.equal(host.proxies[1]!.balance, 'least-connections');
  t.same(redirected(host.nftRulesets.at(-1)), ['10.1.1.200:6443->7444', 'fd00:1::200:6443->7444'], 'the redirect follows the port');

  // To IPVS: virtual servers replace the proxy.
  const ipvs = parseK0sConfig('controlPlaneLoadBalancing:\n  keepalived:\n    vrrpInstances:\n    - virtualIPs: ["10.1.1.200/24"]\n      authPass: k0s\n      interface: eth0\n    virtualServers:\n    - ipAddress: 10.1.1.200\n',
    { file: '/k/k0s.yaml', controllers: ['10.1.1.1'] }).config;
  await d.reload(ipvs);
  await settle();
  t.equal(host.nftRulesets.at(-1), DEL, 'IPVS mode: no redirect');
  t.same(host.proxies[1]!.closed, { connections: true }, 'and no proxy');
  t.equal(d.status().proxy, undefined);
  await d.stop();
});

t.test('the proxy port is taken: start fails, saying which port; a reload to a busy port keeps the old proxy', async (t) => {
  const host = fakeHost();
  host.busyPorts.add(6444);
  const { d } = daemon(host);
  await t.rejects(d.start(k0s()), { message: 'userspace proxy: cannot listen on port 6444: EADDRINUSE' });
  await d.stop();

  const h2 = fakeHost();
  const two = daemon(h2);
  await two.d.start(k0s());
  h2.busyPorts.add(7444);
  await t.rejects(two.d.reload(k0s('    userSpaceProxyBindPort: 7444\n')), /^k0s: userspace proxy: cannot listen on port 7444: EADDRINUSE$/);
  t.equal(h2.proxies[0]!.port, 6444, 'still listening on the old port');
  t.equal(h2.proxies[0]!.closed, undefined);
  await two.d.stop();
});

t.test('disableLoadBalancer, keepalived.conf: no proxy, and keepalived.conf never runs nft', async (t) => {
  const host = fakeHost();
  const { d } = daemon(host);
  await d.start(k0s('    disableLoadBalancer: true\n'));
  await settle();
  t.same(host.nftRulesets, [DEL], 'k0s input: the cleanup only');
  t.equal(host.proxies.length, 0);
  await d.stop();

  const h2 = fakeHost();
  const ka = daemon(h2);
  await ka.d.start(parseKeepalivedConfig('vrrp_instance VI {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    10.1.1.10/24\n  }\n}\n',
    { file: '/k/keepalived.conf', fs: new MemoryConfigFs({}) }).config);
  h2.clock.advance(5000);
  await settle();
  await ka.d.stop();
  t.same(h2.nftRulesets, [], 'keepalived.conf: no nft call at all');
  t.equal(h2.proxies.length, 0);
});
