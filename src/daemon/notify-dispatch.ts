// What a VRRP event notifies, keepalived's way: the event's own script first (notify_master /
// notify_backup / notify_fault / notify_stop, notify_deleted's, notify_master_rx_lower_pri), then
// the generic `notify` with "INSTANCE"|"GROUP" name STATE priority (states MASTER BACKUP FAULT STOP
// DELETED only), and one line on the notify FIFOs (notify-lines.ts). A priority change writes a
// FIFO line only (notify_priority_changes). notifications() is pure; NotifyDispatcher runs the
// scripts (as their user, through the script policy) and writes the lines.
import type { Logger } from 'pino';
import type { ScriptCommand } from '../config/types.js';
import type { NotifyCommand, NotifyResult } from '../vrrp/notify.js';
import { groupLine, instanceLine, priorityNotice, stateNotice, type GroupNotice, type InstanceNotice } from '../vrrp/notify-lines.js';
import type { VrrpStateName } from '../vrrp/state-machine.js';
import type { GroupNotifySpec, NotifySpec } from './reload-plan.js';
import type { ScriptPolicy } from './script-policy.js';

/**
 * An instance's event. 'stop': vipd stops (or restarts the instance); 'deleted': a reload removed
 * it (FAULT unless notify_deleted, as keepalived).
 */
export type NotifyEvent =
  | { kind: 'state'; state: VrrpStateName; priority: number }
  | { kind: 'stop'; priority: number }
  | { kind: 'deleted'; priority: number }
  | { kind: 'priority'; state: VrrpStateName; priority: number }
  | { kind: 'lower-priority'; priority: number };

export interface Notifications {
  /** Scripts to start, with the arguments keepalived appends. */
  scripts: Array<{ cmd: ScriptCommand; args: string[] }>;
  /** The FIFO line, if any. */
  line?: string;
}

/** Generic `notify` gets these states only. */
const GENERIC = new Set<InstanceNotice>(['MASTER', 'BACKUP', 'FAULT', 'STOP', 'DELETED']);

function noticeOf(spec: NotifySpec, ev: NotifyEvent): InstanceNotice | undefined {
  switch (ev.kind) {
    case 'state': return stateNotice(ev.state);
    case 'stop': return 'STOP';
    case 'deleted': return spec.deleted ? 'DELETED' : 'FAULT';
    case 'priority': return spec.priorityChanges ? priorityNotice(ev.state) : undefined;
    case 'lower-priority': return 'MASTER_RX_LOWER_PRI';
  }
}

export function instanceNotifications(instance: string, spec: NotifySpec, ev: NotifyEvent): Notifications {
  const notice = noticeOf(spec, ev);
  if (!notice) return { scripts: [] };
  const own: Partial<Record<InstanceNotice, ScriptCommand | undefined>> = {
    MASTER: spec.master, BACKUP: spec.backup, FAULT: spec.fault, STOP: spec.stop, DELETED: spec.deleted?.script, MASTER_RX_LOWER_PRI: spec.rxLowerPri,
  };
  const scripts: Notifications['scripts'] = [];
  const script = own[notice];
  if (script) scripts.push({ cmd: script, args: [] });
  if (spec.any && GENERIC.has(notice)) scripts.push({ cmd: spec.any, args: ['INSTANCE', instance, notice, String(ev.priority)] });
  return { scripts, line: instanceLine(instance, notice, ev.priority) };
}

export function groupNotifications(group: string, spec: GroupNotifySpec, notice: GroupNotice): Notifications {
  const own: Record<GroupNotice, ScriptCommand | undefined> = { MASTER: spec.master, BACKUP: spec.backup, FAULT: spec.fault, STOP: spec.stop };
  const scripts: Notifications['scripts'] = [];
  const script = own[notice];
  if (script) scripts.push({ cmd: script, args: [] });
  if (spec.any) scripts.push({ cmd: spec.any, args: ['GROUP', group, notice, '0'] });
  return { scripts, line: groupLine(group, notice) };
}

/** Where VRRP lines go: notify_fifo and vrrp_notify_fifo. */
export interface LineSink {
  write(line: string): void;
}

export class NotifyDispatcher {
  #run: (cmd: NotifyCommand) => Promise<NotifyResult>;
  #log: Logger;
  #runs = 0;
  #policy: ScriptPolicy | undefined;
  #sink: LineSink | undefined;

  constructor(run: (cmd: NotifyCommand) => Promise<NotifyResult>, log: Logger) {
    this.#run = run;
    this.#log = log;
  }

  /** The scripts' users and checks (a new one per configuration). */
  setPolicy(policy: ScriptPolicy): void {
    this.#policy = policy;
  }

  setSink(sink: LineSink | undefined): void {
    this.#sink = sink;
  }

  /** Scripts started since start-up. */
  get runs(): number {
    return this.#runs;
  }

  instance(instance: string, spec: NotifySpec, ev: NotifyEvent): void {
    this.#deliver(instance, instanceNotifications(instance, spec, ev));
  }

  group(group: string, spec: GroupNotifySpec, notice: GroupNotice): void {
    this.#deliver(group, groupNotifications(group, spec, notice));
  }

  /** A line only (fifo_write_vrrp_states_on_reload). */
  line(line: string): void {
    this.#sink?.write(line);
  }

  #deliver(name: string, n: Notifications): void {
    if (n.line) this.#sink?.write(n.line);
    for (const { cmd, args } of n.scripts) {
      const runnable = this.#policy ? this.#policy.resolve(cmd, 'notify') : { argv: cmd.argv };
      if (!runnable) continue; // refused by the script policy (logged when it was resolved)
      const argv = [...runnable.argv, ...args];
      this.#runs++;
      const ids = 'uid' in runnable ? { uid: runnable.uid, gid: runnable.gid } : {};
      void this.#run({ argv, ...ids }).then((r) => {
        if (r.error || r.code !== 0 || r.timedOut) {
          this.#log.warn({ instance: name, argv, code: r.code, signal: r.signal, error: r.error, timedOut: r.timedOut }, `${name}: notify script failed`);
        }
      });
    }
  }
}
