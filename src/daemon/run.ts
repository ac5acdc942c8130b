// The daemon's process shell: load the configuration, start the subsystems, and map keepalived's
// signals onto them. SIGHUP reloads (a bad new config keeps the old one running), SIGTERM/SIGINT
// stop gracefully (priority-0 adverts, VIPs removed) and exit 0, SIGUSR1 dumps state.
import { writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { createLogger, type Logger } from './logger.js';
import { removePidFile, writePidFile } from './pidfile.js';
import { serveStatus } from './status-server.js';
import { serveMetrics } from './metrics.js';
import { loadDaemonConfig } from './load-config.js';
import { Daemon } from './daemon.js';
import { formatWarning } from '../config/types.js';
import { effectiveCapabilities, missingCapabilities, requiredCapabilities } from './capabilities.js';
import type { DaemonOptions } from './options.js';

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

export async function runDaemon(opts: DaemonOptions): Promise<number> {
  const log = createLogger({ level: opts.logDetail ? 'debug' : 'info', ...(opts.jsonLogs !== undefined ? { json: opts.jsonLogs } : {}) });
  let loaded;
  try {
    loaded = loadDaemonConfig(opts);
  } catch (err) {
    log.error({ code: (err as { code?: string }).code }, (err as Error).message);
    return 1;
  }
  for (const w of loaded.warnings) log.warn({ file: w.file, line: w.line }, formatWarning(w));
  if (opts.dumpConf) log.info({ config: loaded.config }, 'configuration');

  // Checked before anything is touched: an EPERM halfway through start-up would be far less clear.
  let missing: string[] = [];
  try {
    missing = missingCapabilities(requiredCapabilities(opts), effectiveCapabilities());
  } catch (err) {
    log.warn(`cannot read this process's capabilities: ${(err as Error).message}`);
  }
  if (missing.length) {
    log.error({ code: 'VIPD_ERR_CAPABILITY', missing },
      `missing capabilit${missing.length > 1 ? 'ies' : 'y'} ${missing.join(' and ')}: run vipd as root or grant ${missing.join(' ')} (systemd: AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW)`);
    return 1;
  }

  const pidFiles = [opts.pidFile, opts.vrrpPidFile, opts.checkersPidFile].filter((p): p is string => !!p);
  const written: string[] = [];
  for (const p of pidFiles) {
    try {
      writePidFile(p);
      written.push(p);
    } catch (err) {
      log.error({ code: 'VIPD_ERR_PIDFILE' }, `pid file ${p}: ${(err as Error).message}`);
      for (const w of written) removePidFile(w);
      return 1;
    }
  }

  raisePriority(opts.nice, log);
  const daemon = new Daemon(log, opts);
  let status: ReturnType<typeof serveStatus> | undefined;
  let metrics: ReturnType<typeof serveMetrics> | undefined;

  return new Promise<number>((resolve) => {
    let stopping = false;
    // Signals are serialised behind start-up: a SIGTERM that arrives while instances are still
    // being created waits for them and then releases everything (k0s may stop us at any time).
    let queue: Promise<unknown> = Promise.resolve();
    const serial = (fn: () => Promise<unknown>) => { queue = queue.then(fn, fn); };
    const signals = ['SIGHUP', 'SIGTERM', 'SIGINT', 'SIGUSR1'] as const;
    const finish = (code: number) => {
      status?.close();
      metrics?.close();
      for (const p of pidFiles) removePidFile(p);
      for (const s of signals) process.removeAllListeners(s);
      resolve(code);
    };

    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping');
      serial(async () => {
        try {
          await daemon.stop();
        } catch (err) {
          log.error({ err }, `stop: ${(err as Error).message}`);
        }
        log.info('stopped');
        finish(0);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      if (stopping) return;
      serial(async () => {
        log.info('reloading');
        let next;
        try {
          next = loadDaemonConfig(opts);
        } catch (err) {
          log.error({ code: (err as { code?: string }).code, file: (err as { file?: string }).file, line: (err as { line?: number }).line },
            `reload rejected, the running configuration stays: ${(err as Error).message}`);
          return;
        }
        for (const w of next.warnings) log.warn({ file: w.file, line: w.line }, formatWarning(w));
        try {
          await daemon.reload(next.config);
          log.info('reloaded');
        } catch (err) {
          log.error({ err }, `reload failed: ${(err as Error).message}`);
        }
      });
    });
    process.on('SIGUSR1', () => {
      const dump = daemon.status();
      try {
        writeFileSync(opts.dumpFile, `${JSON.stringify(dump, null, 2)}\n`);
      } catch (err) {
        log.warn(`state dump to ${opts.dumpFile}: ${(err as Error).message}`);
      }
      log.info({ state: dump }, `state dumped to ${opts.dumpFile}`);
    });

    serial(async () => {
      try {
        await daemon.start(loaded.config);
      } catch (err) {
        log.error({ err }, `start failed: ${(err as Error).message}`);
        stopping = true;
        await daemon.stop().catch(() => undefined);
        finish(1);
        return;
      }
      if (stopping) return; // a SIGTERM during start-up is queued behind us
      // Observability endpoints are optional: failing to open one is a warning, VRRP keeps running.
      try {
        status = serveStatus(opts.statusSocket, () => daemon.status());
        status.on('error', (err) => log.warn(`status socket ${opts.statusSocket}: ${err.message}`));
      } catch (err) {
        log.warn(`status socket ${opts.statusSocket}: ${(err as Error).message}`);
      }
      try {
        metrics = opts.metrics ? serveMetrics(opts.metrics, () => daemon.metrics()) : undefined;
        metrics?.on('error', (err) => log.warn(`metrics endpoint ${opts.metrics}: ${err.message}`));
      } catch (err) {
        log.warn(`metrics endpoint ${opts.metrics}: ${(err as Error).message}`);
      }
      log.info({ instances: loaded.config.vrrpInstances.length, virtualServers: loaded.config.virtualServers.length }, 'started');
    });
  });
}
