// The notify FIFOs of a configuration (global_defs notify_fifo, vrrp_notify_fifo, lvs_notify_fifo
// and their *_script): VRRP lines go to notify_fifo and vrrp_notify_fifo, LVS lines to notify_fifo
// and lvs_notify_fifo. keepalived closes and re-creates them (restarting their scripts) on every
// reload; so does configure(). A FIFO that cannot be opened is logged and left out.
import type { Logger } from 'pino';
import type { GlobalDefs, NotifyFifoSpec } from '../config/types.js';
import type { NotifyFifoOptions, NotifyFifoPort } from '../vrrp/notify-fifo.js';
import type { LineSink } from './notify-dispatch.js';
import type { ScriptHost } from '../health/script-rules.js';
import type { ScriptPolicy } from './script-policy.js';

type Key = 'notifyFifo' | 'vrrpNotifyFifo' | 'lvsNotifyFifo';
const NAME: Record<Key, string> = { notifyFifo: 'notify_fifo', vrrpNotifyFifo: 'vrrp_notify_fifo', lvsNotifyFifo: 'lvs_notify_fifo' };

export class NotifyFifos {
  #open: (opts: NotifyFifoOptions) => NotifyFifoPort;
  #log: Logger;
  #fifos = new Map<Key, NotifyFifoPort>();
  readonly vrrp: LineSink = { write: (line) => this.#write(['notifyFifo', 'vrrpNotifyFifo'], line) };
  readonly lvs: LineSink = { write: (line) => this.#write(['notifyFifo', 'lvsNotifyFifo'], line) };

  constructor(open: (opts: NotifyFifoOptions) => NotifyFifoPort, log: Logger) {
    this.#open = open;
    this.#log = log;
  }

  configure(global: Pick<GlobalDefs, Key>, policy: ScriptPolicy, host: Pick<ScriptHost, 'lookupUser'>): void {
    this.close();
    for (const key of ['notifyFifo', 'vrrpNotifyFifo', 'lvsNotifyFifo'] as const) {
      const spec = global[key];
      if (spec) this.#openOne(key, spec, policy, host);
    }
  }

  #openOne(key: Key, spec: NotifyFifoSpec, policy: ScriptPolicy, host: Pick<ScriptHost, 'lookupUser'>): void {
    let owner: { uid: number; gid: number } | undefined;
    if (spec.user !== undefined) {
      try {
        owner = host.lookupUser(spec.user, spec.group);
      } catch (err) {
        this.#log.warn(`${(err as Error).message}: Invalid user/group for ${NAME[key]} ${spec.path} - ignoring`);
        return;
      }
    }
    const script = spec.script ? policy.resolve(spec.script, 'fifo') : undefined;
    try {
      const fifo = this.#open({ path: spec.path, ...(owner ? { uid: owner.uid, gid: owner.gid } : {}), ...(script ? { script } : {}) });
      this.#fifos.set(key, fifo);
    } catch (err) {
      this.#log.error(`Unable to create ${NAME[key]} ${spec.path}: ${(err as Error).message}`);
    }
  }

  #write(keys: Key[], line: string): void {
    for (const k of keys) this.#fifos.get(k)?.write(line);
  }

  /** SIGTERM to the FIFO scripts: vipd stops, and the last lines follow. */
  stopScripts(): void {
    for (const f of this.#fifos.values()) f.stopScript();
  }

  close(): void {
    for (const f of this.#fifos.values()) f.close();
    this.#fifos.clear();
  }
}
