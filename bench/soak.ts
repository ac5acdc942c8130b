// Soak mode: many VRRP instances at 10 ms adverts (v3) on one LAN, every CPU saturated by busy
// loops, for a given duration. Counts spurious transitions (any state change after the initial
// election: must be 0), and samples CPU % and RSS of every daemon from /proc. A second, short run
// with ONE instance and no load measures the idle cost of 10 ms adverts (target <= 1 % of a core).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname, release } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from '../src/lab/cleanup.js';
import { childEnv, createLan, repoRoot, type Lab } from '../src/lab/netns-lab.js';
import { which } from '../src/lab/which.js';
import { sleep } from './lib/bench-lab.js';
import { masterDownMs, renderKeepalivedConf, type IntervalSpec } from './lib/conf.js';
import { ProcSampler, type ProcStats } from './lib/proc-sampler.js';
import { Progress } from './lib/progress.js';
import { startRouter, type Impl, type RouterProc, type StateEvent } from './lib/router.js';
import { table } from './lib/stats.js';

export interface SoakOptions {
  durationS: number;
  vrids: number;
  /** Advertisement interval, ms (v3: centiseconds, so a multiple of 10). */
  intervalMs?: number;
  routers?: number;
  setups: Impl[];
  /** Saturate every CPU with busy loops during the loaded run. */
  load: boolean;
  /** Seconds of the one-instance, no-load run (0: skip it). */
  idleS?: number;
  outDir: string;
  out?: NodeJS.WritableStream;
}

export interface DaemonStats extends ProcStats {
  node: string;
  /** master / backup: its role for every instance. */
  role: string;
  pids: number[];
}

export interface SoakResult {
  setup: Impl;
  scenario: 'loaded' | 'idle';
  vrids: number;
  intervalMs: number;
  load: boolean;
  durationS: number;
  /** Start to every instance in its expected state, ms. */
  electionMs: number;
  spuriousTransitions: number;
  /** The spurious state changes (router, instance, state, seconds into the run). */
  transitions: Array<{ node: string; instance: string; state: string; atS: number }>;
  daemons: DaemonStats[];
  error?: string;
}

const priorityOf = (i: number) => (i === 0 ? 150 : 100 - 10 * (i - 1));
/** VIP of a VRID: outside every lab subnet (10.1xx.y.0/24), /32 like keepalived's default. */
const vipOf = (vrid: number) => `10.250.${vrid >> 8}.${vrid & 255}`;
const instanceName = (vrid: number) => `VI_${vrid}`;

/** Busy loops on the host at normal priority, one per CPU; killed on every exit path. */
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

/** The daemon's own processes: vipd is one node process; keepalived a parent plus its VRRP child. */
function pidsOf(p: RouterProc, runDir: string): number[] {
  const pids = p.child.pid !== undefined ? [p.child.pid] : [];
  if (p.impl === 'keepalived') {
    try {
      pids.push(Number(readFileSync(join(runDir, `ka-vrrp-${p.node.name}.pid`), 'utf8').trim()));
    } catch {
      // not written yet
    }
  }
  return pids;
}

async function runOne(o: {
  setup: Impl; vrids: number; intervalMs: number; routers: number; load: boolean; durationS: number; scenario: 'loaded' | 'idle';
  progress: Progress;
}): Promise<SoakResult> {
  const spec: IntervalSpec = { name: `v3-${o.intervalMs}ms`, version: 3, advertMs: o.intervalMs };
  const result: SoakResult = {
    setup: o.setup, scenario: o.scenario, vrids: o.vrids, intervalMs: o.intervalMs, load: o.load, durationS: o.durationS,
    electionMs: NaN, spuriousTransitions: 0, transitions: [], daemons: [],
  };
  const label = `soak ${o.setup} ${o.scenario} (${o.vrids} VRID${o.vrids > 1 ? 's' : ''} @ ${o.intervalMs} ms${o.load ? ', CPUs loaded' : ''})`;
  let lab: Lab | undefined;
  let load: { stop(): void } | undefined;
  const procs: RouterProc[] = [];
  try {
    lab = await createLan({ nodes: Array.from({ length: o.routers }, (_, i) => `r${i + 1}`), ipv6: false });
    const vrids = Array.from({ length: o.vrids }, (_, i) => i + 1);
    const started = Date.now();
    for (const [i, node] of lab.nodes.entries()) {
      const conf = join(lab.dir, `soak-${node.name}.conf`);
      writeFileSync(conf, renderKeepalivedConf(spec, vrids.map((v) => ({
        name: instanceName(v), vrid: v, priority: priorityOf(i), vips: [vipOf(v)],
      }))));
      procs.push(startRouter(o.setup, node, conf, lab.dir));
    }
    // The initial election: r1 MASTER of every instance, the others BACKUP.
    const expected = (i: number) => (i === 0 ? 'master' : 'backup');
    const deadline = Date.now() + 20_000 + o.vrids * 100 + 3 * masterDownMs(spec, 100);
    for (;;) {
      const ok = procs.every((p, i) => vrids.every((v) => p.state(instanceName(v)) === expected(i)));
      if (ok) break;
      const dead = procs.find((p) => p.exited);
      if (dead) throw new Error(`${o.setup} on ${dead.node.name} exited during the election:\n${dead.tail()}`);
      if (Date.now() > deadline) {
        const off = procs.flatMap((p, i) => vrids.filter((v) => p.state(instanceName(v)) !== expected(i)).map((v) => `${p.node.name}/${instanceName(v)}=${p.state(instanceName(v))}`));
        throw new Error(`no steady state after ${Date.now() - started} ms: ${off.slice(0, 10).join(' ')}${off.length > 10 ? ` (+${off.length - 10})` : ''}`);
      }
      await sleep(50);
    }
    result.electionMs = Date.now() - started;
    // Let the last start-up work settle (GARP repeats, JIT) before counting and sampling.
    await sleep(1000);
    const marks = procs.map((p) => p.events.length);
    if (o.load) load = startLoad(cpus().length);
    const samplers = procs.map((p) => new ProcSampler(pidsOf(p, lab!.dir)));
    for (const s of samplers) s.start();
    const t0 = Date.now();
    const spurious = (): StateEvent[] => procs.flatMap((p, i) => p.events.slice(marks[i]));
    while (Date.now() - t0 < o.durationS * 1000) {
      await sleep(1000);
      const pcts = samplers.map((s) => s.sample());
      const dead = procs.find((p) => p.exited);
      if (dead) throw new Error(`${o.setup} on ${dead.node.name} exited during the soak:\n${dead.tail()}`);
      o.progress.update(`${label}: ${Math.round((Date.now() - t0) / 1000)}/${o.durationS} s, spurious transitions ${spurious().length}, ` +
        procs.map((p, i) => `${p.node.name} ${pcts[i]!.toFixed(1)}% ${(samplers[i]!.stats().rssKbEnd / 1024).toFixed(0)} MB`).join(', '));
    }
    load?.stop();
    load = undefined;
    result.durationS = (Date.now() - t0) / 1000;
    result.daemons = procs.map((p, i) => ({ node: p.node.name, role: expected(i), pids: samplers[i]!.pids, ...samplers[i]!.stats() }));
    result.transitions = procs.flatMap((p, i) => p.events.slice(marks[i]).map((e) => ({ node: p.node.name, instance: e.instance, state: e.state, atS: (e.time - t0) / 1000 })));
    result.spuriousTransitions = result.transitions.length;
  } catch (e) {
    result.error = (e as Error).message;
  } finally {
    load?.stop();
    await Promise.all(procs.map((p) => p.stop()));
    await lab?.teardown();
  }
  o.progress.line(`${label}: ${result.error ? `FAILED: ${result.error}` : `${result.spuriousTransitions} spurious transitions over ${result.durationS.toFixed(0)} s`}`);
  return result;
}

export async function runSoak(o: SoakOptions): Promise<SoakResult[]> {
  const out = o.out ?? process.stdout;
  const progress = new Progress(out);
  const intervalMs = o.intervalMs ?? 10;
  if (intervalMs < 10 || intervalMs % 10 !== 0) throw new Error('--interval-ms: VRRPv3 adverts are in centiseconds (10, 20, ...)');
  if (o.vrids < 1 || o.vrids > 255) throw new Error('--vrids: 1..255');
  for (const s of o.setups) {
    if (s !== 'vipd' && s !== 'keepalived') throw new Error(`unknown setup "${s}" (vipd, keepalived)`);
    if (s === 'keepalived' && !which('keepalived')) throw new Error('keepalived is not installed (apt-get install -y keepalived)');
  }
  const routers = o.routers ?? 2;
  const results: SoakResult[] = [];
  for (const setup of o.setups) {
    results.push(await runOne({ setup, vrids: o.vrids, intervalMs, routers, load: o.load, durationS: o.durationS, scenario: 'loaded', progress }));
    if ((o.idleS ?? 0) > 0) {
      results.push(await runOne({ setup, vrids: 1, intervalMs, routers, load: false, durationS: o.idleS!, scenario: 'idle', progress }));
    }
  }
  progress.done();
  const rows: string[][] = [];
  for (const r of results) {
    const what = `${r.setup} ${r.vrids} VRID${r.vrids > 1 ? 's' : ''} @${r.intervalMs}ms${r.load ? ' +load' : ''}`;
    if (r.error) {
      rows.push([what, '-', '-', '-', '-', '-', 'error']);
      continue;
    }
    for (const d of r.daemons) {
      rows.push([what, `${d.node} ${d.role}`, d.cpuPct.toFixed(2), d.cpuPctMax.toFixed(1), (d.rssKbMax / 1024).toFixed(1), (d.hwmKb / 1024).toFixed(1), String(r.spuriousTransitions)]);
    }
  }
  progress.line('');
  progress.line(`soak: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${o.load ? `${cpus().length} busy loops during the loaded run` : 'no load'}`);
  progress.line(table(['run', 'daemon', 'cpu % mean', 'cpu % max 1s', 'RSS MB max', 'peak RSS MB', 'spurious'], rows));
  for (const r of results) {
    if (r.transitions.length) {
      const masters = r.transitions.filter((t) => t.state === 'master');
      const byNode = new Map<string, number>();
      for (const t of masters) byNode.set(t.node, (byNode.get(t.node) ?? 0) + 1);
      const times = [...new Set(masters.map((t) => t.atS.toFixed(1)))];
      progress.line(`  spurious (${r.setup} ${r.scenario}): ${r.transitions.length} state changes; -> MASTER: ` +
        `${[...byNode].map(([n, c]) => `${n} x${c}`).join(', ')} (${new Set(masters.map((t) => t.instance)).size} instances) at ${times.slice(0, 12).join(', ')}${times.length > 12 ? ', ...' : ''} s`);
    }
    for (const t of r.transitions.slice(0, 5)) progress.line(`    ${t.node} ${t.instance} -> ${t.state} at ${t.atS.toFixed(3)} s`);
    if (r.error) progress.line(`  error (${r.setup} ${r.scenario}): ${r.error}`);
  }
  mkdirSync(o.outDir, { recursive: true });
  const file = join(o.outDir, 'soak.json');
  writeFileSync(file, `${JSON.stringify({
    date: new Date().toISOString(), host: hostname(), kernel: release(), cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version,
    options: { ...o, out: undefined }, results,
  }, null, 2)}\n`);
  progress.line(`wrote ${file}`);
  return results;
}
