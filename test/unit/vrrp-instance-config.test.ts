// The library's instance config: keepalived's defaults, the checks, and the views derived from it
// (state machine, receive checks, encoder), which must agree with each other.
import t from 'tap';
import fc from 'fast-check';
import { DEFAULT_GARP, resolveInstanceConfig, type InstanceConfig } from '../../src/vrrp/instance-config.js';
import {
  advertDestinationsOf, advertOf, encodeOptionsOf, heldAddressesOf, machineConfigOf, otherInterfacesOf, receiveViewOf, sourceOf,
} from '../../src/vrrp/instance-views.js';
import { encodeAdvertisement, parseVrrpMessage } from '../../src/vrrp/packet.js';
import { validateAdvertisement } from '../../src/vrrp/validate.js';
import { createMachine } from '../../src/vrrp/state-machine.js';
import { ConfigError } from '../../src/errors.js';

const SHORT: InstanceConfig = { name: 'api', vrid: 51, interface: 'eth0', virtualAddresses: ['10.0.0.100/24'] };

t.test('defaults are keepalived.conf\'s', async (t) => {
  t.same(resolveInstanceConfig(SHORT), {
    name: 'api', vrid: 51, interface: 'eth0',
    version: 2, family: 4, priority: 100, advertIntervalCs: 100, preempt: true, preemptDelayMs: 0, acceptMode: true,
    virtualAddresses: [{ address: '10.0.0.100', prefixLength: 24 }], excludedAddresses: [], unicastPeers: [],
    unicastPeerTtl: {}, checkUnicastSource: false, unicastTtl: 255, oldUnicastChecksum: 'detect', strict: false,
    lowerPriorityNoAdvert: false, higherPriorityAdvert: false, trackSource: false,
    garp: {
      masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1, intervalMs: 0, lowerPrioDelayMs: 5000, lowerPrioRepeat: 5,
      extraIfRefreshMs: 0, extraIfAll: false,
    },
    checksum: 'pseudo', addressListCheck: 'log', downTimerAdverts: 3,
  });
  t.same(resolveInstanceConfig({ ...SHORT, virtualAddresses: ['10.0.0.100'] }).virtualAddresses, [{ address: '10.0.0.100', prefixLength: 32 }], 'no /len: a host address');
  t.match(resolveInstanceConfig({ ...SHORT, virtualAddresses: ['fd00::100/64'] }), { family: 6, version: 3 }, 'IPv6 is always v3');
  t.match(resolveInstanceConfig({ ...SHORT, virtualAddresses: [], unicastPeers: ['fd00::2'] }), { family: 6, version: 3 }, 'family from the peers');
  t.match(resolveInstanceConfig({ ...SHORT, virtualAddresses: [] }), { family: 4, version: 2 });
  t.match(resolveInstanceConfig({ ...SHORT, version: 3, advertIntervalCs: 10 }), { version: 3, advertIntervalCs: 10 });
  t.same(resolveInstanceConfig({ ...SHORT, garp: { masterDelayMs: 0, masterRepeat: 1 } }).garp,
    { ...DEFAULT_GARP, masterDelayMs: 0, masterRepeat: 1, lowerPrioDelayMs: 0, lowerPrioRepeat: 1 }, 'garp_lower_prio_* follow garp_master_*');
  t.same(resolveInstanceConfig({ ...SHORT, garp: { masterDelayMs: 0, lowerPrioDelayMs: 3000 } }).garp.lowerPrioDelayMs, 3000);
  t.same(resolveInstanceConfig({ ...SHORT, excludedAddresses: ['fd00::5/64', { address: '10.1.0.1', interface: 'eth1', label: 'eth1:x' }] }).excludedAddresses,
    [{ address: 'fd00::5', prefixLength: 64 }, { address: '10.1.0.1', prefixLength: 32, interface: 'eth1', label: 'eth1:x' }], 'excluded addresses may be of either family');
  const full = resolveInstanceConfig({ ...SHORT, authPass: 'pw', unicastSource: '10.0.0.2', unicastPeers: ['10.0.0.3'] });
  t.same(resolveInstanceConfig(full), full, 'idempotent');
});

t.test('what cannot run is a ConfigError naming the instance', async (t) => {
  const rows: Array<[Partial<InstanceConfig>, RegExp]> = [
    [{ vrid: 0 }, /vrid must be 1..255/],
    [{ vrid: 256 }, /vrid must be 1..255/],
    [{ interface: '' }, /no interface/],
    [{ priority: 0 }, /priority must be 1..255/],
    [{ advertIntervalCs: 50 }, /advert interval 50 cs is not valid for VRRPv2/],
    [{ version: 3, advertIntervalCs: 5000 }, /not valid for VRRPv3/],
    [{ preemptDelayMs: -1 }, /preempt delay/],
    [{ downTimerAdverts: 0 }, /down_timer_adverts/],
    [{ virtualAddresses: ['10.0.0.300'] }, /is not an IP address/],
    [{ virtualAddresses: ['10.0.0.1/33'] }, /prefix length 33/],
    [{ virtualAddresses: ['10.0.0.1/x'] }, /invalid prefix length/],
    [{ virtualAddresses: ['10.0.0.1', 'fd00::1'] }, /mix IPv4 and IPv6/],
    [{ virtualAddresses: ['fd00::1'], version: 2 }, /IPv6 instances run VRRP version 3/],
    [{ family: 6 }, /family 6 does not match its IPv4 addresses/],
    [{ unicastPeers: ['fd00::2'] }, /fd00::2 is not an IPv4 address/],
    [{ unicastSource: 'eth0' }, /"eth0" is not an IP address/],
    [{ garp: { masterRepeat: -1 } }, /garp.masterRepeat/],
  ];
  for (const [over, message] of rows) {
    t.throws(() => resolveInstanceConfig({ ...SHORT, ...over }), ConfigError, JSON.stringify(over));
    t.throws(() => resolveInstanceConfig({ ...SHORT, ...over }), { message: new RegExp(`^VRRP instance api: .*${message.source}`) });
  }
});

t.test('derived views', async (t) => {
  const c = resolveInstanceConfig({ ...SHORT, authPass: 'secret', virtualAddresses: ['10.0.0.100/24', { address: '10.0.1.1', interface: 'eth1' }] });
  t.equal(sourceOf(c, '10.0.0.2'), '10.0.0.2');
  t.equal(sourceOf({ ...c, unicastSource: '10.0.0.9' }, '10.0.0.2'), '10.0.0.9');
  t.same(machineConfigOf(c, '10.0.0.2'), {
    version: 2, priority: 100, advertIntervalCs: 100, preempt: true, preemptDelayMs: 0, acceptMode: true, primaryAddress: '10.0.0.2', downTimerAdverts: 3,
    lowerPriorityNoAdvert: false, higherPriorityAdvert: false,
  });
  t.match(receiveViewOf(c, '10.0.0.2'), { version: 2, vrid: 51, addresses: ['10.0.0.100', '10.0.1.1'], auth: { type: 1 }, primaryAddress: '10.0.0.2' });
  t.match(advertOf(c, 0), { version: 2, priority: 0, authType: 1, addresses: ['10.0.0.100', '10.0.1.1'] });
  t.same(advertDestinationsOf(c), ['224.0.0.18']);
  t.same(otherInterfacesOf(c), ['eth1']);
  t.same(heldAddressesOf(c, (n) => ({ eth0: 2, eth1: 3 })[n]), [
    { address: '10.0.0.100', prefixLength: 24, ifindex: 2 }, { address: '10.0.1.1', prefixLength: 32, ifindex: 3 },
  ]);
  t.throws(() => heldAddressesOf(c, (n) => (n === 'eth0' ? 2 : undefined)), /no interface eth1/);
  const v3 = resolveInstanceConfig({ ...SHORT, version: 3, authPass: 'ignored', virtualAddresses: ['FD00:0:0::100/64'], unicastPeers: ['fd00::3'] });
  t.same(receiveViewOf(v3, 'FE80::2').auth, { type: 0 }, 'no password in v3 (keepalived ignores it)');
  t.equal(advertOf(v3, 100).authType, undefined);
  t.match(receiveViewOf(v3, 'FE80::2'), { addresses: ['fd00::100'], primaryAddress: 'fe80::2', unicastPeers: ['fd00::3'] }, 'canonical text, as the parser gives');
  t.same(advertDestinationsOf(v3), ['fd00::3']);
  t.same(encodeOptionsOf({ ...v3, family: 4, checksum: 'no-pseudo' }, 's', 'd'), { source: 's', destination: 'd', checksum: 'no-pseudo' });
});

t.test('one source: what a config sends, a router with the same config accepts, and the machine takes it', async (t) => {
  const arb = fc.record({
    version: fc.constantFrom<2 | 3>(2, 3),
    family: fc.constantFrom<4 | 6>(4, 6),
    vrid: fc.integer({ min: 1, max: 255 }),
    priority: fc.integer({ min: 1, max: 254 }),
    seconds: fc.integer({ min: 1, max: 40 }),
    cs: fc.integer({ min: 1, max: 4095 }),
    vips: fc.integer({ min: 1, max: 20 }),
    authPass: fc.option(fc.string({ minLength: 0, maxLength: 8 }), { nil: undefined }),
    unicast: fc.boolean(),
  });
  fc.assert(fc.property(arb, (a) => {
    const version = a.family === 6 ? 3 : a.version;
    const host = (i: number) => (a.family === 4 ? `10.0.${i}.1` : `fd00::${i + 1}`);
    const peers = a.unicast ? [a.family === 4 ? '10.9.0.3' : 'fe80::3'] : [];
    const cfg = resolveInstanceConfig({
      name: 'p', vrid: a.vrid, interface: 'eth0', version, priority: a.priority,
      advertIntervalCs: version === 2 ? a.seconds * 100 : a.cs,
      virtualAddresses: Array.from({ length: a.vips }, (_, i) => `${host(i)}/24`),
      unicastPeers: peers, ...(a.authPass !== undefined ? { authPass: a.authPass } : {}),
    });
    const ours = a.family === 4 ? '10.9.0.2' : 'fe80::2';
    const theirs = peers[0] ?? (a.family === 4 ? '10.9.0.3' : 'fe80::3');
    const to = advertDestinationsOf(cfg)[0]!;
    const bytes = encodeAdvertisement(advertOf(cfg, a.priority), encodeOptionsOf(cfg, theirs, to));
    const parsed = parseVrrpMessage(bytes, { family: a.family, source: theirs, destination: to, ttl: 255 }, receiveViewOf(cfg, ours));
    if (!parsed.ok) return false;
    const verdict = validateAdvertisement(parsed.advert, { ...receiveViewOf(cfg, ours), unicastPeers: [theirs] });
    if (!verdict.ok || verdict.addressListMismatch) return false;
    createMachine(machineConfigOf(cfg, ours)); // does not throw
    return verdict.advert.advertIntervalCs === cfg.advertIntervalCs && verdict.advert.priority === a.priority;
  }), { numRuns: 300 });
  t.pass('300 configs');
});
