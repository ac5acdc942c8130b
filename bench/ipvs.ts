// IPVS mode: in Debian's user-mode-linux kernel (the host kernel has no IPVS), program N services
// x M real servers with vipd and with `ipvsadm -R` in the same boot (flushing between), then
// change one destination weight among N with each. UML syscalls are slow (ptrace), so only the
// ratio measured inside one run means anything; never compare with host timings.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, release } from 'node:os';
import { join } from 'node:path';
import { runInUml } from '../src/lab/uml.js';
import { which } from '../src/lab/which.js';
import { Progress } from './lib/progress.js';
import { table } from './lib/stats.js';

export const IPVS_FIXTURE = 'dist/bench/lib/uml-ipvs-bench.js';

export interface IpvsBenchOptions {
  services: number;
  dests: number;
  /** Ops per netlink write for vipd. */
  batchSize?: number;
  outDir: string;
  out?: NodeJS.WritableStream;
}

export type Phase = Record<string, unknown> & { phase: string; ms?: number };

export interface IpvsBenchResult {
  services: number;
  dests: number;
  phases: Record<string, Phase>;
  /** ipvsadm time / vipd time. */
  programRatio: number;
  reconcileRatioFull: number;
  reconcileRatioChanged: number;
  umlBootMs: number;
  totalMs: number;
}

export async function runIpvsBench(o: IpvsBenchOptions): Promise<IpvsBenchResult> {
  const out = o.out ?? process.stdout;
  for (const cmd of ['ipvsadm', 'depmod', 'modprobe']) {
    if (!which(cmd)) throw new Error(`ipvs bench: "${cmd}" is missing (apt-get install -y ipvsadm kmod)`);
  }
  const progress = new Progress(out);
  const phases: Record<string, Phase> = {};
  const started = Date.now();
  let buf = '';
  progress.line(`ipvs: ${o.services} services x ${o.dests} real servers, in UML (booting...)`);
  const ticker = setInterval(() => progress.update(`ipvs: running in UML, ${((Date.now() - started) / 1000).toFixed(0)} s, last phase: ${Object.keys(phases).at(-1) ?? 'boot'}`), 1000);
  let r;
  try {
    r = await runInUml(IPVS_FIXTURE, {
      args: [String(o.services), String(o.dests), String(o.batchSize ?? 256)],
      // ipvsadm -R of 10,000 x 3 takes ~30 s in UML; allow for a slow machine and larger sizes.
      timeoutMs: Math.max(300_000, o.services * o.dests * 20),
      memMb: 1024,
      onOutput: (text) => {
        buf += text;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.startsWith('{')) continue;
          try {
            const p = JSON.parse(line) as Phase;
            phases[p.phase] = p;
            if (p.ms !== undefined) progress.line(`  ${p.phase}: ${p.ms.toFixed(1)} ms`);
          } catch {
            // partial line
          }
        }
      },
    });
  } finally {
    clearInterval(ticker);
    progress.done();
  }
  if (r.code !== 0 || !phases.done) {
    throw new Error(`ipvs bench: the UML run failed (exit ${r.code}${r.timedOut ? ', timed out' : ''}):\n${r.output.slice(-3000)}\n${r.initLog}`);
  }
  const ms = (p: string) => phases[p]?.ms ?? NaN;
  const result: IpvsBenchResult = {
    services: o.services, dests: o.dests, phases,
    programRatio: ms('ipvsadm-restore') / ms('vipd-program'),
    reconcileRatioFull: ms('ipvsadm-edit') / ms('vipd-reconcile-full'),
    reconcileRatioChanged: ms('ipvsadm-edit') / ms('vipd-reconcile-changed'),
    umlBootMs: r.readyMs, totalMs: r.totalMs,
  };
  const f = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '-');
  const cell = (p: string, k: string) => String(phases[p]?.[k] ?? '');
  const rows = [
    ['program: vipd (Reconciler.apply, batched)', f(ms('vipd-program')), cell('vipd-program', 'sent'), cell('vipd-program', 'requests')],
    ['program: ipvsadm -R', f(ms('ipvsadm-restore')), cell('ipvsadm-restore', 'lines'), ''],
    ['one weight: vipd, read all destinations', f(ms('vipd-reconcile-full')), cell('vipd-reconcile-full', 'sent'), cell('vipd-reconcile-full', 'requests')],
    ['one weight: vipd, trusting what it applied', f(ms('vipd-reconcile-changed')), cell('vipd-reconcile-changed', 'sent'), cell('vipd-reconcile-changed', 'requests')],
    ['one weight: ipvsadm -e', f(ms('ipvsadm-edit')), '1', ''],
    ['vipd plan() alone (pure diff)', f(ms('vipd-plan')), cell('vipd-plan', 'ops'), '0'],
    ['flush (IPVS_CMD_FLUSH)', f(ms('flush')), '1', '1'],
  ];
  progress.line('');
  progress.line(`IPVS in UML (${phases.start?.kernel ?? '?'}): ${o.services} services x ${o.dests} real servers`);
  progress.line(table(['', 'ms', 'changes', 'requests'], rows));
  progress.line('');
  progress.line(`programming: ipvsadm -R / vipd = ${result.programRatio.toFixed(2)}x (target >= 5x)`);
  progress.line(`one change:  ipvsadm -e / vipd = ${result.reconcileRatioFull.toFixed(3)}x (read all), ${result.reconcileRatioChanged.toFixed(2)}x (trusting what it applied)`);
  mkdirSync(o.outDir, { recursive: true });
  const file = join(o.outDir, 'ipvs.json');
  writeFileSync(file, `${JSON.stringify({
    date: new Date().toISOString(), host: hostname(), kernel: release(), cpu: cpus()[0]?.model, node: process.version, ...result,
  }, null, 2)}\n`);
  progress.line(`wrote ${file}`);
  return result;
}
