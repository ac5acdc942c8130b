// lvs_sync_daemon in the UML kernel (one boot, bench/lib/uml-continuity.ts does the sequence):
// three controllers run vipd with a k0s-style LVS-DR virtual_server on the master; `ipvsadm -L
// --daemon` shows the master sync daemon on the MASTER and the backup daemon on the BACKUPs;
// the master loses power, the new master runs the master daemon, and a connection the old
// master had forwarded to another controller survives because the backup had its entry. The
// same without lvs_sync_daemon: that connection is reset (the test measures something). The old
// master comes back, preempts, and the daemons swap back; SIGTERM stops them.
import t from 'tap';
import { requireEnv } from '../helpers/require.js';
import { runInUml } from '../helpers/uml.js';

const daemon = (state: 'master' | 'backup') => new RegExp(`^${state} sync daemon \\(mcast=eth0, syncid=51, `);

t.test('sync daemon follows VRRP; synced connections survive the master\'s power loss', async (t) => {
  if (!requireEnv(t, { root: true, uml: true, commands: ['ipvsadm', 'ip'] })) return;
  const args = { runs: [{ impl: 'vipd', sync: true }, { impl: 'vipd', sync: false }], conns: 12, trials: 1, restore: true };
  const r = await runInUml('dist/bench/lib/uml-continuity.js', { args: [JSON.stringify(args)], timeoutMs: 420_000, memMb: 1024 });
  const steps = r.output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
  const step = (name: string, sync: boolean) => steps.find((s) => s.step === name && s.sync === sync) ?? {};
  t.equal(r.code, 0, 'fixture ran', { output: r.output.slice(-4000), initLog: r.initLog });
  t.same(steps.filter((s) => s.step === 'run-error' || s.step === 'fatal' || s.step === 'daemon-error'), [], 'no error');

  const e = step('elected', true);
  t.match(e.daemons?.c1, [daemon('master')], 'MASTER (c1): the master sync daemon');
  t.match(e.daemons?.c2, [daemon('backup')], 'BACKUP (c2): the backup daemon');
  t.match(e.daemons?.c3, [daemon('backup')], 'BACKUP (c3): the backup daemon');
  const c = step('connected', true);
  t.same([...new Set(c.servedBy)].sort(), ['c1', 'c2', 'c3'], 'connections spread over the three controllers');
  t.same(c.before, c.servedBy, 'every connection answers before the failover');
  t.ok((c.entries?.c3?.ESTABLISHED ?? 0) >= 12, 'the backups hold the synced connection entries', { entries: c.entries });

  const f = step('failover', true);
  t.match(f.daemons?.c2, [daemon('master')], 'after the failover the new master (c2) runs the master daemon');
  t.match(f.daemons?.c3, [daemon('backup')], 'c3 stays backup');
  t.same(f.byServer?.c3, { total: 4, survived: 4 }, 'synced: the connections c1 had forwarded to c3 survive');
  t.same(f.byServer?.c2, { total: 4, survived: 4 }, 'and those on the new master itself');
  t.equal(f.byServer?.c1?.survived, 0, 'those served by the dead master die with it');
  t.comment(`takeover (cut to IPVS on the new master): ${f.takeoverMs} ms`);

  const n = step('failover', false);
  t.same(n.daemons, { c2: [], c3: [] }, 'without lvs_sync_daemon: no daemon');
  t.same(n.byServer?.c3, { total: 4, survived: 0 }, 'not synced: the connections forwarded to c3 are reset by the new master');
  const served: string[] = step('connected', false).servedBy ?? [];
  t.match(n.after, served.map((s) => (s === 'c2' ? 'c2' : /error|timeout|closed/)), 'only the new master\'s own connections live on');

  const back = step('restored', true);
  t.match(back.daemons?.c1, [daemon('master')], 'c1 back and MASTER again: master daemon');
  t.match(back.daemons?.c2, [daemon('backup')], 'c2 BACKUP again: backup daemon (they swapped back)');
  t.same(step('stopped', true).daemons, { c1: [], c2: [], c3: [] }, 'SIGTERM: every sync daemon stopped');
});
