// Idle mode: what one VRRP instance as master costs, vipd and keepalived side by side (each alone
// on a LAN of its own, both running at the same time, so a noisy machine disturbs both alike):
// CPU (% of one core) and RSS over a window after a warm-up, at each advert_int; then RSS with
// many instances. keepalived counts both its processes (parent and VRRP child). Adverts/s: what
// the router's interface sent over the window (nothing else is sent once it is master).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLan, type Lab } from '../src/lab/netns-lab.js';
import { which } from '../src/lab/which.js';
import { sleep } from './lib/bench-lab.js';
import { masterDownMs, renderKeepalivedConf, type IntervalSpec } from './lib/conf.js';
import { ProcSampler, cpuSeconds, privateKb } from './lib/proc-sampler.js';
import type { ReportSection } from './lib/report.js';
import { daemonPids, startRouter, type RouterProc } from './lib/router.js';
import type { BenchRun } from './lib/run.js';
import { fmtSpread, spread, table } from './lib/stats.js';
import { colorOf, stripChart, type StripGroup } from './lib/svg.js';

export interface IdleBenchOptions {
  /** advert_int values, seconds. */
  advertInts: number[];
  warmupS: number;
  windowS: number;
  /** Instances of the RSS run (0: skip). */
  instances: number;
  repeats: number;
  setups: Array<'vipd' | 'keepalived'>;
}

export interface IdleSample {
  impl: string;
  case: string;
  advertInt: number;
  instances: number;
  rep: number;
  cpuPct: number;
  /** CPU of each second of the window. */
  cpuSamples: number[];
  /** CPU seconds the processes used from their start to the window (start-up, election, warm-up). */
  startCpuS: number;
  /** Seconds from the daemon's start to the window. */
  windowAtS: number;
  rssMb: number;
  /** Private_Clean + Private_Dirty at the end, summed over the processes. */
  privateMb: number;
  /** Packets its interface sent per second over the window: its adverts. */
  advertsPerS: number;
  pids: number;
  error?: string;
}

export async function runIdleBench(run: BenchRun, o: IdleBenchOptions): Promise<{ ok: boolean; samples: IdleSample[] }> {
  if (o.setups.includes('keepalived') && !which('keepalived')) throw new Error('idle bench: keepalived is not installed');
  for (const a of o.advertInts) if (!(a >= 0.01) || Math.abs(a * 100 - Math.round(a * 100)) > 1e-9) throw new Error(`--advert-ints: ${a} is not a multiple of 0.01 s`);
  const cases = [
    ...o.advertInts.map((a) => ({ name: `1 instance @ ${a} s`, advertInt: a, instances: 1 })),
    ...(o.instances > 0 ? [{ name: `${o.instances} instances @ 1 s`, advertInt: 1, instances: o.instances }] : []),
  ];
  const samples: IdleSample[] = [];
  for (let rep = 1; rep <= o.repeats; rep++) {
    for (const c of cases) {
      const label = `${c.name} #${rep}/${o.repeats}`;
      const got = await Promise.all(o.setups.map((impl) => measureOne(run, impl, c, o, rep, label)));
      samples.push(...got);
      run.progress.line(`  ${label}: ${got.map((s) => (s.error ? `${s.impl} FAILED: ${s.error.split('\n')[0]}` : `${s.impl} ${s.cpuPct.toFixed(2)} % CPU, ${s.rssMb.toFixed(1)} MB, ${s.advertsPerS.toFixed(1)} adverts/s`)).join('; ')}`);
    }
  }
  run.finish({ title: 'vipd bench idle: one VRRP instance as master', sections: idleSections(o, samples), json: { options: o, samples } });
  return { ok: !samples.some((s) => s.error), samples };
}

async function measureOne(run: BenchRun, impl: 'vipd' | 'keepalived', c: { name: string; advertInt: number; instances: number }, o: IdleBenchOptions, rep: number, label: string): Promise<IdleSample> {
  const s: IdleSample = { impl, case: c.name, advertInt: c.advertInt, instances: c.instances, rep, cpuPct: NaN, cpuSamples: [], startCpuS: NaN, windowAtS: NaN, rssMb: NaN, privateMb: NaN, advertsPerS: NaN, pids: 0 };
  const spec: IntervalSpec = { name: `v3-${c.advertInt}s`, version: 3, advertMs: Math.round(c.advertInt * 1000) };
  let lab: Lab | undefined;
  let proc: RouterProc | undefined;
  try {
    lab = await createLan({ nodes: ['r1'], ipv6: false });
    const node = lab.nodes[0]!;
    const names = Array.from({ length: c.instances }, (_, i) => `VI_${i + 1}`);
    const conf = join(lab.dir, 'idle.conf');
    writeFileSync(conf, renderKeepalivedConf(spec, names.map((name, i) => ({ name, vrid: i + 1, priority: 150, vips: [`10.250.${(i + 1) >> 8}.${(i + 1) & 255}`] }))));
    proc = startRouter(impl, node, conf, lab.dir);
    const startedAt = performance.now();
    const deadline = Date.now() + 20_000 + 3 * masterDownMs(spec, 150) + c.instances * 50;
    while (!names.every((n) => proc!.state(n) === 'master')) {
      if (proc.exited) throw new Error(`${impl} exited:\n${proc.tail()}`);
      if (Date.now() > deadline) throw new Error(`not master in time: ${names.filter((n) => proc!.state(n) !== 'master').length} instances are not`);
      await sleep(50);
    }
    const mark = proc.events.length;
    for (let t = 0; t < o.warmupS; t++) {
      run.progress.update(`idle ${label}: warm-up ${t}/${o.warmupS} s`);
      await sleep(1000);
    }
    const sampler = new ProcSampler(() => daemonPids(proc!, lab!.dir));
    const tx0 = await txPackets(node);
    const t0 = performance.now();
    sampler.start();
    s.startCpuS = sampler.pids.reduce((sum, p) => sum + (cpuSeconds(p) ?? 0), 0);
    s.windowAtS = (t0 - startedAt) / 1000;
    for (let t = 1; t <= o.windowS; t++) {
      await sleep(1000);
      s.cpuSamples.push(sampler.sample());
      run.progress.update(`idle ${label}: window ${t}/${o.windowS} s`);
      if (proc.exited) throw new Error(`${impl} exited during the window:\n${proc.tail()}`);
    }
    const st = sampler.stats();
    s.advertsPerS = ((await txPackets(node)) - tx0) / ((performance.now() - t0) / 1000);
    s.pids = sampler.seen.size;
    s.cpuPct = st.cpuPct;
    s.rssMb = st.rssKbEnd / 1024;
    s.privateMb = sampler.pids.reduce((sum, p) => sum + (privateKb(p) ?? 0), 0) / 1024;
    const flaps = proc.events.length - mark;
    if (flaps) s.error = `${flaps} state changes away from MASTER`;
  } catch (e) {
    s.error = (e as Error).message;
  } finally {
    await proc?.stop();
    await lab?.teardown();
  }
  return s;
}

async function txPackets(node: Lab['nodes'][number]): Promise<number> {
  const r = await node.exec(['cat', `/sys/class/net/${node.ifname}/statistics/tx_packets`]);
  return Number(r.stdout);
}

/** Tables and charts (pure). */
export function idleSections(o: IdleBenchOptions, samples: IdleSample[]): ReportSection[] {
  const ok = samples.filter((s) => !s.error);
  const cases = [...new Set(samples.map((s) => s.case))];
  const rows: string[][] = [];
  const cpuGroups: StripGroup[] = [];
  for (const c of cases) {
    const g: StripGroup = { label: c, series: [] };
    for (const impl of o.setups) {
      const ss = ok.filter((s) => s.case === c && s.impl === impl);
      rows.push([c, impl, fmtSpread(spread(ss.map((s) => s.cpuPct)), (x) => x.toFixed(3)),
        fmtSpread(spread(ss.map((s) => s.startCpuS)), (x) => x.toFixed(2)), fmtSpread(spread(ss.map((s) => s.rssMb)), (x) => x.toFixed(1)),
        fmtSpread(spread(ss.map((s) => s.privateMb)), (x) => x.toFixed(1)),
        fmtSpread(spread(ss.map((s) => s.advertsPerS)), (x) => x.toFixed(1)), String(ss[0]?.pids ?? '')]);
      g.series.push({ label: impl, color: colorOf(impl), values: ss.flatMap((s) => s.cpuSamples) });
    }
    cpuGroups.push(g);
  }
  const failed = samples.filter((s) => s.error);
  return [{
    heading: `One instance as master: CPU over ${o.windowS} s after ${o.warmupS} s of warm-up, RSS at the end`,
    notes: [
      `Each implementation alone on its own namespace LAN, both at the same time; ${o.repeats} run(s), median (min..max) of the runs. ` +
      'CPU: run time of every thread (/proc/PID/task/*/schedstat, nanoseconds), % of one core over the window; ' +
      `start CPU s: what the processes used before it, from their start (start-up, election, warm-up; the window began ${fmtSpread(spread(ok.map((s) => s.windowAtS)), (x) => x.toFixed(0))} s after the start). ` +
      'Node\'s V8 runs two memory-reducing full GCs once, 8-25 s after start (tens of ms of CPU): a window that begins earlier counts them. RSS: VmRSS summed over the processes (keepalived: parent + VRRP child); ' +
      'private: the part of it no other process shares (smaps_rollup Private_*: RSS less the executable\'s and libraries\' shared pages); ' +
      'adverts/s: packets its interface sent over the window.',
      ...failed.map((s) => `failed: ${s.impl} ${s.case} #${s.rep}: ${s.error}`),
    ],
    table: table(['case', 'impl', 'CPU %', 'start CPU s', 'RSS MB', 'private MB', 'adverts/s', 'processes'], rows),
    charts: [stripChart({ title: 'CPU of each second of the window', unit: '% of one core', groups: cpuGroups.filter((g) => g.label.startsWith('1 instance')) })],
  }];
}
