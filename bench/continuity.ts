// Continuity mode: do established TCP connections through the VIP survive the master's power
// loss? In Debian's user-mode-linux kernel (the host has no IPVS), three controllers as network
// namespaces with their own IPVS tables run vipd or keepalived (k0s-style LVS-DR on the master,
// see bench/lib/uml-continuity.ts), with and without lvs_sync_daemon. A connection survives when
// the controller that served it answers again after the failover; one served by the master dies
// with it whatever the setup, so the share that counts is that of the surviving real servers.
import { runInUml } from '../src/lab/uml.js';
import { which } from '../src/lab/which.js';
import type { ReportSection } from './lib/report.js';
import type { BenchRun } from './lib/run.js';
import { fmtSpread, spread, table } from './lib/stats.js';
import { colorOf, stripChart, type StripGroup } from './lib/svg.js';
import type { ContinuityRun, Impl } from './lib/uml-continuity.js';

export const CONTINUITY_FIXTURE = 'dist/bench/lib/uml-continuity.js';

export interface ContinuityOptions {
  setups: Impl[];
  /** Connections per run (spread rr over the three controllers). */
  conns: number;
  trials: number;
}

/** One run's `failover` step as the fixture prints it. */
export interface ContinuityTrial {
  impl: Impl;
  sync: boolean;
  trial: number;
  /** Controller -> connections it served and how many of those answered after the failover. */
  byServer: Record<string, { total: number; survived: number }>;
  /** Cut to the new master's IPVS service (ms). */
  takeoverMs: number;
}

export interface ContinuityRow {
  impl: Impl;
  sync: boolean;
  trials: number;
  connections: number;
  survived: number;
  /** Connections to the controllers that stayed up, and how many of those survived. */
  onSurvivors: number;
  survivedOnSurvivors: number;
  takeoverMs: number[];
}

/** The controller that loses power (uml-continuity.ts: c1 is the master). */
const MASTER = 'c1';

export async function runContinuityBench(run: BenchRun, o: ContinuityOptions): Promise<{ ok: boolean; rows: ContinuityRow[] }> {
  for (const cmd of ['ipvsadm', 'depmod', 'modprobe', ...o.setups.filter((s) => s === 'keepalived')]) {
    if (!which(cmd)) throw new Error(`continuity bench: "${cmd}" is missing (bash scripts/deps.sh installs it)`);
  }
  const runs: ContinuityRun[] = o.setups.flatMap((impl) => [{ impl, sync: true }, { impl, sync: false }]);
  const { progress } = run;
  const trials: ContinuityTrial[] = [];
  const errors: string[] = [];
  const started = Date.now();
  let buf = '';
  const ticker = setInterval(() => progress.update(`continuity: ${((Date.now() - started) / 1000).toFixed(0)} s, ${trials.length}/${runs.length * o.trials} runs`), 1000);
  let r;
  try {
    r = await runInUml(CONTINUITY_FIXTURE, {
      args: [JSON.stringify({ runs, conns: o.conns, trials: o.trials })],
      timeoutMs: 120_000 + runs.length * o.trials * 150_000,
      memMb: 1024,
      onOutput: (text) => {
        buf += text;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.startsWith('{')) continue;
          try {
            const s = JSON.parse(line) as Record<string, any>;
            if (s.step === 'failover') {
              trials.push({ impl: s.impl, sync: s.sync, trial: s.trial, byServer: s.byServer, takeoverMs: s.takeoverMs });
              progress.line(`  ${s.run}: ${Object.entries(s.byServer as ContinuityTrial['byServer']).map(([k, v]) => `${k} ${v.survived}/${v.total}`).join(', ')}, takeover ${s.takeoverMs} ms`);
            } else if (s.step === 'run-error' || s.step === 'fatal' || s.step === 'daemon-error') {
              const e = `${s.run ?? s.node ?? ''}: ${s.error ?? s.msg}`;
              errors.push(e);
              progress.line(`  ${e}`);
            }
          } catch {
            // a partial line
          }
        }
      },
    });
  } finally {
    clearInterval(ticker);
  }
  if (r.code !== 0 && trials.length === 0) {
    throw new Error(`continuity bench: the UML run failed (exit ${r.code}${r.timedOut ? ', timed out' : ''}):\n${r.output.slice(-3000)}\n${r.initLog}`);
  }
  const rows = continuityRows(runs, trials);
  const sections = continuitySections(o, rows, errors);
  if (r.code !== 0) sections.push({ heading: 'UML run', notes: [`exit ${r.code}${r.timedOut ? ' (timed out)' : ''}; output tail:`], table: r.output.slice(-2000) });
  run.finish({ title: `vipd bench continuity: ${o.conns} connections through a master power loss, x ${o.trials}, in UML`, sections, json: { options: o, umlMs: r.totalMs, trials, errors } });
  return { ok: r.code === 0 && errors.length === 0 && trials.length === runs.length * o.trials, rows };
}

/** Trials summed per implementation and sync setting (pure). */
export function continuityRows(runs: ContinuityRun[], trials: ContinuityTrial[]): ContinuityRow[] {
  return runs.map((run) => {
    const f = trials.filter((s) => s.impl === run.impl && s.sync === run.sync);
    const row: ContinuityRow = { ...run, trials: f.length, connections: 0, survived: 0, onSurvivors: 0, survivedOnSurvivors: 0, takeoverMs: f.map((s) => s.takeoverMs) };
    for (const s of f) {
      for (const [server, v] of Object.entries(s.byServer)) {
        row.connections += v.total;
        row.survived += v.survived;
        if (server !== MASTER) {
          row.onSurvivors += v.total;
          row.survivedOnSurvivors += v.survived;
        }
      }
    }
    return row;
  });
}

/** The table and the takeover chart (pure). */
export function continuitySections(o: ContinuityOptions, rows: ContinuityRow[], errors: string[] = []): ReportSection[] {
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(0)} %` : '-');
  const g: StripGroup = { label: 'cut -> IPVS on the new master', series: [] };
  rows.forEach((x, i) => {
    if (x.takeoverMs.length) g.series.push({ label: `${x.impl}${x.sync ? ' + sync' : ''}`, color: x.sync ? colorOf(x.impl) : colorOf(`${x.impl} without sync`, i), values: x.takeoverMs });
  });
  return [{
    heading: 'Established connections through a master power loss',
    notes: [
      `Three controllers (k0s-style LVS-DR, rr), ${o.conns} long-lived TCP connections through VIP:6443 per run, ${o.trials} run(s) per row; the master (${MASTER}) loses its cable and every process. ` +
      'A connection survives when the controller that served it answers again 2 s after the new master\'s IPVS service exists. ' +
      'Connections served by the master itself die with it whatever the setup; without lvs_sync_daemon the new master has no entry for the others and resets them unless it served them itself.',
      ...errors.map((e) => `error: ${e}`),
    ],
    table: table(['setup', 'runs', 'survived', 'of all', 'on the surviving controllers', 'takeover ms'], rows.map((x) => [
      `${x.impl}, lvs_sync_daemon ${x.sync ? 'on' : 'off'}`, String(x.trials), `${x.survived}/${x.connections}`, pct(x.survived, x.connections),
      `${x.survivedOnSurvivors}/${x.onSurvivors} (${pct(x.survivedOnSurvivors, x.onSurvivors)})`, fmtSpread(spread(x.takeoverMs), (v) => v.toFixed(0)),
    ])),
    charts: g.series.length ? [stripChart({ title: 'master cut -> the new master\'s IPVS service', unit: 'ms', groups: [g] })] : [],
  }];
}
