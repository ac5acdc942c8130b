// keepalived's behaviours of a VrrpInstance (virtual clock, fake channel): check_unicast_src and
// min/max_ttl, any TTL for unicast, unicast_ttl, the multicast group, AH with its sequence
// numbers, old unicast checksums, a base priority to and from 255, no_accept's filter around the
// VIPs, unicast_fault_no_peer, and answering lower-priority adverts.
import t from 'tap';
import { VrrpInstance, type AcceptFilter, type InstanceConfig } from '../../src/vrrp/instance.js';
import { advertDatagram, fakeEnv, settle, type FakeEnv } from '../helpers/vrrp-fakes.js';
import type { VrrpDatagram } from '../../src/vrrp/channel.js';
import { encodeAhPacket } from '../../src/vrrp/auth-ah.js';
import { encodeAdvertisement } from '../../src/vrrp/packet.js';
import { passwordAuthData } from '../../src/vrrp/auth.js';
import { ipToBytes } from '../../src/netif/ip-address.js';
import type { Advertisement } from '../../src/vrrp/types.js';

const MDI = 3609; // v3, priority 100, 1 s
const VIP = '10.0.0.100';

function setup(over: Partial<InstanceConfig> = {}, env: FakeEnv = fakeEnv()) {
  const inst = new VrrpInstance({ name: 'vi', vrid: 51, interface: 'eth0', version: 3, virtualAddresses: [`${VIP}/24`], ...over }, env);
  env.channel.deliver = (d) => inst.receive(d);
  const drops: string[] = [];
  inst.on('drop', (d) => drops.push(`${d.reason}: ${d.detail}`));
  return { env, inst, drops };
}

const v3 = (priority: number, over: Partial<Advertisement> = {}): Advertisement =>
  ({ version: 3, vrid: 51, priority, advertIntervalCs: 100, family: 4, addresses: [VIP], ...over });

t.test('unicast: any TTL, a peer\'s min/max_ttl, strangers only with check_unicast_src', async (t) => {
  const peers = [{ address: '10.0.0.3', minTtl: 250 }, '10.0.0.4'];
  const { env, inst, drops } = setup({ unicastSource: '10.0.0.2', unicastPeers: peers });
  await inst.start();
  const at = (source: string, ttl: number) => inst.receive(advertDatagram(v3(200), source, { destination: '10.0.0.2', ttl }));
  at('10.0.0.4', 64);
  t.equal(inst.status().master, '10.0.0.4', 'TTL 64 from a peer without limits: accepted (keepalived sends IPv6 unicast with 64)');
  at('10.0.0.3', 249);
  t.match(drops, [/^ttl: TTL\/hop limit 249 from 10.0.0.3, expected 250..255/], 'below the peer\'s min_ttl: dropped');
  at('10.0.0.9', 255);
  t.match(drops.at(-1), /^unicast-peer/, 'a peer with TTL limits turns check_unicast_src on');
  t.equal(inst.config.checkUnicastSource, true);
  await inst.stop();
  const open = setup({ unicastSource: '10.0.0.2', unicastPeers: ['10.0.0.3'] });
  await open.inst.start();
  open.inst.receive(advertDatagram(v3(200), '10.0.0.9', { destination: '10.0.0.2', ttl: 1 }));
  t.equal(open.inst.status().master, '10.0.0.9', 'no check_unicast_src (keepalived\'s default): anyone, any TTL');
  await open.inst.stop();
  const mc = setup();
  await mc.inst.start();
  mc.inst.receive(advertDatagram(v3(200), '10.0.0.9', { ttl: 254 }));
  t.match(mc.drops, [/^ttl:/], 'multicast: 255 only, as keepalived');
  await mc.inst.stop();
  void env;
});

t.test('unicast_ttl and the multicast group go on the wire', async (t) => {
  const u = setup({ unicastSource: '10.0.0.2', unicastPeers: ['10.0.0.3'], unicastTtl: 7 });
  await u.inst.start();
  u.env.clock.advance(MDI);
  t.match(u.env.channel.sent[0], { to: '10.0.0.3', ttl: 7 });
  await u.inst.stop();
  const m = setup({ multicastGroup: '224.0.0.19', unicastTtl: 7 });
  await m.inst.start();
  m.env.clock.advance(MDI);
  t.match(m.env.channel.sent[0], { to: '224.0.0.19', ttl: 255, advert: { destination: '224.0.0.19' } }, 'the v3 checksum covers the group; unicast_ttl is for unicast');
  await m.inst.stop();
});

t.test('old unicast checksum (keepalived < 1.3.6): detected by default, sent with old_unicast_checksum', async (t) => {
  const old = (p: number) => {
    const d = advertDatagram(v3(p), '10.0.0.3', { destination: '10.0.0.2' });
    // The same message with the checksum keepalived computed against 224.0.0.18.
    const msg = encodeAdvertisement(v3(p), { source: '10.0.0.3', destination: '224.0.0.18' });
    msg.copy(d.data, 20);
    return d;
  };
  const a = setup({ unicastSource: '10.0.0.2', unicastPeers: ['10.0.0.3'] });
  await a.inst.start();
  a.inst.receive(old(200));
  t.equal(a.inst.status().master, '10.0.0.3', 'detected and accepted');
  await a.inst.stop();
  const never = setup({ unicastSource: '10.0.0.2', unicastPeers: ['10.0.0.3'], oldUnicastChecksum: 'never' });
  await never.inst.start();
  never.inst.receive(old(200));
  t.match(never.drops, [/^checksum/], "'never': RFC checksums only");
  await never.inst.stop();
  const send = setup({ unicastSource: '10.0.0.2', unicastPeers: ['10.0.0.3'], oldUnicastChecksum: 'send' });
  await send.inst.start();
  send.env.clock.advance(MDI);
  const sent = send.env.channel.sent[0]!;
  t.equal(sent.to, '10.0.0.3');
  t.equal(sent.message.toString('hex'), encodeAdvertisement(v3(100), { source: '10.0.0.2', destination: '224.0.0.18' }).toString('hex'), 'sent with the group in the pseudo-header');
  await send.inst.stop();
});

/** An AH advert from `source` with sequence number `seq`, as the AH socket delivers it. */
function ahDatagram(priority: number, seq: number, source = '10.0.0.1', password = 'secret12'): VrrpDatagram {
  const msg = encodeAdvertisement({ version: 2, vrid: 51, priority, advertIntervalCs: 100, family: 4, addresses: [VIP], authType: 2, authData: Buffer.alloc(8) });
  const data = encodeAhPacket(msg, { source, destination: '224.0.0.18', ttl: 255, seq, key: passwordAuthData(password) });
  return { data, family: 4, source, destination: '224.0.0.18', ttl: 255, ifindex: 2, truncated: false, protocol: 51 };
}

t.test('AH: verified, sequence numbers as keepalived, never confused with the plain kind', async (t) => {
  const { env, inst, drops } = setup({ version: 2, advertIntervalCs: 100, auth: { type: 'ah', password: 'secret12' } });
  await inst.start();
  inst.receive(ahDatagram(200, 5));
  t.equal(inst.status().master, '10.0.0.1', 'a good AH advert is taken');
  inst.receive(ahDatagram(200, 5));
  inst.receive(ahDatagram(200, 3));
  t.match(drops, [/^auth-failure: IPsec AH sequence number 5 already processed \(ours is 5\)/, /^auth-failure: IPsec AH sequence number 3/], 'replays are dropped');
  inst.receive(ahDatagram(200, 9, '10.0.0.1', 'other'));
  t.match(drops.at(-1), /^auth-failure: AH authentication data/);
  inst.receive(advertDatagram({ version: 2, vrid: 51, priority: 200, advertIntervalCs: 100, family: 4, addresses: [VIP], authType: 2, authData: Buffer.alloc(8) }, '10.0.0.1'));
  t.match(drops.at(-1), /^auth-type-mismatch: an advert without IPsec AH/, 'auth type 2 without the AH header');
  inst.receive(ahDatagram(0, 6));
  env.clock.advance(1000);
  t.equal(inst.state, 'master', 'priority 0 in AH: we take over after Skew_Time');
  const first = env.channel.sent[0]!;
  t.ok(first.ah, 'sent as a whole IPv4 packet with an AH');
  t.equal(first.ah!.readUInt32BE(28), 7, 'our first sequence number follows the highest accepted (6)');
  t.equal(first.ah!.readUInt32BE(24), ipToBytes('10.0.0.2').readUInt32BE(0), 'SPI: our address');
  t.match(first.advert, { authType: 2, priority: 100 });
  env.clock.advance(1000);
  t.equal(env.channel.sent[1]!.ah!.readUInt32BE(28), 8);
  await inst.stop();
  const plain = setup({ version: 2, advertIntervalCs: 100, authPass: 'secret12' });
  await plain.inst.start();
  plain.inst.receive(ahDatagram(200, 1));
  t.match(plain.drops, [/^auth-type-mismatch: an IPsec AH advert/], 'an AH advert to a PASS instance');
  await plain.inst.stop();
});

t.test('a base priority to and from 255: becomes and stops being the address owner', async (t) => {
  const { env, inst, drops } = setup({ strict: true });
  await inst.start();
  inst.receive(advertDatagram(v3(200), '10.0.0.1'));
  t.equal(inst.state, 'backup');
  t.equal(inst.status().acceptMode, false, 'strict: no accept for a non-owner');
  inst.setBasePriority(255);
  t.equal(inst.state, 'master', 'owner at once');
  t.match(inst.status(), { priority: 255, acceptMode: true });
  t.match(env.channel.sent.at(-1), { advert: { priority: 255 } });
  inst.receive(advertDatagram(v3(254), '10.0.0.1'));
  t.match(drops.at(-1), /^owner/, 'an owner discards adverts');
  inst.setPriority(100);
  t.equal(inst.status().priority, 255, 'tracking does not move an owner');
  inst.setBasePriority(200);
  t.match(inst.status(), { state: 'master', priority: 200, configuredPriority: 200, acceptMode: false });
  t.match(env.channel.sent.at(-1), { advert: { priority: 200 } }, 'advertised at once');
  inst.receive(advertDatagram(v3(250), '10.0.0.1'));
  t.equal(inst.state, 'backup', 'no longer the owner: a higher priority wins');
  await inst.stop();
});

class RecordingFilter implements AcceptFilter {
  calls: string[] = [];
  constructor(readonly env: FakeEnv) {}
  async block(instance: string, addresses: readonly string[]): Promise<void> {
    this.calls.push(`block ${instance} ${addresses.join(',')} (VIP there: ${this.env.addresses.present.has(`${VIP}/24`)})`);
  }
  async unblock(instance: string): Promise<void> {
    this.calls.push(`unblock ${instance} (VIP there: ${this.env.addresses.present.has(`${VIP}/24`)})`);
  }
}

t.test('no_accept: the filter is up before the VIPs come, and lifted after they went', async (t) => {
  const env = fakeEnv();
  const filter = new RecordingFilter(env);
  const { inst } = setup({ acceptMode: false, excludedAddresses: ['10.0.1.1/32'] }, { ...env, filter } as FakeEnv);
  await inst.start();
  env.clock.advance(MDI);
  await settle();
  inst.receive(advertDatagram(v3(200), '10.0.0.1'));
  await settle();
  t.same(filter.calls, ['block vi 10.0.0.100,10.0.1.1 (VIP there: false)', 'unblock vi (VIP there: false)']);
  await inst.stop();
  const owner = new RecordingFilter(env);
  const o = setup({ acceptMode: false, priority: 255 }, { ...fakeEnv(), filter: owner } as FakeEnv);
  await o.inst.start();
  await settle();
  t.same(owner.calls, [], 'the owner always accepts');
  await o.inst.stop();
});

t.test('no_accept on a master whose base priority goes to and from 255 (a reload): the filter follows', async (t) => {
  const env = fakeEnv();
  const filter = new RecordingFilter(env);
  const { inst } = setup({ acceptMode: false }, { ...env, filter } as FakeEnv);
  await inst.start();
  env.clock.advance(MDI);
  await settle();
  t.equal(inst.state, 'master');
  inst.setBasePriority(255);
  await settle();
  inst.setBasePriority(100);
  await settle();
  t.same(filter.calls, ['block vi 10.0.0.100 (VIP there: false)', 'unblock vi (VIP there: true)', 'block vi 10.0.0.100 (VIP there: true)'],
    'the owner accepts; no longer the owner, it drops again; the VIP stays throughout');
  t.equal(inst.state, 'master');
  await inst.stop();
});

t.test('unicast_fault_no_peer: a unicast instance left without peers is in FAULT', async (t) => {
  const { inst } = setup({ unicast: true, unicastFaultNoPeer: true, unicastSource: '10.0.0.2' });
  await inst.start();
  t.match(inst.status(), { state: 'fault', faults: ['no unicast peer'] });
  await inst.stop();
  const mc = setup({ unicast: true, unicastSource: '10.0.0.2' });
  await mc.inst.start();
  t.equal(mc.inst.state, 'backup', 'without it: multicast, as keepalived before 2.2.4');
  await mc.inst.stop();
});

t.test('a master answers a lower-priority advert at once (keepalived), unless lower_prio_no_advert', async (t) => {
  for (const [lowerPriorityNoAdvert, want] of [[false, 1], [true, 0]] as const) {
    const { env, inst } = setup({ lowerPriorityNoAdvert });
    await inst.start();
    env.clock.advance(MDI + 300);
    const n = env.channel.sent.length;
    inst.receive(advertDatagram(v3(50), '10.0.0.1'));
    t.equal(env.channel.sent.length - n, want, `lowerPriorityNoAdvert ${lowerPriorityNoAdvert}`);
    await inst.stop();
  }
});

t.test('garp_extra_if: periodic GARPs for the VIPs on the VMAC (or everywhere with `all`)', async (t) => {
  const vmac = { ifindex: 9, name: 'vrrp.51', mac: '00:00:5e:00:01:33' };
  for (const [extraIfAll, onVmac, want] of [[false, true, 1], [false, false, 0], [true, false, 1]] as const) {
    const env = fakeEnv();
    const { inst } = setup({ garp: { masterRepeat: 1, masterDelayMs: 0, extraIfRefreshMs: 60_000, extraIfAll } }, { ...env, ...(onVmac ? { link: vmac } : {}) } as FakeEnv);
    await inst.start();
    env.clock.advance(MDI);
    const burst = env.announce.sent.length;
    env.clock.advance(60_000);
    t.equal(env.announce.sent.length - burst, want, `all ${extraIfAll}, on a VMAC ${onVmac}: ${want} extra GARP a minute`);
    if (want) t.match(env.announce.sent.at(-1), { kind: 'garp', address: VIP, ifname: onVmac ? 'vrrp.51' : 'eth0' });
    await inst.stop();
  }
});
