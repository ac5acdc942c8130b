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
  // Read into the model, but the daemon's sync groups only tie the members' states together.
  track_interface: warned("the group's interfaces are not tracked (track them in each vrrp_instance)", (s, d, kit) => trackInterfaces(s, d.trackInterfaces, kit)),
  track_script: warned("the group's scripts are not tracked (track them in each vrrp_instance)", (s, d, kit) => trackScripts(s, d.trackScripts, kit)),
  ...Object.fromEntries(Object.entries(notifyKeywords<SyncGroupDraft>()).map(([k, e]) => [k, warned<SyncGroupDraft>("the group's notify scripts are not run (the instances' are)", e.handler)])),
  track_file: warned('the files are not tracked'),
  track_process: warned('the processes are not tracked'),
  track_bfd: warned('no BFD session is tracked'),
  notify_deleted: warned('no script is run when the group is removed'),
  notify_priority_changes: warned('notify scripts are not run on priority changes'),
  smtp_alert: warned('no e-mail is sent'),
  global_tracking: warned("the members' own tracking applies to each member alone"),
  sync_group_tracking_weight: warned("the members' own tracking applies to each member alone"),
};

export function syncGroup(st: Statement, config: ConfigDraft, kit: Kit): void {
  const name = kit.name(st);
  const d: SyncGroupDraft = { group: [], trackInterfaces: [], trackScripts: [], notify: {} };
  kit.apply(kit.needBlock(st), VRRP_SYNC_GROUP, d, `vrrp_sync_group ${name}`);
  if (config.syncGroups.some((g) => g.name === name)) fail(st, `vrrp_sync_group ${name}: defined twice`);
  if (d.group.length === 0) return kit.warn(st, `vrrp_sync_group ${name}: empty 'group', the group is removed as keepalived does`);
  config.syncGroups.push({ name, group: d.group, trackInterfaces: d.trackInterfaces, trackScripts: d.trackScripts, ...d.notify, where: whereOf(st) });
}
