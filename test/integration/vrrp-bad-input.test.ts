// Bad input from a third node on the LAN: each kind of bad advert is ignored, counted in the
// receiving instance's statistics (or the router's unknown-VRID count), and causes no transition,
// although each carries a priority that would move the master (254) or the backup (0) if accepted.
// Then a burst of ~20k garbage packets at the backup: no transition, the master's adverts keep
// being heard, the VIP never moves.
import t from 'tap';
import { createLan, waitFor, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { holders, inject, labAddress, sleep, startVrrpNode, vrrpInstance, type VrrpProc } from '../helpers/vrrp-lab.js';
import { encodeAdvertisement } from '../../src/vrrp/packet.js';
import { AuthType } from '../../src/vrrp/types.js';
import { passwordAuthData } from '../../src/vrrp/auth.js';
import type { InstanceConfig } from '../../src/vrrp/instance.js';
import type { VrrpStatistics } from '../../src/vrrp/stats.js';

const GROUP = '224.0.0.18';

t.test('bad adverts are ignored and counted; a garbage flood moves nothing', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['r1', 'r2', 'x']);
  const [r1, r2, x] = [lab.node('r1'), lab.node('r2'), lab.node('x')];
  const vipA = labAddress(lab, 4, 110);
  const vipB = labAddress(lab, 4, 120);
  const vipC = labAddress(lab, 4, 130);
  const cfgs = (me: LabNode, peer: LabNode, priority: number): InstanceConfig[] => [
    vrrpInstance({ name: 'v2pass', vrid: 10, version: 2, advertIntervalCs: 100, priority, authPass: 'secret1', virtualAddresses: [{ address: vipA, prefixLength: 24 }] }),
    vrrpInstance({ name: 'v3mc', vrid: 20, priority, virtualAddresses: [{ address: vipB, prefixLength: 24 }] }),
    // check_unicast_src on: keepalived's default takes unicast adverts from anyone.
    vrrpInstance({ name: 'v3uc', vrid: 30, priority, unicastPeers: [peer.ipv4], checkUnicastSource: true, virtualAddresses: [{ address: vipC, prefixLength: 24 }] }),
  ];
  const p1 = startVrrpNode(r1, cfgs(r1, r2, 200));
  for (const i of ['v2pass', 'v3mc', 'v3uc']) await p1.waitState('master', 6000, i);
  const p2 = startVrrpNode(r2, cfgs(r2, r1, 100));
  for (const i of ['v2pass', 'v3mc', 'v3uc']) await p2.waitState('backup', 5000, i);
  await waitFor(async () => (await p2.status()).status.every((s) => s.stats.rcvdAdvertisements >= 1), { timeoutMs: 5000, message: 'r2 hears r1 on every instance' });
  for (const vip of [vipA, vipB, vipC]) t.same(await holders([r1, r2], vip), ['r1'], `${vip} on r1`);

  const v3 = (vrid: number, priority: number, to: string, addr: string) =>
    encodeAdvertisement({ version: 3, vrid, priority, advertIntervalCs: 10, family: 4, addresses: [addr] }, { source: x.ipv4, destination: to });
  const v2 = (priority: number, password: string) =>
    encodeAdvertisement({ version: 2, vrid: 10, priority, advertIntervalCs: 100, family: 4, addresses: [vipA], authType: AuthType.simple, authData: passwordAuthData(password) });
  const badChecksum = (b: Buffer) => { b[6]! ^= 0x5a; return b; };
  const hex = (b: Buffer) => b.toString('hex');
  // priority 0 would make a backup take over after Skew_Time; 254 would make the master step down.
  const cases: Array<{ what: string; packets: Array<{ payload: string; to?: string; ttl?: number }>; counter: keyof VrrpStatistics | 'unknownVrid'; instance?: string; perRouter: [number, number] }> = [
    { what: 'v2 auth mismatch', counter: 'authFailures', instance: 'v2pass', perRouter: [2, 2], packets: [{ payload: hex(v2(0, 'wrongpw')) }, { payload: hex(v2(254, 'wrongpw')) }] },
    { what: 'TTL 254', counter: 'ipTtlErrors', instance: 'v3mc', perRouter: [2, 2], packets: [{ payload: hex(v3(20, 0, GROUP, vipB)), ttl: 254 }, { payload: hex(v3(20, 254, GROUP, vipB)), ttl: 254 }] },
    { what: 'TTL 1 (v2)', counter: 'ipTtlErrors', instance: 'v2pass', perRouter: [1, 1], packets: [{ payload: hex(v2(0, 'secret1')), ttl: 1 }] },
    { what: 'wrong VRID', counter: 'unknownVrid', perRouter: [2, 2], packets: [{ payload: hex(v3(99, 0, GROUP, vipB)) }, { payload: hex(v3(99, 254, GROUP, vipB)) }] },
    { what: 'bad checksum', counter: 'checksumErrors', instance: 'v3mc', perRouter: [2, 2], packets: [{ payload: hex(badChecksum(v3(20, 0, GROUP, vipB))) }, { payload: hex(badChecksum(v3(20, 254, GROUP, vipB))) }] },
    { what: 'unicast from a non-peer', counter: 'unicastPeerErrors', instance: 'v3uc', perRouter: [1, 1], packets: [{ payload: hex(v3(30, 254, r1.ipv4, vipC)), to: r1.ipv4 }, { payload: hex(v3(30, 0, r2.ipv4, vipC)), to: r2.ipv4 }] },
  ];

  const counterOf = async (p: VrrpProc, counter: string, instance?: string): Promise<number> => {
    const s = await p.status();
    if (counter === 'unknownVrid') return s.unknownVrid;
    const i = s.status.find((x) => x.name === instance)!;
    return i.stats[counter as keyof VrrpStatistics] as number;
  };
  const marks = [p1.out.lines.length, p2.out.lines.length];
  for (const c of cases) {
    const before = [await counterOf(p1, c.counter, c.instance), await counterOf(p2, c.counter, c.instance)];
    const r = await inject(x, { family: 4, ifindex: x.ifindex, packets: c.packets });
    t.equal(r.sent, c.packets.length, `${c.what}: sent`);
    const want = [before[0]! + c.perRouter[0], before[1]! + c.perRouter[1]];
    const got = await waitFor(async () => {
      const now = [await counterOf(p1, c.counter, c.instance), await counterOf(p2, c.counter, c.instance)];
      return now[0] === want[0] && now[1] === want[1] ? now : undefined;
    }, { timeoutMs: 3000, message: `${c.what}: ${c.counter} on r1/r2 reaches ${want.join('/')}` }).catch(() => undefined);
    t.ok(got, `${c.what}: counted in ${c.counter} (+${c.perRouter.join(' / +')} on r1 / r2)`);
  }
  await sleep(1500); // past the v2 Skew_Time (0.6 s) and many v3 master-down intervals
  const changes = (p: VrrpProc, mark: number) => p.out.lines.slice(mark).filter((l) => l.event === 'state');
  t.same(changes(p1, marks[0]!), [], 'r1: no transition');
  t.same(changes(p2, marks[1]!), [], 'r2: no transition');
  for (const vip of [vipA, vipB, vipC]) t.same(await holders([r1, r2], vip), ['r1'], `${vip} still on r1`);
  const s2 = await p2.status();
  t.ok(s2.status.every((s) => s.stats.priorityZeroPktsRcvd === 0), 'no priority-0 advert was accepted');

  // The flood: random bytes (VRIDs of our instances and others) unicast at the backup, as fast as
  // the sender can go.
  const mark2 = [p1.out.lines.length, p2.out.lines.length];
  const rcvdBefore = (await p2.instance('v3mc')).stats.rcvdAdvertisements;
  let moved = false;
  let watching = true;
  const watch = (async () => {
    while (watching) {
      if ((await holders([r1, r2], vipB)).join() !== 'r1') moved = true;
      await sleep(50);
    }
  })();
  const flood = await inject(x, { family: 4, ifindex: x.ifindex, flood: { count: 20_000, to: r2.ipv4, vrids: [10, 20, 30, 99] } });
  t.comment(`flood: ${JSON.stringify(flood)}`);
  t.equal(flood.sent, 20_000, '20000 garbage packets sent');
  await sleep(1500);
  watching = false;
  await watch;
  t.notOk(moved, 'the VIP of the 100 ms instance never left r1 during the flood');
  t.same(changes(p1, mark2[0]!), [], 'r1: no transition during the flood');
  t.same(changes(p2, mark2[1]!), [], 'r2: no transition during the flood');
  const after = await p2.status();
  const mc = after.status.find((s) => s.name === 'v3mc')!;
  t.ok(mc.stats.rcvdAdvertisements >= rcvdBefore + 10, `r2 kept hearing r1's adverts (${mc.stats.rcvdAdvertisements - rcvdBefore} more)`);
  t.ok(after.status.every((s) => s.state === 'backup'), 'r2 is backup on every instance');
  const dropped = after.status.reduce((n, s) => n + s.stats.versionErrors + s.stats.packetLengthErrors + s.stats.checksumErrors + s.stats.invalidTypeErrors, 0) + after.unknownVrid;
  t.comment(`r2 counted ${dropped} bad packets`);
  t.ok(dropped > 1000, 'the garbage was counted');
  for (const vip of [vipA, vipB, vipC]) t.same(await holders([r1, r2], vip), ['r1'], `${vip} still on r1 after the flood`);
});
