// vipd's background audit in UML (test/fixtures/uml-ipvs-audit.ts): what others change in the
// services vipd owns is put back within one audit pass and counted; a service vipd does not own
// is left alone, also at stop.
import t from 'tap';
import { requireEnv } from '../helpers/require.js';
import { runInUml } from '../helpers/uml.js';

t.test('the audit puts back owned services changed by others and counts them', async (t) => {
  if (!requireEnv(t, { root: true, uml: true, commands: ['ipvsadm', 'ip'] })) return;
  const r = await runInUml('dist/test/fixtures/uml-ipvs-audit.js', { timeoutMs: 180_000 });
  t.equal(r.code, 0, 'fixture ran', { output: r.output.slice(-4000), initLog: r.initLog });
  const by = new Map<string, Record<string, any>>();
  for (const line of r.output.split('\n')) if (line.startsWith('{')) { const j = JSON.parse(line); by.set(j.step, j); }
  t.equal(by.get('programmed')?.driftRepaired, 0, 'nothing repaired at start');
  t.same(by.get('drifted')?.table, [
    '-A -t 10.61.1.1:80 -s rr', '-A -t 10.61.1.9:80 -s wlc', '-a -t 10.61.1.1:80 -r 10.61.0.11:80 -g -w 5', '-a -t 10.61.1.9:80 -r 10.61.0.91:80 -g -w 3',
  ], 'changed behind vipd');
  const repaired = by.get('repaired') ?? {};
  t.same(repaired.table, [
    '-A -t 10.61.1.1:80 -s rr', '-A -t 10.61.1.2:80 -s rr', '-A -t 10.61.1.9:80 -s wlc',
    '-a -t 10.61.1.1:80 -r 10.61.0.11:80 -g -w 1', '-a -t 10.61.1.1:80 -r 10.61.0.12:80 -g -w 1',
    '-a -t 10.61.1.2:80 -r 10.61.0.21:80 -g -w 1', '-a -t 10.61.1.9:80 -r 10.61.0.91:80 -g -w 3',
  ], 'owned services put back, the foreign one untouched');
  t.comment(`repaired ${repaired.ms} ms after the change`);
  t.equal(repaired.driftRepaired, 2, 'status: two services repaired');
  t.equal(repaired.metric, '2', 'vipd_ipvs_drift_repaired_total 2');
  t.ok(repaired.warnings >= 1, 'a warning says so');
  t.same(by.get('stopped')?.table, ['-A -t 10.61.1.9:80 -s wlc', '-a -t 10.61.1.9:80 -r 10.61.0.91:80 -g -w 3'], 'stop removes only what vipd owns');
});
