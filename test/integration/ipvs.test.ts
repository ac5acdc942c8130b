// IPVS against a real kernel: one UML boot runs test/fixtures/uml-ipvs.ts, which programs and
// reads the table with vipd and with ipvsadm and prints one JSON line per check.
import t from 'tap';
import { requireEnv } from '../helpers/require.js';
import { runInUml } from '../helpers/uml.js';

const SEED_SAVE = [
  '-A -t 10.0.0.100:6443 -s rr -p 360',
  '-a -t 10.0.0.100:6443 -r 10.0.0.11:6443 -g -w 1',
  '-a -t 10.0.0.100:6443 -r 10.0.0.12:6443 -g -w 1',
  '-a -t 10.0.0.100:6443 -r 10.0.0.13:6443 -g -w 1',
];
const VIPD_SAVE = [
  ...SEED_SAVE,
  '-A -t 10.0.0.101:80 -s wlc -p 600 -M 255.255.255.0',
  '-a -t 10.0.0.101:80 -r 10.0.0.31:8080 -m -w 5',
  '-A -u 10.0.0.102:53 -s sh -o -b sh-fallback,sh-port',
  '-a -u 10.0.0.102:53 -r 10.0.0.41:53 -i -w 2 --tun-type ipip',
  '-A --sctp-service 10.0.0.103:3868 -s lc',
  '-a --sctp-service 10.0.0.103:3868 -r 10.0.0.51:3868 -m -w 1',
  '-A -t [fd00::100]:443 -s wrr -p 300 -M 64',
  '-a -t [fd00::100]:443 -r [fd00::11]:443 -m -w 2',
  '-a -t [fd00::100]:443 -r [fd00::12]:8443 -g -w 4',
  '-A -f 7 -s mh',
  '-a -f 7 -r 10.0.0.61:0 -g -w 3',
  '-A -f 9 -6 -s fo',
  '-a -f 9 -6 -r [fd00::21]:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum',
].join('\n') + '\n';

t.test('IPVS in UML: vipd <-> ipvsadm, seed table, reconcile, errors', async (t) => {
  if (!requireEnv(t, { root: true, uml: true, commands: ['ipvsadm'] })) return;
  const r = await runInUml('dist/test/fixtures/uml-ipvs.js', { timeoutMs: 120_000 });
  t.equal(r.code, 0, 'fixture ran', { output: r.output, initLog: r.initLog });
  const by = new Map<string, Record<string, any>>();
  for (const line of r.output.split('\n')) if (line.startsWith('{')) { const j = JSON.parse(line); by.set(j.check, j); }

  t.match(by.get('info'), { version: '1.2.1', connTableSize: 4096 }, 'GET_INFO');
  t.match(by.get('config'), { tcp: 900, tcpFin: 120, udp: 300 }, 'SET_CONFIG then GET_CONFIG');

  const programmed = by.get('vipd-programs')!;
  t.same(programmed.errors, []);
  t.equal(programmed.save, VIPD_SAVE, 'ipvsadm --save -n prints exactly what vipd programmed (v4, v6, fwmark, NAT/DR/TUN, schedulers, persistence)');
  t.ok(by.get('vipd-reads-own')?.equal, 'vipd reads its own table back identically', { diag: by.get('vipd-reads-own') });
  t.equal(by.get('flushed')?.services, 0, 'FLUSH');
  t.ok(by.get('ipvsadm-programs')?.equal, 'what ipvsadm -R programs, vipd reads back identically', { diag: by.get('ipvsadm-programs') });

  const rec = by.get('reconcile')!;
  t.equal(rec.firstChanges, 4, 'seed: one NEW_SERVICE + three NEW_DEST');
  t.equal(rec.secondChanges, 0, 'second apply with the same state sends no change');
  t.equal(rec.thirdChanges, 1, 'one changed weight sends one SET_DEST');
  t.equal(rec.failed, 0);
  t.match(rec.save, /-a -t 10\.0\.0\.100:6443 -r 10\.0\.0\.12:6443 -g -w 5\n/);

  const e = by.get('errors')!;
  t.match(e.errors['eexist-service'], { code: 'VIPD_ERR_IPVS', syscallCode: 'EEXIST', message: /service already exists/ });
  t.match(e.errors['eexist-dest'], { syscallCode: 'EEXIST', message: /destination already exists/ });
  t.match(e.errors['esrch-service'], { syscallCode: 'ESRCH', message: /no such service/ });
  t.match(e.errors['enoent-dest'], { syscallCode: 'ENOENT', message: /no such destination/ });
  t.match(e.errors['unknown-scheduler'], { syscallCode: 'ENOENT', message: /unknown scheduler "foo"/ });
  t.match(e.errors['multicast-dest'], { syscallCode: 'EINVAL', message: /224\.0\.0\.5 must be a unicast address/ });
  t.same(e.reconcileFailed.map((f: { kind: string; syscallCode: string }) => `${f.kind} ${f.syscallCode}`), ['createService ENOENT', 'createDestination EINVAL']);
  t.same(e.rolledBack, ['tcp:10.0.0.112:80'], 'service with a failed destination rolled back');
  t.equal(e.save, rec.save, 'table consistent: only the complete seed service remains');
});
