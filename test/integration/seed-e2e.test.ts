// The seed scenario end to end in the UML kernel (test/fixtures/seed-e2e.ts): three k0s-style
// controllers run vipd with VRRP + an LVS-DR virtual_server switched by notify scripts, a symlinked
// include and SIGHUP, the VIP on dummyvip0 everywhere; a client reaches VIP:6443; the master
// loses power and the VIP with the IPVS service moves.
import t from 'tap';
import { requireEnv } from '../helpers/require.js';
import { runInUml } from '../helpers/uml.js';

t.test('seed: 3 controllers, VIP + IPVS DR on the master only, power loss of the master', async (t) => {
  if (!requireEnv(t, { root: true, uml: true, commands: ['ipvsadm', 'ip', 'tcpdump', 'ping'] })) return;
  const r = await runInUml('dist/test/fixtures/seed-e2e.js', { timeoutMs: 280_000 });
  const by = new Map<string, Record<string, any>>();
  for (const line of r.output.split('\n')) if (line.startsWith('{')) { const j = JSON.parse(line); by.set(j.step, j); }
  t.equal(r.code, 0, 'fixture ran', { output: r.output.slice(-4000), initLog: r.initLog });
  t.notOk(by.has('fatal'), 'no fixture error', { error: by.get('fatal')?.error });
  const e = by.get('elected');
  t.ok(e, 'controllers elected a master');
  if (!e) return;
  const vip: string = e.vip;
  for (const c of e.controllers) t.same(c.dummy, [`${vip}/32`], `${c.name}: the VIP as /32 on dummyvip0`);
  const onEth0 = e.controllers.filter((c: any) => c.eth0.includes(`${vip}/24`));
  t.same(onEth0.map((c: any) => c.name), [e.master], 'exactly one controller (the master) has VIP/24 on eth0');
  for (const c of e.controllers) {
    if (c.name === e.master) {
      t.ok(c.ipvs.includes(`-A -t ${vip}:6443 -s rr -p 360`), 'master: the virtual service', { save: c.ipvs });
      const dests = c.ipvs.filter((l: string) => l.startsWith(`-a -t ${vip}:6443 -r `));
      t.equal(dests.length, 3, 'master: three real servers', { save: c.ipvs });
      for (const d of dests) t.match(d, / -g -w 1$/, 'DR, weight 1');
    } else {
      t.same(c.ipvs, [], `${c.name} (backup): no IPVS service`);
    }
  }
  const spread = by.get('spread');
  t.ok(spread?.servedBy.every((s: string) => /^c\d$/.test(s)), 'every request through the VIP succeeded', { servedBy: spread?.servedBy });
  t.same([...new Set(spread?.servedBy)].sort(), ['c1', 'c2', 'c3'], 'clients from several addresses spread over all three controllers');
  for (let i = 0; i < (spread?.servedBy.length ?? 0); i += 2) t.equal(spread!.servedBy[i], spread!.servedBy[i + 1], 'persistence: one client address, one controller');
  const f = by.get('failover');
  t.ok(f, 'failover step ran');
  if (f) {
    t.not(f.newMaster, f.oldMaster, 'a surviving controller took over');
    const nm = f.controllers.find((c: any) => c.name === f.newMaster);
    t.ok(nm.eth0.includes(`${vip}/24`), 'the VIP moved to the new master');
    t.ok(nm.ipvs.includes(`-A -t ${vip}:6443 -s rr -p 360`), 'the IPVS service moved to the new master', { save: nm.ipvs });
    for (const c of f.controllers.filter((c: any) => c.name !== f.newMaster)) t.same(c.ipvs, [], `${c.name}: still no IPVS`);
    t.ok(typeof f.outageMs === 'number', `the client reached VIP:6443 again after ${f.outageMs} ms`);
    t.ok(f.servedBy.every((s: string) => /^c\d$/.test(s) && s !== f.oldMaster), 'every client address is served by a survivor', { servedBy: f.servedBy });
  }
  t.same(by.get('arp-default')?.responders, ['c1', 'c2', 'c3'], 'finding: with default sysctls every controller answers ARP for the VIP (dummyvip0)');
  t.same(by.get('arp-ignore')?.responders, [e.master], 'with arp_ignore=1 / arp_announce=2 only the master answers');
  t.comment(`ARP responders for the VIP, default sysctls: ${JSON.stringify(by.get('arp-default')?.responders)}; with arp_ignore=1/arp_announce=2: ${JSON.stringify(by.get('arp-ignore')?.responders)}`);
  t.comment(`outage after the master's power loss: ${f?.outageMs} ms (IPVS on the new master after ${f?.newMasterIpvsMs} ms)`);
});
