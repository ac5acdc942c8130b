// Graceful stop: SIGTERM to the master's process puts a priority-0 advert on the wire, the backup
// takes over after Skew_Time only (not Master_Down_Interval), and the old master drops the VIP.
import t from 'tap';
import { capture, createLan, waitFor } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { hasAddress, masterAndBackup, vrrpAdverts } from '../helpers/vrrp-lab.js';
import { vrrpTimers } from '../../src/vrrp/timers.js';

t.test('SIGTERM: priority-0 advert, takeover within Skew_Time, VIP removed', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'tcpdump'] })) return;
  const lab = await createLan(t, ['r1', 'r2']);
  const { r1, r2, vip, p1, p2 } = await masterAndBackup(lab);
  await waitFor(async () => (await p2.instance()).stats.rcvdAdvertisements >= 2, { timeoutMs: 3000, message: 'r2 hears r1' });
  t.ok(await hasAddress(r1, vip), 'r1 holds the VIP');

  const cap = await capture(lab, r2, 'ip proto 112');
  p1.child.kill('SIGTERM');
  await p1.out.next((l) => l.event === 'stopped', 5000);
  await p2.waitState('master', 3000);
  await waitFor(async () => hasAddress(r2, vip), { timeoutMs: 3000, message: 'VIP on r2' });
  await new Promise((r) => setTimeout(r, 300)); // a few of r2's adverts into the capture
  const adverts = vrrpAdverts(await cap.stop());

  const stop = adverts.find((a) => a.advert.source === r1.ipv4 && a.advert.priority === 0);
  t.ok(stop, 'r1 sent a priority-0 advert');
  t.notOk(await hasAddress(r1, vip), 'the VIP is gone from r1');
  const firstNew = adverts.find((a) => a.advert.source === r2.ipv4 && stop && a.time >= stop.time);
  t.ok(firstNew, 'r2 advertises after the priority-0 advert');
  t.equal(firstNew?.advert.priority, 100, 'with its own priority');
  if (stop && firstNew) {
    const { skewMs, masterDownIntervalMs } = vrrpTimers({ version: 3, priority: 100, masterAdvertIntervalCs: 10 });
    const tookMs = (firstNew.time - stop.time) * 1000;
    t.comment(`takeover ${tookMs.toFixed(1)} ms after priority 0 (Skew_Time ${skewMs} ms, Master_Down_Interval ${masterDownIntervalMs} ms)`);
    t.ok(tookMs >= skewMs - 5, `not before Skew_Time (${tookMs.toFixed(1)} ms)`);
    t.ok(tookMs < skewMs + 200, `within Skew_Time + 200 ms (${tookMs.toFixed(1)} ms)`);
  }
  const st = await p2.instance();
  t.equal(st.stats.priorityZeroPktsRcvd, 1, 'r2 counted the priority-0 advert');
  const change = p2.out.lines.find((l) => l.event === 'state' && l.state === 'master');
  t.equal(change?.reason, 'master-resigned', 'r2 became master because r1 resigned');
});
