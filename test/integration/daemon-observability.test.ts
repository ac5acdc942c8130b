// What an operator sees of a running vipd: SIGUSR1 writes a JSON state dump (file and log),
// `vipd status` answers JSON over the Unix socket, `--metrics host:port` serves Prometheus text.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { k0sFlags, renderK0sKeepalived, startVipd, VIPD } from '../helpers/daemon-lab.js';

t.test('SIGUSR1 dump, vipd status, Prometheus metrics', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['o1']);
  const n = lab.nodes[0]!;
  const vip = n.ipv4.replace(/\.\d+$/, '.230');
  const conf = join(lab.dir, 'keepalived.conf');
  writeFileSync(conf, renderK0sKeepalived({ instances: [{ interface: 'eth0', vrid: 71, authPass: 'obs', vips: [`${vip}/24`] }], virtualServers: false }));
  const dump = join(lab.dir, 'dump.json');
  const sock = join(lab.dir, 'vipd.sock');
  const port = 9650;
  const p = startVipd(n, [...k0sFlags(conf), '--dump-file', dump, '--metrics', `127.0.0.1:${port}`], { statusSocket: sock });
  await p.waitState('master', 10_000);

  await t.test('SIGUSR1 writes the state as JSON', async (t) => {
    p.signal('SIGUSR1');
    const logged = await p.waitLog((l) => l.msg === `state dumped to ${dump}`, 3000);
    const j = JSON.parse(readFileSync(dump, 'utf8')) as Record<string, any>;
    t.equal(j.pid, p.child.pid);
    t.same(j.config, { kind: 'keepalived', file: conf });
    t.equal(j.instances.length, 1);
    t.match(j.instances[0], { name: 'k0s-vip-0', vrid: 71, state: 'master', priority: 200, virtualAddresses: [`${vip}/24`], interface: 'eth0' });
    t.type(j.instances[0].timers.adverAt, 'number', 'timers are in the dump');
    t.ok(j.instances[0].stats.sentAdvertisements > 0, 'counters are in the dump');
    t.match(logged.state, { instances: [{ name: 'k0s-vip-0', state: 'master' }] }, 'and in the log');
  });

  await t.test('vipd status over the Unix socket', async (t) => {
    const r = await n.exec(['node', VIPD, 'status', '--status-socket', sock]);
    t.equal(r.code, 0, 'exit 0', { stderr: r.stderr });
    const j = JSON.parse(r.stdout) as Record<string, any>;
    t.match(j.instances, [{ name: 'k0s-vip-0', state: 'master', vrid: 71 }]);
    t.equal(j.ipvs, null, 'no virtual servers: no IPVS section');
    const none = await n.exec(['node', VIPD, 'status', '--status-socket', join(lab.dir, 'nope.sock')]);
    t.equal(none.code, 1, 'no daemon: exit 1');
    t.match(none.stderr, /vipd is not running \(no status socket at .*nope\.sock\)/);
  });

  await t.test('Prometheus endpoint', async (t) => {
    const get = async (path: string) => {
      const r = await n.exec(['node', '-e', `fetch('http://127.0.0.1:${port}${path}').then(async (r) => console.log(JSON.stringify({ status: r.status, type: r.headers.get('content-type'), body: await r.text() })))`]);
      if (r.code !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout) as { status: number; type: string; body: string };
    };
    const m = await get('/metrics');
    t.equal(m.status, 200);
    t.match(m.type, /^text\/plain; version=0\.0\.4/);
    for (const line of [
      '# TYPE vipd_vrrp_state gauge',
      'vipd_vrrp_state{instance="k0s-vip-0",state="master"} 1',
      'vipd_vrrp_state{instance="k0s-vip-0",state="backup"} 0',
      'vipd_vrrp_priority{instance="k0s-vip-0"} 200',
      'vipd_vrrp_master_transitions_total{instance="k0s-vip-0"} 1',
      'vipd_vrrp_drops_total{instance="k0s-vip-0",reason="authFailures"} 0',
    ]) t.ok(m.body.split('\n').includes(line), line);
    t.match(m.body, /^vipd_vrrp_adverts_sent_total\{instance="k0s-vip-0"\} [1-9]\d*$/m);
    t.match(m.body, /^vipd_vrrp_garp_sent_total\{instance="k0s-vip-0"\} [1-9]\d*$/m);
    // Every sample line is "name{labels} number": a scraper would reject anything else.
    for (const l of m.body.split('\n').filter((x) => x && !x.startsWith('#'))) {
      t.match(l, /^[a-z_]+(\{[^}]*\})? -?\d+(\.\d+)?(e[+-]?\d+)?$/, `well-formed: ${l}`);
    }
    t.equal((await get('/nope')).status, 404);
  });

  p.signal('SIGTERM');
  t.equal((await p.exited()).code, 0);
});
