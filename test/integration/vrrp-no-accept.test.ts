// no_accept (and vrrp_strict's default of it) on real kernels, through the daemon: a master that is
// not the address owner holds its VIPs but drops traffic to them (ping and TCP from another
// namespace fail), an owner or an `accept` instance takes it; vipd's nftables tables go when it
// stops, and a table a run that died left behind is gone once vipd starts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan, waitFor, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { startVipd, k0sFlags } from '../helpers/daemon-lab.js';

function instance(name: string, vrid: number, vip: string, lines: string[]): string {
  return [
    `vrrp_instance ${name} {`, '  interface eth0', `  virtual_router_id ${vrid}`, '  advert_int 1', ...lines.map((l) => `  ${l}`),
    '  virtual_ipaddress {', `    ${vip}`, '  }', '}',
  ].join('\n');
}

const reachable = async (from: LabNode, address: string, v6 = false) => (await from.exec(['ping', ...(v6 ? ['-6'] : []), '-c', '1', '-W', '1', address])).code === 0;

/** A TCP connect from `from` to address:port, with a 2 s limit (bash's /dev/tcp). */
const connects = async (from: LabNode, address: string, port: number) =>
  (await from.exec(['timeout', '2', 'bash', '-c', `exec 3<>/dev/tcp/${address}/${port}`])).code === 0;

t.test('no_accept drops traffic to a non-owner master\'s VIPs; accept and the owner take it', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'nft', 'ping', 'timeout'] })) return;
  const lab = await createLan(t, ['v', 'c']);
  const [v, c] = [lab.node('v'), lab.node('c')];
  const net = v.ipv4.replace(/\.\d+$/, '');
  const net6 = v.ipv6.replace(/::\d+$/, '');
  const [dropped, dropped6, accepted, owned, strict] = [`${net}.100`, `${net6}::100`, `${net}.101`, `${net}.102`, `${net}.103`];
  // What a run that died left: its table dropping traffic to an address nobody uses now.
  const stale = `${net}.150`;
  const l = await v.exec(['nft', '-f', '-'], { input: `table ip vipd_vrrp {\n set vips { type ipv4_addr; elements = { ${stale} } }\n chain in { type filter hook input priority filter - 1; policy accept; ip daddr @vips drop; }\n}\n` });
  t.equal(l.code, 0, 'a stale table is there');
  await v.exec(['ip', 'addr', 'add', `${stale}/24`, 'dev', 'eth0']);
  t.notOk(await reachable(c, stale), 'the stale table drops');

  mkdirSync(join(lab.dir, 'v'), { recursive: true });
  const conf = join(lab.dir, 'v', 'keepalived.conf');
  writeFileSync(conf, [
    'global_defs {', '  vrrp_garp_master_delay 0', '  vrrp_garp_master_repeat 1', '}',
    instance('DROP', 71, `${dropped}/24`, ['state MASTER', 'priority 200', 'no_accept']),
    instance('DROP6', 72, `${dropped6}/64`, ['priority 200', 'no_accept']),
    instance('ACCEPT', 73, `${accepted}/24`, ['priority 200', 'accept']),
    instance('OWNER', 74, `${owned}/24`, ['state MASTER', 'priority 255', 'no_accept']),
    instance('STRICT', 75, `${strict}/24`, ['priority 200', 'strict_mode']),
    '',
  ].join('\n'));
  // A TCP listener on every address of v.
  const server = v.spawn(['node', '-e', "require('net').createServer((s) => s.end()).listen(7070, '::')"]);
  t.teardown(() => { server.kill(); });
  const p = startVipd(v, k0sFlags(conf), { statusSocket: join(lab.dir, 'v.sock') });
  for (const n of ['DROP', 'DROP6', 'ACCEPT', 'OWNER', 'STRICT']) await p.waitState('master', 10_000, n);
  t.ok(await waitFor(() => reachable(c, stale), { timeoutMs: 3000, message: 'stale table removed at start' }), 'the stale table is gone');
  await waitFor(async () => (await v.exec(['ip', 'addr', 'show', 'dev', 'eth0'])).stdout.includes(`${strict}/24`), { timeoutMs: 3000, message: 'VIPs added' });

  t.ok(await reachable(c, accepted), 'accept: ping reaches the VIP');
  t.ok(await connects(c, accepted, 7070), 'accept: TCP connects');
  t.ok(await reachable(c, owned), 'no_accept at priority 255 (the owner): ping reaches it');
  t.notOk(await reachable(c, dropped), 'no_accept: ping to the VIP is dropped');
  t.notOk(await connects(c, dropped, 7070), 'no_accept: TCP to the VIP is dropped');
  t.notOk(await reachable(c, dropped6, true), 'no_accept: IPv6 ping too');
  t.notOk(await reachable(c, strict), 'strict mode: no_accept unless the owner');
  t.ok(await reachable(c, v.ipv4), 'the host\'s own address is untouched');
  const table = (await v.exec(['nft', 'list', 'table', 'ip', 'vipd_vrrp'])).stdout;
  t.match(table, new RegExp(`elements = \\{ ${dropped.replace(/\./g, '\\.')}, ${strict.replace(/\./g, '\\.')} \\}`), 'vipd\'s table holds exactly the non-owner no_accept VIPs');

  p.signal('SIGTERM');
  await p.exited();
  t.not((await v.exec(['nft', 'list', 'table', 'ip', 'vipd_vrrp'])).code, 0, 'table removed on stop');
  t.not((await v.exec(['nft', 'list', 'table', 'ip6', 'vipd_vrrp'])).code, 0, 'and the IPv6 one');
});
