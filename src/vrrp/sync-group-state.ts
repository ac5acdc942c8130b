// vrrp_sync_group decisions as pure functions, keepalived's semantics (vrrp_sync_group in
// keepalived.conf(5), observed on keepalived 2.2.7 and 2.4.3):
// - FAULT spreads: while any member has a fault of its own, the group is FAULT and every other
//   member is held in FAULT; when the last own fault clears, the held members are released (they
//   go BACKUP) and the group is BACKUP.
// - MASTER: a member whose Master_Down_Timer expires becomes master only if the group is MASTER
//   already or every other member is master or wants to be (its own timer expired too); otherwise
//   it waits another Master_Down_Interval. Once a member is master, the others follow it at once.
// - BACKUP: a master member that yields to a higher priority takes the other masters with it.
// Each change of the group's state is reported (after the members it moved), for its notify scripts.
import type { VrrpStateName } from './state-machine.js';

export type GroupState = 'backup' | 'master' | 'fault';

export interface MemberView {
  name: string;
  state: VrrpStateName;
  /** Its Master_Down_Timer expired while the group held it back. */
  wantsMaster: boolean;
  /** A fault of its own (a tracked thing, its link), not only the group's hold. */
  ownFault: boolean;
}

export interface SyncGroupModel {
  readonly state: GroupState;
  /** Members the group holds in FAULT. */
  readonly held: ReadonlySet<string>;
}

export type SyncAction =
  | { type: 'sync'; instance: string; to: 'master' | 'backup' }
  | { type: 'hold'; instance: string; on: boolean }
  | { type: 'group'; state: GroupState; previous: GroupState };

export interface SyncResult {
  group: SyncGroupModel;
  actions: SyncAction[];
}

/**
 * The group as it forms around its members (none yet, at start-up): FAULT if a member has a fault,
 * MASTER if one is master (a group rebuilt by a reload), else BACKUP (keepalived starts BACKUP).
 */
export function initialGroup(members: MemberView[]): SyncResult {
  const start: SyncGroupModel = { state: members.some((m) => m.state === 'master') ? 'master' : 'backup', held: new Set() };
  const r = faultsChanged(start, members);
  return { group: r.group, actions: r.actions.filter((a) => a.type !== 'group') };
}

/** A member's fault sources changed: recompute who is held and whether the group is FAULT. */
export function faultsChanged(g: SyncGroupModel, members: MemberView[]): SyncResult {
  const faulted = members.filter((m) => m.ownFault).map((m) => m.name);
  const actions: SyncAction[] = [];
  const held = new Set<string>();
  for (const m of members) {
    const on = faulted.some((f) => f !== m.name);
    if (on) held.add(m.name);
    if (on !== g.held.has(m.name)) actions.push({ type: 'hold', instance: m.name, on });
  }
  const state: GroupState = faulted.length > 0 ? 'fault' : g.state === 'fault' ? 'backup' : g.state;
  if (state !== g.state) actions.push({ type: 'group', state, previous: g.state });
  return { group: { state, held }, actions };
}

/** A member changed state: masters and backups follow it. */
export function stateChanged(
  g: SyncGroupModel, change: { instance: string; state: VrrpStateName; previous: VrrpStateName }, members: MemberView[],
): SyncResult {
  const others = members.filter((m) => m.name !== change.instance);
  if (change.state === 'master' && g.state !== 'master') {
    const actions: SyncAction[] = others.filter((m) => m.state === 'backup').map((m) => ({ type: 'sync', instance: m.name, to: 'master' }));
    actions.push({ type: 'group', state: 'master', previous: g.state });
    return { group: { ...g, state: 'master' }, actions };
  }
  if (change.state === 'backup' && change.previous === 'master' && g.state === 'master') {
    const actions: SyncAction[] = others.filter((m) => m.state === 'master').map((m) => ({ type: 'sync', instance: m.name, to: 'backup' }));
    actions.push({ type: 'group', state: 'backup', previous: g.state });
    return { group: { ...g, state: 'backup' }, actions };
  }
  return { group: g, actions: [] };
}

/** Whether a member whose Master_Down_Timer expired may become master now. */
export function mayBecomeMaster(g: SyncGroupModel, instance: string, members: MemberView[]): boolean {
  if (g.state === 'master') return true;
  return members.every((m) => m.name === instance || m.state === 'master' || m.wantsMaster);
}
