// The daemon's IPVS side against a fake host (test/helpers/daemon-fakes.ts): lvs_sync_daemon
// follows its VRRP instance in keepalived's order, lvs_timeouts are set and put back, quorum
// scripts run, ha_suspend pauses checkers, the background audit repairs drift, and a reload of
// 10,000 virtual servers with one weight changed sends one SET_DEST and reads nothing.
import t from 'tap';
import { performance } from 'node:perf_hooks';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryConfigFs, parseKeepalivedConfig, type VipdConfig } from '../../src/config/index.js';
import * as C from '../../src/ipvs/constants.js';
import type { ProbeRunner } from '../../src/ipvs/index.js';
import { captureLogger, fakeHost, settle, type FakeHost } from '../helpers/daemon-fakes.js';

function conf(text: string): VipdConfig {
  return parseKeepalivedConfig(text, { file: '/k/keepalived.conf', fs: new MemoryConfigFs({}) }).config;
}

const INSTANCE = `vrrp_instance VI {
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 1
  virtual_ipaddress {
    10.1.1.10/24
  }
}
`;

function daemon(host: FakeHost, opts: { vrrpOnly?: boolean; checkOnly?: boolean } = {}) {
  const cap = captureLogger();
  return { d: new Daemon(cap.log, { logDetail: false, vrrpOnly: opts.vrrpOnly ?? false, checkOnly: opts.checkOnly ?? false }, host.deps), ...cap };
}

async function takeOver(host: FakeHost): Promise<void> {
  host.clock.advance(5000);
  await settle();
}

/** The daemon commands sent since `from`: "start backup 5", "stop master"... */
function daemonCommands(host: FakeHost, from = 0): string[] {
  return host.ipvs.commands.slice(from).flatMap((c) => {
    if (c.cmd === C.IPVS_CMD_DEL_DAEMON) return [`stop ${c.attrs.readUInt32LE(8) === 1 ? 'master' : 'backup'}`];
    if (c.cmd !== C.IPVS_CMD_NEW_DAEMON) return [];
    const state = c.attrs.readUInt32LE(8) === 1 ? 'master' : 'backup';
    return [`start ${state}`];
  });
}
const running = (host: FakeHost) => [...host.ipvs.daemons.values()].map((d) => `${d.state} ${d.interface} ${d.syncId}`).sort();

t.test('lvs_sync_daemon: backup at start, master while MASTER, the old role stopped first, stopped at exit', async (t) => {
  const host = fakeHost();
  const { d, problems } = daemon(host);
  await d.start(conf(`global_defs {\n  lvs_sync_daemon eth0 VI maxlen 1300 port 9001 ttl 2\n}\n${INSTANCE}`));
  await settle();
  t.same(daemonCommands(host), ['start backup'], 'BACKUP at start: the backup daemon');
  t.same(running(host), ['backup eth0 51'], 'sync id: the instance\'s VRID');
  t.match([...host.ipvs.daemons.values()][0], { maxLen: 1300, port: 9001, ttl: 2 });
  let n = host.ipvs.commands.length;
  await takeOver(host);
  t.equal(host.router().instance('VI')?.state, 'master');
  t.same(daemonCommands(host, n), ['stop backup', 'start master'], 'MASTER: stop the backup daemon, then start the master daemon');
  t.same(running(host), ['master eth0 51']);
  t.match(d.metrics().find((f) => f.name === 'vipd_ipvs_sync_daemon')?.samples, [{ labels: { state: 'master' }, value: 1 }, { labels: { state: 'backup' }, value: 0 }]);
  n = host.ipvs.commands.length;
  host.router().setTracked('VI', 'test', false, 0);
  await settle();
  t.equal(host.router().instance('VI')?.state, 'fault');
  t.same(daemonCommands(host, n), ['stop master', 'start backup'], 'FAULT: back to the backup daemon');
  host.router().setTracked('VI', 'test', true, 0);
  await takeOver(host);
  t.same(running(host), ['master eth0 51'], 'MASTER again');
  // A reload with other settings restarts the daemon; an unchanged one leaves it alone.
  n = host.ipvs.commands.length;
  await d.reload(conf(`global_defs {\n  lvs_sync_daemon eth0 VI maxlen 1300 port 9001 ttl 2\n}\n${INSTANCE}`));
  t.same(daemonCommands(host, n), [], 'unchanged: nothing');
  await d.reload(conf(`global_defs {\n  lvs_sync_daemon eth0 VI id 9\n}\n${INSTANCE}`));
  t.same(daemonCommands(host, n), ['stop master', 'start master']);
  t.same(running(host), ['master eth0 9']);
  n = host.ipvs.commands.length;
  await d.stop();
  t.same(daemonCommands(host, n), ['stop master'], 'stopped at exit');
  t.same(running(host), []);
  t.same(problems(), []);
});

t.test('lvs_sync_daemon: without an instance both daemons run; removed by a reload they stop; --vrrp runs it, --check does not', async (t) => {
  const host = fakeHost();
  const { d, problems } = daemon(host);
  await d.start(conf(`global_defs {\n  lvs_sync_daemon eth0 id 3\n}\n${INSTANCE}`));
  t.same(running(host), ['backup eth0 3', 'master eth0 3'], 'keepalived.conf(5): both, as long as vipd runs');
  await takeOver(host);
  t.same(running(host), ['backup eth0 3', 'master eth0 3'], 'whatever the VRRP state');
  await d.reload(conf(INSTANCE));
  t.same(running(host), [], 'lvs_sync_daemon removed: stopped (keepalived 2.2.7 leaves it running)');
  await d.stop();
  t.same(problems(), []);

  const vrrp = fakeHost();
  const v = daemon(vrrp, { vrrpOnly: true });
  await v.d.start(conf(`global_defs {\n  lvs_sync_daemon eth0 VI\n}\n${INSTANCE}`));
  t.same(running(vrrp), ['backup eth0 51'], '--vrrp: the sync daemon is VRRP\'s');
  await v.d.stop();
  const check = fakeHost();
  const c = daemon(check, { checkOnly: true });
  await c.d.start(conf(`global_defs {\n  lvs_sync_daemon eth0 VI\n}\n${INSTANCE}`));
  t.same(running(check), [], '--check: no sync daemon');
  await c.d.stop();

  // A daemon found running with other settings (a previous run) is replaced; a bad interface is logged.
  const left = fakeHost();
  left.ipvs.daemons.set('backup', { state: 'backup', interface: 'eth0', syncId: 77 });
  const l = daemon(left);
  await l.d.start(conf(`global_defs {\n  lvs_sync_daemon eth0 VI\n}\n${INSTANCE}`));
  t.same(running(left), ['backup eth0 51'], 'the leftover daemon replaced');
  await l.d.stop();
  const bad = fakeHost();
  const b = daemon(bad);
  await b.d.start(conf(`global_defs {\n  lvs_sync_daemon eth9 VI\n}\n${INSTANCE}`));
  t.match(b.problems().map((p) => p.msg), [/IPVS sync daemon: IPVS startDaemon backup sync daemon on eth9: no such interface \(ENODEV\)/]);
  await b.d.stop();
});

const VS = (extra = '', rs = ['10.1.1.21', '10.1.1.22']) => `virtual_server 10.1.1.10 80 {
  delay_loop 1
  protocol TCP
  lb_kind NAT
${extra}
${rs.map((a) => `  real_server ${a} 80 {\n    TCP_CHECK {\n      connect_timeout 1\n      warmup 0\n    }\n  }`).join('\n')}
}
`;

t.test('lvs_timeouts: set at start (unset ones keep their start value), again on reload, put back at stop', async (t) => {
  const host = fakeHost();
  const { d, problems } = daemon(host);
  await d.start(conf(`global_defs {\n  lvs_timeouts tcp 700 udp 200\n}\n${VS()}`));
  t.same(host.ipvs.timeouts, { tcp: 700, tcpFin: 120, udp: 200 });
  await d.reload(conf(`global_defs {\n  lvs_timeouts tcp 800 tcpfin 30\n}\n${VS()}`));
  t.same(host.ipvs.timeouts, { tcp: 800, tcpFin: 30, udp: 300 }, 'udp dropped from the config: the start value again (keepalived)');
  const n = host.ipvs.commands.length;
  await d.reload(conf(`global_defs {\n  lvs_timeouts tcp 800 tcpfin 30\n}\n${VS()}`));
  t.equal(host.ipvs.commands.slice(n).filter((c) => c.cmd === C.IPVS_CMD_SET_CONFIG).length, 0, 'unchanged: not sent again');
  await d.stop();
  t.same(host.ipvs.timeouts, { tcp: 900, tcpFin: 120, udp: 300 }, 'stop: the values found at start');
  t.same(problems(), []);
  const vrrp = fakeHost();
  const v = daemon(vrrp, { vrrpOnly: true });
  await v.d.start(conf(`global_defs {\n  lvs_timeouts tcp 700\n}\n${INSTANCE}`));
  t.same(vrrp.ipvs.timeouts, { tcp: 900, tcpFin: 120, udp: 300 }, '--vrrp: the timeouts belong to the checkers');
  await v.d.stop();
});

/** Probes answered from a table (address -> up), counted. */
function probes(host: FakeHost, up: Map<string, boolean>): { calls: string[] } {
  const calls: string[] = [];
  const probe: ProbeRunner = async (_c, target) => {
    calls.push(target.address);
    return up.get(target.address) ?? false ? { ok: true } : { ok: false, reason: 'refused' };
  };
  host.deps.ipvsProbe = probe;
  return { calls };
}
const dests = (host: FakeHost, key = 'tcp:10.1.1.10:80') => [...(host.ipvs.table.get(key)?.dests.values() ?? [])].map((x) => `${x.address}:${x.port} w${x.weight}`).sort();

t.test('quorum_up at start and on regaining, quorum_down on loss and, with omega, at stop; sorry_server_inhibit', async (t) => {
  const host = fakeHost();
  const up = new Map([['10.1.1.21', true], ['10.1.1.22', true]]);
  probes(host, up);
  const { d, problems } = daemon(host);
  await d.start(conf(VS('  quorum 2\n  omega\n  quorum_up "/bin/up 1"\n  quorum_down "/bin/down 1"\n  sorry_server 10.1.1.99 8080\n  sorry_server_inhibit')));
  await settle();
  t.same(host.notifies, [['/bin/up', '1']], 'the quorum holds at start: quorum_up runs (keepalived)');
  t.same(dests(host), ['10.1.1.21:80 w1', '10.1.1.22:80 w1', '10.1.1.99:8080 w0'], 'sorry_server_inhibit: the sorry server waits at weight 0');
  up.set('10.1.1.22', false);
  host.clock.advance(1000); // the failed check
  await settle();
  host.clock.advance(1000); // its retry
  await settle();
  t.same(host.notifies, [['/bin/up', '1'], ['/bin/down', '1']], 'lost: quorum_down');
  t.same(dests(host), ['10.1.1.99:8080 w1'], 'the sorry server alone, at weight 1');
  up.set('10.1.1.22', true);
  host.clock.advance(1000);
  await settle();
  t.same(host.notifies.at(-1), ['/bin/up', '1'], 'regained: quorum_up');
  t.same(dests(host), ['10.1.1.21:80 w1', '10.1.1.22:80 w1', '10.1.1.99:8080 w0']);
  await d.stop();
  t.same(host.notifies.at(-1), ['/bin/down', '1'], 'omega: quorum_down at stop');
  t.same(problems().filter((p) => !/lost its quorum|is down/.test(String(p.msg))), []);

  // alpha: the real servers start down, so there is no quorum and no script at start.
  const a = fakeHost();
  probes(a, new Map([['10.1.1.21', true]]));
  const da = daemon(a);
  await da.d.start(conf(VS('  alpha\n  quorum_up "/bin/up"\n  quorum_down "/bin/down"', ['10.1.1.21'])));
  await settle();
  t.same(a.notifies, [], 'alpha: no quorum yet, and no quorum_down for it');
  t.same(dests(a), []);
  a.clock.advance(10);
  await settle();
  t.same(a.notifies, [['/bin/up']], 'the first success brings the quorum');
  await da.d.stop();
  t.same(a.notifies, [['/bin/up']], 'no omega: no quorum_down at stop');
});

t.test('ha_suspend: no check while the address is not local; the real servers keep their state', async (t) => {
  const host = fakeHost();
  const { calls } = probes(host, new Map());
  let publish: (s: ReadonlySet<string>) => void = () => undefined;
  host.deps.watchLocalAddresses = (onChange) => {
    publish = onChange;
    onChange(new Set(['10.1.1.1']));
    return { close: () => undefined };
  };
  const { d } = daemon(host);
  await d.start(conf(VS('  ha_suspend')));
  await settle();
  host.clock.advance(3000);
  await settle();
  t.same(calls, [], 'the VIP is not local: no check');
  t.same(dests(host), ['10.1.1.21:80 w1', '10.1.1.22:80 w1'], 'the service is programmed, real servers as they started');
  publish(new Set(['10.1.1.1', '10.1.1.10']));
  host.clock.advance(0);
  await settle();
  t.equal(calls.length, 2, 'local: both checked at once');
  host.clock.advance(1000); // the retries fail too
  await settle();
  t.same(dests(host), [], 'both fail (no answer): removed');
  publish(new Set(['10.1.1.1']));
  await settle();
  const made = calls.length;
  host.clock.advance(5000);
  await settle();
  t.equal(calls.length, made, 'not local again: suspended');
  t.same(dests(host), [], 'state kept while suspended');
  await d.stop();
});

t.test('the background audit puts back what someone else changed, and counts it', async (t) => {
  const host = fakeHost();
  const { d, problems } = daemon(host);
  await d.start(conf(VS('', ['10.1.1.21', '10.1.1.22']).replace(/    TCP_CHECK \{\n      connect_timeout 1\n      warmup 0\n    \}\n/g, '')));
  await settle();
  t.same(dests(host), ['10.1.1.21:80 w1', '10.1.1.22:80 w1']);
  host.ipvs.table.get('tcp:10.1.1.10:80')!.dests.get('10.1.1.22:80')!.weight = 7; // ipvsadm -e by hand
  host.ipvs.table.get('tcp:10.1.1.10:80')!.dests.delete('10.1.1.21:80');
  host.clock.advance(31_000); // the first audit pass
  await settle();
  t.same(dests(host), ['10.1.1.21:80 w1', '10.1.1.22:80 w1'], 'put back');
  t.equal(d.metrics().find((f) => f.name === 'vipd_ipvs_drift_repaired_total')?.samples[0]?.value, 1, 'vipd_ipvs_drift_repaired_total');
  t.match(problems().map((p) => p.msg), [/1 service\(s\) changed by someone else, put back/]);
  await d.stop();
});

/** 10,000 virtual servers x 3 real servers; `weight` changes the second real server of `index`. */
function manyServers(n: number, change?: { index: number; weight: number }): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(`virtual_server 10.${100 + (i >> 16)}.${(i >> 8) & 0xff}.${i & 0xff} 80 {`, '  lb_algo rr', '  lb_kind NAT', '  protocol TCP');
    for (let r = 1; r <= 3; r++) out.push(`  real_server 10.9.${r}.${(i % 250) + 1} 8080 {`, `    weight ${change?.index === i && r === 2 ? change.weight : 1}`, '  }');
    out.push('}');
  }
  return out.join('\n');
}

t.test('reload at scale: one weight changed among 10,000 services sends one SET_DEST and no dump', async (t) => {
  const host = fakeHost();
  const { d, problems } = daemon(host, { checkOnly: true });
  await d.start(conf(manyServers(10_000)));
  t.equal(host.ipvs.table.size, 10_000);
  const changed = conf(manyServers(10_000, { index: 4321, weight: 5 }));
  const n = host.ipvs.commands.length;
  const t0 = performance.now();
  await d.reload(changed);
  const ms = performance.now() - t0;
  t.same(host.ipvs.commands.slice(n).map((c) => c.cmd), [C.IPVS_CMD_SET_DEST], 'the one SET_DEST; no GET_SERVICE, no GET_DEST');
  t.equal(host.ipvs.table.get('tcp:10.100.16.225:80')!.dests.get('10.9.2.72:8080')!.weight, 5);
  t.comment(`Daemon.reload of 10,000 virtual servers, planned and applied (config already parsed): ${ms.toFixed(0)} ms`);
  await d.stop();
  t.equal(host.ipvs.table.size, 0);
  t.same(problems(), []);
});

t.test('the open-file limit: raised for the checkers at start; a hard limit too low is warned with what happens', async (t) => {
  // Two TCP_CHECKs: one probe each plus the daemon's reserve of 512.
  const raised = fakeHost();
  raised.openFiles = { soft: 100, hard: 200, maxHard: 100_000 };
  probes(raised, new Map([['10.1.1.21', true], ['10.1.1.22', true]]));
  const a = daemon(raised);
  await a.d.start(conf(VS()));
  await settle();
  t.same([raised.openFiles.soft, raised.openFiles.hard], [514, 514], 'soft and hard raised to what the checkers need');
  t.match(a.lines.find((l) => /^open files:/.test(String(l.msg))), { level: 20, msg: 'open files: limit 100 (hard 200) -> 514 (hard 514) for 2 checkers (start)' }, 'said at debug');
  t.same(a.problems(), []);
  await a.d.stop();

  const refused = fakeHost();
  refused.openFiles = { soft: 100, hard: 300, maxHard: 300 };
  probes(refused, new Map([['10.1.1.21', true], ['10.1.1.22', true]]));
  const b = daemon(refused);
  await b.d.start(conf(VS()));
  await settle();
  t.same([refused.openFiles.soft, refused.openFiles.hard], [300, 300], 'the hard limit refused: the soft one up to it');
  t.match(b.problems().map((l) => l.msg), [/open-file limit 300 \(hard 300\) is below the 514 that 2 checkers and the daemon may hold \(raising the hard limit: setrlimit EPERM.*CAP_SYS_RESOURCE\) at start: at most 64 probes are open at once; the checkers fit/]);
  t.same(dests(refused), ['10.1.1.21:80 w1', '10.1.1.22:80 w1'], 'the checkers run all the same');
  await b.d.stop();

  const none = fakeHost();
  none.openFiles = { soft: 100, hard: 200, maxHard: 100_000 };
  const c = daemon(none);
  await c.d.start(conf(VS('', []).replace('delay_loop 1', 'delay_loop 1\n  real_server 10.1.1.21 80 {\n  }')));
  await settle();
  t.same([none.openFiles.soft, none.openFiles.hard], [100, 200], 'no checkers: the limit is left alone');
  await c.d.stop();
});

const rsList = (n: number) => Array.from({ length: n }, (_, i) => `10.1.${2 + Math.floor(i / 250)}.${(i % 250) + 1}`);

t.test('the open-file limit on reload: raised again for added checkers before they start, never lowered; a refusal warned once per reload with the checkers that may wait', async (t) => {
  const host = fakeHost();
  host.openFiles = { soft: 600, hard: 4096, maxHard: 4096 };
  probes(host, new Map());
  const { d, problems, lines } = daemon(host);
  await d.start(conf(VS('', rsList(2))));
  await settle();
  t.same([host.openFiles.soft, host.openFiles.hard], [600, 4096], 'start: 2 checkers need 514, the limit is enough and not lowered');
  const sets: string[] = [];
  const ops = host.deps.openFiles!;
  host.deps.openFiles = { get: ops.get, set: (l) => { sets.push(`${l.soft}/${l.hard}`); ops.set(l); } };

  await d.reload(conf(VS('', rsList(1000))));
  await settle();
  t.same([host.openFiles.soft, host.openFiles.hard], [1512, 4096], 'reload to 1,000 checkers: the soft limit up to 1,000 + 512');
  t.match(lines.find((l) => /for 1000 checkers \(reload\)/.test(String(l.msg))), { level: 20 }, 'said at debug');
  t.same(problems(), []);

  await d.reload(conf(VS('', rsList(10))));
  await settle();
  t.same([host.openFiles.soft, host.openFiles.hard], [1512, 4096], 'fewer checkers: not lowered');
  t.same(sets, ['1512/4096'], 'one setrlimit in all');

  await d.reload(conf(VS('', rsList(5000))));
  await settle();
  t.same([host.openFiles.soft, host.openFiles.hard], [4096, 4096], 'hard limit refused: the soft one up to it');
  const warned = problems().filter((l) => /open-file limit/.test(String(l.msg)));
  t.equal(warned.length, 1, 'warned once for the reload');
  t.match(String(warned[0]?.msg), /^open-file limit 4096 \(hard 4096\) is below the 5512 that 5000 checkers and the daemon may hold \(raising the hard limit: setrlimit EPERM.*CAP_SYS_RESOURCE\) at reload: at most 3584 probes are open at once; 1416 of the 5000 checkers may find no room at once: their checks wait/);
  await d.stop();
});
