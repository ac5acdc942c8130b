// `vipd bench <mode>` and `npm run bench -- <mode>`: failover, soak, ipvs, config, idle, continuity. Parses
// the options (lib/options.ts), prints the command that re-runs exactly this, and runs the mode;
// each mode writes <mode>.json, <mode>.txt and one report.html into its output directory.
import { readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { frrInstalled } from '../src/lab/frr.js';
import { which } from '../src/lab/which.js';
import { BenchUsageError, commandLine, parseBenchArgs, usage, type BenchEnv, type BenchOptions, type Mode } from './lib/options.js';
import { startRun } from './lib/run.js';

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);

function capSysNice(): boolean {
  try {
    const eff = /^CapEff:\s+([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return eff !== undefined && (BigInt(`0x${eff}`) & (1n << 23n)) !== 0n;
  } catch {
    return false;
  }
}

export function benchEnv(): BenchEnv {
  return { installed: ['vipd', ...(which('keepalived') ? ['keepalived'] : []), ...(frrInstalled() ? ['frr'] : [])], capSysNice: capSysNice() };
}

/** How this process was started, so the printed command can be pasted as it is. */
function commandPrefix(): string {
  const script = process.argv[1] ?? '';
  if (basename(script) === 'main.js') return `node ${relative(process.cwd(), script) || script}`;
  if (basename(script) === 'vipd.js') return `node ${relative(process.cwd(), script) || script} bench`;
  return 'vipd bench';
}

export async function runBench(argv: string[]): Promise<number> {
  const prefix = commandPrefix();
  let parsed;
  try {
    parsed = parseBenchArgs(argv, benchEnv());
  } catch (e) {
    if (!(e instanceof BenchUsageError)) throw e;
    process.stderr.write(`vipd bench: ${e.message}\n${usage(prefix)}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(usage(prefix, argv[0] && argv[0] !== '--help' && argv[0] !== '-h' ? parsed.mode : undefined));
    return 0;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('vipd bench: needs root (it creates network namespaces and boots UML)\n');
    return 1;
  }
  const { mode, opts } = parsed;
  const outDir = (opts.out as string | undefined) ?? join('/var/tmp/vipd-bench', `${mode}-${stamp()}`);
  // The output directory is not part of what re-runs the measurement.
  const command = commandLine(prefix, mode, { ...opts, out: undefined });
  try {
    return await dispatch(mode, opts, { command, outDir });
  } catch (e) {
    process.stderr.write(`vipd bench ${mode}: ${(e as Error).message}\n`);
    return 1;
  }
}

async function dispatch(mode: Mode, o: BenchOptions, c: { command: string; outDir: string }): Promise<number> {
  const n = (k: string) => o[k] as number;
  const list = <T extends string>(k: string) => o[k] as T[];
  switch (mode) {
    case 'ipvs': {
      const { runIpvsBench } = await import('./ipvs.js');
      const run = startRun({ mode, ...c, uml: true });
      const r = await runIpvsBench(run, {
        sizes: o.sizes as number[], dests: n('dests'), checks: list('checks'), setups: list('setups'), ipvsadm: o.ipvsadm as boolean,
        windowS: n('window'), delayLoop: n('delay-loop'), connectTimeout: n('connect-timeout'), reload: n('reload'), pollMs: n('poll-ms'), repeats: n('repeats'),
      });
      return r.ok ? 0 : 1;
    }
    case 'config': {
      const { runConfigBench } = await import('./config.js');
      const r = await runConfigBench(startRun({ mode, ...c }), { sizes: o.sizes as number[], repeats: n('repeats'), setups: list('setups') });
      return r.ok ? 0 : 1;
    }
    case 'idle': {
      const { runIdleBench } = await import('./idle.js');
      const r = await runIdleBench(startRun({ mode, ...c }), {
        advertInts: list<string>('advert-ints').map(Number), warmupS: n('warmup'), windowS: n('window'), instances: n('instances'), repeats: n('repeats'), setups: list('setups'),
      });
      return r.ok ? 0 : 1;
    }
    case 'soak': {
      const { runSoak, parseScenario } = await import('./soak.js');
      const r = await runSoak(startRun({ mode, ...c }), {
        minutes: n('minutes'), scenarios: list<string>('scenarios').map(parseScenario), routers: n('routers'), setups: list('setups'),
        loadFactor: n('load-factor'), rtPriority: n('rt-priority'),
      });
      return r.ok ? 0 : 1;
    }
    case 'continuity': {
      const { runContinuityBench } = await import('./continuity.js');
      const r = await runContinuityBench(startRun({ mode, ...c, uml: true }), { conns: n('conns'), trials: n('trials'), setups: list('setups') });
      return r.ok ? 0 : 1;
    }
    case 'failover': {
      const { runFailover, parseIntervals } = await import('./failover.js');
      const r = await runFailover(startRun({ mode, ...c }), {
        trials: n('trials'), routers: n('routers'), setups: list('setups'), faults: list('faults'), intervals: parseIntervals(list('intervals')),
      });
      return r.ok ? 0 : 1;
    }
  }
}

// Run directly: node dist/bench/main.js <mode> ...
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  runBench(process.argv.slice(2)).then((c) => process.exit(c), (e: Error) => {
    process.stderr.write(`vipd bench: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
}
