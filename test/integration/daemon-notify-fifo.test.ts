// notify_fifo as a keepalived user reads it: the same configuration runs under keepalived 2.2.7
// (Debian's, the oracle) and vipd, each alone on its own LAN, and the same things happen to both:
// start (BACKUP, then MASTER), a priority change (vrrp_notify_priority_changes), a tracked file
// that takes one instance of the sync group to FAULT (and the group with it), its recovery, and
// SIGTERM. The notify_fifo_script (which gets the FIFO as its last argument) copies the FIFO's
// lines to a file; the two files must hold the same lines in the same order.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { createLan, waitFor, type Lab, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { startKeepalived } from '../helpers/keepalived-peer.js';
import { k0sFlags, sleep, startVipd, vipHolders } from '../helpers/daemon-lab.js';

const KEEPALIVED = '/usr/sbin/keepalived';

function conf(dir: string, vip1: string, vip2: string): string {
  return `
global_defs {
    notify_fifo ${join(dir, 'fifo')}
    notify_fifo_script ${join(dir, 'reader.sh')}
    vrrp_notify_priority_changes true
    vrrp_garp_master_delay 0
    vrrp_garp_master_repeat 1
}
track_file drain {
    file ${join(dir, 'drain')}
    weight -10
}
track_file stop {
    file ${join(dir, 'stop')}
    weight 0
}
vrrp_sync_group G1 {
    group {
        VI_1
        VI_2
    }
    sync_group_tracking_weight
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 66
    priority 100
    advert_int 0.2
    version 3
    virtual_ipaddress {
        ${vip1}/24
    }
    track_file {
        drain
    }
}
vrrp_instance VI_2 {
    state BACKUP
    interface eth0
    virtual_router_id 67
    priority 100
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

interface Side {
  name: string;
  node: LabNode;
  dir: string;
  lines(): string[];
  stop(): Promise<void>;
}

async function side(t: Test, name: string, start: (lab: Lab, node: LabNode, dir: string, file: string) => { stop(): Promise<void> }): Promise<Side> {
  const lab = await createLan(t, [name]);
  const node = lab.nodes[0]!;
  const dir = join(lab.dir, name);
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'lines');
  writeFileSync(join(dir, 'reader.sh'), `#!/bin/sh\nexec cat "$1" > ${out}\n`);
  chmodSync(join(dir, 'reader.sh'), 0o755);
  writeFileSync(join(dir, 'drain'), '0\n');
  writeFileSync(join(dir, 'stop'), '0\n');
  const vip1 = node.ipv4.replace(/\.\d+$/, '.206');
  const vip2 = node.ipv4.replace(/\.\d+$/, '.207');
  writeFileSync(join(dir, 'keepalived.conf'), conf(dir, vip1, vip2));
  const p = start(lab, node, dir, join(dir, 'keepalived.conf'));
  await waitFor(async () => (await vipHolders([node], vip1)).length === 1 && (await vipHolders([node], vip2)).length === 1,
    { timeoutMs: 15_000, message: `${name} holds both VIPs` });
  return {
    name, node, dir, stop: p.stop,
    lines: () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : []),
  };
}

t.test('notify_fifo lines are keepalived\'s, for the same transitions', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', KEEPALIVED] })) return;
  const sides = await Promise.all([
    side(t, 'ka', (lab, node, _dir, file) => {
      const k = startKeepalived(KEEPALIVED, lab, node, readFileSync(file, 'utf8'), 'oracle');
      return {
        stop: async () => {
          k.child.kill('SIGTERM');
          await new Promise((r) => k.child.once('exit', r));
        },
      };
    }),
    side(t, 'vd', (_lab, node, dir, file) => {
      const v = startVipd(node, k0sFlags(file), { statusSocket: join(dir, 'vipd.sock') });
      return {
        stop: async () => {
          v.signal('SIGTERM');
          await v.exited();
        },
      };
    }),
  ]);
  // Each step's lines, once both sides wrote them. Within a step two instances that move at the
  // same moment may be written in either order (by keepalived too): the instance lines of a step
  // are compared as a set, the group line's place exactly.
  const steps: Array<[string[], string[]]> = [];
  let done = 0;
  const settle = async (count: number) => {
    await waitFor(() => sides.every((s) => s.lines().length >= count) || undefined, { timeoutMs: 8000, message: `${count} lines on both sides` });
    await sleep(600);
    const [ka, vd] = sides.map((s) => s.lines().slice(done)) as [string[], string[]];
    steps.push([ka, vd]);
    done = Math.max(done, sides[0]!.lines().length);
  };
  await settle(6);
  for (const s of sides) writeFileSync(join(s.dir, 'drain'), '2\n');
  await settle(7);
  for (const s of sides) writeFileSync(join(s.dir, 'stop'), '1\n');
  await settle(10);
  for (const s of sides) writeFileSync(join(s.dir, 'stop'), '0\n');
  await settle(16);
  await Promise.all(sides.map((s) => s.stop()));
  await sleep(300);
  const [ka, vd] = sides.map((s) => s.lines()) as [string[], string[]];
  t.comment(`keepalived:\n${ka.join('\n')}`);
  t.equal(vd.length, ka.length, 'as many lines');
  for (const [i, [k, v]] of steps.entries()) {
    const group = (l: string[]) => l.map((x, j) => (x.startsWith('GROUP') ? `${j}:${x}` : '')).filter(Boolean);
    t.same(v.filter((x) => x.startsWith('INSTANCE')).sort(), k.filter((x) => x.startsWith('INSTANCE')).sort(), `step ${i}: the instance lines`);
    t.same(group(v), group(k), `step ${i}: the group lines, in place`);
  }
  t.ok(ka.includes('GROUP "G1" MASTER 0') && ka.includes('INSTANCE "VI_1" MASTER_PRIORITY 80'), 'the oracle wrote group and priority lines');
});
