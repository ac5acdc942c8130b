// vipd with IPVS inside the UML kernel (one boot, test/fixtures/daemon-uml.ts does the sequence):
// k0s's include symlink + SIGHUP programs and removes the service without a VRRP transition;
// kill -9 + restart leaves no stale VIP and no duplicate IPVS entry; --k0s-config puts the VIPs on
// dummyvip0, labels the IPv6 VIP and programs IPVS only while MASTER.
import t from 'tap';
import { requireEnv } from '../helpers/require.js';
import { runInUml } from '../helpers/uml.js';

const SERVICE = '-A -t 10.60.0.100:6443 -s rr -p 360';
const REAL = '-a -t 10.60.0.100:6443 -r 10.60.0.1:6443 -g -w 1';

t.test('vipd with IPVS in UML: k0s reload, kill -9 restart, --k0s-config', async (t) => {
  if (!requireEnv(t, { root: true, uml: true, commands: ['ipvsadm', 'ip'] })) return;
  const r = await runInUml('dist/test/fixtures/daemon-uml.js', { timeoutMs: 260_000 });
  t.comment(`UML run ${r.totalMs} ms`);
  const by = new Map<string, Record<string, any>>();
  for (const line of r.output.split('\n')) {
    if (!line.startsWith('{')) continue;
    const j = JSON.parse(line) as Record<string, any>;
    by.set(j.step, j);
  }
  t.equal(r.code, 0, 'fixture ran to the end', { output: r.output.slice(-4000), initLog: r.initLog });
  const step = (s: string) => by.get(s) ?? {};

  // A. k0s's reload.
  const trMaster = step('master').transitions;
  t.same(trMaster, ['k0s-vip-0:initialize->backup', 'k0s-vip-0:backup->master']);
  t.same(step('master').notify, ['BACKUP', 'MASTER'], 'notify_backup at start, notify_master on MASTER');
  t.same(step('master').ipvs, [], 'include -> /dev/null: no virtual server');
  t.same(step('include-generated').ipvs, [SERVICE, REAL], 'include -> generated + SIGHUP: the service (ipvsadm --save -n)');
  t.same(step('include-generated').transitions, trMaster, 'no VRRP transition');
  t.ok(step('include-generated').vip, 'VIP kept');
  t.same(step('include-generated').errors, []);
  t.same(step('include-devnull').ipvs, [], 'and back: the service is gone');
  t.same(step('include-devnull').transitions, trMaster, 'still no VRRP transition');
  t.ok(step('include-devnull').vip, 'VIP kept');

  // B. kill -9, restart.
  t.same(step('killed').ipvs, [SERVICE, REAL], 'kill -9 left the service');
  t.ok(step('killed').vip, 'and the VIP');
  t.notOk(step('restarted-backup').vip, 'the restarted run removed the stale VIP before anything else');
  t.same(step('restarted-backup').ipvs, [SERVICE, REAL], 'the service reconciled: one entry, no duplicate');
  t.same(step('restarted-master').ipvs, [SERVICE, REAL]);
  t.ok(step('restarted-master').vip);
  t.same(step('restarted-master').errors, [], 'no error (no EEXIST from the leftover entries)');
  t.equal(step('stopped').code, 0, 'SIGTERM: exit 0');
  t.ok(step('stopped').ms < 5000, `within 5 s (${step('stopped').ms} ms)`);
  t.same(step('stopped').ipvs, [], 'owned service removed at stop');
  t.notOk(step('stopped').vip, 'VIP released');

  // C. --k0s-config.
  t.same([...(step('k0s-backup').dummy ?? [])].filter((a: string) => !a.startsWith('fe80')).sort(), ['10.60.0.100/32', 'fd00:60::100/128'],
    'dummyvip0 holds every VIP as /32 and /128');
  t.equal(step('k0s-backup').dummyUp, false, 'dummyvip0 is never brought up');
  t.same(step('k0s-backup').arp, ['1', '2'], 'LVS-DR ARP settings on eth0: only the VIP holder answers ARP for it');
  t.match(step('k0s-backup').labels, [/prefix fd00:60::100\/128 .*label 10000/], 'IPv6 VIP address label 10000');
  t.same(step('k0s-backup').ipvs, [], 'BACKUP: IPVS not programmed (k0s #5178)');
  t.notOk(step('k0s-backup').vip);
  t.same(step('k0s-master').ipvs, [SERVICE, REAL], 'MASTER: the service with the controller as real server');
  t.ok(step('k0s-master').vip);
  t.same(step('k0s-master').errors, []);
  t.equal(step('k0s-stopped').code, 0);
  t.ok(step('k0s-stopped').ms < 5000, `stopped in ${step('k0s-stopped').ms} ms`);
  t.same(step('k0s-stopped').ipvs, [], 'IPVS released');
  t.notOk(step('k0s-stopped').vip, 'VIP released from eth0');
  t.ok(by.has('done'));
});
