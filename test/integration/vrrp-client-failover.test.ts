// Link cut seen from a client on the LAN: the new master's gratuitous ARP reaches it, its neighbour
// entry for the VIP moves to the new master's MAC, and the VIP answers pings again. The old master
// runs with nopreempt: when its link comes back it stays backup.
import t from 'tap';
import { capture, createLan, waitFor } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { holders, labAddress, sleep, startVrrpNode, vrrpInstance } from '../helpers/vrrp-lab.js';
import { decodeArp } from '../../src/netif/arp.js';

t.test('link cut: client sees the GARP and reaches the VIP again; nopreempt on restore', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'tcpdump', 'ping'] })) return;
  const lab = await createLan(t, ['r1', 'r2', 'client']);
  const [r1, r2, client] = [lab.node('r1'), lab.node('r2'), lab.node('client')];
  const vip = labAddress(lab, 4, 100);
  const vips = [{ address: vip, prefixLength: 24 }];
  // nopreempt: whoever is master first stays master, so r1 starts (and wins) before r2 starts.
  const p1 = startVrrpNode(r1, [vrrpInstance({ priority: 150, preempt: false, virtualAddresses: vips })]);
  await p1.waitState('master');
  const p2 = startVrrpNode(r2, [vrrpInstance({ priority: 100, preempt: false, virtualAddresses: vips })]);
  await p2.waitState('backup');
  await waitFor(async () => (await holders([r1, r2], vip)).join() === 'r1', { timeoutMs: 3000, message: 'VIP on r1' });

  const ping = async () => (await client.exec(['ping', '-c', '1', '-W', '1', vip])).code === 0;
  const neighMac = async () => {
    const r = await client.exec(['ip', '-j', 'neigh', 'show', vip, 'dev', 'eth0']);
    return (JSON.parse(r.stdout || '[]') as Array<{ lladdr?: string }>)[0]?.lladdr;
  };
  t.ok(await ping(), 'client reaches the VIP on r1');
  t.equal(await neighMac(), r1.mac, 'client resolves the VIP to r1');
  await sleep(1100); // past the neighbour locktime (1 s): the next ARP may override the entry

  const cap = await capture(lab, client, 'arp');
  await r1.cut();
  await p2.waitState('master', 5000);
  await waitFor(async () => (await neighMac()) === r2.mac, { timeoutMs: 3000, message: `client neighbour entry for ${vip} -> ${r2.mac}` });
  const garps = (await cap.stop()).map((p) => decodeArp(p.data)).filter((a) => a.senderIp === vip && a.targetIp === vip);
  t.ok(garps.some((a) => a.senderMac === r2.mac && a.ethSource === r2.mac), 'client captured r2\'s gratuitous ARP for the VIP');
  t.ok(await waitFor(ping, { timeoutMs: 3000, message: 'ping VIP after failover' }), 'client reaches the VIP on r2');
  await p1.waitState('fault', 3000);
  await waitFor(async () => (await holders([r1, r2], vip)).join() === 'r2', { timeoutMs: 3000, message: 'VIP only on r2' });

  const mark = p1.out.lines.length;
  await r1.restore();
  await p1.waitState('backup', 3000);
  await sleep(1500); // several master-down intervals: a preempting r1 would be master by now
  t.notOk(p1.out.lines.slice(mark).some((l) => l.event === 'state' && l.state === 'master'), 'r1 (nopreempt, priority 150) did not preempt');
  t.same(await holders([r1, r2], vip), ['r2'], 'the VIP stays on r2');
  t.equal(await neighMac(), r2.mac, 'client still resolves the VIP to r2');
  t.ok(await ping(), 'client still reaches the VIP');
});
