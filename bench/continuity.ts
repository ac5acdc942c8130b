// Continuity mode: do established TCP connections through the VIP survive the master's power
// loss? In Debian's user-mode-linux kernel (the host has no IPVS), three controllers as network
// namespaces with their own IPVS tables run vipd or keepalived (k0s-style LVS-DR on the master,
// see bench/lib/uml-continuity.ts), with and without lvs_sync_daemon. A connection survives when
// the controller that served it answers again after the failover; one served by the master dies
// with it whatever the setup, so the share that counts is that of the surviving real servers.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, release } from 'node:os';
import { join } from 'node:path';
import { runInUml } from '../src/lab/uml.js';
import { which } from '../src/lab/which.js';
import { Progress } from './lib/progress.js';
import { table } from './lib/stats.js';
import type { ContinuityRun, Impl } from './lib/uml-continuity.js';

export const CONTINUITY_FIXTURE = 'dist/bench/lib/uml-continuity.js';

export interface ContinuityOptions {
  impls: Impl[];
  /** Connections per run (spread rr over the three controllers). */
  conns: number;
  trials: number;
  outDir: string;
  out?: NodeJS.WritableStream;
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
  /** Cut to the new master's IPVS service, median over trials (ms). */
  takeoverMs: number;
}

type Step = Record<string, any> & { step: string };

export async function runContinuityBench(o: ContinuityOptions): Promise<ContinuityRow[]> {
  const out = o.out ?? process.stdout;
  for (const cmd of ['ipvsadm', 'depmod', 'modprobe', ...(o.impls.includes('keepalived') ? ['keepalived'] : [])]) {
    if (!which(cmd)) throw new Error(`continuity bench: "${cmd}" is missing (apt-get install -y ipvsadm kmod keepalived)`);
  }
  const runs: ContinuityRun[] = o.impls.flatMap((impl) => [{ impl, sync: true }, { impl, sync: false }]);
  const progress = new Progress(out);
  const steps: Step[] = [];
  const started = Date.now();
  let buf = '';
  progress.line(`continuity: ${runs.map((r) => `${r.impl}${r.sync ? '+sync' : ''}`).join(', ')}; ${o.conns} connections x ${o.trials} trial(s), in UML (booting...)`);
  const ticker = setInterval(() => progress.update(`continuity: ${((Date.now() - started) / 1000).toFixed(0)} s, ${steps.filter((s) => s.step === 'failover').length}/${runs.length * o.trials} runs`), 1000);
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
            const s = JSON.parse(line) as Step;
            steps.push(s);
            if (s.step === 'failover') {
              const b = s.byServer as Record<string, { total: number; survived: number }>;
              progress.line(`  ${s.run}: ${Object.entries(b).map(([k, v]) => `${k} ${v.survived}/${v.total}`).join(', ')}, takeover ${s.takeoverMs} ms`);
            } else if (s.step === 'run-error' || s.step === 'fatal') progress.line(`  ${s.run ?? ''}: ${s.error}`);
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
  if (r.code !== 0 || !steps.some((s) => s.step === 'done')) {
    throw new Error(`continuity bench: the UML run failed (exit ${r.code}${r.timedOut ? ', timed out' : ''}):\n${r.output.slice(-3000)}\n${r.initLog}`);
  }
  const rows: ContinuityRow[] = runs.map((run) => {
    const f = steps.filter((s) => s.step === 'failover' && s.impl === run.impl && s.sync === run.sync);
    let connections = 0, survived = 0, onSurvivors = 0, survivedOnSurvivors = 0;
    for (const s of f) {
      for (const [server, v] of Object.entries(s.byServer as Record<string, { total: number; survived: number }>)) {
        connections += v.total;
        survived += v.survived;
        if (server !== 'c1') {
          onSurvivors += v.total;
          survivedOnSurvivors += v.survived;
        }
      }
    }
    const t = f.map((s) => Number(s.takeoverMs)).sort((a, b) => a - b);
    return { impl: run.impl, sync: run.sync, trials: f.length, connections, survived, onSurvivors, survivedOnSurvivors, takeoverMs: t[Math.floor(t.length / 2)] ?? NaN };
  });
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(0)}%` : '-');
  progress.line('');
  progress.line(`Connection continuity through a master power loss, in UML (${release()}): ${o.conns} connections x ${o.trials} trial(s) per row`);
  progress.line(table(['', 'survived', 'of all', 'on surviving servers', 'takeover ms'], rows.map((x) => [
    `${x.impl}, lvs_sync_daemon ${x.sync ? 'on' : 'off'}`, `${x.survived}/${x.connections}`, pct(x.survived, x.connections),
    `${x.survivedOnSurvivors}/${x.onSurvivors} (${pct(x.survivedOnSurvivors, x.onSurvivors)})`, String(x.takeoverMs),
  ])));
  progress.line('(connections served by the master itself die with it; without sync only those served by the new master survive)');
  mkdirSync(o.outDir, { recursive: true });
  const file = join(o.outDir, 'continuity.json');
  writeFileSync(file, `${JSON.stringify({
    date: new Date().toISOString(), host: hostname(), kernel: release(), cpu: cpus()[0]?.model, node: process.version,
    conns: o.conns, trials: o.trials, rows, steps: steps.filter((s) => s.step !== 'done'),
  }, null, 2)}\n`);
  progress.line(`wrote ${file}`);
  return rows;
}
