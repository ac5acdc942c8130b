// Event-loop health as an operator sees it: the MASTER's process is stopped (SIGSTOP) for longer
// than its Master_Down_Interval, as a starved CPU or a long pause would. When it runs again vipd
// logs the stall and the late advert, and `vipd status` and the Prometheus endpoint count them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { k0sFlags, sleep, startVipd, VIPD } from '../helpers/daemon-lab.js';

t.test('a stalled master: stall logged, late advert counted, in status and metrics', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['l1']);
  const n = lab.nodes[0]!;
  const conf = join(lab.dir, 'keepalived.conf');
  writeFileSync(conf, `vrrp_instance fast {
    interface eth0
    virtual_router_id 74
    priority 150
    version 3
    advert_int 0.1
    virtual_ipaddress {
        ${n.ipv4.replace(/\.\d+$/, '.232')}/24
    }
}
`);
  const sock = join(lab.dir, 'vipd.sock');
  const port = 9651;
  const p = startVipd(n, [...k0sFlags(conf), '--metrics', `127.0.0.1:${port}`], { statusSocket: sock });
  await p.waitState('master', 10_000);
  const status = async () => {
    const r = await n.exec(['node', VIPD, 'status', '--status-socket', sock]);
    if (r.code !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as { eventLoop: { delayP99Ms: number; delayMaxMs: number; samples: number; stallsOverMasterDown: number; lateMasterAdverts: Record<string, number> } };
  };
  const before = await status();
  t.ok(before.eventLoop.samples > 0, 'measured on every advert');
  t.type(before.eventLoop.delayP99Ms, 'number');

  // The master's adverts leave from the addon's thread; the loop's timers are its lease renewals,
  // two per lease (every 500 ms at 100 ms adverts): a stall is measured short by up to that much.
  p.signal('SIGSTOP');
  await sleep(1500); // ~4x the Master_Down_Interval at 100 ms adverts
  p.signal('SIGCONT');
  const stall = await p.waitLog((l) => l.code === 'VIPD_LOOP_STALL', 3000);
  t.match(stall, { instance: 'fast', msg: /^event loop stalled \d+ ms, longer than the Master_Down_Interval of fast \(\d+ ms\)/ });
  t.ok(Number(stall.stallMs) >= 1000, `the stall measured (${String(stall.stallMs)} ms)`);
  t.match(await p.waitLog((l) => l.code === 'VIPD_LATE_ADVERT', 3000), { instance: 'fast', intervalMs: 100 });

  const after = await status();
  t.ok(after.eventLoop.stallsOverMasterDown >= 1, 'status: the stall counted');
  t.ok((after.eventLoop.lateMasterAdverts.fast ?? 0) >= 1, 'status: the late advert counted');
  t.ok(after.eventLoop.delayMaxMs >= 1000, `status: max delay ${after.eventLoop.delayMaxMs} ms`);

  const r = await n.exec(['node', '-e', `fetch('http://127.0.0.1:${port}/metrics').then(async (r) => console.log(await r.text()))`]);
  t.match(r.stdout, /^vipd_vrrp_adverts_late_total\{instance="fast"\} [1-9]\d*$/m);
  t.match(r.stdout, /^vipd_event_loop_stalls_total [1-9]\d*$/m);
  const inf = Number(/^vipd_event_loop_delay_seconds_bucket\{le="\+Inf"\} (\d+)$/m.exec(r.stdout)?.[1]);
  const halfSecond = Number(/^vipd_event_loop_delay_seconds_bucket\{le="0\.5"\} (\d+)$/m.exec(r.stdout)?.[1]);
  t.ok(inf > halfSecond, 'the histogram has the stall above 0.5 s');
  p.signal('SIGTERM');
  t.equal((await p.exited()).code, 0);
});
