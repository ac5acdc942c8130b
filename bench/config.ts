// Config mode: the config test (`-t`) of large keepalived.conf files, vipd beside keepalived,
// interleaved (every size and implementation once, then again): wall time of the whole command
// and its peak RSS (GNU time's %M). A file with no statement gives each one's start-up, so
// "parse" is the -t time minus the start-up.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../src/lab/repo-root.js';
import { which } from '../src/lab/which.js';
import { renderVirtualServers } from './lib/lvs-conf.js';
import type { ReportSection } from './lib/report.js';
import type { BenchRun } from './lib/run.js';
import { fmtSpread, spread, table } from './lib/stats.js';
import { colorOf, stripChart, type StripGroup } from './lib/svg.js';

export interface ConfigBenchOptions { sizes: number[]; repeats: number; setups: Array<'vipd' | 'keepalived'> }

export interface ConfigSample { impl: string; services: number; rep: number; ms: number; maxRssKb: number; code: number; error?: string }

const TIME = '/usr/bin/time';

function command(impl: 'vipd' | 'keepalived', conf: string): string[] {
  return impl === 'vipd' ? ['node', join(repoRoot, 'bin/vipd.js'), '-t', '-f', conf] : ['keepalived', '-t', '-f', conf];
}

function timed(cmd: string[]): Promise<{ ms: number; maxRssKb: number; code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // GNU time writes "%M" (peak RSS, KiB) as the last line of stderr.
    const c = spawn(TIME, ['-f', 'vipd-bench-rss %M', ...cmd], { stdio: ['ignore', 'ignore', 'pipe'], cwd: repoRoot });
    let err = '';
    c.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    c.on('error', reject);
    c.on('exit', (code) => {
      const ms = performance.now() - t0;
      const m = /vipd-bench-rss (\d+)\s*$/.exec(err);
      resolve({ ms, maxRssKb: m ? Number(m[1]) : NaN, code: code ?? 128, stderr: err.replace(/vipd-bench-rss \d+\s*$/, '').trim() });
    });
  });
}

export async function runConfigBench(run: BenchRun, o: ConfigBenchOptions): Promise<{ ok: boolean; samples: ConfigSample[] }> {
  for (const c of [TIME, ...o.setups.filter((s) => s === 'keepalived')]) {
    if (!which(c)) throw new Error(`config bench: "${c}" is missing (apt-get install -y time keepalived)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'vipd-bench-config-'));
  const samples: ConfigSample[] = [];
  try {
    const sizes = [0, ...o.sizes.filter((n) => n > 0)];
    const files = new Map<number, string>();
    for (const n of sizes) {
      run.progress.update(`config: writing ${n} x 3`);
      const f = join(dir, `vs-${n}.conf`);
      writeFileSync(f, n === 0 ? '# no statement: the start-up alone\n' : renderVirtualServers({ services: n, dests: 3 }));
      files.set(n, f);
    }
    for (let rep = 1; rep <= o.repeats; rep++) {
      for (const n of sizes) {
        for (const impl of o.setups) {
          run.progress.update(`config: run ${rep}/${o.repeats}: ${impl} -t ${n} x 3`);
          const r = await timed(command(impl, files.get(n)!));
          // -t exits 0 (OK) or, like keepalived's config test, 5 (runs, with warnings).
          const s: ConfigSample = { impl, services: n, rep, ms: r.ms, maxRssKb: r.maxRssKb, code: r.code, ...(r.code !== 0 && r.code !== 5 ? { error: r.stderr.slice(-500) } : {}) };
          samples.push(s);
          run.progress.line(`  ${impl} -t ${n} x 3 #${rep}: ${(r.ms / 1000).toFixed(3)} s, peak RSS ${(r.maxRssKb / 1024).toFixed(0)} MB, exit ${r.code}`);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  run.finish({ title: `vipd bench config: -t of ${o.sizes.join(', ')} virtual servers x 3`, sections: configSections(o, samples), json: { options: o, samples } });
  return { ok: !samples.some((s) => s.error), samples };
}

/** Tables and charts (pure). */
export function configSections(o: ConfigBenchOptions, samples: ConfigSample[]): ReportSection[] {
  const ok = samples.filter((s) => !s.error);
  const of = (impl: string, n: number) => ok.filter((s) => s.impl === impl && s.services === n);
  const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const rows: string[][] = [];
  const groups: StripGroup[] = [];
  const startup = new Map(o.setups.map((impl) => [impl, spread(of(impl, 0).map((s) => s.ms)).median]));
  for (const n of [0, ...o.sizes.filter((x) => x > 0)]) {
    const g: StripGroup = { label: n === 0 ? 'empty file' : `${n} x 3`, series: [] };
    for (const impl of o.setups) {
      const ss = of(impl, n);
      const t = spread(ss.map((s) => s.ms));
      rows.push([n === 0 ? 'empty (start-up)' : `${n} x 3`, impl, fmtSpread(t, ms), n === 0 ? '' : ms(t.median - startup.get(impl)!), fmtSpread(spread(ss.map((s) => s.maxRssKb / 1024)), (x) => x.toFixed(0))]);
      g.series.push({ label: impl, color: colorOf(impl), values: ss.map((s) => s.ms) });
    }
    groups.push(g);
  }
  const ratio = (n: number) => {
    const med = (impl: string) => spread(of(impl, n).map((s) => s.ms)).median;
    const v = med('vipd'), k = med('keepalived');
    const vp = v - (startup.get('vipd') ?? NaN), kp = k - (startup.get('keepalived') ?? NaN);
    return Number.isFinite(v / k) ? `${n} x 3: vipd/keepalived = ${(v / k).toFixed(1)}x (whole -t), ${(vp / kp).toFixed(1)}x (parse)` : '';
  };
  return [{
    heading: 'Config test (-t): wall time (ms) and peak RSS (MB)',
    notes: [
      `Each command once per size, interleaved, ${o.repeats} times; median (min..max). "parse" = median -t time minus the median start-up (the same command on a file with no statement).`,
      ...o.sizes.map(ratio).filter(Boolean),
    ],
    table: table(['config', 'impl', '-t ms', 'parse ms', 'peak RSS MB'], rows),
    charts: groups.map((g) => stripChart({ title: `-t wall time: ${g.label}`, unit: 'ms', groups: [g] })),
  }];
}
