// The failover benchmark: a bridge LAN of N routers and a client (namespaces). A setup names the
// implementation of each router: vipd, keepalived (both from the same keepalived.conf), FRR's
// vrrpd (the same instance in FRR's terms), or a mixed LAN (vipd+keepalived: r1 vipd, r2
// keepalived, r3 vipd). The client probes the VIP every 1 ms. Per trial: the client-visible
// outage, fault-to-MASTER (log line arrival), fault-to-first-GARP and the takeover on the wire
// (tcpdump on the client), which does not depend on where in the advert interval the fault fell.
import { capture, type Capture } from '../src/lab/netns-lab.js';
import { frrInstalled, virtualMac, type FrrRouter } from '../src/lab/frr.js';
import { which } from '../src/lab/which.js';
import { createBenchLab, sleep, type BenchLab, type ProbeAgent } from './lib/bench-lab.js';
import { INTERVALS, masterDownMs, renderKeepalivedConf, skewMs, type IntervalSpec } from './lib/conf.js';
import { nowMs } from './lib/prober.js';
import type { ReportSection } from './lib/report.js';
import { startFrrRouter, startRouter, type Impl, type RouterProc } from './lib/router.js';
import type { BenchRun } from './lib/run.js';
import { fmtMs, summarize, table, type Summary } from './lib/stats.js';
import { cdfChart, colorOf, stripChart, type StripGroup } from './lib/svg.js';
import { decodeWire, takeoverOnWire } from './lib/wire.js';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';

export type Fault = 'cut' | 'graceful' | 'tracking' | 'preempt';
export const FAULTS: Fault[] = ['cut', 'graceful', 'tracking', 'preempt'];
/** vipd, keepalived, frr, mix (= vipd+keepalived), or one implementation per router joined by '+'. */
export type Setup = string;

export interface FailoverOptions {
  routers: number;
  setups: Setup[];
  trials: number;
  faults: Fault[];
  intervals: IntervalSpec[];
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
  ['wireAdvertMs', 'wire: takeover advert'],
  ['wireGarpMs', 'wire: takeover GARP'],
  ['outageMs', 'client outage'],
  ['faultToMasterMs', 'fault -> MASTER'],
  ['faultToGarpMs', 'fault -> first GARP'],
] as const;

/** The protocol bound of a fault: which timer the new master waits for. */
export function boundOf(spec: IntervalSpec, fault: Fault): { name: string; ms: number } {
  if (fault === 'graceful') return { name: 'Skew_Time', ms: skewMs(spec, priorityOf(1)) };
  if (fault === 'preempt') return { name: 'Master_Down_Interval', ms: masterDownMs(spec, priorityOf(0)) };
  return { name: 'Master_Down_Interval', ms: masterDownMs(spec, priorityOf(1)) };
}

/** The implementation of router i (0-based) in a setup. */
export function implOf(setup: Setup, i: number): Impl {
  const parts = (setup === 'mix' ? 'vipd+keepalived' : setup).split('+') as Impl[];
  return parts[i % parts.length]!;
}

/** Why a setup cannot run a scenario (FRR: VRRPv3 only, no track scripts), or undefined. */
export function unsupported(setup: Setup, routers: number, spec: IntervalSpec, fault?: Fault): string | undefined {
  const impls = Array.from({ length: routers }, (_, i) => implOf(setup, i));
  if (impls.includes('frr') && spec.version !== 3) return 'FRR runs VRRPv3 only';
  if (fault === 'tracking' && impls[0] === 'frr') return 'FRR has no vrrp_script (the tracking fault)';
  return undefined;
}

class Block {
  procs: RouterProc[] = [];
  confs: string[] = [];
  flags: string[] = [];
  frr: Array<FrrRouter | undefined> = [];
  constructor(readonly bl: BenchLab, readonly spec: IntervalSpec, readonly setup: Setup) {
    this.bl.routers.forEach((r, i) => {
      const flag = join(bl.lab.dir, `fail-${r.name}`);
      this.flags.push(flag);
      this.confs.push(bl.write(`${spec.name}-${r.name}.conf`, renderKeepalivedConf(spec, [{
        name: 'VI_1', vrid: VRID, priority: priorityOf(i), vips: [`${bl.vip}/24`], trackFlag: flag, trackWeight: TRACK_WEIGHT,
      }])));
    });
  }
  impl(i: number): Impl {
    return implOf(this.setup, i);
  }
  async start(i: number): Promise<void> {
    const node = this.bl.routers[i]!;
    const impl = this.impl(i);
    if (impl === 'frr') {
      const r = await startFrrRouter(node, [{ name: 'VI_1', vrid: VRID, priority: priorityOf(i), advertMs: this.spec.advertMs, vips: [`${this.bl.vip}/24`] }], this.frr[i]);
      this.frr[i] = r.frr;
      this.procs[i] = r.proc;
    } else this.procs[i] = startRouter(impl, node, this.confs[i]!, this.bl.lab.dir);
  }
  async startAll(): Promise<void> {
    for (let i = 0; i < this.bl.routers.length; i++) await this.start(i);
    await this.steady();
  }
  async stopAll(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
    await Promise.all(this.frr.map((f) => f?.stop()));
    this.frr = [];
  }
  /** r1 MASTER, everyone else BACKUP. */
  async steady(timeoutMs = 3 * masterDownMs(this.spec, 1) + 8000): Promise<void> {
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
  /** The MAC a router's gratuitous ARPs come from. */
  garpMac(i: number): string {
    return this.impl(i) === 'frr' ? virtualMac(VRID) : this.bl.routers[i]!.mac;
  }
}

interface TrialTimes { t0: number; master: number; back: number; outageMs: number; oldIndex: number; newIndex: number }

async function runTrial(b: Block, fault: Fault, probe: ProbeAgent): Promise<TrialTimes> {
  const { spec, bl } = b;
  const r1 = bl.routers[0]!;
  const mdi = masterDownMs(spec, priorityOf(1));
  // Past the client's neighbour locktime (1 s: a GARP within it of the last update is ignored),
  // then a random phase within one advert interval: the outage depends on it, the takeover must not.
  await sleep(Math.max(3 * spec.advertMs, 1100) + Math.random() * Math.min(spec.advertMs, 1000));
  let t0: number;
  let oldIndex = 0, newIndex = 1;
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
    await b.procs[0]!.waitState('fault', { since: cutAt, timeoutMs: 3000 }).catch(() => undefined);
    await sleep(Math.max(3 * spec.advertMs, 1100) + Math.random() * Math.min(spec.advertMs, 1000));
    t0 = bl.plug(r1);
    oldIndex = 1;
    newIndex = 0;
  }
  const ev = await b.procs[newIndex]!.waitState('master', { since: t0, timeoutMs: 2 * mdi + (fault === 'tracking' ? 3000 : 2000) });
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
    await b.start(0);
  } else if (fault === 'tracking') await r1.exec(['rm', '-f', b.flags[0]!]);
  await b.steady(2 * masterDownMs(spec, priorityOf(0)) + 8000);
  return { t0, master: ev.time, back, outageMs, oldIndex, newIndex };
}

export interface FailoverScenario {
  interval: string; fault: Fault; bound: { name: string; ms: number };
  setups: Record<string, Record<string, Summary>>;
  skipped: Record<string, string>;
}

export async function runFailover(run: BenchRun, o: FailoverOptions): Promise<{ ok: boolean; trials: TrialResult[]; scenarios: FailoverScenario[] }> {
  const impls = new Set(o.setups.flatMap((s) => Array.from({ length: o.routers }, (_, i) => implOf(s, i))));
  for (const c of ['ip', 'tcpdump', ...(impls.has('keepalived') ? ['keepalived'] : [])]) {
    if (!which(c)) throw new Error(`bench failover: the "${c}" command is missing (bash scripts/deps.sh installs it)`);
  }
  if (impls.has('frr') && !frrInstalled()) throw new Error('bench failover: FRR is not installed (apt-get install -y frr)');
  const { progress } = run;
  const trials: TrialResult[] = [];
  const bl = await createBenchLab(o.routers);
  try {
    for (const spec of o.intervals) {
      for (const setup of o.setups) {
        if (unsupported(setup, o.routers, spec)) continue;
        const faults = o.faults.filter((f) => !unsupported(setup, o.routers, spec, f));
        if (!faults.length) continue;
        const tag = `[${spec.name} ${setup}]`;
        const b = new Block(bl, spec, setup);
        progress.update(`${tag} starting ${o.routers} routers`);
        let probe: ProbeAgent | undefined;
        let cap: Capture | undefined;
        const pending: Array<TrialResult & TrialTimes> = [];
        try {
          await b.startAll();
          probe = await bl.startProbe(bl.vip);
          cap = await capture(bl.lab, bl.client, 'ip proto 112 or arp');
          for (const fault of faults) {
            for (let k = 1; k <= o.trials; k++) {
              progress.update(`${tag} ${fault} ${k}/${o.trials}`);
              try {
                const r = await runTrial(b, fault, probe);
                const rec = { ...r, interval: spec.name, setup, fault, trial: k, faultAt: r.t0, faultToMasterMs: r.master - r.t0 };
                pending.push(rec);
                progress.line(`${tag} ${fault} ${k}/${o.trials}: outage ${fmtMs(rec.outageMs)} ms, fault->MASTER ${fmtMs(rec.faultToMasterMs)} ms`);
              } catch (e) {
                const msg = (e as Error).message;
                trials.push({ interval: spec.name, setup, fault, trial: k, faultAt: 0, outageMs: NaN, faultToMasterMs: NaN, error: msg });
                progress.line(`${tag} ${fault} ${k}/${o.trials}: FAILED ${msg.split('\n')[0]}`);
                await b.restart().catch((err: Error) => progress.line(`  restart failed: ${err.message}`));
              }
            }
          }
        } catch (e) {
          trials.push({ interval: spec.name, setup, fault: faults[0]!, trial: 0, faultAt: 0, outageMs: NaN, faultToMasterMs: NaN, error: `setup failed: ${(e as Error).message}` });
          progress.line(`${tag} FAILED to start: ${(e as Error).message.split('\n')[0]}`);
        } finally {
          const wire = decodeWire(cap ? await cap.stop() : []);
          await probe?.stop();
          await b.stopAll();
          for (const p of pending) {
            const w = takeoverOnWire(wire, {
              fault: p.faultAt, until: p.back, oldIp: bl.routers[p.oldIndex]!.ipv4, newIp: bl.routers[p.newIndex]!.ipv4, newGarpMac: b.garpMac(p.newIndex),
              vrid: VRID, vip: bl.vip, kind: p.fault, basePriority: priorityOf(0),
            });
            trials.push({
              interval: p.interval, setup: p.setup, fault: p.fault, trial: p.trial, faultAt: p.faultAt, outageMs: p.outageMs, faultToMasterMs: p.faultToMasterMs,
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
  const scenarios = summarizeScenarios(o, trials);
  run.finish({
    title: `vipd bench failover: ${o.setups.join(', ')} at ${o.intervals.map((i) => i.name).join(', ')}`,
    sections: failoverSections(o, trials, scenarios),
    json: { options: { ...o, intervals: o.intervals.map((i) => i.name) }, scenarios, trials },
  });
  return { ok: !trials.some((t) => t.error), trials, scenarios };
}

export function summarizeScenarios(o: FailoverOptions, trials: TrialResult[]): FailoverScenario[] {
  const scenarios: FailoverScenario[] = [];
  for (const spec of o.intervals) {
    for (const fault of o.faults) {
      const setups: Record<string, Record<string, Summary>> = {};
      const skipped: Record<string, string> = {};
      for (const setup of o.setups) {
        const why = unsupported(setup, o.routers, spec, fault);
        if (why) {
          skipped[setup] = why;
          continue;
        }
        const ts = trials.filter((t) => t.interval === spec.name && t.fault === fault && t.setup === setup && !t.error);
        setups[setup] = Object.fromEntries(METRICS.map(([k]) => [k, summarize(ts.map((t) => t[k] ?? NaN))]));
      }
      scenarios.push({ interval: spec.name, fault, bound: boundOf(spec, fault), setups, skipped });
    }
  }
  return scenarios;
}

/** The tables and charts (pure: trials in). */
export function failoverSections(o: FailoverOptions, trials: TrialResult[], scenarios: FailoverScenario[]): ReportSection[] {
  const sections: ReportSection[] = [];
  for (const spec of o.intervals) {
    const mine = scenarios.filter((s) => s.interval === spec.name);
    const groups: StripGroup[] = mine.map((s) => ({
      label: `${s.fault} (${s.bound.name} ${fmtMs(s.bound.ms)})`,
      series: Object.keys(s.setups).map((setup, i) => ({
        label: setup, color: colorOf(setup, i),
        values: trials.filter((t) => t.interval === s.interval && t.fault === s.fault && t.setup === setup && !t.error).map((t) => (t.wireAdvertMs ?? NaN) - s.bound.ms),
      })),
    }));
    const parts: ReportSection[] = [];
    for (const s of mine) {
      const rows: string[][] = [];
      for (const [k, label] of METRICS) {
        for (const [setup, m] of Object.entries(s.setups)) {
          const x = m[k]!;
          rows.push([`${label} (${setup})`, String(x.n), fmtMs(x.median), fmtMs(x.p95), fmtMs(x.max), fmtMs(x.median - s.bound.ms)]);
        }
      }
      const failed = trials.filter((t) => t.interval === s.interval && t.fault === s.fault && t.error);
      const outage = Object.keys(s.setups).map((setup, i) => ({
        label: setup, color: colorOf(setup, i),
        values: trials.filter((t) => t.interval === s.interval && t.fault === s.fault && t.setup === setup && !t.error).map((t) => t.outageMs),
      }));
      parts.push({
        heading: `${s.interval} / ${s.fault}: bound ${s.bound.name} = ${fmtMs(s.bound.ms)} ms`,
        notes: [
          ...Object.entries(s.skipped).map(([setup, why]) => `${setup}: not run (${why})`),
          ...(failed.length ? [`${failed.length} failed trial(s): ${[...new Set(failed.map((f) => `${f.setup}: ${f.error!.split('\n')[0]}`))].join('; ')}`] : []),
        ],
        table: table(['ms', 'n', 'median', 'p95', 'max', 'median-bound'], rows),
        charts: [cdfChart({ title: `client outage: ${s.interval}, ${s.fault}`, unit: 'ms', series: outage })],
      });
    }
    sections.push({
      heading: `${spec.name}: takeover on the wire minus the bound`,
      notes: ['Last advert of the old master (cut, graceful: its priority-0 advert; tracking: its first lowered advert; preempt: the instant the cable went in) ' +
        'to the first advert of the new master, minus the protocol bound; 0 = exactly on the bound. Independent of where in the advert interval the fault fell.'],
      charts: [stripChart({ title: `${spec.name}: wire takeover - bound`, unit: 'ms over the bound', groups, reference: { value: 0, label: 'bound' } })],
    }, ...parts);
  }
  return sections;
}

export function parseIntervals(list: string[]): IntervalSpec[] {
  return list.map((n) => {
    const s = INTERVALS.find((i) => i.name === n);
    if (!s) throw new Error(`unknown interval "${n}" (one of ${INTERVALS.map((i) => i.name).join(', ')})`);
    return s;
  });
}

