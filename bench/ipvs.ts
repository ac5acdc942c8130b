// IPVS mode: the daemon path in Debian's user-mode-linux kernel (the host kernel has no IPVS).
// In one boot, vipd and keepalived are each started on the same keepalived.conf and timed until
// the kernel holds every entry; with a TCP_CHECK on every real server, their CPU over a window and
// how stale the checks got; and SIGHUP after one weight changed, until the kernel shows it.
// `ipvsadm -R` / `ipvsadm -e` of the same table are the reference (bench/lib/uml-ipvs-bench.ts
// runs inside). UML system calls are slow (ptrace): only comparisons inside one run mean
// anything; never compare with host timings.
import { runInUml } from '../src/lab/uml.js';
import { which } from '../src/lab/which.js';
import type { BenchRun } from './lib/run.js';
import { spread, fmtSpread, table, type Spread } from './lib/stats.js';
import { colorOf, stripChart, type StripGroup } from './lib/svg.js';
import type { CheckReport } from './lib/check-log.js';
import type { ListenCounters } from './lib/netstat.js';
import type { DaemonImpl, IpvsCaseSpec } from './lib/uml-ipvs-bench.js';
import type { ReportSection } from './lib/report.js';

export const IPVS_FIXTURE = 'dist/bench/lib/uml-ipvs-bench.js';

export interface IpvsBenchOptions {
  sizes: number[];
  dests: number;
  checks: Array<'none' | 'tcp'>;
  setups: DaemonImpl[];
  ipvsadm: boolean;
  windowS: number;
  delayLoop: number;
  connectTimeout: number;
  reload: number;
  pollMs: number;
  repeats: number;
}

export interface IpvsResult {
  kind: 'result';
  rep: number;
  case: 'program' | 'checks' | 'reload' | 'ipvsadm-restore' | 'ipvsadm-edit';
  impl: DaemonImpl | 'ipvsadm';
  services: number;
  dests: number;
  check?: 'none' | 'tcp';
  ms?: number;
  cpuPct?: number;
  cpuSamples?: number[];
  /** CPU of the real servers' listener over the same window (it shares the UML CPU). */
  listenerCpuPct?: number;
  rssMb?: number;
  /** The real servers' kernel over the window (namespace rs): handshakes completed, accept-queue overflows. */
  kernel?: ListenCounters & { windowS: number };
  checks?: CheckReport & { expected: number; staleAfterMs: number; neverChecked: number };
  stopMs?: number;
  left?: { services: number; destinations: number };
  /** vipd's reload: where the time went (its status's lastReload). */
  phases?: string;
  error?: string;
}

/** Upper bound of a UML run: every case's worst time, generously. */
function timeoutMs(o: IpvsBenchOptions): number {
  const entries = o.sizes.reduce((n, s) => n + s * (o.dests + 1), 0) + o.reload * (o.dests + 1);
  const perRep = entries * 12 * (o.setups.length + 1) + o.sizes.length * o.setups.length * (o.windowS + o.delayLoop + o.connectTimeout + 60) * 1000;
  return Math.max(600_000, perRep * o.repeats * 1.5);
}

export async function runIpvsBench(run: BenchRun, o: IpvsBenchOptions): Promise<{ ok: boolean; results: IpvsResult[] }> {
  for (const cmd of ['ipvsadm', 'depmod', 'modprobe', ...o.setups.filter((s) => s === 'keepalived')]) {
    if (!which(cmd)) throw new Error(`ipvs bench: "${cmd}" is missing (bash scripts/deps.sh installs it)`);
  }
  const { progress } = run;
  const spec: IpvsCaseSpec = {
    sizes: o.sizes, dests: o.dests, checks: o.checks, impls: o.setups, ipvsadm: o.ipvsadm, windowS: o.windowS,
    delayLoop: o.delayLoop, connectTimeout: o.connectTimeout, reload: o.reload, pollMs: o.pollMs, repeats: o.repeats,
  };
  const results: IpvsResult[] = [];
  let kernel = '?';
  let buf = '';
  const started = Date.now();
  let last = 'booting UML';
  const ticker = setInterval(() => progress.update(`ipvs: ${((Date.now() - started) / 1000).toFixed(0)} s: ${last}`), 1000);
  let r;
  try {
    r = await runInUml(IPVS_FIXTURE, {
      args: [JSON.stringify(spec)], timeoutMs: timeoutMs(o), memMb: 3072,
      onOutput: (text) => {
        buf += text;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.startsWith('{')) continue;
          try {
            const j = JSON.parse(line) as { kind: string; text?: string; kernel?: string };
            if (j.kind === 'progress') last = j.text ?? '';
            else if (j.kind === 'start') kernel = j.kernel ?? '?';
            else if (j.kind === 'result') {
              const res = j as unknown as IpvsResult;
              results.push(res);
              progress.line(`  ${describe(res)}`);
            }
          } catch {
            // a partial line
          }
        }
      },
    });
  } finally {
    clearInterval(ticker);
    progress.done();
  }
  if (r.code !== 0 && results.length === 0) {
    throw new Error(`ipvs bench: the UML run failed (exit ${r.code}${r.timedOut ? ', timed out' : ''}):\n${r.output.slice(-3000)}\n${r.initLog}`);
  }
  const sections = ipvsSections(o, results, kernel);
  if (r.code !== 0) sections.push({ heading: 'UML run', notes: [`exit ${r.code}${r.timedOut ? ' (timed out)' : ''}; output tail:`], table: r.output.slice(-2000) });
  run.finish({ title: `vipd bench ipvs: ${o.sizes.join(', ')} virtual servers x ${o.dests} in UML ${kernel}`, sections, json: { options: o, kernel, umlMs: r.totalMs, results } });
  return { ok: r.code === 0 && !results.some((x) => x.error), results };
}

function describe(r: IpvsResult): string {
  const what = `${r.case} ${r.impl} ${r.services} x ${r.dests}${r.check === 'tcp' ? ' + TCP_CHECK' : ''}${r.rep > 1 ? ` #${r.rep}` : ''}`;
  if (r.error) return `${what}: FAILED ${r.error.split('\n')[0]}`;
  const extra = r.cpuPct !== undefined ? `, CPU ${r.cpuPct.toFixed(1)} % of a core, ${r.checks?.stale ?? '?'} stale checks` : '';
  return `${what}: ${((r.ms ?? NaN) / 1000).toFixed(2)} s${extra}`;
}

const sec = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) : '-');

/** The tables and charts of a run (pure: results in). */
export function ipvsSections(o: IpvsBenchOptions, results: IpvsResult[], kernel: string): ReportSection[] {
  const ok = results.filter((r) => !r.error);
  const sel = (f: (r: IpvsResult) => boolean) => ok.filter(f);
  const seconds = (rs: IpvsResult[]) => spread(rs.map((r) => (r.ms ?? NaN) / 1000));
  const impls: Array<DaemonImpl | 'ipvsadm'> = [...o.setups, ...(o.ipvsadm ? ['ipvsadm' as const] : [])];
  const sections: ReportSection[] = [];

  // 1. Start -> every entry in the kernel.
  const rows: string[][] = [];
  const groups: Record<number, StripGroup[]> = {};
  for (const n of o.sizes) {
    for (const check of o.checks) {
      const label = `${n} x ${o.dests}${check === 'tcp' ? ' + TCP_CHECK' : ''}`;
      const by = new Map<string, Spread>();
      const g: StripGroup = { label, series: [] };
      for (const impl of impls) {
        const rs = impl === 'ipvsadm'
          ? (check === 'none' ? sel((r) => r.case === 'ipvsadm-restore' && r.services === n) : [])
          : sel((r) => (r.case === 'program' || r.case === 'checks') && r.impl === impl && r.services === n && r.check === check);
        by.set(impl, seconds(rs));
        if (rs.length) g.series.push({ label: impl === 'ipvsadm' ? 'ipvsadm -R' : impl, color: colorOf(impl), values: rs.map((r) => (r.ms ?? NaN) / 1000) });
      }
      (groups[n] ??= []).push(g);
      const v = by.get('vipd')?.median ?? NaN, k = by.get('keepalived')?.median ?? NaN;
      rows.push([label, ...impls.map((i) => fmtSpread(by.get(i)!, sec)), Number.isFinite(v / k) ? (v / k).toFixed(2) : '']);
    }
  }
  sections.push({
    heading: 'Start -> the kernel holds every entry (s)',
    notes: [
      `From spawning the daemon on the keepalived.conf (--dont-fork -f) until /proc/net/ip_vs holds every service and real server (polled every ${o.pollMs} ms); ipvsadm -R of the same table for reference. ` +
      `UML ${kernel}: system calls are slow there, compare only within this run. median (min..max) of ${o.repeats} run(s).`,
    ],
    table: table(['table', ...impls.map((i) => (i === 'ipvsadm' ? 'ipvsadm -R' : i)), 'vipd/keepalived'], rows),
    charts: o.sizes.map((n) => stripChart({ title: `start -> every entry in the kernel, ${n} virtual servers`, unit: 'seconds', groups: groups[n] ?? [] })),
  });

  // 2. Checkers.
  const checkRows: string[][] = [];
  const cpuGroups: StripGroup[] = [];
  for (const n of o.checks.includes('tcp') ? o.sizes : []) {
    const g: StripGroup = { label: `${n * o.dests} checkers`, series: [] };
    for (const impl of o.setups) {
      const rs = sel((r) => r.case === 'checks' && r.impl === impl && r.services === n);
      if (!rs.length) continue;
      const c = rs.map((r) => r.checks!);
      checkRows.push([
        `${n * o.dests}`, impl,
        fmtSpread(spread(rs.map((r) => r.cpuPct ?? NaN)), (x) => x.toFixed(1)),
        fmtSpread(spread(rs.map((r) => r.rssMb ?? NaN)), (x) => x.toFixed(0)),
        fmtSpread(spread(rs.map((r) => (r.kernel ? r.kernel.passiveOpens / r.kernel.windowS : NaN))), (x) => x.toFixed(0)),
        fmtSpread(spread(rs.map((r) => r.kernel?.listenOverflows ?? NaN)), (x) => x.toFixed(0)),
        fmtSpread(spread(c.map((x) => x.intervalMs.median / 1000)), sec),
        fmtSpread(spread(c.map((x) => x.intervalMs.p99 / 1000)), sec),
        fmtSpread(spread(c.map((x) => x.intervalMs.max / 1000)), sec),
        fmtSpread(spread(c.map((x) => x.stale)), (x) => x.toFixed(0)),
        fmtSpread(spread(c.map((x) => x.neverChecked)), (x) => x.toFixed(0)),
        fmtSpread(spread(rs.map((r) => r.listenerCpuPct ?? NaN)), (x) => x.toFixed(0)),
      ]);
      g.series.push({ label: impl, color: colorOf(impl), values: rs.flatMap((r) => r.cpuSamples ?? []) });
    }
    cpuGroups.push(g);
  }
  if (checkRows.length) {
    sections.push({
      heading: `TCP_CHECK on every real server, delay_loop ${o.delayLoop}, connect_timeout ${o.connectTimeout}`,
      notes: [
        `CPU (% of one core, the daemon's processes: keepalived's parent and checker child) over ${o.windowS} s after a warm-up of delay_loop + connect_timeout; ` +
        `the real servers (one TCP listener in a namespace holding every address) log each check's arrival: the interval between two checks of one real server, ` +
        `and how many real servers' latest check was older than delay_loop + connect_timeout (${o.delayLoop + o.connectTimeout} s) at the end of the window ("stale"). ` +
        'The listener logs a check when it accepts the connection and shares the one UML CPU: when daemon + listener reach 100 %, arrivals are logged late and the intervals overstate the checkers\' lateness. ' +
        `"checks/s (kernel)": handshakes the real servers' kernel completed per second of the window (Tcp PassiveOpens in their namespace), accepted by the listener or not; ` +
        `"overflows": those dropped because the listener's accept queue was full (TcpExt ListenOverflows). delay_loop ${o.delayLoop} needs checkers / ${o.delayLoop} checks/s.`,
      ],
      table: table(['checkers', 'impl', 'CPU %', 'RSS MB', 'checks/s (kernel)', 'overflows', 'interval s', 'p99 s', 'max s', 'stale', 'never', 'listener CPU %'], checkRows),
      charts: [stripChart({ title: 'checkers\' CPU, one dot per second of the window', unit: '% of one core', groups: cpuGroups })],
    });
  }

  // 3. Reload one weight.
  if (o.reload > 0) {
    const rrows: string[][] = [];
    const g: StripGroup = { label: `${o.reload} x ${o.dests}`, series: [] };
    for (const impl of o.setups) {
      const rs = sel((r) => r.case === 'reload' && r.impl === impl);
      rrows.push([impl === 'vipd' ? 'vipd: SIGHUP' : 'keepalived: SIGHUP (reload)', fmtSpread(spread(rs.map((r) => r.ms ?? NaN)))]);
      if (rs.length) g.series.push({ label: impl, color: colorOf(impl), values: rs.map((r) => r.ms ?? NaN) });
    }
    const edit = sel((r) => r.case === 'ipvsadm-edit');
    if (edit.length) {
      rrows.push(['ipvsadm -e (one command)', fmtSpread(spread(edit.map((r) => r.ms ?? NaN)))]);
      g.series.push({ label: 'ipvsadm -e', color: colorOf('ipvsadm'), values: edit.map((r) => r.ms ?? NaN) });
    }
    sections.push({
      heading: `One real server's weight changes among ${o.reload} virtual servers (ms)`,
      notes: [
        'The file is rewritten with one weight changed, then SIGHUP; timed from the signal until a GET_DEST dump of that service (every 5 ms) shows the new weight.',
        ...sel((r) => r.case === 'reload' && !!r.phases).map((r) => `${r.impl}${o.repeats > 1 ? ` #${r.rep}` : ''}: ${r.phases}`),
      ],
      table: table(['', 'ms'], rrows),
      charts: [stripChart({ title: 'SIGHUP -> the kernel shows the new weight', unit: 'ms', groups: [g] })],
    });
  }

  // 4. Stop.
  const stopRows: string[][] = [];
  for (const n of o.sizes) {
    for (const impl of o.setups) {
      const rs = sel((r) => r.case === 'program' && r.impl === impl && r.services === n);
      if (!rs.length) continue;
      stopRows.push([`${n} x ${o.dests}`, impl, fmtSpread(spread(rs.map((r) => (r.stopMs ?? NaN) / 1000)), sec), rs.map((r) => `${r.left?.services ?? '?'}/${r.left?.destinations ?? '?'}`).join(' ')]);
    }
  }
  if (stopRows.length) sections.push({ heading: 'SIGTERM -> every process gone (s), entries left', table: table(['table', 'impl', 'SIGTERM -> gone', 'left (services/real servers)'], stopRows) });

  const failed = results.filter((r) => r.error);
  if (failed.length) sections.push({ heading: 'Failed cases', table: failed.map((r) => `${r.case} ${r.impl} ${r.services}${r.check === 'tcp' ? ' +TCP_CHECK' : ''} #${r.rep}: ${r.error}`).join('\n') });
  return sections;
}
