// The daemon's process shell: load the configuration, start the subsystems, and map keepalived's
// signals onto them. SIGHUP reloads (a bad new config keeps the old one running), SIGTERM/SIGINT
// stop gracefully (priority-0 adverts, VIPs removed) and exit 0, SIGUSR1 dumps state.
import { writeFileSync } from 'node:fs';
import { createLogger } from './logger.js';
import { removePidFile, writePidFile } from './pidfile.js';
import { serveStatus } from './status-server.js';
import { serveMetrics } from './metrics.js';
import { loadDaemonConfig } from './load-config.js';
import { Daemon } from './daemon.js';
import { formatWarning } from '../config/types.js';
import type { DaemonOptions } from './options.js';

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

  const pidFiles = [opts.pidFile, opts.vrrpPidFile, opts.checkersPidFile].filter((p): p is string => !!p);
  for (const p of pidFiles) writePidFile(p);

  const daemon = new Daemon(log, opts);
  try {
    await daemon.start(loaded.config);
  } catch (err) {
    log.error({ err }, `start failed: ${(err as Error).message}`);
    await daemon.stop().catch(() => undefined);
    for (const p of pidFiles) removePidFile(p);
    return 1;
  }
  const status = serveStatus(opts.statusSocket, () => daemon.status());
  status.on('error', (err) => log.warn(`status socket ${opts.statusSocket}: ${err.message}`));
  const metrics = opts.metrics ? serveMetrics(opts.metrics, () => daemon.metrics()) : undefined;
  metrics?.on('error', (err) => log.warn(`metrics endpoint ${opts.metrics}: ${err.message}`));

  return new Promise<number>((resolve) => {
    let stopping = false;
    // Signals are serialised: a reload in progress finishes before the next one or a stop starts.
    let queue: Promise<unknown> = Promise.resolve();
    const serial = (fn: () => Promise<unknown>) => { queue = queue.then(fn, fn); };

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
        status.close();
        metrics?.close();
        for (const p of pidFiles) removePidFile(p);
        for (const s of ['SIGHUP', 'SIGTERM', 'SIGINT', 'SIGUSR1'] as const) process.removeAllListeners(s);
        log.info('stopped');
        resolve(0);
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
          log.error(`reload rejected, the running configuration stays: ${(err as Error).message}`);
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
  });
}
