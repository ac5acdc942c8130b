// vrrp_sync_group NAME { group { ... } ... }: instances that change state together, what they all
// track, and the group's own notify scripts.
import type { Statement } from '../block-parser.js';
import type { ScriptCommand, TrackedInterface, TrackedRef } from '../types.js';
import { fail, whereOf } from '../values.js';
import type { ConfigDraft, NotifyKey } from './draft.js';
import { implemented, warned, type Kit, type KeywordTable } from './kit.js';
import { FILE_WEIGHT, notifyKeywords, trackInterfaces, trackRefs, trackScripts } from './vrrp-track.js';

interface SyncGroupDraft {
  group: string[];
  trackInterfaces: TrackedInterface[];
  trackScripts: TrackedRef[];
  trackFiles: TrackedRef[];
  trackProcesses: TrackedRef[];
  notify: Partial<Record<NotifyKey, ScriptCommand>>;
  notifyDeleted?: { script?: ScriptCommand };
  notifyPriorityChanges?: boolean;
  trackingWeight: boolean;
}

export const VRRP_SYNC_GROUP: KeywordTable<SyncGroupDraft> = {
  group: implemented((s, d, kit) => {
    for (const e of kit.needBlock(s)) d.group.push(e.keyword, ...e.args.map((a) => a.text));
  }, { list: true }),
  track_interface: implemented((s, d, kit) => trackInterfaces(s, d.trackInterfaces, kit), { note: 'for every member', list: true }),
  track_script: implemented((s, d, kit) => trackScripts(s, d.trackScripts, kit), { note: 'for every member', list: true }),
  track_file: implemented((s, d, kit) => trackRefs(s, d.trackFiles, kit, FILE_WEIGHT), { note: 'for every member', list: true }),
  track_process: implemented((s, d, kit) => trackRefs(s, d.trackProcesses, kit, FILE_WEIGHT), { note: 'for every member', list: true }),
  ...notifyKeywords<SyncGroupDraft>(false),
  track_bfd: warned('no BFD session is tracked', undefined, { list: true }),
  smtp_alert: warned('no e-mail is sent'),
  global_tracking: implemented((s, d, kit) => {
    d.trackingWeight = true;
    kit.warn(s, 'global_tracking is deprecated, use track_interface/script/file on the sync group (as keepalived says); the members keep their tracking weights');
  }),
  sync_group_tracking_weight: implemented((_s, d) => (d.trackingWeight = true), { note: "the members' tracking weights count" }),
};

export function syncGroup(st: Statement, config: ConfigDraft, kit: Kit): void {
  const name = kit.name(st);
  const d: SyncGroupDraft = { group: [], trackInterfaces: [], trackScripts: [], trackFiles: [], trackProcesses: [], notify: {}, trackingWeight: false };
  // keepalived 2.2.7 says "already defined" and keeps the first group (observed in its dump).
  if (kit.skippedRedefinition(st, `vrrp_sync_group ${name}`, config.syncGroups.find((g) => g.name === name))) return;
  kit.apply(kit.needBlock(st), VRRP_SYNC_GROUP, d, `vrrp_sync_group ${name}`);
  if (d.group.length === 0) return kit.warn(st, `vrrp_sync_group ${name}: empty 'group', the group is removed as keepalived does`);
  config.syncGroups.push({
    name, group: d.group, trackInterfaces: d.trackInterfaces, trackScripts: d.trackScripts, trackFiles: d.trackFiles,
    trackProcesses: d.trackProcesses, ...d.notify, trackingWeight: d.trackingWeight, where: whereOf(st),
    ...(d.notifyDeleted ? { notifyDeleted: d.notifyDeleted } : {}),
    ...(d.notifyPriorityChanges !== undefined ? { notifyPriorityChanges: d.notifyPriorityChanges } : {}),
  });
}
