// What vrrp_instance and vrrp_sync_group share: track_interface / track_script lists and the
// notify_* scripts.
import type { Statement } from '../block-parser.js';
import type { ScriptCommand, TrackedInterface, TrackedScript } from '../types.js';
import { fail, parseIntText, whereOf } from '../values.js';
import type { NotifyKey } from './draft.js';
import { implemented, type Handler, type Kit, type KeywordEntry } from './kit.js';

/** `NAME [weight N] [reverse|noreverse|no_reverse]` */
export function weightOpts(e: Statement, from: number): { weight?: number; reverse: boolean } {
  let weight: number | undefined;
  let reverse = false;
  const a = e.args.map((t) => t.text);
  for (let i = from; i < a.length; i++) {
    const opt = a[i]!;
    if (opt === 'weight') weight = parseIntText(e, a[++i] ?? '', `${e.keyword} weight`, -253, 253);
    else if (opt === 'reverse') reverse = true;
    else if (opt === 'noreverse' || opt === 'no_reverse') reverse = false;
    else fail(e, `${e.keyword}: unexpected '${opt}' (expected weight N [reverse])`);
  }
  return weight === undefined ? { reverse } : { weight, reverse };
}

export function trackInterfaces(st: Statement, out: TrackedInterface[], kit: Kit): void {
  for (const e of kit.needBlock(st)) {
    const { weight, reverse } = weightOpts(e, 0);
    out.push({ name: e.keyword, weight: weight ?? 0, reverse, where: whereOf(e) });
  }
}

export function trackScripts(st: Statement, out: TrackedScript[], kit: Kit): void {
  for (const e of kit.needBlock(st)) {
    const { weight, reverse } = weightOpts(e, 0);
    const t: TrackedScript = { name: e.keyword, reverse, where: whereOf(e) };
    if (weight !== undefined) t.weight = weight;
    out.push(t);
  }
}

type Notified = { notify: Partial<Record<NotifyKey, ScriptCommand>> };

function notifyHandler<T extends Notified>(key: NotifyKey): Handler<T> {
  return (s, d, kit) => (d.notify[key] = kit.command(s));
}

export function notifyKeywords<T extends Notified>(): Record<'notify_master' | 'notify_backup' | 'notify_fault' | 'notify_stop' | 'notify', KeywordEntry<T>> {
  return {
    notify_master: implemented(notifyHandler<T>('notifyMaster')),
    notify_backup: implemented(notifyHandler<T>('notifyBackup')),
    notify_fault: implemented(notifyHandler<T>('notifyFault')),
    notify_stop: implemented(notifyHandler<T>('notifyStop')),
    notify: implemented(notifyHandler<T>('notify')),
  };
}
