// A master whose event loop wedges (a long GC, a blocked callback) must yield to its backup: its
// periodic adverts leave from the addon's thread (advert-offload.ts), and that thread stops once
// the lease the event loop renews runs out. So the backup takes over one lease (1 s at 100 ms
// adverts) plus its Master_Down_Interval after the wedge, not never; and when the loop runs again
// the master (higher priority, preempting) takes its VIP back.
import t from 'tap';
import { createLan, waitFor } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { holders, masterAndBackup, sleep } from '../helpers/vrrp-lab.js';
import { RENEWALS_PER_LEASE, leaseMsOf } from '../../src/vrrp/advert-offload.js';

t.test('a wedged master stops advertising when its lease runs out; the backup takes over', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['r1', 'r2']);
  const { r1, r2, vip, p1, p2 } = await masterAndBackup(lab);
  await waitFor(async () => (await p2.instance()).stats.rcvdAdvertisements >= 5, { timeoutMs: 3000, message: 'r2 hears r1' });
  const mdi = (await p2.instance()).masterDownIntervalMs;
  const lease = leaseMsOf(100);
  const blockMs = 4000;
  const sentBefore = (await p1.instance()).stats.sentAdvertisements;
  p1.command({ cmd: 'block', ms: blockMs });
  const blocking = await p1.out.next((l) => l.event === 'blocking', 3000);
  const master = await p2.waitState('master', blockMs);
  const after = (master.wall as number) - (blocking.wall as number);
  t.ok(after < blockMs, `r2 took over ${after} ms into the ${blockMs} ms wedge`);
  // The thread advertised on through the wedge until the lease ran out (renewed twice a lease).
  t.ok(after >= lease * (1 - 1 / RENEWALS_PER_LEASE) + mdi - 150, `not before the lease (${lease} ms) had run out: ${after} ms (Master_Down_Interval ${mdi} ms)`);
  // r1 still holds it too (its VRRP logic is what is wedged): the backup's GARPs win the LAN meanwhile.
  await waitFor(async () => (await holders([r1, r2], vip)).includes('r2'), { timeoutMs: 2000, message: 'r2 holds the VIP' });
  await p1.out.next((l) => l.event === 'unblocked', blockMs + 3000);
  await p2.waitState('backup', 3000);
  await waitFor(async () => (await holders([r1, r2], vip)).join() === 'r1', { timeoutMs: 3000, message: 'the VIP back on r1 only' });
  t.same(p1.states(), ['backup', 'master'], 'r1 never left master: it just stopped advertising');
  const s1 = await p1.instance();
  t.ok(s1.stats.sentAdvertisements > sentBefore, `r1's status counts the thread's adverts (${s1.stats.sentAdvertisements - sentBefore} more)`);
  await sleep(300);
  t.equal((await p2.instance()).state, 'backup', 'r2 stays backup');
});
