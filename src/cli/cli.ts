// Argument parsing only: turns argv into a daemon run or a tool call. keepalived's flags are
// accepted as k0s passes them (`--dont-fork --use-file F --no-syslog --log-console`, debug adds
// `--log-detail --dump-conf`), so vipd can stand where k0s expects keepalived.
import yargs, { type Argv } from 'yargs';
import { VERSION } from '../version.js';
import { isIP } from 'node:net';
import { parseListen } from '../daemon/metrics.js';
import type { ProxyBalance, ProxyHealthCheck } from '../config/types.js';
import { DEFAULT_CONFIG_FILE, DEFAULT_DUMP_FILE, DEFAULT_STATUS_SOCKET, type DaemonOptions } from '../daemon/options.js';

type RunArgs = {
  'use-file': string; 'config-id'?: string; 'k0s-config'?: string; 'k0s-controllers'?: string[]; 'k0s-proxy-balance'?: string; 'k0s-proxy-check'?: string; 'dont-fork': boolean; 'no-syslog': boolean; 'log-console': boolean;
  'log-detail': boolean; 'dump-conf': boolean; vrrp: boolean; check: boolean; pid?: string; vrrp_pid?: string;
  checkers_pid?: string; 'config-test': boolean; 'status-socket': string; metrics?: string; 'dump-file': string;
  'log-json'?: boolean; nice: number;
};

function runOptions<T>(y: Argv<T>) {
  return y
    .option('use-file', { requiresArg: true, alias: 'f', type: 'string', default: DEFAULT_CONFIG_FILE, describe: 'keepalived.conf to use' })
    .option('config-id', { requiresArg: true, alias: 'i', type: 'string', describe: 'configuration id for @id lines (default: the host name up to its first dot)' })
    .option('k0s-config', { requiresArg: true, type: 'string', describe: 'run from a k0s ClusterConfig / controlPlaneLoadBalancing YAML' })
    .option('k0s-controllers', {
      type: 'string', array: true, describe: 'with --k0s-config: controller addresses, the real servers of the virtual servers (a,b,c or repeated)',
      coerce: (v: string[]) => v.flatMap((x) => String(x).split(',')).map((x) => x.trim()).filter(Boolean),
    })
    .option('k0s-proxy-balance', {
      requiresArg: true, type: 'string', choices: ['round-robin', 'least-connections'],
      describe: "with --k0s-config, k0s's userspace proxy (no virtualServers): how an API server is picked (default round-robin, as k0s)",
    })
    .option('k0s-proxy-check', {
      requiresArg: true, type: 'string', choices: ['readyz', 'tcp'],
      describe: 'with --k0s-config, the userspace proxy: how API servers are checked, GET https://<controller>:<api port>/readyz (not verified; default) or a TCP connect',
    })
    .option('dont-fork', { alias: 'n', type: 'boolean', default: false, describe: 'stay in the foreground (vipd always does; accepted for keepalived compatibility)' })
    .option('no-syslog', { type: 'boolean', default: false, describe: 'accepted for keepalived compatibility (vipd logs to stdout)' })
    .option('log-console', { alias: 'l', type: 'boolean', default: false, describe: 'log to the console (always on)' })
    .option('log-detail', { alias: 'D', type: 'boolean', default: false, describe: 'detailed logs: every packet and timer' })
    .option('dump-conf', { alias: 'd', type: 'boolean', default: false, describe: 'log the parsed configuration at start' })
    .option('vrrp', { alias: 'P', type: 'boolean', default: false, describe: 'run only VRRP' })
    .option('check', { alias: 'C', type: 'boolean', default: false, describe: 'run only IPVS and health checks' })
    .option('pid', { requiresArg: true, alias: 'p', type: 'string', describe: 'pid file' })
    .option('vrrp_pid', { requiresArg: true, alias: 'r', type: 'string', describe: 'VRRP pid file (keepalived compatibility)' })
    .option('checkers_pid', { requiresArg: true, alias: 'c', type: 'string', describe: 'checkers pid file (keepalived compatibility)' })
    .option('config-test', { alias: 't', type: 'boolean', default: false, describe: 'check the configuration (and that its interfaces exist) and exit: 0 OK, 5 runs but with warnings, 1 cannot run' })
    .option('status-socket', { requiresArg: true, type: 'string', default: DEFAULT_STATUS_SOCKET, describe: 'Unix socket for `vipd status`' })
    .option('metrics', { requiresArg: true, type: 'string', describe: 'serve Prometheus metrics on [host:]port, e.g. :9650' })
    .option('dump-file', { requiresArg: true, type: 'string', default: DEFAULT_DUMP_FILE, describe: 'where SIGUSR1 writes the state dump' })
    .option('nice', { type: 'number', default: -20, describe: 'scheduling priority of the daemon (-20..19): high by default so a busy host does not delay adverts and timers' })
    .option('log-json', { type: 'boolean', describe: 'JSON logs even on a terminal (default: JSON unless stdout is a TTY)' })
    .check((a) => {
      const r = a as unknown as RunArgs;
      if (r.vrrp && r.check) throw new Error('--vrrp and --check exclude each other');
      // Flags given without their value arrive as '' (or true): say so instead of running on defaults.
      for (const k of ['use-file', 'config-id', 'k0s-config', 'pid', 'vrrp_pid', 'checkers_pid', 'status-socket', 'dump-file', 'metrics'] as const) {
        const v = r[k] as unknown;
        if (v !== undefined && (typeof v !== 'string' || v === '')) throw new Error(`--${k} needs a value`);
      }
      if (r.metrics !== undefined) parseListen(r.metrics);
      for (const c of r['k0s-controllers'] ?? []) if (!isIP(c)) throw new Error(`--k0s-controllers: '${c}' is not an IP address`);
      for (const k of ['k0s-controllers', 'k0s-proxy-balance', 'k0s-proxy-check'] as const) {
        if (r[k] !== undefined && !r['k0s-config']) throw new Error(`--${k} needs --k0s-config`);
      }
      return true;
    });
}

function toDaemonOptions(a: RunArgs): DaemonOptions {
  return {
    configFile: a['use-file'],
    ...(a['config-id'] !== undefined ? { configId: a['config-id'] } : {}),
    ...(a['k0s-config'] ? { k0sConfig: a['k0s-config'] } : {}),
    ...(a['k0s-controllers'] ? { k0sControllers: a['k0s-controllers'] } : {}),
    ...(a['k0s-proxy-balance'] ? { k0sProxyBalance: a['k0s-proxy-balance'] as ProxyBalance } : {}),
    ...(a['k0s-proxy-check'] ? { k0sProxyCheck: a['k0s-proxy-check'] as ProxyHealthCheck } : {}),
    logDetail: a['log-detail'],
    dumpConf: a['dump-conf'],
    vrrpOnly: a.vrrp,
    checkOnly: a.check,
    ...(a.pid ? { pidFile: a.pid } : {}),
    ...(a.vrrp_pid ? { vrrpPidFile: a.vrrp_pid } : {}),
    ...(a.checkers_pid ? { checkersPidFile: a.checkers_pid } : {}),
    statusSocket: a['status-socket'],
    ...(a.metrics ? { metrics: a.metrics } : {}),
    dumpFile: a['dump-file'],
    nice: a.nice,
    ...(a['log-json'] !== undefined ? { jsonLogs: a['log-json'] } : {}),
  };
}

async function run(a: RunArgs): Promise<number> {
  const opts = toDaemonOptions(a);
  if (a['config-test']) {
    const { checkConfig } = await import('../daemon/check-config.js');
    return checkConfig(opts, process.stdout, process.stderr);
  }
  const { runDaemon } = await import('../daemon/run.js');
  return runDaemon(opts);
}

class UsageError extends Error {}

export async function runCli(argv: string[]): Promise<number> {
  let exit = 0;
  const parser = yargs(argv)
    .scriptName('vipd')
    // keepalived's `--no-syslog` is a flag of its own, not the negation of `--syslog`.
    .parserConfiguration({ 'boolean-negation': false })
    .usage('vipd [run] [options]   (keepalived-compatible)\nvipd check-config [-f FILE]\nvipd status')
    .command('$0', 'run the daemon (keepalived-compatible flags)', (y) => runOptions(y), async (a) => {
      exit = await run(a as unknown as RunArgs);
    })
    .command('run', 'run the daemon', (y) => runOptions(y), async (a) => {
      exit = await run(a as unknown as RunArgs);
    })
    .command('check-config', 'check a configuration: exit 0 OK, 5 runs but with warnings, 1 cannot run', (y) => runOptions(y), async (a) => {
      const { checkConfig } = await import('../daemon/check-config.js');
      exit = await checkConfig(toDaemonOptions(a as unknown as RunArgs), process.stdout, process.stderr);
    })
    .command('status', 'print the running daemon\'s state as JSON', (y) => y
      .option('status-socket', { type: 'string', default: DEFAULT_STATUS_SOCKET }), async (a) => {
      const { queryStatus } = await import('../daemon/status-server.js');
      try {
        process.stdout.write(`${JSON.stringify(await queryStatus(a['status-socket']), null, 2)}\n`);
      } catch (err) {
        process.stderr.write(`vipd status: ${(err as Error).message}\n`);
        exit = 1;
      }
    })
    // The benchmarks (bench/): their own parser, so their flags pass through untouched.
    .command('bench', 'benchmarks beside keepalived: failover | soak | ipvs | config | idle | continuity (vipd bench --help)', (y) => y.strict(false).help(false).version(false), async () => {
      const { runBench } = await import('../../bench/main.js');
      exit = await runBench(argv.slice(argv.indexOf('bench') + 1));
    })
    .epilogue('Exit status of -t / check-config, as keepalived 2.2.7\'s config test: 0 the configuration is OK; 5 it runs, with warnings (printed with file:line); 1 it cannot run. Bad arguments exit 2.')
    .version(`vipd ${VERSION}`)
    .alias('v', 'version')
    .help()
    .alias('h', 'help')
    .strict()
    .fail((msg, err) => {
      // Throwing stops yargs before any command handler runs.
      throw new UsageError(msg ?? err?.message ?? 'bad arguments');
    })
    .exitProcess(false);
  try {
    await parser.parseAsync();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`vipd: ${err.message}\nRun "vipd --help" for the options.\n`);
    return 2;
  }
  return exit;
}
