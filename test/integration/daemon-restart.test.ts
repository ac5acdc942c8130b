// kill -9 of the master vipd, then a restart (k0s respawns it): the dead run's VIP stays on the
// interface until the new run starts, which removes it before anything else. While the new run is
// BACKUP (k0s: equal priorities, so the survivor keeps the VIP) the VIP is held exactly once.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan, waitFor, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { k0sFlags, renderK0sKeepalived, settledMaster, startVipd, vipHolders, sleep, type VipdProc } from '../helpers/daemon-lab.js';

t.test('kill -9 of the master, restart: no stale VIP', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['k1', 'k2']);
  const vip = lab.nodes[0]!.ipv4.replace(/\.\d+$/, '.240');
  const conf = (n: LabNode) => join(lab.dir, n.name, 'keepalived.conf');
  for (const n of lab.nodes) {
    mkdirSync(join(lab.dir, n.name));
    writeFileSync(conf(n), renderK0sKeepalived({ instances: [{ interface: 'eth0', vrid: 81, authPass: 'k9', vips: [`${vip}/24`] }], virtualServers: false }));
  }
  const start = (n: LabNode) => startVipd(n, k0sFlags(conf(n)), { statusSocket: join(lab.dir, n.name, 'vipd.sock') });
  const procs = new Map<string, VipdProc>(lab.nodes.map((n) => [n.name, start(n)]));
  const master = await settledMaster([...procs.values()], lab.nodes, vip);
  const other = [...procs.values()].find((p) => p !== master)!;

  master.signal('SIGKILL');
  await master.exited();
  t.same(await vipHolders(lab.nodes, vip), [master.node.name], 'the killed run left its VIP behind (nothing could remove it)');
  await other.waitState('master', 6000);
  await waitFor(async () => (await vipHolders(lab.nodes, vip)).length === 2, { timeoutMs: 3000, message: 'the survivor added the VIP' });

  // k0s respawns keepalived 5 s after an exit; we restart at once.
  const again = start(master.node);
  const backup = await again.waitState('backup', 5000);
  t.equal(backup.previous, 'initialize');
  await waitFor(async () => (await vipHolders(lab.nodes, vip)).join() === other.node.name, { timeoutMs: 1000, message: 'the stale VIP is gone' });
  for (let i = 0; i < 6; i++) {
    await sleep(500);
    t.same(await vipHolders(lab.nodes, vip), [other.node.name], `held once while the new run is backup (${(i + 1) * 500} ms)`);
  }
  t.same(again.transitions().map((x) => x.state), ['backup'], 'the new run stayed backup (equal priority, the master keeps it)');
  again.signal('SIGTERM');
  other.signal('SIGTERM');
  t.equal((await again.exited()).code, 0);
  t.equal((await other.exited()).code, 0);
  t.same(await vipHolders(lab.nodes, vip), []);
});
