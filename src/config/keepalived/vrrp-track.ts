// What vrrp_instance and vrrp_sync_group share: the track_interface / track_script / track_file /
// track_process lists and the notify_* scripts.
import type { Statement } from '../block-parser.js';
import type { ScriptCommand, TrackedInterface, TrackedRef } from '../types.js';
import { boolArg, fail, parseIntText, whereOf } from '../values.js';
import type { NotifyKey } from './draft.js';
import { implemented, type Handler, type Kit, type KeywordEntry } from './kit.js';

/** Weight ranges: scripts and interfaces -253..253, files and processes -254..254 (keepalived's). */
export const SCRIPT_WEIGHT = 253;
export const FILE_WEIGHT = 254;

/** `NAME [weight N] [reverse|noreverse|no_reverse]` */
export function weightOpts(e: Statement, from: number, max = SCRIPT_WEIGHT): { weight?: number; reverse?: boolean } {
  let weight: number | undefined;
  let reverse: boolean | undefined;
  const a = e.args.map((t) => t.text);
  for (let i = from; i < a.length; i++) {
    const opt = a[i]!;
    if (opt === 'weight') weight = parseIntText(e, a[++i] ?? '', `${e.keyword} weight`, -max, max);
    else if (opt === 'reverse') reverse = true;
    else if (opt === 'noreverse' || opt === 'no_reverse') reverse = false;
    else fail(e, `${e.keyword}: unexpected '${opt}' (expected weight N [reverse])`);
  }
  return { ...(weight !== undefined ? { weight } : {}), ...(reverse !== undefined ? { reverse } : {}) };
}

export function trackInterfaces(st: Statement, out: TrackedInterface[], kit: Kit): void {
  for (const e of kit.needBlock(st)) {
    const { weight, reverse } = weightOpts(e, 0);
    out.push({ name: e.keyword, weight: weight ?? 0, reverse: reverse ?? false, where: whereOf(e) });
  }
}

/** track_script / track_file / track_process { NAME [weight N] [reverse|noreverse] ... } */
export function trackRefs(st: Statement, out: TrackedRef[], kit: Kit, max = SCRIPT_WEIGHT): void {
  for (const e of kit.needBlock(st)) {
    if (e.block) fail(e, `${st.keyword}: ${e.keyword} does not take a '{' block`);
    out.push({ name: e.keyword, ...weightOpts(e, 0, max), where: whereOf(e) });
  }
}

export const trackScripts = (st: Statement, out: TrackedRef[], kit: Kit) => trackRefs(st, out, kit, SCRIPT_WEIGHT);

type Notified = {
  notify: Partial<Record<NotifyKey, ScriptCommand>>;
  notifyDeleted?: { script?: ScriptCommand };
  notifyPriorityChanges?: boolean;
};

function notifyHandler<T extends Notified>(key: NotifyKey): Handler<T> {
  return (s, d, kit) => (d.notify[key] = kit.command(s));
}

export function notifyKeywords<T extends Notified>(): Record<
  'notify_master' | 'notify_backup' | 'notify_fault' | 'notify_stop' | 'notify' | 'notify_deleted' | 'notify_priority_changes',
  KeywordEntry<T>
> {
  return {
    notify_master: implemented(notifyHandler<T>('notifyMaster')),
    notify_backup: implemented(notifyHandler<T>('notifyBackup')),
    notify_fault: implemented(notifyHandler<T>('notifyFault')),
    notify_stop: implemented(notifyHandler<T>('notifyStop')),
    notify: implemented(notifyHandler<T>('notify')),
    // notify_deleted [script]: DELETED instead of FAULT when a reload removes the instance.
    notify_deleted: implemented((s, d, kit) => {
      if (d.notifyDeleted) return kit.warn(s, `${s.keyword}: given twice, the first one counts (as keepalived)`);
      d.notifyDeleted = s.args.length ? { script: kit.command(s) } : {};
    }),
    notify_priority_changes: implemented((s, d) => (d.notifyPriorityChanges = boolArg(s, 0)), {
      note: 'MASTER_PRIORITY / BACKUP_PRIORITY lines on the notify FIFOs',
    }),
  };
}
