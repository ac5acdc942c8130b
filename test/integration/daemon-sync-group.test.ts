// vrrp_sync_group: two instances that must move together. A tracked script of one instance fails
// on the master: that instance goes FAULT, the group puts the other one in FAULT too, and the
// backup takes both VIPs; when the script recovers, the group is released (and preempts back).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan, waitFor, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { k0sFlags, startVipd, vipHolders } from '../helpers/daemon-lab.js';

function conf(priority: number, vip1: string, vip2: string, failFile: string): string {
  return `
vrrp_script chk_inside {
    script "/usr/bin/test ! -e ${failFile}"
    interval 0.2
    fall 1
    rise 1
}
vrrp_sync_group G1 {
    group {
        outside
        inside
    }
}
vrrp_instance outside {
    interface eth0
    virtual_router_id 71
    priority ${priority}
    advert_int 0.1
    version 3
    virtual_ipaddress {
        ${vip1}/24
    }
}
vrrp_instance inside {
    interface eth0
    virtual_router_id 72
    priority ${priority}
    advert_int 0.1
    version 3
    virtual_ipaddress {
        ${vip2}/24
    }
    track_script {
        chk_inside
    }
}
`;
}

t.test('a sync group fails over as a whole', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['s1', 's2']);
  const [s1, s2] = lab.nodes as [LabNode, LabNode];
  const vip1 = s1.ipv4.replace(/\.\d+$/, '.201');
  const vip2 = s1.ipv4.replace(/\.\d+$/, '.202');
  const procs = [];
  for (const [n, prio] of [[s1, 150], [s2, 100]] as const) {
    const dir = join(lab.dir, n.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'keepalived.conf'), conf(prio, vip1, vip2, join(dir, 'fail')));
    procs.push(startVipd(n, k0sFlags(join(dir, 'keepalived.conf')), { statusSocket: join(dir, 'vipd.sock') }));
  }
  const [p1] = procs;
  await p1!.waitState('master', 8000, 'outside');
  await p1!.waitState('master', 8000, 'inside');
  await waitFor(async () => (await vipHolders(lab.nodes, vip1)).join() === 's1' && (await vipHolders(lab.nodes, vip2)).join() === 's1',
    { timeoutMs: 3000, message: 's1 holds both VIPs' });

  writeFileSync(join(lab.dir, 's1', 'fail'), '');
  await p1!.waitState('fault', 5000, 'inside');
  await p1!.waitState('fault', 5000, 'outside');
  await waitFor(async () => (await vipHolders(lab.nodes, vip1)).join() === 's2' && (await vipHolders(lab.nodes, vip2)).join() === 's2',
    { timeoutMs: 5000, message: 's2 holds both VIPs' });
  t.pass('the failing instance took its group partner along');

  rmSync(join(lab.dir, 's1', 'fail'));
  await waitFor(async () => (await vipHolders(lab.nodes, vip1)).join() === 's1' && (await vipHolders(lab.nodes, vip2)).join() === 's1',
    { timeoutMs: 8000, message: 's1 takes both back' });
  t.pass('recovered together, preempted back');
});
