// keepalived's instance options on real kernels: one VRID twice on one interface (unicast peers or
// multicast groups keep them apart), mcast_dst_ip and IPv6 unicast (hop limit 64) with keepalived
// 2.2.7, a unicast instance without an interface whose source is on no local interface (keepalived
// 2.4 runs it), dont_track_primary, track_src_ip.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capture, createLan, stopProcess, waitFor, type Lab, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { labAddress, sleep, startVrrpNode, vrrpAdverts, vrrpInstance } from '../helpers/vrrp-lab.js';

function keepalived(lab: Lab, n: LabNode, lines: string[]) {
  const file = join(lab.dir, `ka-${n.name}.conf`);
  writeFileSync(file, ['global_defs {', '  vrrp_garp_master_delay 0', '  vrrp_garp_master_repeat 1', '}', ...lines, ''].join('\n'));
  const child = n.spawn(['keepalived', '-n', '-l', '-D', '-f', file, '--vrrp', '-p', join(lab.dir, `ka-${n.name}.pid`), '-r', join(lab.dir, `kav-${n.name}.pid`)]);
  let log = '';
  child.stdout?.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
  return { child, log: () => log };
}

t.test('one VRID, three instances on one interface: unicast peers and multicast groups keep them apart', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['r1', 'r2', 'r3']);
  const [r1, r2, r3] = [lab.node('r1'), lab.node('r2'), lab.node('r3')];
  const vip = (h: number) => [{ address: labAddress(lab, 4, h), prefixLength: 24 }];
  const p1 = startVrrpNode(r1, [
    vrrpInstance({ name: 'toR2', vrid: 60, priority: 100, unicastPeers: [r2.ipv4], virtualAddresses: vip(100) }),
    vrrpInstance({ name: 'toR3', vrid: 60, priority: 100, unicastPeers: [r3.ipv4], virtualAddresses: vip(101) }),
    vrrpInstance({ name: 'group19', vrid: 60, priority: 100, multicastGroup: '224.0.0.19', virtualAddresses: vip(102) }),
  ]);
  const p2 = startVrrpNode(r2, [
    vrrpInstance({ name: 'toR1', vrid: 60, priority: 200, unicastPeers: [r1.ipv4], virtualAddresses: vip(100) }),
    vrrpInstance({ name: 'group18', vrid: 60, priority: 200, virtualAddresses: vip(103) }),
  ]);
  const p3 = startVrrpNode(r3, [vrrpInstance({ name: 'toR1', vrid: 60, priority: 50, unicastPeers: [r1.ipv4], virtualAddresses: vip(101) })]);
  await p1.waitState('master', 5000, 'toR3');
  await p1.waitState('master', 5000, 'group19');
  await sleep(1500);
  const st = await p1.status();
  t.match(st.status.find((s) => s.name === 'toR2'), { state: 'backup', master: r2.ipv4 }, 'toR2 follows r2 (200)');
  t.match(st.status.find((s) => s.name === 'toR3'), { state: 'master' }, 'toR3 is master over r3 (50)');
  t.match(st.status.find((s) => s.name === 'group19'), { state: 'master', stats: { rcvdAdvertisements: 0 } }, 'the 224.0.0.19 instance hears nothing of r2\'s 224.0.0.18 one');
  t.match(await p3.instance(), { state: 'backup', master: r1.ipv4 });
  t.equal(st.unknownVrid, 0, 'every advert found its instance');
  void p2;
});

t.test('keepalived 2.2.7: mcast_dst_ip, and IPv6 unicast adverts with hop limit 64', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'keepalived', 'tcpdump'] })) return;
  const lab = await createLan(t, ['v', 'k']);
  const [v, k] = [lab.node('v'), lab.node('k')];
  const vip4 = labAddress(lab, 4, 110);
  const vip6 = labAddress(lab, 6, 111);
  const cap = await capture(lab, v, 'ip6 proto 112');
  const ka = keepalived(lab, k, [
    'vrrp_instance G {', '  interface eth0', '  virtual_router_id 70', '  priority 200', '  advert_int 1', '  mcast_dst_ip 224.0.0.19',
    '  virtual_ipaddress {', `    ${vip4}/24`, '  }', '}',
    'vrrp_instance U6 {', '  interface eth0', '  virtual_router_id 71', '  priority 200', '  advert_int 1',
    `  unicast_src_ip ${k.ipv6}`, '  unicast_peer {', `    ${v.ipv6}`, '  }', '  virtual_ipaddress {', `    ${vip6}/64`, '  }', '}',
  ]);
  try {
    await waitFor(() => (ka.log().match(/Entering MASTER STATE/g) ?? []).length >= 2, { timeoutMs: 10_000, message: 'keepalived master of both' });
    const p = startVrrpNode(v, [
      vrrpInstance({ name: 'G', vrid: 70, version: 2, advertIntervalCs: 100, priority: 100, multicastGroup: '224.0.0.19', virtualAddresses: [{ address: vip4, prefixLength: 24 }] }),
      vrrpInstance({ name: 'U6', vrid: 71, family: 6, advertIntervalCs: 100, priority: 100, unicastSource: v.ipv6, unicastPeers: [k.ipv6], virtualAddresses: [{ address: vip6, prefixLength: 64 }] }),
    ]);
    await waitFor(async () => { const s = (await p.status()).status; return s.length === 2 && s.every((i) => i.stats.rcvdAdvertisements >= 3); }, { timeoutMs: 8000, message: 'vipd hears both' });
    const st = (await p.status()).status;
    t.match(st.find((s) => s.name === 'G'), { state: 'backup', master: k.ipv4 }, 'mcast_dst_ip 224.0.0.19: vipd follows keepalived there');
    t.match(st.find((s) => s.name === 'U6'), { state: 'backup', master: k.ipv6 }, 'IPv6 unicast: vipd follows keepalived');
    t.same(p.out.lines.filter((l) => l.event === 'drop' && l.reason !== 'own-advert'), [], 'nothing dropped');
    p.child.kill('SIGTERM');
    await p.out.next((x) => x.event === 'stopped', 8000);
  } finally {
    await stopProcess(ka.child, 5000);
  }
  const hops = (await cap.stop()).filter((x) => x.data.readUInt16BE(12) === 0x86dd).map((x) => x.data[14 + 7]);
  t.ok(hops.length > 0 && hops.every((h) => h === 64), `keepalived's IPv6 unicast adverts had hop limit 64 (${[...new Set(hops)].join()})`);
});

t.test('no interface: a unicast instance sends from an address on no local interface (keepalived 2.4)', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'tcpdump'] })) return;
  const lab = await createLan(t, ['v', 'peer']);
  const [v, peer] = [lab.node('v'), lab.node('peer')];
  const vip = labAddress(lab, 4, 120);
  const source = '10.254.0.5';
  const cap = await capture(lab, peer, 'ip proto 112');
  const p = startVrrpNode(v, [vrrpInstance({
    name: 'noif', vrid: 72, interface: undefined, unicastSource: source, unicastPeers: [peer.ipv4],
    virtualAddresses: [{ address: vip, prefixLength: 24, interface: 'eth0' }],
  })]);
  await p.waitState('master', 5000);
  await waitFor(async () => (await v.exec(['ip', 'addr', 'show', 'dev', 'eth0'])).stdout.includes(`${vip}/24`), { timeoutMs: 3000, message: 'the VIP on its dev' });
  await sleep(500);
  t.match(await p.instance(), { interface: '', state: 'master' });
  p.child.kill('SIGTERM');
  await p.out.next((x) => x.event === 'stopped', 8000);
  const adverts = vrrpAdverts(await cap.stop()).filter((a) => a.advert.vrid === 72);
  t.ok(adverts.length >= 2 && adverts.every((a) => a.advert.source === source && a.advert.destination === peer.ipv4), `adverts from ${source} to the peer (${adverts.length})`);
  t.same(p.out.lines.filter((l) => l.event === 'send-error'), [], 'sent without errors');
});

t.test('dont_track_primary and track_src_ip', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['v']);
  const v = lab.node('v');
  const extra = labAddress(lab, 4, 130);
  await v.exec(['ip', 'addr', 'add', `${extra}/24`, 'dev', 'eth0']);
  const p = startVrrpNode(v, [
    vrrpInstance({ name: 'tracked', vrid: 73, virtualAddresses: [{ address: labAddress(lab, 4, 131), prefixLength: 24 }] }),
    vrrpInstance({ name: 'untracked', vrid: 74, dontTrackPrimary: true, virtualAddresses: [{ address: labAddress(lab, 4, 132), prefixLength: 24 }] }),
    vrrpInstance({ name: 'source', vrid: 75, unicastSource: extra, trackSource: true, virtualAddresses: [{ address: labAddress(lab, 4, 133), prefixLength: 24 }] }),
  ]);
  for (const n of ['tracked', 'untracked', 'source']) await p.waitState('master', 5000, n);
  await v.cut();
  await p.waitState('fault', 5000, 'tracked');
  await sleep(1000);
  t.equal((await p.instance('untracked')).state, 'master', 'dont_track_primary: the link going down is no fault');
  await v.restore();
  await p.waitState('backup', 5000, 'tracked');
  // The cut also took 'source' to FAULT (its link): it must be back before its own fault is looked for.
  await p.waitState('backup', 5000, 'source');
  await v.exec(['ip', 'addr', 'del', `${extra}/24`, 'dev', 'eth0']);
  await p.waitState('fault', 5000, 'source');
  t.match(await p.instance('source'), { faults: [`source:${extra}`] }, 'track_src_ip: the source address gone is a fault');
  await v.exec(['ip', 'addr', 'add', `${extra}/24`, 'dev', 'eth0']);
  await p.waitState('backup', 5000, 'source');
  t.pass('and its return clears it');
});

t.test('VIP scope, brd and peer: on the link as `ip addr` would put them, and gone at stop', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['v']);
  const v = lab.node('v');
  // A subnet of its own: the kernel refuses a secondary address of another scope than its primary's.
  const [a, b, peer] = ['10.254.2.1', labAddress(lab, 4, 141), '10.254.1.1'];
  const brd = '10.254.2.255';
  const p = startVrrpNode(v, [vrrpInstance({
    name: 'opts', vrid: 76, virtualAddresses: [
      { address: a, prefixLength: 24, scope: 'link', broadcast: brd },
      { address: b, prefixLength: 32, peer },
    ],
  })]);
  await p.waitState('master', 5000);
  const shown = async () => (await v.exec(['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])).stdout;
  await waitFor(async () => (await shown()).includes(`${b} peer`), { timeoutMs: 3000, message: 'the VIPs on eth0' });
  const text = await shown();
  t.match(text, new RegExp(`inet ${a.replace(/\./g, '\\.')}/24 brd ${brd.replace(/\./g, '\\.')} scope link`), 'brd and scope link');
  t.match(text, new RegExp(`inet ${b.replace(/\./g, '\\.')} peer ${peer.replace(/\./g, '\\.')}/32 scope global`), 'peer');
  p.child.kill('SIGTERM');
  await p.out.next((x) => x.event === 'stopped', 8000);
  const after = await shown();
  t.notOk(after.includes(` ${a}/`) || after.includes(` ${b} `), `both removed at stop (${after.trim()})`);
});
