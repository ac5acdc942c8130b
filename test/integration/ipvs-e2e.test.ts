// End to end in UML (test/fixtures/uml-ipvs-e2e.ts): real TCP through a NAT-mode IPVS service
// reaches node HTTP backends in their own namespaces; a killed backend is taken out by its health
// check (TCP_CHECK) and comes back when restarted; HTTP_GET keeps the other one in.
import t from 'tap';
import { requireEnv } from '../helpers/require.js';
import { runInUml } from '../helpers/uml.js';

t.test('NAT service, health checks remove and restore a backend', async (t) => {
  if (!requireEnv(t, { root: true, uml: true, commands: ['ipvsadm', 'ip'] })) return;
  const r = await runInUml('dist/test/fixtures/uml-ipvs-e2e.js', { timeoutMs: 150_000 });
  t.equal(r.code, 0, 'fixture ran', { output: r.output, initLog: r.initLog });
  const by = new Map<string, Record<string, any>>();
  for (const line of r.output.split('\n')) if (line.startsWith('{')) { const j = JSON.parse(line); by.set(j.step, j); }
  t.same(by.get('both-up')?.table, ['10.2.1.2:8080 Masq 1', '10.2.2.2:8080 Masq 1']);
  t.same([...(by.get('both-up')?.responses ?? [])].sort(), ['b1', 'b1', 'b2', 'b2'], 'rr over both backends through the VIP');
  t.same(by.get('b1-killed')?.table, ['10.2.2.2:8080 Masq 1'], 'TCP_CHECK took backend 1 out');
  t.same(by.get('b1-killed')?.responses, ['b2', 'b2', 'b2', 'b2'], 'every request goes to backend 2');
  t.match(by.get('b1-killed')?.events?.[0], /^down 10\.2\.1\.2:8080 connect ECONNREFUSED/);
  t.same(by.get('b1-restarted')?.table, ['10.2.1.2:8080 Masq 1', '10.2.2.2:8080 Masq 1'], 'restarted backend is back');
  t.same([...(by.get('b1-restarted')?.responses ?? [])].sort(), ['b1', 'b1', 'b2', 'b2']);
  t.equal(by.get('stopped')?.services, 0, 'stop releases the owned service');
});
