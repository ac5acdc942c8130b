// The bench's tooling without running a bench: its command line (parse, defaults from the
// machine, the printed re-run command), the configs it generates, what it reads back from the
// kernel and from the real servers, and the pure pieces of the modes (setups, placements).
import t from 'tap';
import { BenchUsageError, commandLine, parseBenchArgs, usage, type BenchEnv } from '../../bench/lib/options.js';
import { countIpvsEntries, realServerAddress, renderRestoreFile, renderVirtualServers, serviceAddress } from '../../bench/lib/lvs-conf.js';
import { CheckLog } from '../../bench/lib/check-log.js';
import { fmtSpread, spread } from '../../bench/lib/stats.js';
import { implOf, unsupported, boundOf } from '../../bench/failover.js';
import { INTERVALS, renderKeepalivedConf } from '../../bench/lib/conf.js';
import { parseScenario, placeInstance } from '../../bench/soak.js';
import { takeoverOnWire, type WireAdvert, type WireGarp } from '../../bench/lib/wire.js';
import { Progress } from '../../bench/lib/progress.js';
import { ProcSampler } from '../../bench/lib/proc-sampler.js';
import { counterDelta, listenCounters, parseNetstat } from '../../bench/lib/netstat.js';
import { macvlanName, parseFrrStateLine, renderFrrVrrpConf, virtualMac } from '../../src/lab/frr.js';

const env: BenchEnv = { installed: ['vipd', 'keepalived', 'frr'], capSysNice: true };

t.test('options: defaults per mode, some from the machine', async (t) => {
  const f = parseBenchArgs(['failover'], env);
  t.equal(f.mode, 'failover');
  t.same(f.opts.setups, ['vipd', 'keepalived', 'frr'], 'every installed implementation');
  t.same(f.opts.intervals, ['v3-100ms', 'v3-10ms']);
  t.same(f.opts.faults, ['cut', 'graceful']);
  t.same(parseBenchArgs(['failover'], { installed: ['vipd'], capSysNice: false }).opts.setups, ['vipd'], 'only what is installed');
  t.equal(parseBenchArgs(['soak'], env).opts['rt-priority'], 50, 'SCHED_RR when the bench may set it');
  t.equal(parseBenchArgs(['soak'], { ...env, capSysNice: false }).opts['rt-priority'], 0);
  t.same(parseBenchArgs(['ipvs'], env).opts.sizes, [1000, 10000]);
  t.equal(parseBenchArgs(['ipvs'], env).opts.ipvsadm, true);
});

t.test('options: values, lists, booleans, errors', async (t) => {
  const p = parseBenchArgs(['ipvs', '--sizes', '100,2_000', '--window=12', '--no-ipvsadm', '--checks', 'tcp'], env);
  t.same(p.opts.sizes, [100, 2000]);
  t.equal(p.opts.window, 12);
  t.equal(p.opts.ipvsadm, false);
  t.same(p.opts.checks, ['tcp']);
  t.equal(parseBenchArgs(['ipvs', '--ipvsadm', 'false'], env).opts.ipvsadm, false);
  t.same(parseBenchArgs(['failover', '--setups', 'vipd+keepalived,mix,frr+vipd+keepalived'], env).opts.setups, ['vipd+keepalived', 'mix', 'frr+vipd+keepalived']);
  const bad: Array<[string[], RegExp]> = [
    [['nope'], /unknown mode "nope"/],
    [['ipvs', '--bogus', '1'], /unknown option --bogus for ipvs/],
    [['ipvs', '--window'], /--window needs a value/],
    [['ipvs', '--window', 'soon'], /"soon" is not a number/],
    [['ipvs', '--repeats', '0'], /at least 1/],
    [['ipvs', '--sizes', '1.5'], /not an integer/],
    [['failover', '--faults', 'cut,meteor'], /unknown "meteor"/],
    [['failover', '--setups', 'vipd+'], /does not read as/],
    [['soak', '--scenarios', '1000@100ms'], /does not read as/],
    [['idle', 'extra'], /unexpected argument "extra"/],
    [['ipvs', '--toString', '1'], /unknown option --toString/],
  ];
  for (const [argv, re] of bad) t.throws(() => parseBenchArgs(argv, env), { constructor: BenchUsageError, message: re }, argv.join(' '));
  t.ok(parseBenchArgs(['--help'], env).help);
  t.ok(parseBenchArgs(['soak', '--help'], env).help);
  t.match(usage('vipd bench'), /soak: .*\n.*--minutes/);
});

t.test('options: the printed command re-runs the same thing', async (t) => {
  const p = parseBenchArgs(['soak', '--minutes', '0.5', '--setups', 'vipd'], env);
  const cmd = commandLine('vipd bench', p.mode, { ...p.opts, out: undefined });
  t.equal(cmd, 'vipd bench soak --minutes 0.5 --scenarios 1000x100ms,100x10ms --routers 2 --setups vipd --load-factor 2 --rt-priority 50');
  const again = parseBenchArgs(cmd.split(' ').slice(2), { installed: ['vipd'], capSysNice: false });
  t.same(again.opts, { ...p.opts }, 'parsing it on another machine gives the same options (defaults spelled out)');
  t.equal(commandLine('x', 'ipvs', { ...parseBenchArgs(['ipvs', '--no-ipvsadm'], env).opts }).includes('--no-ipvsadm'), true);
  t.equal(commandLine('x', 'config', { sizes: [1], repeats: 1, setups: ['vipd'], out: '/tmp/a b' }), "x config --sizes 1 --repeats 1 --setups vipd --out '/tmp/a b'");
});

t.test('lvs-conf: one table for keepalived.conf and ipvsadm -R', async (t) => {
  const conf = renderVirtualServers({ services: 2, dests: 2, check: { delayLoop: 6, connectTimeout: 3 }, changed: { service: 1, dest: 1, weight: 7 } });
  t.equal((conf.match(/^virtual_server /gm) ?? []).length, 2);
  t.equal((conf.match(/TCP_CHECK/g) ?? []).length, 4);
  t.match(conf, /virtual_server 10\.200\.0\.1 80 \{\n {4}delay_loop 6\n {4}lb_algo rr\n {4}lb_kind DR/);
  t.match(conf, /real_server 10\.2\.0\.1 80 \{\n {8}weight 7/);
  t.equal(renderRestoreFile({ services: 1, dests: 2 }), '-A -t 10.200.0.0:80 -s rr\n-a -t 10.200.0.0:80 -r 10.1.0.0:80 -g -w 1\n-a -t 10.200.0.0:80 -r 10.2.0.0:80 -g -w 1\n');
  t.equal(serviceAddress(70_000), '10.201.17.112');
  t.equal(realServerAddress(70_000, 2), '10.3.17.112');
  t.throws(() => renderVirtualServers({ services: 1, dests: 4 }), /at most 3/);
});

t.test('countIpvsEntries reads /proc/net/ip_vs', async (t) => {
  // As Linux 6.1 prints it (UML run of the bench).
  const text = [
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port Forward Weight ActiveConn InActConn',
    'TCP  0AC80001:0050 rr ',
    '  -> 0A030001:0050      Route   1      0          0         ',
    '  -> 0A020001:0050      Route   1      0          0         ',
    'UDP  0AC80002:0035 wlc ',
    'FWM  00000001 rr ',
    '  -> 0A010002:0000      Masq    2      0          0         ',
    '',
  ].join('\n');
  t.same(countIpvsEntries(text), { services: 3, destinations: 3 });
  t.same(countIpvsEntries('IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n'), { services: 0, destinations: 0 });
});

t.test('CheckLog: intervals per real server, stale ones at the report', async (t) => {
  const log = new CheckLog();
  for (const [addr, at] of [['10.1.0.1', 0], ['10.1.0.2', 1000], ['10.1.0.1', 6000], ['10.1.0.2', 8000], ['10.1.0.1', 12_000]] as const) log.record(addr, at);
  const r = log.report(13_000, 9000);
  t.equal(r.addresses, 2);
  t.equal(r.connections, 5);
  t.same(r.intervalMs, { n: 3, median: 6000, p99: 7000, max: 7000 });
  t.equal(r.stale, 0);
  t.equal(log.report(18_000, 9000).stale, 1, '10.1.0.2 last seen 10 s before');
  t.equal(r.spanMs, 12_000);
  log.reset();
  t.same(log.report(0, 1).addresses, 0);
});

t.test('spread: median and range', async (t) => {
  t.same(spread([3, 1, NaN, 2]), { n: 3, median: 2, min: 1, max: 3 });
  t.equal(fmtSpread(spread([1, 2, 3]), (x) => x.toFixed(0)), '2 (1..3)');
  t.equal(fmtSpread(spread([5]), (x) => x.toFixed(0)), '5');
  t.equal(fmtSpread(spread([])), '-');
});

t.test('failover setups: one implementation per router, FRR limits', async (t) => {
  t.same([0, 1, 2].map((i) => implOf('vipd+keepalived', i)), ['vipd', 'keepalived', 'vipd']);
  t.same([0, 1, 2].map((i) => implOf('mix', i)), ['vipd', 'keepalived', 'vipd']);
  t.same([0, 1, 2].map((i) => implOf('frr', i)), ['frr', 'frr', 'frr']);
  const v2 = INTERVALS.find((i) => i.name === 'v2-1s')!;
  const v3 = INTERVALS.find((i) => i.name === 'v3-100ms')!;
  t.match(unsupported('keepalived+frr', 3, v2), /VRRPv3 only/);
  t.equal(unsupported('keepalived+frr', 3, v3, 'tracking'), undefined, 'r1 keepalived tracks its script; FRR backups preempt');
  t.match(unsupported('frr+vipd', 3, v3, 'tracking'), /vrrp_script/);
  t.equal(boundOf(v3, 'cut').ms, 300 + (156 * 100) / 256);
  t.equal(boundOf(v3, 'graceful').name, 'Skew_Time');
});

t.test('wire takeover by source address (FRR routers share the virtual MAC)', async (t) => {
  const vmac = virtualMac(51);
  const adv = (time: number, srcIp: string, priority = 150): WireAdvert => ({ time, srcMac: vmac, srcIp, vrid: 51, priority });
  const adverts = [adv(900, '10.1.1.10'), adv(1000, '10.1.1.10'), adv(1361, '10.1.1.11', 100), adv(1461, '10.1.1.11', 100)];
  const garps: WireGarp[] = [{ time: 1362, senderMac: vmac, ip: '10.1.1.100' }];
  const w = takeoverOnWire({ adverts, garps }, { fault: 1010, until: 3000, oldIp: '10.1.1.10', newIp: '10.1.1.11', newGarpMac: vmac, vrid: 51, vip: '10.1.1.100', kind: 'cut', basePriority: 150 });
  t.same(w, { reference: 1000, firstAdvert: 1361, firstGarp: 1362 });
});

t.test('soak: instances spread over LANs of 250 VRIDs', async (t) => {
  t.same(placeInstance(1), { iface: 'eth0', vrid: 1, vip: '10.250.0.1', name: 'VI_1' });
  t.same(placeInstance(251), { iface: 'eth1', vrid: 1, vip: '10.250.0.251', name: 'VI_251' });
  t.same(placeInstance(1000), { iface: 'eth3', vrid: 250, vip: '10.250.3.232', name: 'VI_1000' });
  t.same(parseScenario('100x10ms'), { instances: 100, intervalMs: 10 });
  t.throws(() => parseScenario('100x15ms'), /multiple of 10/);
  const conf = renderKeepalivedConf({ name: 'v3-100ms', version: 3, advertMs: 100 }, [{ name: 'VI_251', vrid: 1, iface: 'eth1', priority: 150, vips: ['10.250.0.251'] }], { globalDefs: ['vrrp_rt_priority 50'] });
  t.match(conf, /global_defs \{[^}]*vrrp_rt_priority 50\n\}/);
  t.match(conf, /interface eth1\n {4}virtual_router_id 1\n {4}priority 150\n {4}advert_int 0\.1\n/);
});

t.test('FRR: macvlan, virtual MAC, vrrpd config and state lines', async (t) => {
  t.equal(virtualMac(51), '00:00:5e:00:01:33');
  t.equal(virtualMac(255, 6), '00:00:5e:00:02:ff');
  t.equal(macvlanName(2, 51), 'vrrp4-2-51');
  t.equal(renderFrrVrrpConf('eth0', [{ vrid: 51, priority: 150, advertMs: 100, vips: ['10.77.0.200/24'] }]),
    'interface eth0\n vrrp 51 version 3\n vrrp 51 priority 150\n vrrp 51 advertisement-interval 100\n vrrp 51 ip 10.77.0.200\n');
  t.match(renderFrrVrrpConf('eth0', [{ vrid: 1, priority: 100, advertMs: 10, vips: [], preempt: false }]), / no vrrp 1 preempt\n/);
  t.throws(() => renderFrrVrrpConf('eth0', [{ vrid: 1, priority: 100, advertMs: 15, vips: [] }]), /multiple of 10/);
  // Lines as vrrpd 8.4.4 writes them with --log stdout.
  t.same(parseFrrStateLine('2026/12/01 23:17:41 VRRP: [W23ZH-NY264] [CORE] [VRID 51] [IPv4] Backup -> Master'), { vrid: 51, family: 4, from: 'backup', to: 'master' });
  t.same(parseFrrStateLine('2026/12/01 23:17:55 VRRP: [W23ZH-NY264] [CORE] [VRID 51] [IPv4] Master -> Initialize'), { vrid: 51, family: 4, from: 'master', to: 'init' });
  t.equal(parseFrrStateLine('2026/12/01 23:17:40 VRRP: [P485H-A79BW] [CORE] [VRID 51] [IPv6] Refusing to start Virtual Router: No VRRP interface'), undefined);
});

t.test('progress: one rewritten line on a terminal, a plain line now and then elsewhere', async (t) => {
  const sink = () => {
    const chunks: string[] = [];
    return { chunks, stream: { write: (s: string) => { chunks.push(s); return true; } } as unknown as NodeJS.WritableStream };
  };
  const tty = sink();
  const p = new Progress(tty.stream, { tty: true });
  p.update('a 1/3');
  p.update('a 2/3');
  p.line('a done');
  t.same(tty.chunks, ['\r\x1b[Ka 1/3', '\r\x1b[Ka 2/3', '\r\x1b[K', 'a done\n']);
  let now = 0;
  const log = sink();
  const q = new Progress(log.stream, { tty: false, plainEveryMs: 10_000, now: () => now });
  q.update('b 1');
  now = 5000;
  q.update('b 2');
  now = 10_000;
  q.update('b 3');
  q.line('b done');
  t.same(log.chunks, ['... b 1\n', '... b 3\n', 'b done\n']);
});

t.test('ProcSampler: CPU of a changing set of processes never steps back', async (t) => {
  let pids = [process.pid];
  const s = new ProcSampler(() => pids);
  s.start();
  const until = performance.now() + 60;
  while (performance.now() < until) { /* burn */ }
  t.ok(s.sample() > 10, 'this process used CPU');
  pids = [2 ** 22 + 1]; // gone (above pid_max): it adds nothing, takes nothing away
  t.equal(s.sample(), 0);
  t.ok(s.stats().cpuPct > 0);
  t.same([...s.seen], [process.pid]);
  t.ok(s.stats().rssKbMax > 1000, 'RSS read from /proc');
});

t.test('netstat: the real servers\' TCP counters from /proc/net/snmp and /proc/net/netstat', async (t) => {
  const text = 'Ip: Forwarding DefaultTTL\nIp: 1 64\nTcp: RtoAlgorithm ActiveOpens PassiveOpens\nTcp: 1 5 1234\n' +
    'TcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 0 17 19\nIpExt: InNoRoutes\nIpExt: 0\n';
  const c = listenCounters(parseNetstat(text));
  t.same(c, { passiveOpens: 1234, listenOverflows: 17, listenDrops: 19 });
  t.same(counterDelta({ passiveOpens: 1000, listenOverflows: 10, listenDrops: 10 }, c), { passiveOpens: 234, listenOverflows: 7, listenDrops: 9 });
  t.ok(Number.isNaN(listenCounters(parseNetstat('')).passiveOpens), 'absent: NaN (shown as -)');
});
