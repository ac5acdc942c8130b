// Built-in HTTP tracking (no script): a vrrp_script whose `script` is a URL probes the local API
// server's /readyz; when it fails on the master, the weight lowers its priority and the VIP moves
// to a controller whose API is serving (k0s #6866); when it recovers, the VIP comes back.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan, waitFor, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { jsonLines } from '../helpers/json-lines.js';
import { k0sFlags, startVipd, vipHolders } from '../helpers/daemon-lab.js';

const conf = (priority: number, vip: string) => `
vrrp_script apiserver {
    script "http://127.0.0.1:6443/readyz"
    interval 0.2
    timeout 1
    weight -60
    fall 2
    rise 2
}
vrrp_instance k0s-vip-0 {
    state BACKUP
    interface eth0
    virtual_router_id 81
    priority ${priority}
    advert_int 0.1
    version 3
    virtual_ipaddress {
        ${vip}/24
    }
    track_script {
        apiserver
    }
}
`;

t.test('an HTTP readyz tracker moves the VIP away from a controller whose API is down', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['c1', 'c2']);
  const [c1, c2] = lab.nodes as [LabNode, LabNode];
  const vip = c1.ipv4.replace(/\.\d+$/, '.181');
  const procs = [];
  for (const [n, prio] of [[c1, 150], [c2, 120]] as const) {
    const dir = join(lab.dir, n.name);
    mkdirSync(dir, { recursive: true });
    const api = jsonLines(n.spawn(['node', 'dist/test/fixtures/readyz-server.js', '6443', join(dir, 'down')]));
    await api.next((l) => l.ready === true, 5000);
    writeFileSync(join(dir, 'keepalived.conf'), conf(prio, vip));
    procs.push(startVipd(n, k0sFlags(join(dir, 'keepalived.conf')), { statusSocket: join(dir, 'vipd.sock') }));
  }
  const holder = async (name: string) => (await vipHolders(lab.nodes, vip)).join() === name;
  await procs[0]!.waitState('master', 8000);
  await waitFor(() => holder('c1'), { timeoutMs: 3000, message: 'c1 holds the VIP' });

  writeFileSync(join(lab.dir, 'c1', 'down'), '');
  await waitFor(() => holder('c2'), { timeoutMs: 5000, message: 'the VIP moves to c2 when c1 /readyz fails' });
  t.pass('c1 (150 - 60 = 90 < 120) gave the VIP to c2');
  await procs[0]!.waitLog((l) => typeof l.msg === 'string' && l.msg.includes('track_script apiserver failed'), 2000);

  rmSync(join(lab.dir, 'c1', 'down'));
  await waitFor(() => holder('c1'), { timeoutMs: 5000, message: 'the VIP returns to c1 when /readyz recovers' });
  t.pass('c1 preempted back once its API was ready again');
});
