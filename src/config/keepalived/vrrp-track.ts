// What vrrp_instance and vrrp_sync_group share: track_interface / track_script lists and the
// notify_* scripts.
import type { Statement } from '../block-parser.js';
import type { ScriptCommand, TrackedInterface, TrackedScript } from '../types.js';
import { fail, parseIntText, whereOf } from '../values.js';
import type { NotifyKey } from './draft.js';
import { asKeepalived, implemented, type Handler, type Kit, type KeywordEntry } from './kit.js';

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
    let opts: ReturnType<typeof weightOpts> = { reverse: false };
    if (!kit.tolerate(e, () => (opts = weightOpts(e, 0)), `${e.keyword} is not tracked`)) continue;
    out.push({ name: e.keyword, weight: opts.weight ?? 0, reverse: opts.reverse, where: whereOf(e) });
  }
}

export function trackScripts(st: Statement, out: TrackedScript[], kit: Kit): void {
  for (const e of kit.needBlock(st)) {
    let opts: ReturnType<typeof weightOpts> = { reverse: false };
    if (!kit.tolerate(e, () => (opts = weightOpts(e, 0)), `${e.keyword} is not tracked`)) continue;
    const t: TrackedScript = { name: e.keyword, reverse: opts.reverse, where: whereOf(e) };
    if (opts.weight !== undefined) t.weight = opts.weight;
    out.push(t);
  }
}

type Notified = { notify: Partial<Record<NotifyKey, ScriptCommand>> };

function notifyHandler<T extends Notified>(key: NotifyKey): Handler<T> {
  return asKeepalived((s, d, kit) => (d.notify[key] = kit.command(s)), 'ignored (the script is not run)');
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
