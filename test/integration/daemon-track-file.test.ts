// track_file as an operator uses it: a number written into a file moves the VIP. The master's
// priority is base + value x weight (150 + 6 x -10 = 90 < the backup's 100: the backup takes over;
// back to 0: the master preempts back), and a weight-0 file with a non-zero value is FAULT. The
// files do not exist at start: init_file creates them, as keepalived does.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan, waitFor, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { k0sFlags, startVipd, vipHolders } from '../helpers/daemon-lab.js';

function conf(priority: number, vip: string, dir: string, tracked: boolean): string {
  return `
track_file drain {
    file ${join(dir, 'drain')}
    weight -10
    init_file
}
track_file stop {
    file ${join(dir, 'stop')}
    init_file 0
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 61
    priority ${priority}
    advert_int 0.1
    version 3
    virtual_ipaddress {
        ${vip}/24
    }
${tracked ? `    track_file {
        drain
        stop weight 0
    }` : ''}
}
`;
}

t.test('a track_file value moves the VIP; weight 0 and a non-zero value is FAULT', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['s1', 's2']);
  const [s1, s2] = lab.nodes as [LabNode, LabNode];
  const vip = s1.ipv4.replace(/\.\d+$/, '.203');
  const dir = join(lab.dir, 's1');
  const procs = [];
  for (const [n, prio] of [[s1, 150], [s2, 100]] as const) {
    const d = join(lab.dir, n.name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'keepalived.conf'), conf(prio, vip, d, n === s1));
    procs.push(startVipd(n, k0sFlags(join(d, 'keepalived.conf')), { statusSocket: join(d, 'vipd.sock') }));
  }
  const [p1] = procs as [(typeof procs)[0]];
  const holder = async () => (await vipHolders(lab.nodes, vip)).join();
  await waitFor(async () => (await holder()) === 's1', { timeoutMs: 10_000, message: 's1 holds the VIP' });
  t.equal(readFileSync(join(dir, 'drain'), 'utf8'), '0\n', 'init_file created the file with 0');
  t.ok(existsSync(join(dir, 'stop')), 'and the other one');

  writeFileSync(join(dir, 'drain'), '6\n');
  await waitFor(async () => (await holder()) === 's2', { timeoutMs: 5000, message: 's2 holds the VIP after drain=6' });
  t.pass('150 + 6 x -10 = 90: the backup took over');

  // Replaced by rename, as a config management tool writes it: still seen.
  writeFileSync(join(dir, 'drain.new'), '0');
  renameSync(join(dir, 'drain.new'), join(dir, 'drain'));
  await waitFor(async () => (await holder()) === 's1', { timeoutMs: 5000, message: 's1 takes the VIP back after drain=0' });
  t.pass('back to 0: the master preempts back');

  writeFileSync(join(dir, 'stop'), '1\n');
  await p1.waitState('fault', 5000, 'VI_1');
  await waitFor(async () => (await holder()) === 's2', { timeoutMs: 5000, message: 's2 holds the VIP while s1 is FAULT' });
  t.pass('weight 0 and a non-zero value: FAULT');
  writeFileSync(join(dir, 'stop'), '0\n');
  await waitFor(async () => (await holder()) === 's1', { timeoutMs: 8000, message: 's1 recovers from FAULT' });
  t.pass('back to 0: out of FAULT');
});
