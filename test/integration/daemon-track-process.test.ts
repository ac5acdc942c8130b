// vrrp_track_process as an operator uses it: the service the VIP fronts is killed on the master.
// VI_1 tracks it with weight -60 (150 - 60 = 90 < the backup's 100: the backup takes the VIP);
// VI_2 tracks it with weight 0 (FAULT while it is not running). The service started again brings
// both back. The process has a name of its own (a copy of sleep), so the host's other processes
// never count.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan, waitFor, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { k0sFlags, startVipd, vipHolders } from '../helpers/daemon-lab.js';
import { which } from '../../src/lab/which.js';

function conf(priority: number, vip1: string, vip2: string, name: string | undefined): string {
  const instance = (n: number, vrid: number, vip: string, track: string) => `
vrrp_instance VI_${n} {
    interface eth0
    virtual_router_id ${vrid}
    priority ${priority}
    advert_int 0.1
    version 3
    virtual_ipaddress {
        ${vip}/24
    }
${name ? `    track_process {
        ${track}
    }` : ''}
}`;
  return `
vrrp_track_process service {
    process ${name ?? 'none'}
    weight -60
}
vrrp_track_process service_hard {
    process ${name ?? 'none'}
    weight 0
}
${instance(1, 64, vip1, 'service')}
${instance(2, 65, vip2, 'service_hard')}
`;
}

t.test('track_process: the service killed on the master moves the VIP, or is FAULT with weight 0', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'sleep'] })) return;
  const lab = await createLan(t, ['s1', 's2']);
  const [s1, s2] = lab.nodes as [LabNode, LabNode];
  const vip1 = s1.ipv4.replace(/\.\d+$/, '.204');
  const vip2 = s1.ipv4.replace(/\.\d+$/, '.205');
  const name = `vipdtp${process.pid % 1_000_000}`;
  const bin = join(lab.dir, name);
  copyFileSync(which('sleep')!, bin);
  const service = () => s1.spawn([bin, '1000']);
  let svc = service();
  const procs = [];
  for (const [n, prio] of [[s1, 150], [s2, 100]] as const) {
    const d = join(lab.dir, n.name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'keepalived.conf'), conf(prio, vip1, vip2, n === s1 ? name : undefined));
    procs.push(startVipd(n, k0sFlags(join(d, 'keepalived.conf')), { statusSocket: join(d, 'vipd.sock') }));
  }
  const [p1] = procs as [(typeof procs)[0]];
  const holders = async () => `${(await vipHolders(lab.nodes, vip1)).join()} ${(await vipHolders(lab.nodes, vip2)).join()}`;
  await waitFor(async () => (await holders()) === 's1 s1', { timeoutMs: 10_000, message: 's1 holds both VIPs' });

  const killedAt = Date.now();
  process.kill(svc.pid!, 'SIGKILL');
  const seen = await p1.waitLog((l) => l.process === 'service' && l.up === false, 5000);
  t.comment(`the exit was seen after ${Number(seen.time) - killedAt} ms`);
  await p1.waitState('fault', 5000, 'VI_2');
  await waitFor(async () => (await holders()) === 's2 s2', { timeoutMs: 5000, message: 's2 holds both VIPs' });
  t.pass('weight -60: the backup took VI_1; weight 0: VI_2 is FAULT');

  svc = service();
  await waitFor(async () => (await holders()) === 's1 s1', { timeoutMs: 8000, message: 's1 takes both back' });
  t.pass('the service back: both return');
  process.kill(svc.pid!, 'SIGKILL');
});
