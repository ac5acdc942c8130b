// use_vmac on real kernels: the instance runs on a macvlan with the virtual router MAC, its VIP goes
// there, and its adverts and GARPs leave with that MAC (seen on a third node's wire). keepalived
// 2.2.7 on a VMAC of its own is the peer, both ways: vipd master and keepalived backup, then vipd
// stops (its VMAC and firewall table go) and keepalived's VMAC adverts keep vipd a backup. Also:
// the sysctls keepalived sets, a stale VMAC from a run that died, IPv6 VMACs, vmac_xmit_base.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capture, createLan, waitFor, stopProcess, type Lab, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { labAddress, sleep, startVrrpNode, vrrpAdverts, vrrpInstance } from '../helpers/vrrp-lab.js';

const VRID = 42;
const VMAC4 = '00:00:5e:00:01:2a';
const VMAC6 = '00:00:5e:00:02:2a';

interface LinkJson { ifname: string; address?: string; linkinfo?: { info_kind?: string; info_data?: { mode?: string } } }

async function link(n: LabNode, name: string): Promise<LinkJson | undefined> {
  const r = await n.exec(['ip', '-d', '-j', 'link', 'show', 'dev', name]);
  return r.code === 0 ? (JSON.parse(r.stdout) as LinkJson[])[0] : undefined;
}

async function sysctl(n: LabNode, key: string): Promise<string> {
  return (await n.exec(['cat', `/proc/sys/${key}`])).stdout.trim();
}

async function addressesOn(n: LabNode, dev: string): Promise<string[]> {
  const r = await n.exec(['ip', '-j', 'addr', 'show', 'dev', dev]);
  if (r.code !== 0) return [];
  return (JSON.parse(r.stdout) as Array<{ addr_info: Array<{ local: string }> }>)[0]?.addr_info.map((a) => a.local) ?? [];
}

const macBytes = (mac: string) => Buffer.from(mac.replace(/:/g, ''), 'hex');

/** A gratuitous ARP for `address`: sender and target IP are both it. */
function isGarp(frame: Buffer, address: string): boolean {
  const ip = Buffer.from(address.split('.').map(Number));
  return frame.length >= 42 && frame.readUInt16BE(12) === 0x0806 && frame.subarray(28, 32).equals(ip) && frame.subarray(38, 42).equals(ip);
}

function startKeepalived(lab: Lab, n: LabNode, conf: string) {
  const file = join(lab.dir, 'keepalived-vmac.conf');
  writeFileSync(file, conf);
  const child = n.spawn(['keepalived', '-n', '-l', '-D', '-f', file, '--vrrp', '-p', join(lab.dir, 'ka.pid'), '-r', join(lab.dir, 'ka-vrrp.pid')]);
  let log = '';
  child.stdout?.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
  return { child, log: () => log };
}

t.test('use_vmac: VMAC on the wire, keepalived 2.2.7 on its own VMAC both ways', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'tcpdump', 'ping', 'keepalived'] })) return;
  const lab = await createLan(t, ['v', 'k', 'c']);
  const [v, k, c] = [lab.node('v'), lab.node('k'), lab.node('c')];
  const vip = labAddress(lab, 4, 100);
  // A VMAC a run that died left behind (same name, same parent): replaced, not reused.
  await v.exec(['ip', 'link', 'add', 'vrrp.42', 'link', 'eth0', 'type', 'macvlan', 'mode', 'bridge']);
  const ka = startKeepalived(lab, k, [
    'global_defs {', '  vrrp_garp_master_delay 0', '  vrrp_garp_master_repeat 1', '}',
    'vrrp_instance VI {', '  state BACKUP', '  interface eth0', `  virtual_router_id ${VRID}`, '  priority 100', '  advert_int 1', '  use_vmac',
    '  virtual_ipaddress {', `    ${vip}/24`, '  }', '}', '',
  ].join('\n'));
  const cap = await capture(lab, c, 'ip proto 112 or arp');
  const cfg = (priority: number) => vrrpInstance({ vrid: VRID, version: 2, advertIntervalCs: 100, priority, vmac: {}, virtualAddresses: [{ address: vip, prefixLength: 24 }] });
  let p = startVrrpNode(v, [cfg(200)]);
  try {
    await p.waitState('master', 8000);
    const l = await link(v, 'vrrp.42');
    t.match(l, { address: VMAC4, linkinfo: { info_kind: 'macvlan', info_data: { mode: 'private' } } }, 'vrrp.42: a private macvlan with the virtual router MAC');
    await waitFor(async () => (await addressesOn(v, 'vrrp.42')).includes(vip), { timeoutMs: 3000, message: 'the VIP on the VMAC' });
    t.notOk((await addressesOn(v, 'eth0')).includes(vip), 'not on eth0');
    t.same(await Promise.all(['arp_ignore', 'accept_local', 'rp_filter', 'promote_secondaries'].map((s) => sysctl(v, `net/ipv4/conf/vrrp.42/${s}`))), ['1', '1', '0', '1'],
      'the VMAC\'s sysctls are keepalived\'s');
    t.equal(await sysctl(v, 'net/ipv6/conf/vrrp.42/disable_ipv6'), '1', 'no IPv6 on an IPv4 VMAC');
    t.same([await sysctl(v, 'net/ipv4/conf/eth0/arp_ignore'), await sysctl(v, 'net/ipv4/conf/eth0/arp_filter')], ['1', '1'], 'the interface answers ARP for its own addresses only');
    t.ok(await waitFor(async () => (await c.exec(['ping', '-c', '1', '-W', '1', vip])).code === 0, { timeoutMs: 5000, message: 'ping the VIP' }), 'the client reaches the VIP');
    await sleep(2500);
    const kaStates = ka.log().split('\n').filter((x) => /Entering (MASTER|BACKUP) STATE/.test(x));
    t.match(kaStates.at(-1), /BACKUP/, 'keepalived is backup');

    // vipd stops: priority 0 from the VMAC, the VMAC and the firewall table go, keepalived takes over.
    p.child.kill('SIGTERM');
    await p.out.next((x) => x.event === 'stopped', 8000);
    t.equal(await link(v, 'vrrp.42'), undefined, 'the VMAC is removed on stop');
    t.equal((await v.exec(['nft', 'list', 'table', 'ip', 'vipd_vrrp'])).code !== 0, true, 'and vipd\'s nftables table');
    await waitFor(() => ka.log().includes('Entering MASTER STATE'), { timeoutMs: 5000, message: 'keepalived takes over' });

    // vipd again, lower: keepalived's VMAC adverts keep it a backup.
    p = startVrrpNode(v, [cfg(50)]);
    await p.waitState('backup', 8000);
    await waitFor(async () => (await p.instance()).stats.rcvdAdvertisements >= 3, { timeoutMs: 6000, message: 'vipd hears keepalived on its VMAC' });
    t.match(await p.instance(), { state: 'backup', master: k.ipv4, vmac: 'vrrp.42' }, 'vipd follows keepalived');
  } catch (err) {
    t.comment(`keepalived:\n${ka.log().slice(-3000)}\nvipd:\n${p.out.lines.map((x) => JSON.stringify(x)).join('\n')}`);
    throw err;
  }
  p.child.kill('SIGTERM');
  await p.out.next((x) => x.event === 'stopped', 8000);
  await stopProcess(ka.child, 5000);
  const packets = await cap.stop();
  const adverts = vrrpAdverts(packets).filter((a) => a.advert.vrid === VRID);
  const fromV = adverts.filter((a) => a.advert.source === v.ipv4);
  const fromK = adverts.filter((a) => a.advert.source === k.ipv4);
  t.ok(fromV.length >= 3 && fromV.every((a) => a.srcMac === VMAC4), `vipd's adverts leave with the VMAC (${fromV.length})`);
  t.ok(fromV.some((a) => a.advert.priority === 0), 'including its priority 0 on stop');
  t.ok(fromK.length >= 3 && fromK.every((a) => a.srcMac === VMAC4), `keepalived's too (${fromK.length})`);
  const garps = packets.filter((x) => isGarp(x.data, vip));
  t.ok(garps.length >= 1, 'GARPs for the VIP');
  t.ok(garps.every((x) => x.data.subarray(6, 12).equals(macBytes(VMAC4))), 'all from the VMAC');
  // The client's ARP request for the VIP is answered by the VMAC (as keepalived, replies to it may
  // still leave through eth0: both links have the subnet's route).
  const replies = packets.filter((x) => x.data.length >= 42 && x.data.readUInt16BE(12) === 0x0806 && x.data.readUInt16BE(20) === 2
    && x.data.subarray(28, 32).equals(Buffer.from(vip.split('.').map(Number))));
  t.ok(replies.length >= 1 && replies.every((x) => x.data.subarray(22, 28).equals(macBytes(VMAC4))), 'the VIP resolves to the VMAC');
});

t.test('IPv6 VMAC, vmac_xmit_base, a name and a MAC of our own', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'tcpdump'] })) return;
  const lab = await createLan(t, ['v', 'c']);
  const [v, c] = [lab.node('v'), lab.node('c')];
  const vip6 = labAddress(lab, 6, 100);
  const vip4 = labAddress(lab, 4, 101);
  const cap = await capture(lab, c, 'ip proto 112 or ip6 proto 112 or arp');
  const p = startVrrpNode(v, [
    vrrpInstance({ name: 'six', vrid: VRID, family: 6, priority: 200, vmac: {}, virtualAddresses: [{ address: vip6, prefixLength: 64 }] }),
    vrrpInstance({ name: 'base', vrid: 43, priority: 200, vmac: { name: 'vm43', mac: '02:11:22:33:44', xmitBase: true }, virtualAddresses: [{ address: vip4, prefixLength: 24 }] }),
  ]);
  await p.waitState('master', 8000, 'six');
  await p.waitState('master', 8000, 'base');
  t.match(await link(v, 'vrrp.42'), { address: VMAC6 }, 'IPv6: 00:00:5e:00:02:VRID');
  t.ok((await addressesOn(v, 'vrrp.42')).includes(v.linkLocal), 'the interface\'s link-local address is on the VMAC (adverts come from it)');
  t.equal(await sysctl(v, 'net/ipv6/conf/vrrp.42/addr_gen_mode'), '1', 'no link-local of its own');
  t.match(await link(v, 'vm43'), { address: '02:11:22:33:44:2b' }, 'five bytes of MAC: the VRID is the sixth');
  await sleep(1500);
  p.child.kill('SIGTERM');
  await p.out.next((x) => x.event === 'stopped', 8000);
  const packets = await cap.stop();
  const adverts = vrrpAdverts(packets);
  const six = adverts.filter((a) => a.advert.vrid === VRID && a.advert.family === 6);
  t.ok(six.length >= 2 && six.every((a) => a.srcMac === VMAC6 && a.advert.source === v.linkLocal), 'IPv6 adverts from the VMAC and the link-local address');
  const base = adverts.filter((a) => a.advert.vrid === 43);
  t.ok(base.length >= 2 && base.every((a) => a.srcMac === v.mac), 'vmac_xmit_base: adverts from the interface');
  const garps = packets.filter((x) => isGarp(x.data, vip4));
  t.ok(garps.length >= 1 && garps.every((x) => x.data.subarray(6, 12).toString('hex') === '02112233442b'), 'and GARPs from the VMAC');
  t.equal(await link(v, 'vm43'), undefined, 'removed on stop');
});
