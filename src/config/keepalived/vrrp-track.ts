// What vrrp_instance and vrrp_sync_group share: the track_interface / track_script / track_file /
// track_process lists and the notify_* scripts.
import type { Statement } from '../block-parser.js';
import type { ScriptCommand, TrackedInterface, TrackedRef } from '../types.js';
import { boolArg, fail, parseIntText, whereOf } from '../values.js';
import type { NotifyKey } from './draft.js';
import { asKeepalived, implemented, type Handler, type Kit, type KeywordEntry } from './kit.js';

/** Weight ranges: scripts and interfaces -253..253, files and processes -254..254 (keepalived's). */
export const SCRIPT_WEIGHT = 253;
export const FILE_WEIGHT = 254;

/**
 * `NAME [weight N] [reverse|noreverse|no_reverse]`, with keepalived 2.2.7's handling of a bad weight
 * (seen in its state dump): a word that is not a number is 0; with scripts and interfaces ±254 is
 * ±253; beyond the range the weight is dropped (`dropped` says what is tracked then) but the entry
 * is still tracked. Other bad words leave the entry out (the caller's kit.tolerate).
 */
export function weightOpts(e: Statement, from: number, max: number, kit: Kit, dropped: string): { weight?: number; reverse?: boolean } {
  let weight: number | undefined;
  let reverse: boolean | undefined;
  const a = e.args.map((t) => t.text);
  const what = `${e.keyword} weight`;
  for (let i = from; i < a.length; i++) {
    const opt = a[i]!;
    if (opt === 'weight') {
      const text = a[++i] ?? '';
      const n = Number(text);
      if (text !== '' && kit.readsAsZero(e, what, text)) weight = 0;
      else if (text !== '' && max === SCRIPT_WEIGHT && Math.abs(n) === SCRIPT_WEIGHT + 1) {
        weight = Math.sign(n) * SCRIPT_WEIGHT;
        kit.instead(e, `${what}: ${text} is out of range -${max}..${max}`, `using ${weight}`);
      } else if (text !== '' && Math.abs(n) > max) {
        kit.instead(e, `${what}: ${text} is out of range -${max}..${max}`, dropped);
        weight = undefined;
      } else weight = parseIntText(e, text, what, -max, max);
    } else if (opt === 'reverse') reverse = true;
    else if (opt === 'noreverse' || opt === 'no_reverse') reverse = false;
    else fail(e, `${e.keyword}: unexpected '${opt}' (expected weight N [reverse])`);
  }
  return { ...(weight !== undefined ? { weight } : {}), ...(reverse !== undefined ? { reverse } : {}) };
}

/**
 * track_file / vrrp_track_process `weight N [reverse]`, as keepalived 2.2.7 reads it: the first
 * weight line counts, a word that is not a number is 0, an out-of-range weight (or one without a
 * value) is ignored, other words after it too.
 */
export function firstWeight(s: Statement, d: { weight: number; weightSet: boolean; reverse: boolean }, kit: Kit): void {
  const w = s.args[0]?.text;
  if (w === undefined) return kit.instead(s, 'weight: missing weight', 'ignored');
  if (d.weightSet) return kit.instead(s, `weight: already set (${d.weight})`, `${w} ignored`);
  if (kit.readsAsZero(s, 'weight', w)) d.weight = 0;
  else if (!kit.tolerate(s, () => (d.weight = parseIntText(s, w, 'weight', -FILE_WEIGHT, FILE_WEIGHT)), 'ignored')) return;
  d.weightSet = true;
  d.reverse = s.args[1]?.text === 'reverse';
  const extra = s.args.slice(d.reverse ? 2 : 1).map((x) => x.text);
  if (extra.length) kit.instead(s, `weight: unexpected '${extra.join(' ')}' (only 'reverse' may follow)`, 'ignored');
}

export function trackInterfaces(st: Statement, out: TrackedInterface[], kit: Kit): void {
  for (const e of kit.needBlock(st)) {
    let opts: ReturnType<typeof weightOpts> = {};
    if (!kit.tolerate(e, () => (opts = weightOpts(e, 0, SCRIPT_WEIGHT, kit, `${e.keyword} is tracked with weight 0`)), `${e.keyword} is not tracked`)) continue;
    out.push({ name: e.keyword, weight: opts.weight ?? 0, reverse: opts.reverse ?? false, where: whereOf(e) });
  }
}

/** track_script / track_file / track_process { NAME [weight N] [reverse|noreverse] ... } */
export function trackRefs(st: Statement, out: TrackedRef[], kit: Kit, max = SCRIPT_WEIGHT): void {
  for (const e of kit.needBlock(st)) {
    if (e.block) fail(e, `${st.keyword}: ${e.keyword} does not take a '{' block`);
    let opts: ReturnType<typeof weightOpts> = {};
    if (!kit.tolerate(e, () => (opts = weightOpts(e, 0, max, kit, `${e.keyword} is tracked with its own weight`)), `${e.keyword} is not tracked`)) continue;
    out.push({ name: e.keyword, ...opts, where: whereOf(e) });
  }
}

export const trackScripts = (st: Statement, out: TrackedRef[], kit: Kit) => trackRefs(st, out, kit, SCRIPT_WEIGHT);

type Notified = {
  notify: Partial<Record<NotifyKey, ScriptCommand>>;
  notifyDeleted?: { script?: ScriptCommand };
  notifyPriorityChanges?: boolean;
};

function notifyHandler<T extends Notified>(key: NotifyKey): Handler<T> {
  return asKeepalived((s, d, kit) => (d.notify[key] = kit.command(s)), 'ignored (the script is not run)');
}

/**
 * The notify keywords. `deletedWithoutScript`: what an empty notify_deleted command does (an
 * instance's still sends DELETED, as keepalived 2.2.7; keepalived does not read a sync group's).
 */
export function notifyKeywords<T extends Notified>(deletedWithoutScript = true): Record<
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
      if (!s.args.length) return void (d.notifyDeleted = {});
      kit.tolerate(s, () => (d.notifyDeleted = { script: kit.command(s) }), deletedWithoutScript ? 'DELETED is sent without a script' : 'ignored');
      if (!d.notifyDeleted && deletedWithoutScript) d.notifyDeleted = {};
    }),
    notify_priority_changes: implemented(asKeepalived((s, d) => (d.notifyPriorityChanges = boolArg(s, 0)), 'ignored'), {
      note: 'MASTER_PRIORITY / BACKUP_PRIORITY lines on the notify FIFOs',
    }),
  };
}
