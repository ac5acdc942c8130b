// Timers that survive stalls: the backup's process is frozen (SIGSTOP) for several master-down
// intervals while the master keeps advertising. On SIGCONT its master-down timer is overdue, but
// the adverts queued on its socket prove the master is alive: it must stay backup.
import t from 'tap';
import { createLan, waitFor } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { holders, masterAndBackup, sleep } from '../helpers/vrrp-lab.js';

t.test('SIGSTOP the backup past the master-down interval: no false failover', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['r1', 'r2']);
  const { r1, r2, vip, p1, p2 } = await masterAndBackup(lab);
  const before = await p2.instance();
  await waitFor(async () => (await p2.instance()).stats.rcvdAdvertisements >= 3, { timeoutMs: 3000, message: 'r2 hears r1' });
  const pid = p2.child.pid!;
  for (const stallMs of [before.masterDownIntervalMs * 4, 2000]) {
    const mark = p2.out.lines.length;
    const rcvd = (await p2.instance()).stats.rcvdAdvertisements;
    process.kill(pid, 'SIGSTOP');
    await sleep(stallMs);
    process.kill(pid, 'SIGCONT');
    await sleep(1000);
    const after = await p2.instance();
    const changes = p2.out.lines.slice(mark).filter((l) => l.event === 'state');
    t.same(changes, [], `no state change after a ${stallMs} ms stall (master-down interval ${before.masterDownIntervalMs} ms)`);
    t.equal(after.state, 'backup', 'r2 is still backup');
    t.ok(after.stats.rcvdAdvertisements >= rcvd + Math.floor(stallMs / 100) - 2, `the adverts queued during the stall were processed (${after.stats.rcvdAdvertisements - rcvd})`);
  }
  t.same(await holders([r1, r2], vip), ['r1'], 'the VIP never moved');
  t.same(p1.states(), ['backup', 'master'], 'r1 stayed master throughout');
});
