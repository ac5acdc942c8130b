// vrrp_sync_group across two LANs, as an HA router pair uses it: instance "outside" on eth0 and
// "inside" on eth1 must have one master. The master's inside cable is pulled: inside goes FAULT,
// the group takes outside to FAULT as well, the backup becomes master of both, and the group's
// notify runs there (GROUP lines, keepalived's arguments). The cable back: both return together.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan, waitFor, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { addSecondLan } from '../helpers/second-lan.js';
import { hasAddress, k0sFlags, startVipd } from '../helpers/daemon-lab.js';

function conf(priority: number, vipOut: string, vipIn: string, notify: string): string {
  return `
vrrp_sync_group ROUTER {
    group {
        outside
        inside
    }
    notify ${notify}
}
vrrp_instance outside {
    interface eth0
    virtual_router_id 81
    priority ${priority}
    advert_int 0.1
    version 3
    virtual_ipaddress {
        ${vipOut}/24
    }
}
vrrp_instance inside {
    interface eth1
    virtual_router_id 82
    priority ${priority}
    advert_int 0.1
    version 3
    virtual_ipaddress {
        ${vipIn}/24
    }
}
`;
}

t.test('a sync group over two LANs: a cable pulled on one moves both', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['s1', 's2']);
  const [s1, s2] = lab.nodes as [LabNode, LabNode];
  const inside = await addSecondLan(lab);
  const vipOut = s1.ipv4.replace(/\.\d+$/, '.201');
  const vipIn = inside[0]!.ipv4.replace(/\.\d+$/, '.201');
  const holders = async () => {
    const out: string[] = [];
    for (const n of lab.nodes) {
      if (await hasAddress(n, vipOut)) out.push(`${n.name}:outside`);
      if (await hasAddress(n, vipIn, 'eth1')) out.push(`${n.name}:inside`);
    }
    return out.join(' ');
  };
  const procs = [];
  for (const [n, prio] of [[s1, 150], [s2, 100]] as const) {
    const dir = join(lab.dir, n.name);
    mkdirSync(dir, { recursive: true });
    const script = join(dir, 'notify.sh');
    writeFileSync(script, `#!/bin/sh\necho "$@" >> ${join(dir, 'notified')}\n`);
    chmodSync(script, 0o755);
    writeFileSync(join(dir, 'keepalived.conf'), conf(prio, vipOut, vipIn, script));
    procs.push(startVipd(n, k0sFlags(join(dir, 'keepalived.conf')), { statusSocket: join(dir, 'vipd.sock') }));
  }
  const [p1, p2] = procs as [(typeof procs)[0], (typeof procs)[0]];
  const notified = (n: LabNode) => {
    const f = join(lab.dir, n.name, 'notified');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  };
  await waitFor(async () => (await holders()) === 's1:outside s1:inside', { timeoutMs: 10_000, message: 's1 holds both VIPs' });
  await waitFor(async () => notified(s1).includes('GROUP ROUTER MASTER 0'), { timeoutMs: 3000, message: 'group notify on s1' });

  // Counted from here: at start s2 may be master for a moment, before it hears s1.
  const s2Masters = p2.transitions('outside').filter((x) => x.state === 'master').length;
  const s1Masters: Record<string, number> = Object.fromEntries(['outside', 'inside'].map((i) => [i, p1.transitions(i).filter((x) => x.state === 'master').length]));
  await inside[0]!.cut();
  await p1.waitState('fault', 5000, 'inside');
  await p1.waitState('fault', 5000, 'outside');
  await waitFor(async () => (await holders()) === 's2:outside s2:inside', { timeoutMs: 5000, message: 's2 holds both VIPs' });
  t.pass('the cable pulled on the inside LAN moved the outside VIP too');
  await waitFor(async () => notified(s2).includes('GROUP ROUTER MASTER 0'), { timeoutMs: 3000, message: 'group notify on s2' });
  await waitFor(async () => notified(s1).includes('GROUP ROUTER FAULT 0'), { timeoutMs: 3000, message: 'group FAULT notify on s1' });
  t.notMatch(notified(s2), /INSTANCE/, 'only the group notifies (the instances have no notify)');
  t.equal(p2.transitions('outside').filter((x) => x.state === 'master').length - s2Masters, 1, 's2 became master of outside once');

  await inside[0]!.restore();
  await waitFor(async () => (await holders()) === 's1:outside s1:inside', { timeoutMs: 10_000, message: 's1 takes both back' });
  t.pass('recovered together, preempted back');
  for (const i of ['outside', 'inside']) {
    t.equal(p1.transitions(i).filter((x) => x.state === 'master').length - s1Masters[i]!, 1, `s1 became master of ${i} once more, no flapping`);
  }
});
