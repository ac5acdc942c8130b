// Interop with Debian's keepalived in the same virtual routers. Two VRIDs run side by side: in A
// vipd has the higher priority, in B keepalived has. Cutting vipd's link moves A to keepalived,
// restoring it brings A back (preemption); cutting keepalived's link moves B to vipd, restoring it
// brings B back. Matrix: v2 + PASS multicast, v3 multicast, v3 unicast.
import t, { type Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLan, waitFor, type Lab, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { jsonLines } from '../helpers/json-lines.js';
import { holders, labAddress, startVrrpNode, vrrpInstance, type VrrpProc } from '../helpers/vrrp-lab.js';
import type { InstanceConfig } from '../../src/vrrp/instance.js';

interface Mode { version: 2 | 3; unicast: boolean; advertIntervalCs: number; authPass?: string }

function keepalivedConf(mode: Mode, me: LabNode, peer: LabNode, instances: Array<{ name: string; vrid: number; priority: number; vip: string }>): string {
  const lines = ['global_defs {', `  vrrp_version ${mode.version}`, '  vrrp_garp_master_delay 0', '  vrrp_garp_master_repeat 1', '}'];
  for (const i of instances) {
    lines.push(
      `vrrp_instance ${i.name} {`,
      '  state BACKUP',
      '  interface eth0',
      `  virtual_router_id ${i.vrid}`,
      `  priority ${i.priority}`,
      `  advert_int ${mode.advertIntervalCs / 100}`,
      ...(mode.authPass ? ['  authentication {', '    auth_type PASS', `    auth_pass ${mode.authPass}`, '  }'] : []),
      ...(mode.unicast ? [`  unicast_src_ip ${me.ipv4}`, '  unicast_peer {', `    ${peer.ipv4}`, '  }'] : []),
      '  virtual_ipaddress {', `    ${i.vip}/24 dev eth0`, '  }',
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

function startKeepalived(lab: Lab, n: LabNode, conf: string, tag: string) {
  const file = join(lab.dir, `keepalived-${tag}.conf`);
  writeFileSync(file, conf);
  const child = n.spawn(['keepalived', '-n', '-l', '-D', '-f', file, '--vrrp',
    '-p', join(lab.dir, `keepalived-${tag}.pid`), '-r', join(lab.dir, `keepalived-vrrp-${tag}.pid`)]);
  const out = jsonLines(child);
  let log = '';
  child.stdout?.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
  return { child, out, log: () => log };
}

async function matrix(t: Test, mode: Mode): Promise<void> {
  if (!requireEnv(t, { root: true, commands: ['ip', 'keepalived'] })) return;
  const lab = await createLan(t, ['vipd', 'kad']);
  const [v, k] = [lab.node('vipd'), lab.node('kad')];
  const vipA = labAddress(lab, 4, 100);
  const vipB = labAddress(lab, 4, 101);
  const vipdCfg = (name: string, vrid: number, priority: number, vip: string): InstanceConfig => vrrpInstance({
    name, vrid, priority, version: mode.version, advertIntervalCs: mode.advertIntervalCs,
    ...(mode.authPass ? { authPass: mode.authPass } : {}),
    ...(mode.unicast ? { unicastPeers: [k.ipv4] } : {}),
    virtualAddresses: [{ address: vip, prefixLength: 24 }],
  });
  const kad = startKeepalived(lab, k, keepalivedConf(mode, k, v, [
    { name: 'VI_A', vrid: 61, priority: 100, vip: vipA },
    { name: 'VI_B', vrid: 62, priority: 200, vip: vipB },
  ]), `v${mode.version}${mode.unicast ? 'u' : 'm'}`);
  t.teardown(() => { if (process.env.VIPD_KEEPALIVED_LOG) writeFileSync(`${process.env.VIPD_KEEPALIVED_LOG}-v${mode.version}${mode.unicast ? 'u' : 'm'}.log`, kad.log()); });
  const p: VrrpProc = startVrrpNode(v, [vipdCfg('A', 61, 200, vipA), vipdCfg('B', 62, 100, vipB)]);
  const timeoutMs = mode.advertIntervalCs * 10 * 6 + 4000;
  const expect = async (vip: string, who: string, what: string) => {
    await waitFor(async () => (await holders([v, k], vip)).join() === who, { timeoutMs, intervalMs: 100, message: `${what}: ${vip} only on ${who}\n${kad.log().slice(-1500)}` });
    t.pass(what);
  };
  try {
    await expect(vipA, 'vipd', 'A: vipd (200) is master, keepalived (100) backup');
    await expect(vipB, 'kad', 'B: keepalived (200) is master, vipd (100) backup');
    await waitFor(async () => ((await p.instance('B')).stats.rcvdAdvertisements ?? 0) >= 2, { timeoutMs, message: 'vipd hears keepalived\'s B adverts' });
    const st = await p.status();
    t.equal(st.status.find((s) => s.name === 'B')?.master, k.ipv4, 'vipd sees keepalived as B\'s master');
    t.equal(st.status.find((s) => s.name === 'B')?.state, 'backup', 'vipd is B\'s backup');

    await v.cut();
    await expect(vipA, 'kad', 'vipd link cut: keepalived takes A over');
    await v.restore();
    await expect(vipA, 'vipd', 'vipd link restored: vipd preempts A back');
    await expect(vipB, 'kad', 'B stays on keepalived');

    await k.cut();
    await expect(vipB, 'vipd', 'keepalived link cut: vipd takes B over');
    await k.restore();
    await expect(vipB, 'kad', 'keepalived link restored: keepalived preempts B back');
    await expect(vipA, 'vipd', 'A stays on vipd');
    const drops = p.out.lines.filter((l) => l.event === 'drop' && l.reason !== 'own-advert');
    t.same(drops.map((d) => `${String(d.reason)}: ${String(d.detail)}`), [], 'vipd dropped none of keepalived\'s adverts');
    const complaints = kad.log().split('\n').filter((l) => /checksum|invalid|auth|ttl|mismatch|bad |wrong|error/i.test(l));
    t.same(complaints, [], 'keepalived logged no complaint about vipd\'s adverts');
  } catch (err) {
    t.comment(`keepalived log:\n${kad.log().slice(-4000)}`);
    throw err;
  }
}

t.test('keepalived interop: v2 with PASS auth, multicast', (t) => matrix(t, { version: 2, unicast: false, advertIntervalCs: 100, authPass: 'k0spass' }));
t.test('keepalived interop: v3 multicast', (t) => matrix(t, { version: 3, unicast: false, advertIntervalCs: 10 }));
t.test('keepalived interop: v3 unicast', (t) => matrix(t, { version: 3, unicast: true, advertIntervalCs: 10 }));
