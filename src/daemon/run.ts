// The daemon's process shell: load the configuration, start the subsystems, and map keepalived's
// signals onto them. SIGHUP reloads (a bad new config keeps the old one running), SIGTERM/SIGINT
// stop gracefully (priority-0 adverts, VIPs removed) and exit 0, SIGUSR1 dumps state.
import { existsSync } from 'node:fs';
import { setPriority } from 'node:os';
import { dirname } from 'node:path';
import { createLogger, type Logger } from './logger.js';
import { removePidFile, writePidFile } from './pidfile.js';
import { serveStatus } from './status-server.js';
import { ConfigLoader, prepareConfigReader } from './load-config.js';
import { Daemon } from './daemon.js';
import { ReloadTiming, type ReloadTimes } from './reload-timing.js';
import { prepareStateDir, writeStateFile } from './state-files.js';
import { formatWarning, type LoadResult } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { effectiveCapabilities, missingCapabilities, requiredCapabilities } from './capabilities.js';
import type { DaemonOptions } from './options.js';
import type { DaemonDeps } from './deps.js';
import { applyProcessSettings, type ProcessOps } from './process-settings.js';
import { returnFreedMemory } from '../os/memory-trim.js';

/** setpriority(2) on the main thread (the event loop). Lacking CAP_SYS_NICE is not fatal. */
function raisePriority(nice: number, log: Logger): void {
  if (!Number.isInteger(nice) || nice < -20 || nice > 19) {
    log.warn(`--nice ${nice}: expected an integer in -20..19; priority unchanged`);
    return;
  }
  try {
    setPriority(nice);
  } catch (err) {
    log.info(`scheduling priority unchanged (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}: raising it needs CAP_SYS_NICE)`);
  }
}

function loadConfig(loader: ConfigLoader, log: Logger): LoadResult | undefined {
  try {
    return loader.load();
  } catch (err) {
    log.error({ code: (err as { code?: string }).code }, (err as Error).message);
    return undefined;
  }
}

/** Checked before anything is touched: an EPERM halfway through start-up would be far less clear. */
function capabilitiesMissing(opts: DaemonOptions, log: Logger): boolean {
  let missing: string[] = [];
  try {
    missing = missingCapabilities(requiredCapabilities(opts), effectiveCapabilities());
  } catch (err) {
    log.warn(`cannot read this process's capabilities: ${(err as Error).message}`);
  }
  if (!missing.length) return false;
  log.error({ code: 'VIPD_ERR_CAPABILITY', missing },
    `missing capabilit${missing.length > 1 ? 'ies' : 'y'} ${missing.join(' and ')}: run vipd as root or grant ${missing.join(' ')} (systemd: AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW)`);
  return true;
}

/** When start-up's garbage is gone (see returnFreedMemory). */
const SETTLED_MS = 30_000;

/** Tests run the process shell in-process: on a fake host, logging into a buffer. */
export interface RunEnv {
  deps?: DaemonDeps;
  log?: Logger;
  processOps?: ProcessOps;
}

export async function runDaemon(opts: DaemonOptions, env: RunEnv = {}): Promise<number> {
  const log = env.log ?? createLogger({ level: opts.logDetail ? 'debug' : 'info', ...(opts.jsonLogs !== undefined ? { json: opts.jsonLogs } : {}) });
  let exit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => { exit = resolve; });
  const cleanups: Array<() => void> = [];
  let finished = false;
  const finish = (code: number) => {
    if (finished) return;
    finished = true;
    for (const c of cleanups.reverse()) c();
    exit(code);
  };

  // Signals are handled from the first moment: SIGHUP's and SIGUSR1's default action is to
  // terminate, so one arriving during start-up must not kill the daemon. Everything but the dump
  // runs in order behind start-up: a SIGTERM that arrives while instances are being created waits
  // for them and then releases everything (k0s may stop us at any time).
  let daemon: Daemon | undefined;
  let stopping = false;
  const loader = new ConfigLoader(opts);
  let queue: Promise<void> = Promise.resolve();
  /** Where the last applied reload's time went (the status shows it). */
  let lastReload: ReloadTimes | undefined;
  const status = (d: Daemon) => ({ ...d.status(), ...(lastReload ? { lastReload } : {}) });
  const serial = (fn: () => Promise<void>) => { queue = queue.then(fn); };

  const stop = (signal: string) => {
    if (stopping) {
      log.info({ signal }, 'already stopping');
      return;
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    serial(async () => {
      if (finished) return;
      try {
        await daemon?.stop();
      } catch (err) {
        log.error({ err }, `stop: ${(err as Error).message}`);
      }
      log.info('stopped');
      finish(0);
    });
  };
  const reload = () => {
    if (stopping) return;
    const timing = new ReloadTiming();
    serial(async () => {
      // Checked again here: a stop (or a failed start) may have come first in the queue.
      if (stopping || !daemon) return;
      log.info('reloading');
      timing.mark('queued');
      let next;
      try {
        next = loader.load(timing);
        timing.mark(`parse (${loader.lastRead?.how ?? 'full'})`);
        if (loader.lastRead?.why) log.debug(`reload read the whole file: ${loader.lastRead.why}`);
      } catch (err) {
        log.error({ code: (err as { code?: string }).code, file: (err as { file?: string }).file, line: (err as { line?: number }).line },
          `reload rejected, the running configuration stays: ${(err as Error).message}`);
        return;
      }
      for (const w of next.warnings) log.warn({ file: w.file, line: w.line }, formatWarning(w));
      if (next.warnings.length) timing.mark('warnings');
      try {
        await daemon.reload(next.config, timing);
        timing.mark('rest');
        log.info('reloaded');
        returnFreedMemory();
        lastReload = timing.fields();
        log.debug(lastReload, timing.line());
      } catch (err) {
        // A ConfigError comes from planning, before anything was touched.
        if (err instanceof ConfigError) log.error({ code: err.code, file: err.file, line: err.line }, `reload rejected, the running configuration stays: ${err.message}`);
        else log.error({ err }, `reload failed: ${(err as Error).message}`);
      }
    });
  };
  const dump = () => {
    if (!daemon) return;
    const state = status(daemon);
    try {
      writeStateFile(opts.dumpFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
      log.info({ state }, `state dumped to ${opts.dumpFile}`);
    } catch (err) {
      log.warn({ code: (err as { code?: string }).code, state }, `state dump not written: ${(err as Error).message}; the state is in this log line`);
    }
  };
  const handlers: Array<[NodeJS.Signals, () => void]> = [
    ['SIGTERM', () => stop('SIGTERM')], ['SIGINT', () => stop('SIGINT')], ['SIGHUP', reload], ['SIGUSR1', dump],
  ];
  for (const [s, fn] of handlers) process.on(s, fn);
  cleanups.push(() => { for (const [s, fn] of handlers) process.off(s, fn); });

  if (opts.k0sConfig) await prepareConfigReader(opts);
  const loaded = loadConfig(loader, log);
  if (!loaded) {
    finish(1);
    return exited;
  }
  for (const w of loaded.warnings) log.warn({ file: w.file, line: w.line }, formatWarning(w));
  if (opts.dumpConf) log.info({ config: loaded.config }, 'configuration');
  if (capabilitiesMissing(opts, log)) {
    finish(1);
    return exited;
  }

  const pidFiles = [opts.pidFile, opts.vrrpPidFile, opts.checkersPidFile].filter((p): p is string => !!p);
  for (const p of pidFiles) {
    try {
      writePidFile(p);
      cleanups.push(() => removePidFile(p));
    } catch (err) {
      log.error({ code: 'VIPD_ERR_PIDFILE' }, `pid file ${p}: ${(err as Error).message}`);
      finish(1);
      return exited;
    }
  }

  raisePriority(opts.nice, log);
  // global_defs vrrp_priority / vrrp_rt_priority / vrrp_no_swap / vrrp_cpu_affinity (over --nice).
  applyProcessSettings(loaded.config.global, log, env.processOps);
  const d = new Daemon(log, opts, env.deps);
  daemon = d;

  serial(async () => {
    try {
      await d.start(loaded.config);
    } catch (err) {
      log.error({ err }, `start failed: ${(err as Error).message}`);
      stopping = true;
      await d.stop().catch(() => undefined);
      finish(1);
      return;
    }
    if (stopping) return; // a SIGTERM during start-up is queued behind us
    await openEndpoints(opts, d, () => status(d), log, cleanups);
    try {
      // Checked now when it exists (created only by the first dump): a bad one is better known early.
      if (existsSync(dirname(opts.dumpFile))) prepareStateDir(opts.dumpFile);
    } catch (err) {
      log.warn(`SIGUSR1 will not write ${opts.dumpFile}: ${(err as Error).message}`);
    }
    log.info({ instances: loaded.config.vrrpInstances.length, virtualServers: loaded.config.virtualServers.length }, 'started');
    returnFreedMemory();
    // Again once the first elections and V8's start-up GCs (8-25 s after start) are over.
    const settled = setTimeout(returnFreedMemory, SETTLED_MS);
    settled.unref();
    cleanups.push(() => clearTimeout(settled));
  });
  return exited;
}

/** Observability endpoints are optional: failing to open one is a warning, VRRP keeps running. */
async function openEndpoints(opts: DaemonOptions, d: Daemon, getStatus: () => unknown, log: Logger, cleanups: Array<() => void>): Promise<void> {
  try {
    const status = serveStatus(opts.statusSocket, getStatus);
    status.on('error', (err) => log.warn(`status socket ${opts.statusSocket}: ${err.message}`));
    cleanups.push(() => status.close());
  } catch (err) {
    log.warn(`status socket ${opts.statusSocket}: ${(err as Error).message}`);
  }
  if (!opts.metrics) return;
  try {
    // node:http (~0.5 MB of RSS) is loaded only when the endpoint is asked for.
    const { serveMetrics } = await import('./metrics-server.js');
    const metrics = serveMetrics(opts.metrics, () => d.metrics());
    metrics.on('error', (err) => log.warn(`metrics endpoint ${opts.metrics}: ${err.message}`));
    cleanups.push(() => metrics.close());
  } catch (err) {
    log.warn(`metrics endpoint ${opts.metrics}: ${(err as Error).message}`);
  }
}
