// The failover benchmark: a bridge LAN of N routers and a client (namespaces), the routers run
// vipd, keepalived or a mix from the same keepalived.conf, the client probes the VIP every 1 ms.
// Per trial: the client-visible outage, fault-to-MASTER (log line arrival), fault-to-first-GARP
// and the takeover on the wire (tcpdump on the client). Prints a table per scenario and writes
// JSON plus an SVG chart per scenario.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, release } from 'node:os';
import { join } from 'node:path';
import { capture, type Capture, type LabNode } from '../src/lab/netns-lab.js';
import { which } from '../src/lab/which.js';
import { createBenchLab, sleep, type BenchLab, type ProbeAgent } from './lib/bench-lab.js';
import { INTERVALS, masterDownMs, renderKeepalivedConf, skewMs, type IntervalSpec } from './lib/conf.js';
import { nowMs } from './lib/prober.js';
import { startRouter, type Impl, type RouterProc } from './lib/router.js';
import { fmtMs, summarize, table, type Summary } from './lib/stats.js';
import { outageChart } from './lib/svg.js';
import { decodeWire, takeoverOnWire } from './lib/wire.js';
import { Progress } from './lib/progress.js';

export type Fault = 'cut' | 'graceful' | 'tracking' | 'preempt';
export const FAULTS: Fault[] = ['cut', 'graceful', 'tracking', 'preempt'];
/** vipd, keepalived, or a mix (odd routers vipd, even routers keepalived). */
export type Setup = 'vipd' | 'keepalived' | 'mix';

export interface FailoverOptions {
  routers: number;
  setups: Setup[];
  trials: number;
  faults: Fault[];
  intervals: IntervalSpec[];
  outDir: string;
  out?: NodeJS.WritableStream;
}

export interface TrialResult {
  interval: string;
  setup: Setup;
  fault: Fault;
  trial: number;
  /** Epoch ms of the fault. */
  faultAt: number;
  outageMs: number;
  faultToMasterMs: number;
  faultToGarpMs?: number;
  /** Wire: reference (see wire.ts) -> first advert / first GARP of the new master. */
  wireAdvertMs?: number;
  wireGarpMs?: number;
  error?: string;
}

const VRID = 51;
const TRACK_WEIGHT = 100;
const priorityOf = (i: number) => (i === 0 ? 150 : 100 - 10 * (i - 1));
const METRICS = [
  ['outageMs', 'client outage'],
  ['faultToMasterMs', 'fault -> MASTER'],
  ['faultToGarpMs', 'fault -> first GARP'],
  ['wireAdvertMs', 'wire: takeover advert'],
  ['wireGarpMs', 'wire: takeover GARP'],
] as const;

/** The protocol bound of a fault: which timer the new master waits for. */
export function boundOf(spec: IntervalSpec, fault: Fault): { name: string; ms: number } {
  if (fault === 'graceful') return { name: 'Skew_Time', ms: skewMs(spec, priorityOf(1)) };
  if (fault === 'preempt') return { name: 'Master_Down_Interval', ms: masterDownMs(spec, priorityOf(0)) };
  return { name: 'Master_Down_Interval', ms: masterDownMs(spec, priorityOf(1)) };
}

function implOf(setup: Setup, i: number): Impl {
  return setup === 'mix' ? (i % 2 === 0 ? 'vipd' : 'keepalived') : setup;
}

class Block {
  procs: RouterProc[] = [];
  confs: string[] = [];
  flags: string[] = [];
  constructor(readonly bl: BenchLab, readonly spec: IntervalSpec, readonly setup: Setup) {
    this.bl.routers.forEach((r, i) => {
      const flag = join(bl.lab.dir, `fail-${r.name}`);
      this.flags.push(flag);
      this.confs.push(bl.write(`${spec.name}-${setup}-${r.name}.conf`, renderKeepalivedConf(spec, [{
        name: 'VI_1', vrid: VRID, priority: priorityOf(i), vips: [`${bl.vip}/24`], trackFlag: flag, trackWeight: TRACK_WEIGHT,
      }])));
    });
  }
  start(i: number): void {
    this.procs[i] = startRouter(implOf(this.setup, i), this.bl.routers[i]!, this.confs[i]!, this.bl.lab.dir);
  }
  async startAll(): Promise<void> {
    this.bl.routers.forEach((_, i) => this.start(i));
    await this.steady();
  }
  async stopAll(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
  }
  /** r1 MASTER, everyone else BACKUP. */
  async steady(timeoutMs = 3 * masterDownMs(this.spec, 1) + 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.procs.every((p, i) => p.state() === (i === 0 ? 'master' : 'backup'))) return;
      if (Date.now() > deadline) {
        throw new Error(`not steady after ${timeoutMs} ms: ${this.procs.map((p) => `${p.node.name}=${p.state()}`).join(' ')}`);
      }
      await sleep(20);
    }
  }
  async restart(): Promise<void> {
    await this.stopAll();
    for (const f of this.flags) await this.bl.routers[0]!.exec(['rm', '-f', f]);
    for (const r of this.bl.routers) this.bl.plug(r);
    await sleep(300);
    await this.startAll();
  }
}

async function runTrial(b: Block, fault: Fault, probe: ProbeAgent): Promise<{ t0: number; master: number; back: number; outageMs: number; oldNode: LabNode; newNode: LabNode }> {
  const { spec, bl } = b;
  const [r1, r2] = [bl.routers[0]!, bl.routers[1]!];
  const mdi = masterDownMs(spec, priorityOf(1));
  // Past the client's neighbour locktime (1 s: a GARP within it of the last update is ignored),
  // then a random phase within one advert interval: the outage depends on it, the takeover must not.
  await sleep(Math.max(3 * spec.advertMs, 1100) + Math.random() * Math.min(spec.advertMs, 1000));
  let t0: number;
  let oldNode = r1, newNode = r2, newer = b.procs[1]!;
  let stopped: Promise<void> | undefined;
  if (fault === 'cut') t0 = bl.cut(r1);
  else if (fault === 'graceful') {
    t0 = nowMs();
    stopped = b.procs[0]!.stop();
  } else if (fault === 'tracking') {
    t0 = nowMs();
    writeFileSync(b.flags[0]!, '');
  } else {
    const cutAt = bl.cut(r1);
    await b.procs[1]!.waitState('master', { since: cutAt, timeoutMs: 2 * mdi + 5000 });
    await b.procs[0]!.waitState('fault', { since: cutAt, timeoutMs: 5000 }).catch(() => undefined);
    await sleep(Math.max(3 * spec.advertMs, 1100) + Math.random() * Math.min(spec.advertMs, 1000));
    t0 = bl.plug(r1);
    oldNode = r2; newNode = r1; newer = b.procs[0]!;
  }
  const ev = await newer.waitState('master', { since: t0, timeoutMs: 2 * mdi + (fault === 'tracking' ? 3000 : 2000) });
  // The outage closes when the first reply after the fault arrives.
  const closed = Date.now() + Math.max(2000, 2 * spec.advertMs);
  while (Date.now() < closed && !probe.gaps.some((g) => g.to > t0)) await sleep(10);
  await sleep(50);
  // Back to r1 as master for the next trial; what follows is not part of this trial's outage.
  const back = nowMs();
  const outageMs = probe.outage(t0 - 1, back);
  if (fault === 'cut') bl.plug(r1);
  else if (fault === 'graceful') {
    await stopped;
    b.start(0);
  }
  else if (fault === 'tracking') await r1.exec(['rm', '-f', b.flags[0]!]);
  await b.steady(2 * masterDownMs(spec, priorityOf(0)) + 6000);
  return { t0, master: ev.time, back, outageMs, oldNode, newNode };
}

export interface FailoverReport {
  date: string;
  machine: { hostname: string; cpu: string; cpus: number; kernel: string; node: string; keepalived?: string };
  options: Omit<FailoverOptions, 'out' | 'intervals'> & { intervals: string[] };
  trials: TrialResult[];
  scenarios: Array<{
    interval: string; fault: Fault; bound: { name: string; ms: number };
    setups: Record<string, Record<string, Summary>>;
    ratio?: Record<string, number>;
  }>;
}

export async function runFailover(o: FailoverOptions): Promise<FailoverReport> {
  const out = o.out ?? process.stdout;
  for (const c of ['ip', 'tcpdump', ...(o.setups.some((s) => s !== 'vipd') ? ['keepalived'] : [])]) {
    if (!which(c)) throw new Error(`bench failover: the "${c}" command is missing (bash scripts/deps.sh installs it)`);
  }
  if (o.routers < 2) throw new Error('bench failover: --routers must be at least 2');
  mkdirSync(o.outDir, { recursive: true });
  const progress = new Progress(out);
  const trials: TrialResult[] = [];
  const bl = await createBenchLab(o.routers);
  try {
    for (const spec of o.intervals) {
      for (const setup of o.setups) {
        const b = new Block(bl, spec, setup);
        progress.update(`[${spec.name} ${setup}] starting ${o.routers} routers`);
        await b.startAll();
        const probe = await bl.startProbe(bl.vip);
        const cap: Capture = await capture(bl.lab, bl.client, 'ip proto 112 or arp');
        const pending: Array<TrialResult & { oldMac: string; newMac: string; until: number }> = [];
        try {
          for (const fault of o.faults) {
            for (let k = 1; k <= o.trials; k++) {
              progress.update(`[${spec.name} ${setup}] ${fault} ${k}/${o.trials}`);
              try {
                const r = await runTrial(b, fault, probe);
                const rec = {
                  interval: spec.name, setup, fault, trial: k, faultAt: r.t0,
                  outageMs: r.outageMs, faultToMasterMs: r.master - r.t0,
                  oldMac: r.oldNode.mac, newMac: r.newNode.mac, until: r.back,
                };
                pending.push(rec);
                progress.line(`[${spec.name} ${setup}] ${fault} ${k}/${o.trials}: outage ${fmtMs(rec.outageMs)} ms, fault->MASTER ${fmtMs(rec.faultToMasterMs)} ms`);
              } catch (e) {
                const msg = (e as Error).message;
                trials.push({ interval: spec.name, setup, fault, trial: k, faultAt: 0, outageMs: NaN, faultToMasterMs: NaN, error: msg });
                progress.line(`[${spec.name} ${setup}] ${fault} ${k}/${o.trials}: FAILED ${msg.split('\n')[0]}`);
                await b.restart().catch((err: Error) => progress.line(`  restart failed: ${err.message}`));
              }
            }
          }
        } finally {
          const wire = decodeWire(await cap.stop());
          await probe.stop();
          await b.stopAll();
          for (const p of pending) {
            const w = takeoverOnWire(wire, { fault: p.faultAt, until: p.until, oldMac: p.oldMac, newMac: p.newMac, vrid: VRID, vip: bl.vip, kind: p.fault, basePriority: priorityOf(0) });
            const { oldMac: _o, newMac: _n, until: _u, ...rest } = p;
            trials.push({
              ...rest,
              ...(w.firstGarp !== undefined ? { faultToGarpMs: w.firstGarp - p.faultAt } : {}),
              ...(w.reference !== undefined && w.firstAdvert !== undefined ? { wireAdvertMs: w.firstAdvert - w.reference } : {}),
              ...(w.reference !== undefined && w.firstGarp !== undefined ? { wireGarpMs: w.firstGarp - w.reference } : {}),
            });
          }
        }
      }
    }
  } finally {
    progress.done();
    await bl.teardown();
  }
  const report = summarizeReport(o, trials);
  writeOutputs(o, report, out);
  return report;
}

function summarizeReport(o: FailoverOptions, trials: TrialResult[]): FailoverReport {
  const scenarios: FailoverReport['scenarios'] = [];
  for (const spec of o.intervals) {
    for (const fault of o.faults) {
      const setups: Record<string, Record<string, Summary>> = {};
      for (const setup of o.setups) {
        const ts = trials.filter((t) => t.interval === spec.name && t.fault === fault && t.setup === setup && !t.error);
        setups[setup] = Object.fromEntries(METRICS.map(([k]) => [k, summarize(ts.map((t) => t[k] ?? NaN))]));
      }
      const s: FailoverReport['scenarios'][number] = { interval: spec.name, fault, bound: boundOf(spec, fault), setups };
      if (setups.vipd && setups.keepalived) {
        s.ratio = Object.fromEntries(METRICS.map(([k]) => [k, setups.vipd![k]!.median / setups.keepalived![k]!.median]));
      }
      scenarios.push(s);
    }
  }
  return {
    date: new Date().toISOString(),
    machine: machineInfo(),
    options: { routers: o.routers, setups: o.setups, trials: o.trials, faults: o.faults, outDir: o.outDir, intervals: o.intervals.map((i) => i.name) },
    trials,
    scenarios,
  };
}

/** The tables as text (also what bench/README.md quotes). */
export function formatReport(r: FailoverReport): string {
  const parts: string[] = [];
  for (const s of r.scenarios) {
    const rows: string[][] = [];
    for (const [k, label] of METRICS) {
      for (const [setup, m] of Object.entries(s.setups)) {
        const x = m[k]!;
        const ratio = setup === 'vipd' && s.ratio ? s.ratio[k] : undefined;
        rows.push([`${label} (${setup})`, String(x.n), fmtMs(x.median), fmtMs(x.p95), fmtMs(x.max), fmtMs(x.median - s.bound.ms),
          ratio !== undefined && Number.isFinite(ratio) ? ratio.toFixed(2) : '']);
      }
    }
    const failed = r.trials.filter((t) => t.interval === s.interval && t.fault === s.fault && t.error).length;
    parts.push(`${s.interval} / ${s.fault}: bound ${s.bound.name} = ${fmtMs(s.bound.ms)} ms${failed ? ` (${failed} failed trials)` : ''}\n${table(
      ['ms', 'n', 'median', 'p95', 'max', 'median-bound', 'vipd/ka'], rows)}`);
  }
  return parts.join('\n\n');
}

const COLORS: Record<string, string> = { vipd: '#1f77b4', keepalived: '#d62728', mix: '#2ca02c' };

function writeOutputs(o: FailoverOptions, r: FailoverReport, out: NodeJS.WritableStream): void {
  const text = formatReport(r);
  out.write(`\n${text}\n`);
  writeFileSync(join(o.outDir, 'failover.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(join(o.outDir, 'failover.txt'), `${r.date} ${r.machine.cpu} x${r.machine.cpus}, kernel ${r.machine.kernel}, node ${r.machine.node}\n\n${text}\n`);
  const files = ['failover.json', 'failover.txt'];
  for (const s of r.scenarios) {
    const series = o.setups.map((setup) => ({
      label: setup, color: COLORS[setup] ?? '#555',
      values: r.trials.filter((t) => t.interval === s.interval && t.fault === s.fault && t.setup === setup).map((t) => t.outageMs),
    }));
    const name = `outage-${s.interval}-${s.fault}.svg`;
    writeFileSync(join(o.outDir, name), outageChart(`client outage per trial: ${s.fault}, ${s.interval}`, series, { label: `${s.bound.name} ${fmtMs(s.bound.ms)} ms`, value: s.bound.ms }));
    files.push(name);
  }
  out.write(`\nwrote ${files.length} files to ${o.outDir}: ${files.join(', ')}\n`);
}

export function machineInfo(): FailoverReport['machine'] {
  let keepalived: string | undefined;
  if (which('keepalived')) {
    const r = spawnSync('keepalived', ['--version'], { encoding: 'utf8' });
    keepalived = /Keepalived v\S+/.exec(`${r.stdout}${r.stderr}`)?.[0];
  }
  return { hostname: hostname(), cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length, kernel: release(), node: process.version, ...(keepalived ? { keepalived } : {}) };
}

export function parseIntervals(list: string[]): IntervalSpec[] {
  return list.map((n) => {
    const s = INTERVALS.find((i) => i.name === n);
    if (!s) throw new Error(`unknown interval "${n}" (one of ${INTERVALS.map((i) => i.name).join(', ')})`);
    return s;
  });
}
