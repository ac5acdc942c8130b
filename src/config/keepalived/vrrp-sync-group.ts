// vrrp_sync_group NAME { group { ... } ... }: instances that change state together.
import type { Statement } from '../block-parser.js';
import type { ScriptCommand, TrackedInterface, TrackedScript } from '../types.js';
import { fail, whereOf } from '../values.js';
import type { ConfigDraft, NotifyKey } from './draft.js';
import { implemented, warned, type Kit, type KeywordTable } from './kit.js';
import { notifyKeywords, trackInterfaces, trackScripts } from './vrrp-track.js';

interface SyncGroupDraft {
  group: string[];
  trackInterfaces: TrackedInterface[];
  trackScripts: TrackedScript[];
  notify: Partial<Record<NotifyKey, ScriptCommand>>;
}

export const VRRP_SYNC_GROUP: KeywordTable<SyncGroupDraft> = {
  group: implemented((s, d, kit) => {
    for (const e of kit.needBlock(s)) d.group.push(e.keyword, ...e.args.map((a) => a.text));
  }),
  track_interface: implemented((s, d, kit) => trackInterfaces(s, d.trackInterfaces, kit)),
  track_script: implemented((s, d, kit) => trackScripts(s, d.trackScripts, kit)),
  ...notifyKeywords<SyncGroupDraft>(),
  smtp_alert: warned('no e-mail is sent'),
  notify_priority_changes: warned('notify scripts are not run on priority changes'),
};

export function syncGroup(st: Statement, config: ConfigDraft, kit: Kit): void {
  const name = kit.name(st);
  const d: SyncGroupDraft = { group: [], trackInterfaces: [], trackScripts: [], notify: {} };
  kit.apply(kit.needBlock(st), VRRP_SYNC_GROUP, d, `vrrp_sync_group ${name}`);
  if (d.group.length === 0) fail(st, `vrrp_sync_group ${name}: empty 'group'`);
  if (config.syncGroups.some((g) => g.name === name)) fail(st, `vrrp_sync_group ${name}: defined twice`);
  config.syncGroups.push({ name, group: d.group, trackInterfaces: d.trackInterfaces, trackScripts: d.trackScripts, ...d.notify, where: whereOf(st) });
}
