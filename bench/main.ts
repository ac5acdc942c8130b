// `vipd bench <mode>` and `npm run bench -- <mode>`: failover, soak, ipvs, continuity.
import yargs from 'yargs';
import { join } from 'node:path';
import { FAULTS, parseIntervals, runFailover, type Fault, type Setup } from './failover.js';
import { INTERVALS } from './lib/conf.js';
import { which } from '../src/lab/which.js';

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);

export async function runBench(argv: string[]): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('vipd bench: needs root (it creates network namespaces)\n');
    return 1;
  }
  let code = 0;
  const defaultSetups = which('keepalived') ? 'vipd,keepalived' : 'vipd';
  const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
  await yargs(argv)
    .scriptName('vipd bench')
    .command('failover', 'failover benchmark: vipd beside keepalived on a namespace LAN', (y) => y
      .option('trials', { type: 'number', default: 20, describe: 'trials per scenario' })
      .option('routers', { type: 'number', default: 3 })
      .option('setups', { type: 'string', default: defaultSetups, describe: 'comma list of vipd, keepalived, mix' })
      .option('faults', { type: 'string', default: FAULTS.join(','), describe: `comma list of ${FAULTS.join(', ')}` })
      .option('intervals', { type: 'string', default: INTERVALS.map((i) => i.name).join(','), describe: `comma list of ${INTERVALS.map((i) => i.name).join(', ')}` })
      .option('out', { type: 'string', describe: 'output directory (default /var/tmp/vipd-bench/failover-<date>)' }),
    async (a) => {
      const setups = list(a.setups) as Setup[];
      const faults = list(a.faults) as Fault[];
      for (const s of setups) if (!['vipd', 'keepalived', 'mix'].includes(s)) throw new Error(`unknown setup "${s}"`);
      for (const f of faults) if (!FAULTS.includes(f)) throw new Error(`unknown fault "${f}"`);
      await runFailover({
        trials: a.trials, routers: a.routers, setups, faults, intervals: parseIntervals(list(a.intervals)),
        outDir: a.out ?? join('/var/tmp/vipd-bench', `failover-${stamp()}`),
      });
    })
    .command('soak', 'soak: 10 ms adverts, many VRIDs, CPUs saturated; spurious transitions, CPU, RSS', (y) => y
      .option('duration', { type: 'number', default: 30, describe: 'seconds of the loaded run (a real soak: hours)' })
      .option('vrids', { type: 'number', default: 100 })
      .option('interval-ms', { type: 'number', default: 10, describe: 'advert interval (v3), ms' })
      .option('routers', { type: 'number', default: 2 })
      .option('idle-duration', { type: 'number', default: 20, describe: 'seconds of the one-instance, no-load run (0: skip)' })
      .option('setups', { type: 'string', default: 'vipd', describe: 'comma list of vipd, keepalived' })
      .option('load', { type: 'boolean', default: true, describe: 'saturate every CPU with a busy loop' })
      .option('out', { type: 'string' }),
    async (a) => {
      const { runSoak } = await import('./soak.js');
      const r = await runSoak({
        durationS: a.duration, vrids: a.vrids, intervalMs: a['interval-ms'], routers: a.routers, idleS: a['idle-duration'],
        setups: list(a.setups) as Array<'vipd' | 'keepalived'>, load: a.load,
        outDir: a.out ?? join('/var/tmp/vipd-bench', `soak-${stamp()}`),
      });
      if (r.some((x) => x.spuriousTransitions > 0 || x.error)) code = 1;
    })
    .command('ipvs', 'IPVS programming in the UML kernel: vipd vs ipvsadm -R', (y) => y
      .option('services', { type: 'number', default: 10_000 })
      .option('dests', { type: 'number', default: 3, describe: 'real servers per service' })
      .option('batch', { type: 'number', default: 256, describe: 'vipd: ops per netlink write' })
      .option('out', { type: 'string' }),
    async (a) => {
      const { runIpvsBench } = await import('./ipvs.js');
      await runIpvsBench({ services: a.services, dests: a.dests, batchSize: a.batch, outDir: a.out ?? join('/var/tmp/vipd-bench', `ipvs-${stamp()}`) });
    })
    .command('continuity', 'connection continuity through a master power loss, with and without lvs_sync_daemon, in UML', (y) => y
      .option('setups', { type: 'string', default: defaultSetups, describe: 'comma list of vipd, keepalived' })
      .option('conns', { type: 'number', default: 30, describe: 'long-lived connections per run' })
      .option('trials', { type: 'number', default: 3 })
      .option('out', { type: 'string' }),
    async (a) => {
      const impls = list(a.setups);
      for (const s of impls) if (s !== 'vipd' && s !== 'keepalived') throw new Error(`unknown setup "${s}"`);
      const { runContinuityBench } = await import('./continuity.js');
      await runContinuityBench({ impls: impls as Array<'vipd' | 'keepalived'>, conns: a.conns, trials: a.trials, outDir: a.out ?? join('/var/tmp/vipd-bench', `continuity-${stamp()}`) });
    })
    .demandCommand(1, 'name a mode: failover, soak, ipvs or continuity')
    .strict()
    .help()
    .fail((msg, err) => {
      throw err ?? new Error(msg);
    })
    .exitProcess(false)
    .parseAsync()
    .catch((err: Error) => {
      process.stderr.write(`vipd bench: ${err.message}\n`);
      code = code || 1;
    });
  return code;
}

// Run directly: node dist/bench/main.js <mode> ...
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  runBench(process.argv.slice(2)).then((c) => process.exit(c), (e: Error) => {
    process.stderr.write(`vipd bench: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
}
