// SIGHUP on the host: an unchanged config changes nothing (no transition, no VIP flap, watched with
// `ip monitor address`); priority and VIP changes apply in place; a broken config is logged with
// file:line and the old one keeps running.
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan, waitFor } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { k0sFlags, renderK0sKeepalived, startVipd, vipHolders, sleep, addressesOf, VIPD, type VipdProc } from '../helpers/daemon-lab.js';
import type { LabNode } from '../helpers/netns-lab.js';

t.test('SIGHUP: unchanged, changed in place, broken', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['h1', 'h2']);
  const [h1, h2] = lab.nodes as [LabNode, LabNode];
  const vip = h1.ipv4.replace(/\.\d+$/, '.210');
  const vip2 = h1.ipv4.replace(/\.\d+$/, '.211');
  const conf = (n: LabNode) => join(lab.dir, n.name, 'keepalived.conf');
  const write = (n: LabNode, priority: number, vips: string[]) => {
    mkdirSync(join(lab.dir, n.name), { recursive: true });
    writeFileSync(conf(n), renderK0sKeepalived({
      instances: [{ interface: 'eth0', vrid: 61, authPass: 'reload', vips: vips.map((v) => `${v}/24`), priority }],
      virtualServers: false,
    }));
  };
  write(h1, 150, [vip]);
  write(h2, 100, [vip]);
  const p1 = startVipd(h1, k0sFlags(conf(h1)), { statusSocket: join(lab.dir, 'h1.sock') });
  const p2 = startVipd(h2, k0sFlags(conf(h2)), { statusSocket: join(lab.dir, 'h2.sock') });
  await p1.waitState('master', 10_000);
  await p2.waitState('backup', 5000);
  await waitFor(async () => (await vipHolders(lab.nodes, vip)).join() === 'h1', { timeoutMs: 3000, message: 'h1 holds the VIP' });

  // Address events on h1 for the whole test.
  const monitor = h1.spawn(['ip', '-o', 'monitor', 'address']);
  let events = '';
  monitor.stdout?.on('data', (d: Buffer) => { events += d.toString(); });
  await sleep(300);
  const status = async (n: LabNode, sock: string) => {
    const r = await n.exec(['node', VIPD, 'status', '--status-socket', sock]);
    if (r.code !== 0) throw new Error(`vipd status: ${r.stderr}`);
    return JSON.parse(r.stdout) as { instances: Array<{ name: string; state: string; priority: number; masterPriority: number | null; virtualAddresses: string[] }> };
  };
  const reloads = (p: VipdProc) => p.log.lines.filter((l) => l.msg === 'reloaded').length;
  const hup = async (p: VipdProc) => {
    const before = reloads(p);
    p.signal('SIGHUP');
    await waitFor(() => reloads(p) > before, { timeoutMs: 3000, message: 'reloaded logged' });
  };

  await t.test('unchanged config: no transition, no VIP flap', async (t) => {
    const tr1 = p1.transitions().length;
    const tr2 = p2.transitions().length;
    await hup(p1);
    await hup(p2);
    await sleep(2500); // master-down interval of a backup that lost adverts would be ~3.2 s
    t.equal(p1.transitions().length, tr1, 'h1: no state change');
    t.equal(p2.transitions().length, tr2, 'h2: no state change');
    t.notMatch(events, new RegExp(`Deleted.*${vip.replace(/\./g, '\\.')}/`), 'the VIP was never removed');
    t.same(await vipHolders(lab.nodes, vip), ['h1']);
  });

  await t.test('priority and VIPs change in place', async (t) => {
    const tr1 = p1.transitions().length;
    const tr2 = p2.transitions().length;
    write(h1, 140, [vip, vip2]);
    write(h2, 100, [vip, vip2]);
    await hup(p2);
    await hup(p1);
    await waitFor(async () => (await addressesOf(h1)).includes(`${vip2}/24`), { timeoutMs: 3000, message: 'h1 added the new VIP' });
    const s1 = await status(h1, join(lab.dir, 'h1.sock'));
    t.equal(s1.instances[0]?.priority, 140, 'h1 runs with the new priority');
    t.same(s1.instances[0]?.virtualAddresses, [`${vip}/24`, `${vip2}/24`]);
    await waitFor(async () => (await status(h2, join(lab.dir, 'h2.sock'))).instances[0]?.masterPriority === 140,
      { timeoutMs: 3000, message: "h2 sees h1's adverts with priority 140" });
    t.equal(p1.transitions().length, tr1, 'h1: no state change');
    t.equal(p2.transitions().length, tr2, 'h2: no state change');
    t.notMatch(events, new RegExp(`Deleted.*${vip.replace(/\./g, '\\.')}/`), 'the first VIP stayed');
    t.same(await vipHolders(lab.nodes, vip2), ['h1'], 'only the master holds the new VIP');

    // Below the backup's priority: h2 preempts (the RFC's reaction to the new adverts).
    write(h1, 50, [vip, vip2]);
    await hup(p1);
    await p2.waitState('master', 5000);
    await waitFor(async () => (await vipHolders(lab.nodes, vip)).join() === 'h2', { timeoutMs: 3000, message: 'h2 took over' });
    t.same(await vipHolders(lab.nodes, vip2), ['h2']);
  });

  await t.test('broken config: file:line logged, the old configuration keeps running', async (t) => {
    const good = readFileSync(conf(h2), 'utf8');
    const lines = good.split('\n');
    const at = lines.findIndex((l) => l.includes('virtual_router_id'));
    lines[at] = '    virtual_router_id 300';
    writeFileSync(conf(h2), lines.join('\n'));
    const tr = p2.transitions().length;
    p2.signal('SIGHUP');
    const err = await p2.waitLog((l) => typeof l.msg === 'string' && l.msg.startsWith('reload rejected'), 3000);
    t.equal(err.msg, `reload rejected, the running configuration stays: ${conf(h2)}:${at + 1}: virtual_router_id: 300 is out of range 1..255`);
    t.equal(err.line, at + 1);
    await sleep(1500);
    t.equal(p2.transitions().length, tr, 'no state change');
    const s2 = await status(h2, join(lab.dir, 'h2.sock'));
    t.equal(s2.instances[0]?.state, 'master', 'still master with the old configuration');
    t.same(await vipHolders(lab.nodes, vip), ['h2'], 'still holds the VIP');
    writeFileSync(conf(h2), good);
    await hup(p2);
    t.equal(p2.transitions().length, tr, 'fixing the file and reloading: still no change');
  });

  p1.signal('SIGTERM');
  p2.signal('SIGTERM');
  t.equal((await p1.exited()).code, 0);
  t.equal((await p2.exited()).code, 0);
});

t.test('SIGHUP priority change keeps the track_script weight applied', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['w1']);
  const n = lab.nodes[0]!;
  const conf = join(lab.dir, 'keepalived.conf');
  const write = (priority: number) => writeFileSync(conf, `vrrp_script chk_api {
    script "/bin/false"
    interval 1
    fall 1
    rise 1
    weight -20
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 62
    priority ${priority}
    advert_int 1
    virtual_ipaddress {
        ${n.ipv4.replace(/\.\d+$/, '.212')}/24
    }
    track_script {
        chk_api
    }
}
`);
  write(150);
  const sock = join(lab.dir, 'vipd.sock');
  const p = startVipd(n, k0sFlags(conf), { statusSocket: sock });
  const prio = async () => {
    const r = await n.exec(['node', VIPD, 'status', '--status-socket', sock]);
    return (JSON.parse(r.stdout) as { instances: Array<{ priority: number }> }).instances[0]?.priority;
  };
  await waitFor(async () => (await prio()) === 130, { timeoutMs: 5000, message: 'failing script: 150 - 20' });
  write(140);
  const before = p.log.lines.filter((l) => l.msg === 'reloaded').length;
  p.signal('SIGHUP');
  await waitFor(() => p.log.lines.filter((l) => l.msg === 'reloaded').length > before, { timeoutMs: 3000 });
  t.equal(await prio(), 120, 'new base 140, the failing script still takes 20 off');
  p.signal('SIGTERM');
  t.equal((await p.exited()).code, 0);
});
