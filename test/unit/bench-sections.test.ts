// Each mode's tables and charts come from its results alone (pure): given a small set of results
// they name every implementation and case, put the ratio where both ran, and draw the charts.
import t from 'tap';
import { configSections } from '../../bench/config.js';
import { continuityRows, continuitySections } from '../../bench/continuity.js';
import { failoverSections, summarizeScenarios, type TrialResult } from '../../bench/failover.js';
import { idleSections } from '../../bench/idle.js';
import { ipvsSections, type IpvsResult } from '../../bench/ipvs.js';
import { INTERVALS } from '../../bench/lib/conf.js';
import { soakSections } from '../../bench/soak.js';

t.test('config: start-up subtracted, ratio of the whole -t and of the parse', async (t) => {
  const s = configSections({ sizes: [10], repeats: 2, setups: ['vipd', 'keepalived'] }, [
    { impl: 'vipd', services: 0, rep: 1, ms: 800, maxRssKb: 61_000, code: 0 },
    { impl: 'keepalived', services: 0, rep: 1, ms: 50, maxRssKb: 10_000, code: 0 },
    { impl: 'vipd', services: 10, rep: 1, ms: 1000, maxRssKb: 70_000, code: 0 },
    { impl: 'vipd', services: 10, rep: 2, ms: 1200, maxRssKb: 72_000, code: 0 },
    { impl: 'keepalived', services: 10, rep: 1, ms: 70, maxRssKb: 11_000, code: 0 },
  ]);
  t.match(s[0]!.table, /10 x 3\s+vipd\s+1100 \(1000\.\.1200\)\s+300/);
  t.match(s[0]!.notes!.join('\n'), /vipd\/keepalived = 15\.7x \(whole -t\), 15\.0x \(parse\)/);
  t.equal(s[0]!.charts!.length, 2);
});

t.test('idle: a row per case and implementation, CPU of every second charted', async (t) => {
  const sample = (impl: string, c: string, cpu: number) => ({ impl, case: c, advertInt: 1, instances: 1, rep: 1, cpuPct: cpu, cpuSamples: [cpu, cpu], startCpuS: 0.5, windowAtS: 34, rssMb: 60, privateMb: 12, advertsPerS: 1, pids: impl === 'vipd' ? 1 : 2 });
  const s = idleSections({ advertInts: [1], warmupS: 8, windowS: 20, instances: 0, repeats: 1, setups: ['vipd', 'keepalived'] },
    [sample('vipd', '1 instance @ 1 s', 0.1), sample('keepalived', '1 instance @ 1 s', 0.01), { ...sample('vipd', '1 instance @ 1 s', 0), rep: 2, error: 'exited' }]);
  t.match(s[0]!.table, /1 instance @ 1 s\s+keepalived\s+0\.010\s+0\.50\s+60\.0\s+12\.0\s+1\.0\s+2/);
  t.match(s[0]!.notes!.join('\n'), /failed: vipd 1 instance @ 1 s #2: exited/);
  t.equal((s[0]!.charts![0]!.match(/<circle /g) ?? []).length, 4);
});

t.test('ipvs: start -> table per size and check, checkers, reload against ipvsadm -e', async (t) => {
  const r = (x: Partial<IpvsResult>): IpvsResult => ({ kind: 'result', rep: 1, case: 'program', impl: 'vipd', services: 10, dests: 3, check: 'none', ms: 1000, ...x });
  const checks = { addresses: 30, connections: 150, intervalMs: { n: 120, median: 6000, p99: 6100, max: 6200 }, stale: 0, oldestMs: 5000, spanMs: 30_000, expected: 30, staleAfterMs: 9000, neverChecked: 0 };
  const o = { sizes: [10], dests: 3, checks: ['none', 'tcp'] as Array<'none' | 'tcp'>, setups: ['vipd', 'keepalived'] as Array<'vipd' | 'keepalived'>, ipvsadm: true, windowS: 30, delayLoop: 6, connectTimeout: 3, reload: 10, pollMs: 200, repeats: 1 };
  const s = ipvsSections(o, [
    r({}), r({ impl: 'keepalived', ms: 500 }), r({ case: 'ipvsadm-restore', impl: 'ipvsadm', ms: 800, check: undefined }),
    r({ case: 'checks', check: 'tcp', cpuPct: 12, cpuSamples: [10, 14], rssMb: 90, checks, kernel: { passiveOpens: 150, listenOverflows: 0, listenDrops: 0, windowS: 30 } }),
    r({ case: 'checks', impl: 'keepalived', check: 'tcp', cpuPct: 3, cpuSamples: [3], rssMb: 14, checks: { ...checks, stale: 2 }, kernel: { passiveOpens: 120, listenOverflows: 7, listenDrops: 7, windowS: 30 } }),
    r({ case: 'reload', ms: 40 }), r({ case: 'reload', impl: 'keepalived', ms: 20 }), r({ case: 'ipvsadm-edit', impl: 'ipvsadm', ms: 5 }),
    r({ case: 'checks', impl: 'keepalived', check: 'tcp', rep: 2, error: 'exited' }),
  ], '6.1.176');
  const text = s.map((x) => `${x.heading}\n${x.table ?? ''}`).join('\n');
  t.match(text, /10 x 3\s+1\.00\s+0\.50\s+0\.80\s+2\.00/, 'seconds, ipvsadm -R and the ratio');
  t.match(text, /30\s+vipd\s+12\.0\s+90\s+5\s+0\s+6\.00/, 'handshakes per second in the real servers\' kernel');
  t.match(text, /30\s+keepalived\s+3\.0\s+14\s+4\s+7\s+6\.00\s+6\.10\s+6\.20\s+2\s+0/, 'and the accept-queue overflows');
  t.match(text, /ipvsadm -e \(one command\)\s+5\.00/);
  t.match(text, /Failed cases\n?/);
  t.ok(s.every((x) => (x.charts ?? []).every((c) => c.startsWith('<svg'))));
});

t.test('soak: a row per daemon, the real-time note', async (t) => {
  const d = (role: string) => ({ node: role === 'master' ? 'r1' : 'r2', role, pids: [1], cpuSamples: [10, 12], cpuPct: 11, cpuPctMax: 12, rssKbEnd: 70_000, rssKbMax: 71_680, hwmKb: 72_000, samples: 2 });
  const base = { instances: 100, intervalMs: 10, durationS: 60, busyLoops: 4, electionMs: 3000, spuriousTransitions: 0, transitions: [], daemons: [d('master'), d('backup')] };
  const s = soakSections({ minutes: 1, scenarios: [{ instances: 100, intervalMs: 10 }], routers: 2, setups: ['vipd', 'keepalived'], loadFactor: 2, rtPriority: 50 }, [
    { ...base, setup: 'vipd', realtime: 'chrt' },
    { ...base, setup: 'keepalived', realtime: 'config', spuriousTransitions: 2, transitions: [{ node: 'r2', instance: 'VI_7', state: 'master', atS: 12.5 }, { node: 'r2', instance: 'VI_7', state: 'backup', atS: 12.6 }] },
  ]);
  t.match(s[0]!.table, /100 x 10 ms\s+vipd master\s+11\.0\s+11 \(10\.\.12\)\s+70\s+1\s+chrt\s+0/);
  t.match(s[0]!.notes!.join('\n'), /SCHED_RR on vipd's threads with chrt/);
  t.match(s[0]!.notes!.join('\n'), /keepalived 100 x 10 ms\): 2 state changes, 1 instances went MASTER, at 12\.5, 12\.6 s/);
});

t.test('failover: takeover minus bound per setup, the outage CDF per scenario, skipped setups named', async (t) => {
  const v3 = INTERVALS.find((i) => i.name === 'v3-100ms')!;
  const o = { routers: 3, setups: ['vipd', 'frr'], trials: 2, faults: ['cut' as const, 'tracking' as const], intervals: [v3] };
  const tr = (setup: string, k: number, wire: number): TrialResult => ({ interval: 'v3-100ms', setup, fault: 'cut', trial: k, faultAt: 1, outageMs: 300 + k, faultToMasterMs: 310, wireAdvertMs: wire, wireGarpMs: wire + 0.2, faultToGarpMs: 311 });
  const trials = [tr('vipd', 1, 361.1), tr('vipd', 2, 361.3), tr('frr', 1, 361.0), tr('frr', 2, 360.95)];
  const scen = summarizeScenarios(o, trials);
  t.equal(scen[0]!.setups.vipd!.wireAdvertMs!.median.toFixed(1), '361.2');
  t.same(scen[1]!.skipped, { frr: 'FRR has no vrrp_script (the tracking fault)' });
  const s = failoverSections(o, trials, scen);
  t.equal(s[0]!.heading, 'v3-100ms: takeover on the wire minus the bound');
  t.equal((s[0]!.charts![0]!.match(/<circle /g) ?? []).length, 4);
  t.match(s[1]!.table, /wire: takeover advert \(vipd\)\s+2\s+361\.2\s+361\.3\s+361\.3\s+0\.26/);
  t.match(s[1]!.charts![0]!, /client outage: v3-100ms, cut/);
  t.match(s[2]!.notes!.join('\n'), /frr: not run \(FRR has no vrrp_script/);
});

t.test('continuity: survivors counted apart from the master\'s own connections, a row per setup', async (t) => {
  const runs = [{ impl: 'vipd' as const, sync: true }, { impl: 'vipd' as const, sync: false }];
  const rows = continuityRows(runs, [
    { impl: 'vipd', sync: true, trial: 0, takeoverMs: 3200, byServer: { c1: { total: 4, survived: 0 }, c2: { total: 4, survived: 4 }, c3: { total: 4, survived: 4 } } },
    { impl: 'vipd', sync: false, trial: 0, takeoverMs: 3400, byServer: { c1: { total: 4, survived: 0 }, c2: { total: 4, survived: 4 }, c3: { total: 4, survived: 0 } } },
  ]);
  t.match(rows[0], { connections: 12, survived: 8, onSurvivors: 8, survivedOnSurvivors: 8 });
  t.match(rows[1], { connections: 12, survived: 4, onSurvivors: 8, survivedOnSurvivors: 4 });
  const s = continuitySections({ setups: ['vipd'], conns: 12, trials: 1 }, rows, ['vipd-nosync-1: c2 takes over']);
  t.match(s[0]!.table, /vipd, lvs_sync_daemon on\s+1\s+8\/12\s+67 %\s+8\/8 \(100 %\)\s+3200/);
  t.match(s[0]!.table, /vipd, lvs_sync_daemon off\s+1\s+4\/12\s+33 %\s+4\/8 \(50 %\)/);
  t.match(s[0]!.notes!.join('\n'), /error: vipd-nosync-1/);
  t.equal((s[0]!.charts![0]!.match(/<circle /g) ?? []).length, 2);
});
