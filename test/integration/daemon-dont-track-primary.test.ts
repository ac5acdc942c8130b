// dont_track_primary: the master's cable is pulled. Without it the instance goes FAULT (covered by
// the election tests); with it there is no FAULT: the instance stays MASTER (it cannot be heard,
// so the backup takes over meanwhile), and once the cable is back the higher priority wins at once,
// without passing through FAULT and BACKUP.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan, waitFor, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { k0sFlags, sleep, startVipd, vipHolders } from '../helpers/daemon-lab.js';

function conf(priority: number, vip: string): string {
  return `
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 74
    priority ${priority}
    advert_int 0.1
    version 3
    dont_track_primary
    virtual_ipaddress {
        ${vip}/24
    }
}
`;
}

t.test('dont_track_primary: a pulled cable is no FAULT', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['s1', 's2']);
  const [s1, s2] = lab.nodes as [LabNode, LabNode];
  const vip = s1.ipv4.replace(/\.\d+$/, '.210');
  const procs = [];
  for (const [n, prio] of [[s1, 150], [s2, 100]] as const) {
    const d = join(lab.dir, n.name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'keepalived.conf'), conf(prio, vip));
    procs.push(startVipd(n, k0sFlags(join(d, 'keepalived.conf')), { statusSocket: join(d, 'vipd.sock') }));
  }
  const [p1, p2] = procs as [(typeof procs)[0], (typeof procs)[0]];
  await p1.waitState('master', 8000, 'VI_1');
  await waitFor(async () => (await vipHolders(lab.nodes, vip)).join() === 's1', { timeoutMs: 3000, message: 's1 holds the VIP' });

  await s1.cut();
  await p2.waitState('master', 5000, 'VI_1');
  await sleep(500);
  t.same(p1.transitions('VI_1').map((x) => x.state), ['backup', 'master'], 's1 stayed MASTER with its cable pulled');

  await s1.restore();
  await p2.waitState('backup', 5000, 'VI_1');
  await waitFor(async () => (await vipHolders(lab.nodes, vip)).join() === 's1', { timeoutMs: 3000, message: 's1 alone holds the VIP' });
  t.same(p1.transitions('VI_1').map((x) => x.state), ['backup', 'master'], 'and is still MASTER: no FAULT, no BACKUP');
});
