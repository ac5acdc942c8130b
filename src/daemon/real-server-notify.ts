// notify_up / notify_down of real servers: run (through DaemonDeps.runNotify, so without a shell,
// in their own process group, killed at the timeout) when a real server's checkers take it in or
// out, with the script's own arguments only, as keepalived 2.2.7 does (observed: no argument is
// appended). Removing a server with omega set counts as down, like keepalived's omega.
import type { Logger } from 'pino';
import { serviceKey, type VirtualServerManager } from '../ipvs/index.js';
import type { DaemonDeps } from './deps.js';
import type { MappedVirtualServer, RealServerNotify } from './config-mapping.js';

export class RealServerNotifier {
  #run: DaemonDeps['runNotify'];
  #log: Logger;
  /** service key -> destination key -> scripts. */
  #table = new Map<string, Record<string, RealServerNotify>>();
  runs = 0;

  constructor(run: DaemonDeps['runNotify'], log: Logger) {
    this.#run = run;
    this.#log = log;
  }

  /** The scripts of the virtual servers as planned now (a reload replaces them). */
  update(mapped: readonly MappedVirtualServer[]): void {
    this.#table = new Map(mapped.map((m) => [serviceKey(m.config.service), m.notify]));
  }

  /** A reload that replaced some virtual servers (`removed` by `added`). */
  change(removed: readonly MappedVirtualServer[], added: readonly MappedVirtualServer[]): void {
    for (const m of removed) this.#table.delete(serviceKey(m.config.service));
    for (const m of added) this.#table.set(serviceKey(m.config.service), m.notify);
  }

  attach(m: VirtualServerManager): void {
    m.on('realServerUp', (e) => this.#fire(e.service, e.destination, 'up'));
    m.on('realServerDown', (e) => this.#fire(e.service, e.destination, 'down'));
  }

  #fire(service: string, destination: string, which: 'up' | 'down'): void {
    const cmd = this.#table.get(service)?.[destination]?.[which];
    if (!cmd) return;
    this.runs++;
    const what = `notify_${which} of real server ${destination} (${service})`;
    void this.#run({ argv: cmd.argv, ...(cmd.runAs ? { uid: cmd.runAs.uid, gid: cmd.runAs.gid } : {}) }).then((r) => {
      if (r.error || r.timedOut || r.code !== 0) {
        this.#log.warn({ argv: r.argv, code: r.code, signal: r.signal, timedOut: r.timedOut, error: r.error }, `${what}: ${r.error ?? (r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`)}`);
      }
    });
  }
}
