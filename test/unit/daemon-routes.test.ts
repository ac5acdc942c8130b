// The route runner inside the daemon, on the fake host: static addresses/routes/rules at start and
// gone at stop; virtual routes/rules follow MASTER; someone else deleting a tracked one sends the
// instance to BACKUP (and back to MASTER, re-added), a no_track one stays deleted; deleted static
// rules and addresses are put back, static routes not; a reload touches only what changed.
import t from 'tap';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryConfigFs, parseKeepalivedConfig, type VipdConfig } from '../../src/config/index.js';
import { captureLogger, fakeHost, settle, type FakeHost } from '../helpers/daemon-fakes.js';
import { RTPROT_KEEPALIVED } from '../../src/netif/rtnetlink/constants.js';

function conf(text: string): VipdConfig {
  return parseKeepalivedConfig(text, { file: '/k/keepalived.conf', fs: new MemoryConfigFs({}) }).config;
}

function config(o: { routes?: string[]; rules?: string[]; staticRoutes?: string[]; staticRules?: string[]; addresses?: string[]; priority?: number } = {}): VipdConfig {
  const block = (name: string, lines: string[] | undefined, indent = '  ') => (lines ? `${indent}${name} {\n${lines.map((l) => `${indent}  ${l}\n`).join('')}${indent}}\n` : '');
  return conf(`${block('static_ipaddress', o.addresses, '')}${block('static_routes', o.staticRoutes, '')}${block('static_rules', o.staticRules, '')}
vrrp_instance VI {
  interface eth0
  virtual_router_id 51
  priority ${o.priority ?? 150}
  advert_int 1
  virtual_ipaddress {
    10.99.2.100/24
  }
${block('virtual_routes', o.routes)}${block('virtual_rules', o.rules)}}
`);
}

function daemon(host: FakeHost) {
  const cap = captureLogger();
  return { d: new Daemon(cap.log, { logDetail: false, vrrpOnly: false, checkOnly: false }, host.deps), ...cap };
}

async function takeOver(host: FakeHost): Promise<void> {
  host.clock.advance(5000);
  await settle();
}

const routes = (h: FakeHost) => h.kernel.routes.map((r) => `${r.destination}/${r.dstLength} table ${r.table}`).sort();
const rules = (h: FakeHost) => h.kernel.rules.map((r) => `${r.priority} table ${r.table}`).sort();
const state = (h: FakeHost) => h.router().instance('VI')?.state;

t.test('static at start and gone at stop; virtual only while MASTER', async (t) => {
  const host = fakeHost();
  const { d, problems } = daemon(host);
  await d.start(config({
    addresses: ['10.99.2.50/24 dev eth0'], staticRoutes: ['10.5.0.0/24 dev eth0 table 100'], staticRules: ['from 10.5.0.0/24 table 100 priority 100'],
    routes: ['10.6.0.0/24 via 10.99.2.1 dev eth0 table 200', 'fd00:6::/64 dev eth0 table 200'], rules: ['to 10.6.0.0/24 table 200 priority 200'],
  }));
  await settle();
  t.equal(state(host), 'backup');
  t.same(routes(host), ['10.5.0.0/24 table 100'], 'BACKUP: only the static route');
  t.same(rules(host), ['100 table 100']);
  t.ok(host.kernel.addressesOf('eth0').includes('10.99.2.50/24'), 'static address added');
  await takeOver(host);
  t.equal(state(host), 'master');
  t.same(routes(host), ['10.5.0.0/24 table 100', '10.6.0.0/24 table 200', 'fd00:6::/64 table 200'], 'MASTER: the virtual routes too');
  t.same(rules(host), ['100 table 100', '200 table 200']);
  t.ok(host.kernel.routes.every((r) => r.protocol === RTPROT_KEEPALIVED), 'proto keepalived');
  t.ok(host.kernel.rules.every((r) => r.protocol === RTPROT_KEEPALIVED), 'rules: proto keepalived');
  await d.stop();
  t.same(routes(host), [], 'stop: every route removed, static ones too (as keepalived)');
  t.same(rules(host), []);
  t.notOk(host.kernel.addressesOf('eth0').includes('10.99.2.50/24'), 'static address removed');
  t.same(problems(), []);
});

t.test('someone deletes a tracked virtual route: BACKUP, then MASTER again with it; no_track: stays deleted, stays MASTER', async (t) => {
  const host = fakeHost();
  const { d, lines } = daemon(host);
  await d.start(config({ routes: ['10.6.0.0/24 dev eth0 table 200', '10.7.0.0/24 dev eth0 table 200 no_track'], rules: ['to 10.6.0.0/24 table 200 priority 200'] }));
  await takeOver(host);
  t.equal(state(host), 'master');
  host.kernel.removeRoutes((r) => r.destination === '10.7.0.0');
  await settle();
  t.equal(state(host), 'master', 'no_track: still MASTER');
  t.same(routes(host), ['10.6.0.0/24 table 200'], 'and the route stays deleted');
  host.kernel.removeRoutes((r) => r.destination === '10.6.0.0');
  await settle();
  t.equal(state(host), 'backup', 'tracked: BACKUP');
  t.same(rules(host), [], 'its rules went with it');
  t.ok(lines.some((l) => String(l.msg).includes('virtual route 10.6.0.0/24 dev eth0 table 200 was deleted by someone else')));
  await takeOver(host);
  t.equal(state(host), 'master', 'MASTER again after Master_Down_Interval');
  t.same(routes(host), ['10.6.0.0/24 table 200', '10.7.0.0/24 table 200'], 'both routes back');
  host.kernel.removeRules(() => true);
  await settle();
  t.equal(state(host), 'backup', 'a tracked virtual rule deleted: BACKUP too');
  await d.stop();
});

t.test('deleted static rules and addresses are put back, static routes are not (keepalived 2.2.7)', async (t) => {
  const host = fakeHost();
  const { d } = daemon(host);
  await d.start(config({ addresses: ['10.99.2.50/24 dev eth0'], staticRoutes: ['10.5.0.0/24 dev eth0'], staticRules: ['from 10.5.0.0/24 table 100 priority 100'] }));
  await settle();
  host.kernel.removeRules(() => true);
  host.kernel.removeRoutes(() => true);
  host.kernel.removeAddresses((a) => a.address === '10.99.2.50');
  await settle();
  t.same(rules(host), ['100 table 100'], 'rule put back');
  t.ok(host.kernel.addressesOf('eth0').includes('10.99.2.50/24'), 'address put back');
  t.same(routes(host), [], 'route not');
  t.equal(state(host), 'backup', 'no instance moved');
  await d.stop();
});

t.test('reload: only the changed routes and rules are touched, no transition', async (t) => {
  const host = fakeHost();
  const { d, lines } = daemon(host);
  await d.start(config({ staticRoutes: ['10.5.0.0/24 dev eth0'], routes: ['10.6.0.0/24 dev eth0', '10.7.0.0/24 dev eth0'], rules: ['to 10.6.0.0/24 table 5 priority 5'] }));
  await takeOver(host);
  const before = host.kernel.routes.find((r) => r.destination === '10.6.0.0');
  const seen = host.kernel.requests.length;
  await d.reload(config({ staticRoutes: ['10.5.0.0/24 dev eth0', '10.5.1.0/24 dev eth0'], routes: ['10.6.0.0/24 dev eth0', '10.8.0.0/24 dev eth0'], rules: ['to 10.6.0.0/24 table 5 priority 5'] }));
  await settle();
  t.same(routes(host), ['10.5.0.0/24 table 254', '10.5.1.0/24 table 254', '10.6.0.0/24 table 254', '10.8.0.0/24 table 254']);
  t.equal(host.kernel.routes.find((r) => r.destination === '10.6.0.0'), before, 'the unchanged route was not re-added');
  t.same(rules(host), ['5 table 5']);
  const [NEWROUTE, DELROUTE, NEWRULE, DELRULE] = [24, 25, 32, 33];
  const sent = host.kernel.requests.slice(seen);
  t.same([NEWROUTE, DELROUTE, NEWRULE, DELRULE].map((x) => sent.filter((y) => y === x).length), [2, 1, 0, 0], 'two routes added, one removed, nothing else');
  t.equal(lines.filter((l) => l.state === 'backup' && l.previous === 'master').length, 0, 'no transition');
  await d.stop();
});

t.test('a route that cannot be added is logged with its line and the rest goes on', async (t) => {
  const host = fakeHost({ autoLinks: false, links: ['eth0'] });
  const { d, problems } = daemon(host);
  await d.start(config({ staticRoutes: ['10.5.0.0/24 dev nosuch0', '10.5.1.0/24 dev eth0'] }));
  await settle();
  t.same(routes(host), ['10.5.1.0/24 table 254']);
  t.match(problems().map((l) => l.msg), [/^\/k\/keepalived\.conf:2: cannot add static route 10\.5\.0\.0\/24 dev nosuch0: no such link: nosuch0$/]);
  await d.stop();
});
