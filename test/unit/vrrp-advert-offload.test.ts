// Which masters hand their periodic adverts to the addon's thread, and what they hand over
// (src/vrrp/advert-offload.ts, pure): the lease, its renewal, the switches that turn it off, the
// adverts that must stay on the event loop, and when a running schedule must be replaced.
import t from 'tap';
import {
  LEASE_ADVERTS, MIN_LEASE_MS, leaseMsOf, offloadEnabled, offloadPlan, offloadRefusal, planChanged, renewEveryMs,
} from '../../src/vrrp/advert-offload.js';
import { resolveInstanceConfig, type InstanceConfig } from '../../src/vrrp/instance-config.js';
import { HmacKey } from '../../src/vrrp/auth-hmac/index.js';

const base: InstanceConfig = { name: 'vi', vrid: 7, version: 3, interface: 'eth0', priority: 100, advertIntervalCs: 1, virtualAddresses: [{ address: '10.9.0.1', prefixLength: 24 }] };
const cfg = (over: Partial<InstanceConfig> = {}) => resolveInstanceConfig({ ...base, ...over });
const can = { sender: true, channel: true };
const key = new HmacKey(1, Buffer.alloc(32, 7));

t.test('the lease: 4 advert intervals, at least 1 s; renewed twice per shortest lease', async (t) => {
  t.equal(LEASE_ADVERTS, 4);
  t.equal(leaseMsOf(10), MIN_LEASE_MS, '10 ms adverts: 1 s (a GC pause must not cost the VIP)');
  t.equal(leaseMsOf(100), 1000);
  t.equal(leaseMsOf(1000), 4000, '1 s adverts: 4 s');
  t.equal(leaseMsOf(2500), 10_000);
  t.equal(renewEveryMs([4000, 1000, 10_000]), 500, 'the shortest lease sets the pace');
  t.equal(renewEveryMs([4000]), 2000);
  t.equal(renewEveryMs([]), 500, 'none: a harmless default');
});

t.test('on by default; off by the option, by VIPD_ADVERT_OFFLOAD=0, or with a virtual clock', async (t) => {
  t.equal(offloadEnabled(undefined, {}, true), true);
  t.equal(offloadEnabled(true, {}, true), true);
  t.equal(offloadEnabled(false, {}, true), false, 'RouterOptions.advertOffload false');
  t.equal(offloadEnabled(undefined, { VIPD_ADVERT_OFFLOAD: '0' }, true), false, 'the environment');
  t.equal(offloadEnabled(true, { VIPD_ADVERT_OFFLOAD: '0' }, true), false, 'the environment wins (debugging a library user)');
  t.equal(offloadEnabled(undefined, { VIPD_ADVERT_OFFLOAD: '1' }, true), true);
  t.equal(offloadEnabled(undefined, {}, false), false, 'a test clock: the thread keeps real time');
});

t.test('adverts that change per packet stay on the event loop', async (t) => {
  t.equal(offloadRefusal(cfg(), can), undefined, 'plain v3');
  t.equal(offloadRefusal(cfg({ version: 2, advertIntervalCs: 100, auth: { type: 'pass', password: 'secret' } }), can), undefined, 'v2 password: fixed bytes');
  t.match(offloadRefusal(cfg({ version: 2, advertIntervalCs: 100, auth: { type: 'ah', password: 'secret' } }), can), /IPsec AH/);
  t.match(offloadRefusal(cfg({ authHmac: { keys: [key], activeKeyId: 1 } }), can), /auth_hmac/);
  t.match(offloadRefusal(cfg({ authHmac: { keys: [key], activeKeyId: 1, mode: 'permissive' } }), can), /auth_hmac/, 'permissive signs too');
  t.equal(offloadRefusal(cfg({ authHmac: { keys: [key], activeKeyId: 1, mode: 'receive-only' } }), can), undefined, 'receive-only sends unsigned adverts');
  t.match(offloadRefusal(cfg(), { sender: false, channel: true }), /off/);
  t.match(offloadRefusal(cfg(), { sender: true, channel: false }), /channel/);
});

t.test('the plan: one message per destination, the lease of the interval', async (t) => {
  const enc = (to: string) => Buffer.from(`advert to ${to}`);
  const p = offloadPlan(100, ['10.9.0.2', '10.9.0.3'], 255, 10, enc);
  t.same(p, { priority: 100, intervalMs: 10, leaseMs: 1000, ttl: 255, adverts: [{ to: '10.9.0.2', message: enc('10.9.0.2') }, { to: '10.9.0.3', message: enc('10.9.0.3') }] });
  t.equal(planChanged(undefined, p), true, 'nothing running: start');
  t.equal(planChanged(p, offloadPlan(100, ['10.9.0.2', '10.9.0.3'], 255, 10, enc)), false, 'the same bytes again (a new config object): keep running');
  t.equal(planChanged(p, offloadPlan(90, ['10.9.0.2', '10.9.0.3'], 255, 10, enc)), true, 'priority');
  t.equal(planChanged(p, offloadPlan(100, ['10.9.0.2'], 255, 10, enc)), true, 'a peer fewer');
  t.equal(planChanged(p, offloadPlan(100, ['10.9.0.3', '10.9.0.2'], 255, 10, enc)), true, 'other order: other messages per route');
  t.equal(planChanged(p, offloadPlan(100, ['10.9.0.2', '10.9.0.3'], 64, 10, enc)), true, 'unicast_ttl');
  t.equal(planChanged(p, offloadPlan(100, ['10.9.0.2', '10.9.0.3'], 255, 20, enc)), true, 'interval');
  const other = (to: string) => Buffer.from(`advert with another VIP to ${to}`);
  t.equal(planChanged(p, offloadPlan(100, ['10.9.0.2', '10.9.0.3'], 255, 10, other)), true, 'addresses changed the bytes');
});
