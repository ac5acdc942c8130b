// Argument parsing only: turns argv into a daemon run or a tool call. keepalived's flags are
// accepted as k0s passes them (`--dont-fork --use-file F --no-syslog --log-console`, debug adds
// `--log-detail --dump-conf`), so vipd can stand where k0s expects keepalived. A plain daemon
// line is read by daemon-argv.ts; yargs (loaded only then) reads every other line.
import type { Argv } from 'yargs';
import { VERSION } from '../version.js';
import type { ProxyBalance, ProxyHealthCheck } from '../config/types.js';
import type { DaemonOptions } from '../daemon/options.js';
import { DEFAULT_STATUS_SOCKET } from '../daemon/options.js';
import { parseDaemonArgv } from './daemon-argv.js';
import { RUN_FLAGS, checkRunArgs, type RunArgs } from './run-flags.js';

function runOptions<T>(y: Argv<T>): Argv<T> {
  for (const f of RUN_FLAGS) {
    y = y.option(f.name, {
      type: f.type === 'array' ? 'string' : f.type, describe: f.describe,
      ...(f.type === 'array' ? { array: true, coerce: (v: string[]) => v.flatMap((x) => String(x).split(',')).map((x) => x.trim()).filter(Boolean) } : {}),
      ...(f.requiresArg ? { requiresArg: true } : {}), ...(f.alias ? { alias: f.alias } : {}),
      ...(f.default !== undefined ? { default: f.default } : {}), ...(f.choices ? { choices: [...f.choices] } : {}),
    });
  }
  return y.check((a) => {
    checkRunArgs(a as unknown as RunArgs);
    return true;
  });
}

export function toDaemonOptions(a: RunArgs): DaemonOptions {
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

async function parserFor(argv: string[]): Promise<Argv> {
  const { default: yargs } = await import('yargs');
  return yargs(argv);
}

/** What yargs makes of a daemon command line (tests compare the fast path with it). */
export async function yargsRunArgs(argv: string[]): Promise<RunArgs> {
  const y = runOptions(await parserFor(argv)).parserConfiguration({ 'boolean-negation': false }).strict().exitProcess(false)
    .fail((msg, err) => { throw new UsageError(msg ?? err?.message ?? 'bad arguments'); });
  return await y.parseAsync() as unknown as RunArgs;
}

export async function runCli(argv: string[]): Promise<number> {
  const plain = parseDaemonArgv(argv);
  if (plain) return run(plain);
  let exit = 0;
  const parser = (await parserFor(argv))
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
