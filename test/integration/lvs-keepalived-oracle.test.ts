// keepalived 2.2.7 as the oracle (test/fixtures/uml-lvs-oracle.ts): on the same keepalived.conf,
// vipd programs exactly the IPVS table keepalived programs (`ipvsadm -Sn`, line for line): mh +
// mh-port + mh-fallback, a fwmark service with port-0 and port-less real servers, a /20 group
// range (keepalived given the same addresses in ranges it can take), an IPv6 group range,
// persistence, flag-3 and a sorry server with its own method.
import t from 'tap';
import { requireEnv } from '../helpers/require.js';
import { runInUml } from '../helpers/uml.js';

t.test('vipd programs what keepalived 2.2.7 programs (ipvsadm -Sn)', async (t) => {
  if (!requireEnv(t, { root: true, uml: true, commands: ['ipvsadm', 'ip', 'keepalived'] })) return;
  const r = await runInUml('dist/test/fixtures/uml-lvs-oracle.js', { timeoutMs: 300_000, memMb: 1024 });
  t.equal(r.code, 0, 'fixture ran', { output: r.output.slice(-4000), initLog: r.initLog });
  const steps = new Map<string, Record<string, any>>();
  for (const line of r.output.split('\n')) {
    if (!line.startsWith('{')) continue;
    const j = JSON.parse(line) as Record<string, any>;
    steps.set(j.step === 'table' ? j.impl : j.step, j);
  }
  const ka = steps.get('keepalived'), vipd = steps.get('vipd'), cmp = steps.get('compare');
  if (!ka || !vipd || !cmp) return;
  t.comment(`keepalived: ${ka.count} lines settled after ${ka.ms} ms; vipd: ${vipd.count} lines after ${vipd.ms} ms`);
  t.equal(cmp.differ, 0, 'the same table, line for line', { onlyKeepalived: cmp.onlyKeepalived, onlyVipd: cmp.onlyVipd, log: { keepalived: ka.log, vipd: vipd.log } });
  t.same(ka.big, { services: 4096, dests: 4096 }, 'every address of the /20 is a service with its real server');
  const has = (what: string, re: RegExp) => t.ok(ka.lines.some((l: string) => re.test(l)), what, { lines: ka.lines });
  has('mh with mh-port and mh-fallback', /^-A -t 10\.9\.0\.1:80 -s mh -p 120 -M 255\.255\.255\.0 -b mh-fallback,mh-port$/);
  has('flag-3', /^-A -t 10\.9\.0\.2:443 -s wrr -b flag-3$/);
  has('fwmark real server with port 0', /^-a -f 7 -r 10\.2\.0\.4:0 -g -w 3$/);
  has('fwmark real server without a port', /^-a -f 7 -r 10\.2\.0\.5:0 -g -w 4$/);
  t.equal(ka.lines.filter((l: string) => /^-A -t \[fd00::[0-9a-f]+\]:443 -s sh -b sh-port$/.test(l)).length, 255, 'the IPv6 range: 255 services');
});
