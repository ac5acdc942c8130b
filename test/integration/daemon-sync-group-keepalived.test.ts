// vrrp_sync_group against keepalived 2.2.7 (Debian's) on one LAN, both ways: the master's tracked
// file puts one member of its group in FAULT; the whole group moves to the other daemon, and the
// group notify runs there (GROUP lines). The file cleared, the group comes back.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { createLan, waitFor, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { startKeepalived } from '../helpers/keepalived-peer.js';
import { k0sFlags, startVipd, vipHolders } from '../helpers/daemon-lab.js';

const KEEPALIVED = '/usr/sbin/keepalived';

function conf(dir: string, priority: number, vip1: string, vip2: string): string {
  return `
global_defs {
    vrrp_garp_master_delay 0
    vrrp_garp_master_repeat 1
}
track_file stop {
    file ${join(dir, 'stop')}
    weight 0
}
vrrp_sync_group G1 {
    group {
        outside
        inside
    }
    notify ${join(dir, 'notify.sh')}
}
vrrp_instance outside {
    state BACKUP
    interface eth0
    virtual_router_id 75
    priority ${priority}
    advert_int 0.2
    version 3
    virtual_ipaddress {
        ${vip1}/24
    }
}
vrrp_instance inside {
    state BACKUP
    interface eth0
    virtual_router_id 76
    priority ${priority}
    advert_int 0.2
    version 3
    virtual_ipaddress {
        ${vip2}/24
    }
    track_file {
        stop
    }
}
`;
}

async function run(t: Test, masterIs: 'vipd' | 'keepalived'): Promise<void> {
  const lab = await createLan(t, ['vd', 'ka']);
  const [vd, ka] = lab.nodes as [LabNode, LabNode];
  const vip1 = vd.ipv4.replace(/\.\d+$/, '.211');
  const vip2 = vd.ipv4.replace(/\.\d+$/, '.212');
  const dirs = { vd: join(lab.dir, 'vd'), ka: join(lab.dir, 'ka') };
  for (const d of Object.values(dirs)) {
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'notify.sh'), `#!/bin/sh\necho "$@" >> ${join(d, 'notified')}\n`);
    chmodSync(join(d, 'notify.sh'), 0o755);
    writeFileSync(join(d, 'stop'), '0\n');
  }
  const prio = (who: 'vipd' | 'keepalived') => (who === masterIs ? 150 : 100);
  writeFileSync(join(dirs.vd, 'keepalived.conf'), conf(dirs.vd, prio('vipd'), vip1, vip2));
  startVipd(vd, k0sFlags(join(dirs.vd, 'keepalived.conf')), { statusSocket: join(dirs.vd, 'vipd.sock') });
  startKeepalived(KEEPALIVED, lab, ka, conf(dirs.ka, prio('keepalived'), vip1, vip2), 'peer');
  const [master, backup] = masterIs === 'vipd' ? [vd, ka] : [ka, vd];
  const holders = async () => `${(await vipHolders(lab.nodes, vip1)).join()} ${(await vipHolders(lab.nodes, vip2)).join()}`;
  const notified = (n: LabNode) => {
    const f = join(lab.dir, n.name, 'notified');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  };
  await waitFor(async () => (await holders()) === `${master.name} ${master.name}`, { timeoutMs: 15_000, message: `${masterIs} holds both VIPs` });
  await waitFor(() => notified(master).includes('GROUP G1 MASTER') || undefined, { timeoutMs: 3000, message: 'group notify on the master' });

  writeFileSync(join(lab.dir, master.name, 'stop'), '1\n');
  await waitFor(async () => (await holders()) === `${backup.name} ${backup.name}`, { timeoutMs: 5000, message: 'the backup holds both VIPs' });
  t.pass(`${masterIs}'s tracked file took its whole group to FAULT; the other daemon took both VIPs`);
  await waitFor(() => notified(backup).includes('GROUP G1 MASTER') || undefined, { timeoutMs: 3000, message: 'group notify on the new master' });
  await waitFor(() => notified(master).includes('GROUP G1 FAULT') || undefined, { timeoutMs: 3000, message: 'group FAULT notify on the old master' });
  t.pass('the group notify ran on both');

  writeFileSync(join(lab.dir, master.name, 'stop'), '0\n');
  await waitFor(async () => (await holders()) === `${master.name} ${master.name}`, { timeoutMs: 10_000, message: `${masterIs} takes both back` });
  t.pass('cleared: the group came back');
}

t.test('vipd master, keepalived backup', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', KEEPALIVED] })) return;
  await run(t, 'vipd');
});

t.test('keepalived master, vipd backup', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', KEEPALIVED] })) return;
  await run(t, 'keepalived');
});
