// Soak mode: many VRRP instances (v3) between a master and a backup while both CPUs are saturated
// by busy loops (load-factor per CPU, normal priority), for N minutes per scenario and
// implementation. Counts spurious transitions (any state change after the initial election: must
// be 0) and samples CPU and RSS of every daemon. More than 250 instances spread over several
// interfaces (a bridge each: a VRID is unique per LAN). With --rt-priority the config sets
// vrrp_rt_priority (SCHED_RR); while vipd only warns about that keyword, the bench raises vipd's
// threads itself (chrt) and says so.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { GLOBAL_DEFS } from '../src/config/keepalived/global-defs.js';
import { onCleanup } from '../src/lab/cleanup.js';
import { childEnv, createLan, repoRoot, runOk, type Lab } from '../src/lab/netns-lab.js';
import { which } from '../src/lab/which.js';
import { sleep } from './lib/bench-lab.js';
import { masterDownMs, renderKeepalivedConf, type IntervalSpec } from './lib/conf.js';
import { ProcSampler, type ProcStats } from './lib/proc-sampler.js';
import type { ReportSection } from './lib/report.js';
import { daemonPids, startRouter, type RouterProc, type StateEvent } from './lib/router.js';
import type { BenchRun } from './lib/run.js';
import { fmtSpread, spread, table } from './lib/stats.js';
import { colorOf, stripChart, type StripGroup } from './lib/svg.js';

export interface SoakScenario { instances: number; intervalMs: number }

export interface SoakOptions {
  minutes: number;
  scenarios: SoakScenario[];
  routers: number;
  setups: Array<'vipd' | 'keepalived'>;
  /** Busy loops per CPU. */
  loadFactor: number;
  /** vrrp_rt_priority; 0: none. */
  rtPriority: number;
}

export interface DaemonStats extends ProcStats {
  node: string;
  role: string;
  /** Every process seen (keepalived: parent and VRRP child; more when it respawned the child). */
  pids: number[];
  /** CPU of each second. */
  cpuSamples: number[];
}

export interface SoakResult {
  setup: 'vipd' | 'keepalived';
  instances: number;
  intervalMs: number;
  durationS: number;
  busyLoops: number;
  /** How SCHED_RR was applied: 'config' (vrrp_rt_priority), 'chrt' (the bench, vipd), or 'none'. */
  realtime: string;
  electionMs: number;
  spuriousTransitions: number;
  transitions: Array<{ node: string; instance: string; state: string; atS: number }>;
  daemons: DaemonStats[];
  error?: string;
}

/** "1000x100ms" */
export function parseScenario(s: string): SoakScenario {
  const m = /^(\d+)x(\d+)ms$/.exec(s);
  if (!m) throw new Error(`scenario "${s}": expected INSTANCESxINTERVALms, e.g. 1000x100ms`);
  const sc = { instances: Number(m[1]), intervalMs: Number(m[2]) };
  if (sc.instances < 1 || sc.intervalMs < 10 || sc.intervalMs % 10 !== 0) throw new Error(`scenario "${s}": at least one instance, an interval that is a multiple of 10 ms`);
  return sc;
}

export const VRIDS_PER_LAN = 250;
const priorityOf = (i: number) => (i === 0 ? 150 : 100 - 10 * (i - 1));
/** Instance v (1-based): its interface, VRID and VIP. */
export function placeInstance(v: number): { iface: string; vrid: number; vip: string; name: string } {
  const k = Math.floor((v - 1) / VRIDS_PER_LAN);
  return { iface: `eth${k}`, vrid: ((v - 1) % VRIDS_PER_LAN) + 1, vip: `10.250.${v >> 8}.${v & 255}`, name: `VI_${v}` };
}

/** A second, third... LAN: bridge br<k> in the switch namespace and eth<k> on every node. */
async function addLan(lab: Lab, k: number): Promise<void> {
  await runOk(['ip', '-n', lab.bridgeNs, '-batch', '-'], {
    input: `link add br${k} type bridge stp_state 0 forward_delay 0 mcast_snooping 0\nlink set br${k} up\n`,
  });
  for (const [i, node] of lab.nodes.entries()) {
    const leg = `l${k}x${i}`;
    await runOk(['ip', '-n', lab.bridgeNs, 'link', 'add', leg, 'type', 'veth', 'peer', 'name', `eth${k}`, 'netns', node.ns]);
    await runOk(['ip', '-n', lab.bridgeNs, 'link', 'set', leg, 'master', `br${k}`, 'up']);
    const mac = `02:fb:${k.toString(16).padStart(2, '0')}:00:00:${(10 + i).toString(16).padStart(2, '0')}`;
    await runOk(['ip', '-n', node.ns, '-batch', '-'], { input: `link set eth${k} address ${mac}\naddress add 10.251.${k}.${10 + i}/24 dev eth${k}\nlink set eth${k} up\n` });
  }
}

/** Busy loops on the host at normal priority; killed on every exit path. */
function startLoad(n: number): { stop(): void } {
  const kids: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    const c = spawn('node', ['dist/bench/lib/agent.js', 'burn'], { cwd: repoRoot, env: childEnv(), stdio: 'ignore', detached: true });
    c.on('error', () => undefined);
    kids.push(c);
  }
  const kill = () => {
    for (const c of kids) {
      try {
        if (c.pid !== undefined) process.kill(-c.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  };
  const unregister = onCleanup(kill);
  return { stop: () => { kill(); unregister(); } };
}

/** vipd reads vrrp_rt_priority yet? Until then the bench applies it from outside. */
export const VIPD_HAS_RT_PRIORITY = GLOBAL_DEFS.vrrp_rt_priority?.status === 'implemented';

async function runOne(run: BenchRun, o: SoakOptions, setup: 'vipd' | 'keepalived', sc: SoakScenario): Promise<SoakResult> {
  const spec: IntervalSpec = { name: `v3-${sc.intervalMs}ms`, version: 3, advertMs: sc.intervalMs };
  const busyLoops = Math.round(o.loadFactor * cpus().length);
  const realtime = o.rtPriority <= 0 ? 'none' : setup === 'vipd' && !VIPD_HAS_RT_PRIORITY ? 'chrt' : 'config';
  const result: SoakResult = {
    setup, instances: sc.instances, intervalMs: sc.intervalMs, durationS: 0, busyLoops, realtime,
    electionMs: NaN, spuriousTransitions: 0, transitions: [], daemons: [],
  };
  const label = `soak ${setup} ${sc.instances} x ${sc.intervalMs} ms`;
  let lab: Lab | undefined;
  let load: { stop(): void } | undefined;
  const procs: RouterProc[] = [];
  try {
    lab = await createLan({ nodes: Array.from({ length: o.routers }, (_, i) => `r${i + 1}`), ipv6: false });
    const lans = Math.ceil(sc.instances / VRIDS_PER_LAN);
    for (let k = 1; k < lans; k++) await addLan(lab, k);
    const placed = Array.from({ length: sc.instances }, (_, i) => placeInstance(i + 1));
    const started = Date.now();
    for (const [i, node] of lab.nodes.entries()) {
      const conf = join(lab.dir, `soak-${node.name}.conf`);
      writeFileSync(conf, renderKeepalivedConf(spec, placed.map((p) => ({ name: p.name, vrid: p.vrid, iface: p.iface, priority: priorityOf(i), vips: [p.vip] })),
        { globalDefs: o.rtPriority > 0 ? [`vrrp_rt_priority ${o.rtPriority}`] : [] }));
      const p = startRouter(setup, node, conf, lab.dir);
      procs.push(p);
      if (realtime === 'chrt') {
        await sleep(300); // the node process exists (its pid is ip's, which execs it)
        await runOk(['chrt', '-a', '-r', '-p', String(o.rtPriority), String(p.child.pid)]);
      }
    }
    const expected = (i: number) => (i === 0 ? 'master' : 'backup');
    const deadline = Date.now() + 30_000 + sc.instances * 100 + 3 * masterDownMs(spec, 100);
    for (;;) {
      const off = procs.flatMap((p, i) => placed.filter((x) => p.state(x.name) !== expected(i)).map((x) => `${p.node.name}/${x.name}=${p.state(x.name)}`));
      if (off.length === 0) break;
      const dead = procs.find((p) => p.exited);
      if (dead) throw new Error(`${setup} on ${dead.node.name} exited during the election:\n${dead.tail()}`);
      if (Date.now() > deadline) throw new Error(`no steady state after ${Date.now() - started} ms: ${off.slice(0, 10).join(' ')}${off.length > 10 ? ` (+${off.length - 10})` : ''}`);
      run.progress.update(`${label}: election, ${off.length} instance states to go`);
      await sleep(100);
    }
    result.electionMs = Date.now() - started;
    await sleep(2000); // start-up work settles (GARP repeats, JIT) before counting
    const marks = procs.map((p) => p.events.length);
    load = startLoad(busyLoops);
    const samplers = procs.map((p) => new ProcSampler(() => daemonPids(p, lab!.dir)));
    const perSecond: number[][] = procs.map(() => []);
    for (const s of samplers) s.start();
    const t0 = Date.now();
    const spurious = (): StateEvent[] => procs.flatMap((p, i) => p.events.slice(marks[i]));
    while (Date.now() - t0 < o.minutes * 60_000) {
      await sleep(1000);
      const pcts = samplers.map((s) => s.sample());
      pcts.forEach((x, i) => perSecond[i]!.push(x));
      const dead = procs.find((p) => p.exited);
      if (dead) throw new Error(`${setup} on ${dead.node.name} exited during the soak:\n${dead.tail()}`);
      run.progress.update(`${label}: ${Math.round((Date.now() - t0) / 1000)}/${Math.round(o.minutes * 60)} s, spurious ${spurious().length}, ` +
        procs.map((p, i) => `${p.node.name} ${pcts[i]!.toFixed(0)}% ${(samplers[i]!.stats().rssKbEnd / 1024).toFixed(0)} MB`).join(', '));
    }
    load.stop();
    load = undefined;
    result.durationS = (Date.now() - t0) / 1000;
    result.daemons = procs.map((p, i) => ({ node: p.node.name, role: expected(i), pids: [...samplers[i]!.seen], cpuSamples: perSecond[i]!, ...samplers[i]!.stats() }));
    result.transitions = procs.flatMap((p, i) => p.events.slice(marks[i]).map((e) => ({ node: p.node.name, instance: e.instance, state: e.state, atS: (e.time - t0) / 1000 })));
    result.spuriousTransitions = result.transitions.length;
  } catch (e) {
    result.error = (e as Error).message;
  } finally {
    load?.stop();
    await Promise.all(procs.map((p) => p.stop()));
    await lab?.teardown();
  }
  run.progress.line(`  ${label}: ${result.error ? `FAILED: ${result.error.split('\n')[0]}` : `${result.spuriousTransitions} spurious transitions in ${result.durationS.toFixed(0)} s, ` +
    result.daemons.map((d) => `${d.node} ${d.cpuPct.toFixed(1)} % ${(d.rssKbMax / 1024).toFixed(0)} MB`).join(', ')}`);
  return result;
}

export async function runSoak(run: BenchRun, o: SoakOptions): Promise<{ ok: boolean; results: SoakResult[] }> {
  for (const s of o.setups) if (s === 'keepalived' && !which('keepalived')) throw new Error('keepalived is not installed (apt-get install -y keepalived)');
  if (o.rtPriority > 0 && !which('chrt') && o.setups.includes('vipd') && !VIPD_HAS_RT_PRIORITY) throw new Error('--rt-priority: chrt (util-linux) is missing');
  const results: SoakResult[] = [];
  for (const sc of o.scenarios) for (const setup of o.setups) results.push(await runOne(run, o, setup, sc));
  run.finish({ title: `vipd bench soak: ${o.scenarios.map((s) => `${s.instances} x ${s.intervalMs} ms`).join(', ')}, CPUs saturated`, sections: soakSections(o, results), json: { options: o, results } });
  return { ok: results.every((r) => !r.error && r.spuriousTransitions === 0), results };
}

/** Tables and charts (pure). */
export function soakSections(o: SoakOptions, results: SoakResult[]): ReportSection[] {
  const rows: string[][] = [];
  const groups: StripGroup[] = [];
  for (const r of results) {
    const what = `${r.instances} x ${r.intervalMs} ms`;
    if (r.error) {
      rows.push([what, r.setup, '-', '-', '-', '-', '-', 'error']);
      continue;
    }
    for (const d of r.daemons) {
      rows.push([what, `${r.setup} ${d.role}`, d.cpuPct.toFixed(1), fmtSpread(spread(d.cpuSamples), (x) => x.toFixed(0)), (d.rssKbMax / 1024).toFixed(0), String(d.pids.length), r.realtime, String(r.spuriousTransitions)]);
    }
  }
  for (const sc of o.scenarios) {
    const g: StripGroup = { label: `${sc.instances} x ${sc.intervalMs} ms`, series: [] };
    for (const r of results.filter((x) => x.instances === sc.instances && x.intervalMs === sc.intervalMs && !x.error)) {
      for (const d of r.daemons) g.series.push({ label: `${r.setup} ${d.role}`, color: colorOf(r.setup), values: d.cpuSamples });
    }
    groups.push(g);
  }
  const notes = [
    `Both routers on the same LANs (master r1 priority 150, backup r2 100); ${results[0]?.busyLoops ?? '?'} busy loops (${o.loadFactor} per CPU, normal priority) for ${o.minutes} min per run. ` +
    'Spurious: state changes after the initial election (must be 0). CPU: % of one core, mean over the run and median (min..max) of its seconds. ' +
    'Processes: every pid of the daemon seen during the run (keepalived: parent + VRRP child, more when the parent respawned a child that died).',
    o.rtPriority > 0
      ? `vrrp_rt_priority ${o.rtPriority} in the config${results.some((r) => r.realtime === 'chrt') ? '; vipd does not implement the keyword yet, so the bench set SCHED_RR on vipd\'s threads with chrt -a -r' : ''}.`
      : 'No real-time priority (vipd runs at its default nice -20; keepalived at its default).',
  ];
  for (const r of results) {
    if (!r.transitions.length) continue;
    const masters = r.transitions.filter((t) => t.state === 'master');
    notes.push(`spurious (${r.setup} ${r.instances} x ${r.intervalMs} ms): ${r.transitions.length} state changes, ${new Set(masters.map((t) => t.instance)).size} instances went MASTER, ` +
      `at ${[...new Set(r.transitions.map((t) => t.atS.toFixed(1)))].slice(0, 12).join(', ')} s`);
  }
  for (const r of results.filter((x) => x.error)) notes.push(`failed: ${r.setup} ${r.instances} x ${r.intervalMs} ms: ${r.error}`);
  return [{
    heading: 'Spurious transitions, CPU and RSS under load',
    notes,
    table: table(['scenario', 'daemon', 'CPU % mean', 'CPU % per s', 'RSS MB max', 'processes', 'real-time', 'spurious'], rows),
    charts: [stripChart({ title: 'daemon CPU under load, one dot per second', unit: '% of one core', groups })],
  }];
}
