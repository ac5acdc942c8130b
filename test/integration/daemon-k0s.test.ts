// vipd where k0s runs keepalived: k0s's rendered keepalived.conf, k0s's exact command line, a
// namespace LAN of controllers. One node takes the VIP, the notify scripts run, SIGTERM releases
// the VIP within k0s's 5 s and exits 0. Variants: several instances with the generated include,
// and unicast peers.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan, waitFor, type Lab, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import {
  k0sFlags, renderK0sKeepalived, renderK0sVirtualServers, settledMaster, startVipd, vipHolders, sleep, hasAddress, type K0sTemplate, type VipdProc,
} from '../helpers/daemon-lab.js';

const vipOf = (lab: Lab, host: number) => lab.nodes[0]!.ipv4.replace(/\.\d+$/, `.${host}`);

/** A stand-in for `k0s keepalived-setstate`: appends the state to a file. */
function setstateScript(dir: string): string {
  const p = join(dir, 'setstate.sh');
  writeFileSync(p, '#!/bin/sh\n# usage: setstate.sh FILE STATE\necho "$2" >> "$1"\n');
  chmodSync(p, 0o755);
  return p;
}

function nodeDir(lab: Lab, n: LabNode): string {
  const d = join(lab.dir, n.name);
  mkdirSync(d, { recursive: true });
  return d;
}

async function stopAndTime(p: VipdProc): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  p.signal('SIGTERM');
  const r = await p.exited();
  return { code: r.code, ms: Date.now() - t0 };
}

t.test('k0s single instance: notify scripts, include of a symlink to /dev/null, SIGTERM releases the VIP', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['c1', 'c2', 'c3']);
  const vip = vipOf(lab, 200);
  const procs: VipdProc[] = [];
  for (const n of lab.nodes) {
    const dir = nodeDir(lab, n);
    const script = setstateScript(dir);
    const states = join(dir, 'states');
    const tpl: K0sTemplate = {
      instances: [{ interface: 'eth0', vrid: 51, authPass: 'Example1', vips: [`${vip}/24`] }],
      notify: { master: `'${script}' '${states}' MASTER`, backup: `'${script}' '${states}' BACKUP` },
      virtualServers: true,
    };
    writeFileSync(join(dir, 'keepalived.conf'), renderK0sKeepalived(tpl));
    writeFileSync(join(dir, 'keepalived-virtualservers-generated.conf'),
      renderK0sVirtualServers([{ ipAddress: vip, delayLoop: '60', realServers: lab.nodes.map((x) => x.ipv4) }]));
    symlinkSync('/dev/null', join(dir, 'keepalived-virtualservers-consumed.conf'));
    procs.push(startVipd(n, k0sFlags(join(dir, 'keepalived.conf')), { statusSocket: join(dir, 'vipd.sock') }));
  }
  const master = await settledMaster(procs, lab.nodes, vip);
  await sleep(2500); // a few advert intervals: still one holder, the others settled as BACKUP
  t.same(await vipHolders(lab.nodes, vip), [master.node.name], 'exactly one node holds the VIP: the master');
  for (const p of procs) {
    t.notOk(p.log.lines.some((l) => Number(l.level) >= 50), `${p.node.name}: no error logged`, { errors: p.log.lines.filter((l) => Number(l.level) >= 50) });
  }
  const statesOf = (n: LabNode) => {
    const f = join(lab.dir, n.name, 'states');
    return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n') : [];
  };
  await waitFor(() => statesOf(master.node).includes('MASTER'), { timeoutMs: 3000, message: 'notify_master ran' });
  for (const n of lab.nodes) {
    const s = statesOf(n);
    t.equal(s[0], 'BACKUP', `${n.name}: notify_backup ran at start-up (INIT -> BACKUP)`);
    t.equal(s.at(-1), n === master.node ? 'MASTER' : 'BACKUP', `${n.name}: last notify matches its state`);
  }

  // k0s stops keepalived with SIGTERM and waits 5 s.
  const r = await stopAndTime(master);
  t.equal(r.code, 0, 'vipd exits 0 on SIGTERM');
  t.ok(r.ms < 5000, `exited within 5 s (${r.ms} ms)`);
  t.notOk(await hasAddress(master.node, vip), 'the VIP is gone from the stopped node');
  // Priority 0 on the way out: a backup takes over at once (skew time), not after 3 intervals.
  const others = procs.filter((p) => p !== master);
  await Promise.any(others.map((p) => p.waitState('master', 3000)));
  await waitFor(async () => (await vipHolders(lab.nodes, vip)).length === 1, { timeoutMs: 3000, message: 'a backup took the VIP' });
  for (const p of others) {
    const x = await stopAndTime(p);
    t.equal(x.code, 0, `${p.node.name} exits 0`);
    t.ok(x.ms < 5000, `${p.node.name} exited within 5 s (${x.ms} ms)`);
  }
  t.same(await vipHolders(lab.nodes, vip), [], 'no VIP left anywhere');
});

t.test('k0s several instances with the generated include', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['m1', 'm2']);
  const vip4 = vipOf(lab, 201);
  const vip6 = lab.nodes[0]!.ipv6.replace(/::\d+$/, '::201');
  const procs: VipdProc[] = [];
  for (const n of lab.nodes) {
    const dir = nodeDir(lab, n);
    writeFileSync(join(dir, 'keepalived.conf'), renderK0sKeepalived({
      instances: [
        { interface: 'eth0', vrid: 51, authPass: 'Example1', vips: [`${vip4}/24`] },
        { interface: 'eth0', vrid: 52, authPass: 'Example2', vips: [`${vip6}/64`] },
      ],
      virtualServers: true,
    }));
    // The host kernel has no IPVS: vipd says so and VRRP runs regardless. k0s prints delayLoop.Seconds()
    // with Go's %v: 1.5 s is "1.5", and from 1e6 s (delayLoop 277h46m40s) on it is exponent form.
    writeFileSync(join(dir, 'keepalived-virtualservers-generated.conf'), renderK0sVirtualServers([
      { ipAddress: vip4, delayLoop: '1.5', lbAlgo: 'wlc', realServers: lab.nodes.map((x) => x.ipv4) },
      { ipAddress: vip6, delayLoop: '1e+06', realServers: lab.nodes.map((x) => x.ipv6) },
    ]));
    procs.push(startVipd(n, k0sFlags(join(dir, 'keepalived.conf')), { statusSocket: join(dir, 'vipd.sock') }));
  }
  await Promise.any(procs.map((p) => p.waitState('master', 10_000, 'k0s-vip-0')));
  await Promise.any(procs.map((p) => p.waitState('master', 10_000, 'k0s-vip-1')));
  await waitFor(async () => (await vipHolders(lab.nodes, vip4)).length === 1 && (await vipHolders(lab.nodes, vip6)).length === 1,
    { timeoutMs: 4000, message: 'one holder per VIP' });
  await sleep(2000);
  t.equal((await vipHolders(lab.nodes, vip4)).length, 1, 'IPv4 VIP: one holder');
  t.equal((await vipHolders(lab.nodes, vip6)).length, 1, 'IPv6 VIP: one holder');
  for (const p of procs) {
    const r = await stopAndTime(p);
    t.equal(r.code, 0, `${p.node.name} exits 0`);
    t.ok(r.ms < 5000, `${p.node.name} stopped in ${r.ms} ms`);
  }
  t.same([...await vipHolders(lab.nodes, vip4), ...await vipHolders(lab.nodes, vip6)], [], 'both VIPs released');
});

t.test('k0s unicast peers', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['u1', 'u2', 'u3']);
  const vip = vipOf(lab, 202);
  const procs: VipdProc[] = [];
  for (const n of lab.nodes) {
    const dir = nodeDir(lab, n);
    writeFileSync(join(dir, 'keepalived.conf'), renderK0sKeepalived({
      instances: [{
        interface: 'eth0', vrid: 77, authPass: 's3cr3t', vips: [`${vip}/24`],
        unicastSrcIp: n.ipv4, unicastPeers: lab.nodes.filter((x) => x !== n).map((x) => x.ipv4),
      }],
      virtualServers: false,
    }));
    procs.push(startVipd(n, k0sFlags(join(dir, 'keepalived.conf')), { statusSocket: join(dir, 'vipd.sock') }));
  }
  const master = await settledMaster(procs, lab.nodes, vip);
  await sleep(2500);
  t.same(await vipHolders(lab.nodes, vip), [master.node.name], 'exactly one holder over unicast');
  const r = await stopAndTime(master);
  t.equal(r.code, 0);
  t.ok(r.ms < 5000, `stopped in ${r.ms} ms`);
  await waitFor(async () => (await vipHolders(lab.nodes, vip)).length === 1, { timeoutMs: 4000, message: 'a peer took over' });
  t.notOk((await vipHolders(lab.nodes, vip)).includes(master.node.name), 'the stopped node no longer holds it');
});
