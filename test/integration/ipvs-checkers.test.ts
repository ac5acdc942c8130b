// vipd's IPVS checkers against keepalived 2.2.7's in UML (test/fixtures/uml-checkers.ts, one
// boot): the same keepalived.conf, real servers answering in a namespace, each director in its
// own namespace with its own IPVS table; `ipvsadm -Sn` once the checkers settled is the same for
// both, and is what keepalived.conf(5) says: MISC_CHECK exit 0 / exit 1 / misc_dynamic, HTTP_GET
// status_code lists and ranges against 404 and 503, regex and digest, UDP_CHECK, DNS_CHECK,
// SMTP_CHECK, PING_CHECK to a reachable and an unreachable address, FILE_CHECK weights; the
// notify_up / notify_down runs for the initial states, with and without rs_init_notifies. Then vipd
// alone: a hanging MISC_CHECK is killed at its timeout, never two at once; checkers whose target
// never answers hold a bounded number of sockets and processes; nothing outlives the stop.
import t from 'tap';
import { requireEnv } from '../helpers/require.js';
import { runInUml } from '../helpers/uml.js';

/** What keepalived.conf(5) says the oracle config must program (and keepalived 2.2.7 does). */
const EXPECTED = [
  '-A -t 10.7.0.100:80 -s rr',
  '-a -t 10.7.0.100:80 -r 10.7.0.10:80 -m -w 3', // MISC_CHECK exit 0: up
  '-a -t 10.7.0.100:80 -r 10.7.0.10:81 -m -w 5', // misc_dynamic 12 and 7 on weight 10: 10 + 0 - 5
  '-a -t 10.7.0.100:80 -r 10.7.0.10:82 -m -w 18', // FILE_CHECK: value 4 x track_file weight 2, + 10
  '-a -t 10.7.0.100:80 -r 10.7.0.12:80 -m -w 7', // misc_dynamic exit 9: weight 7
  '-A -t 10.7.0.101:80 -s rr',
  '-a -t 10.7.0.101:80 -r 10.7.0.11:80 -m -w 1', // 404 in "200 404"
  '-a -t 10.7.0.101:80 -r 10.7.0.12:80 -m -w 1', // 503 in "200-299 400-499 503"
  '-a -t 10.7.0.101:80 -r 10.7.0.13:80 -m -w 1', // regex matches a header
  '-a -t 10.7.0.101:80 -r 10.7.0.13:82 -m -w 1', // digest of the body
  '-A -t 10.7.0.104:25 -s rr',
  '-a -t 10.7.0.104:25 -r 10.7.0.11:25 -m -w 1', // SMTP 220 / 250
  '-A -t 10.7.0.105:1 -s rr',
  '-a -t 10.7.0.105:1 -r 10.7.0.11:1 -m -w 1', // echo reply
  '-A -u 10.7.0.102:5000 -s rr',
  '-a -u 10.7.0.102:5000 -r 10.7.0.11:5000 -m -w 1', // echoed reply matches "01 0x"
  '-a -u 10.7.0.102:5000 -r 10.7.0.11:5002 -m -w 1', // no reply, no ICMP error, no require_reply
  '-A -u 10.7.0.103:53 -s rr',
  '-a -u 10.7.0.103:53 -r 10.7.0.10:53 -m -w 1', // AAAA www.example.com: NOERROR
  '-a -u 10.7.0.103:53 -r 10.7.0.11:53 -m -w 1', // SOA of ".": NOERROR
];

t.test('checkers: vipd programs what keepalived 2.2.7 programs', async (t) => {
  if (!requireEnv(t, { root: true, uml: true, commands: ['ipvsadm', 'ip', 'keepalived'] })) return;
  const r = await runInUml('dist/test/fixtures/uml-checkers.js', { timeoutMs: 260_000, memMb: 768 });
  t.comment(`UML run ${r.totalMs} ms`);
  const by = new Map<string, Record<string, any>>();
  for (const line of r.output.split('\n')) if (line.startsWith('{')) { const j = JSON.parse(line); by.set(j.step, j); }
  t.equal(r.code, 0, 'fixture ran to the end', { output: r.output.slice(-6000), initLog: r.initLog });
  const oracle = by.get('oracle') ?? {};
  t.strictSame(oracle.keepalived, EXPECTED, 'keepalived programs what keepalived.conf(5) says', { log: by.get('keepalived-stopped')?.log });
  t.strictSame(oracle.vipd, oracle.keepalived, 'vipd programs the same table', { log: by.get('vipd-stopped')?.log });
  const changed = by.get('track-file-changed') ?? {};
  t.strictSame(changed.vipd, changed.keepalived, 'a changed track file: the same new weight');
  t.ok((changed.vipd ?? []).includes('-a -t 10.7.0.100:80 -r 10.7.0.10:82 -m -w 6'), 'value -2 x 2 + 10');
  t.same(by.get('vipd-stopped')?.table, [], 'vipd stopped: its services are gone');

  const notify = by.get('notify') ?? {};
  t.strictSame(notify.keepalived, ['down 82', 'down 84', 'up 83'], 'keepalived: the transitions, and an alpha server\'s first failure');
  t.strictSame(notify.vipd, notify.keepalived, 'vipd runs the same notify_up / notify_down');
  const init = by.get('notify-init') ?? {};
  t.strictSame(init.keepalived, ['down 82', 'down 84', 'up 80', 'up 81', 'up 82', 'up 83', 'up 85'], 'rs_init_notifies: notify_up at start for every server that starts up');
  t.strictSame(init.vipd, init.keepalived, 'vipd too');

  const hang = by.get('hang') ?? {};
  const samples = (hang.samples ?? []) as Array<{ fds: number; children: number; sleepers: number; kinds?: Record<string, number> }>;
  t.ok(samples.length >= 10, 'sampled');
  t.ok(samples.every((s) => s.sleepers <= 1), `a hanging MISC_CHECK never runs twice at once (${samples.map((s) => s.sleepers).join(' ')})`);
  t.ok(samples.every((s) => s.children <= 1), `at most the one script as child (${samples.map((s) => s.children).join(' ')})`);
  const fds = samples.map((s) => s.fds);
  t.ok(Math.max(...fds) < 64, `open fds stay bounded with 10 checkers that never get an answer (${fds.join(' ')})`, { kinds: samples.filter((s) => s.kinds).map((s) => s.kinds) });
  t.ok(Math.max(...fds.slice(-4)) <= Math.max(...fds.slice(0, 6)) + 8, 'and do not grow');
  t.ok((hang.log ?? []).some((l: string) => /10\.7\.0\.10:80 .* is down: killed by SIGTERM after a 1000 ms timeout/.test(l)), 'the script is killed at misc_timeout');
  const scripts = hang.scripts ?? {};
  t.ok(scripts.timedOut >= 3 && scripts.timedOut <= scripts.started, `every timed-out run is counted in vipd status (${JSON.stringify(scripts)})`);
  t.ok(scripts.running <= 1, 'one run at a time');
  t.strictSame(hang.table, ['-A -t 10.7.0.110:80 -s rr', '-A -u 10.7.0.111:53 -s rr'], 'every silent target is down');
  t.equal(hang.sleepersAfterStop, 0, 'no script outlives vipd');
  t.ok(by.has('done'));
});
