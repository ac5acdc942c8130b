// Which notify scripts a VRRP event runs, keepalived's way: the state's own script first
// (notify_master / notify_backup / notify_fault / notify_stop), then the generic `notify` with
// "INSTANCE" name state priority. notifyCommands is pure; NotifyDispatcher starts them.
import type { Logger } from 'pino';
import { notifyArgs, type NotifyCommand, type NotifyResult, type NotifyState } from '../vrrp/notify.js';
import type { VrrpStateName } from '../vrrp/state-machine.js';
import type { ScriptCommand } from '../config/types.js';
import type { NotifySpec } from './reload-plan.js';

const STATE_NAME: Partial<Record<VrrpStateName, NotifyState>> = { master: 'MASTER', backup: 'BACKUP', fault: 'FAULT' };

/**
 * A state change, or the instance going away: 'stop' when vipd stops (or restarts the instance),
 * 'deleted' when a reload removed it (keepalived reports FAULT then, unless notify_deleted).
 */
export type NotifyEvent = { state: VrrpStateName; priority: number } | { gone: 'stop' | 'deleted'; priority: number };

export function notifyCommands(instance: string, spec: NotifySpec, ev: NotifyEvent): string[][] {
  const state: NotifyState | undefined = 'gone' in ev ? (ev.gone === 'stop' ? 'STOP' : 'FAULT') : STATE_NAME[ev.state];
  if (!state) return [];
  const own: Record<NotifyState, ScriptCommand | undefined> = { MASTER: spec.master, BACKUP: spec.backup, FAULT: spec.fault, STOP: spec.stop };
  const out: string[][] = [];
  const script = own[state];
  if (script) out.push(script.argv);
  if (spec.any) out.push(notifyArgs(spec.any.argv, 'INSTANCE', instance, state, ev.priority));
  return out;
}

export class NotifyDispatcher {
  #run: (cmd: NotifyCommand) => Promise<NotifyResult>;
  #log: Logger;
  #runs = 0;

  constructor(run: (cmd: NotifyCommand) => Promise<NotifyResult>, log: Logger) {
    this.#run = run;
    this.#log = log;
  }

  /** Scripts started since start-up. */
  get runs(): number {
    return this.#runs;
  }

  dispatch(instance: string, spec: NotifySpec, ev: NotifyEvent): void {
    for (const argv of notifyCommands(instance, spec, ev)) {
      this.#runs++;
      void this.#run({ argv }).then((r) => {
        if (r.error || r.code !== 0 || r.timedOut) {
          this.#log.warn({ instance, argv, code: r.code, signal: r.signal, error: r.error, timedOut: r.timedOut }, `${instance}: notify script failed`);
        }
      });
    }
  }
}
