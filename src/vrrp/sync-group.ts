// vrrp_sync_group on a router: instances that move together (the outside and inside VIPs of a
// router). The decisions are sync-group-state.ts's; this applies them: a member held in FAULT gets
// the fault source `sync-group:<name>`, a member that follows another is moved with syncTo(), and a
// member's takeover waits on the group's gate. The group's own state changes are 'state' events
// (its notify scripts). Members may come and go (a reload restarts one): they are looked up by name.
import { EventEmitter } from 'node:events';
import type { FaultsChange, MasterGate, StateChange } from './instance.js';
import type { VrrpStateName } from './state-machine.js';
import {
  faultsChanged, initialGroup, mayBecomeMaster, stateChanged,
  type GroupState, type MemberView, type SyncAction, type SyncGroupModel, type SyncResult,
} from './sync-group-state.js';

export type { GroupState } from './sync-group-state.js';

/** What a group needs of a member instance (a VrrpInstance). */
export interface SyncMember {
  readonly state: VrrpStateName;
  readonly faults: readonly string[];
  readonly wantsMaster: boolean;
  setFault(source: string, failed: boolean): void;
  syncTo(state: 'master' | 'backup'): void;
  setMasterGate(gate: MasterGate | undefined): void;
}

/** What a group needs of its router (a VrrpRouter, or anything with the same events and instances). */
export interface SyncGroupRouter {
  on(event: 'state', listener: (s: StateChange) => void): unknown;
  on(event: 'faults', listener: (f: FaultsChange) => void): unknown;
  off(event: 'state', listener: (s: StateChange) => void): unknown;
  off(event: 'faults', listener: (f: FaultsChange) => void): unknown;
  instance(name: string): SyncMember | undefined;
}

export interface GroupStateChange { group: string; state: GroupState; previous: GroupState }

export class SyncGroup extends EventEmitter<{ state: [GroupStateChange] }> {
  readonly name: string;
  readonly members: readonly string[];
  #router: SyncGroupRouter;
  #model: SyncGroupModel;
  #onStateListener: (s: StateChange) => void;
  #onFaultsListener: (f: FaultsChange) => void;
  #gate: MasterGate;

  constructor(router: SyncGroupRouter, name: string, members: string[]) {
    super();
    this.name = name;
    this.members = members;
    this.#router = router;
    this.#gate = (instance) => mayBecomeMaster(this.#model, instance, this.#views());
    this.#onStateListener = (s) => {
      if (this.members.includes(s.instance)) this.#apply(stateChanged(this.#model, s, this.#views()));
    };
    this.#onFaultsListener = (f) => {
      if (this.members.includes(f.instance)) this.#apply(faultsChanged(this.#model, this.#views()));
    };
    router.on('state', this.#onStateListener);
    router.on('faults', this.#onFaultsListener);
    const init = initialGroup(this.#views());
    this.#model = init.group;
    this.#perform(init.actions);
    for (const m of members) this.attach(m);
  }

  /** The fault source a member is held with. */
  get source(): string {
    return `sync-group:${this.name}`;
  }

  get state(): GroupState {
    return this.#model.state;
  }

  /** Whether the group holds this member in FAULT now (a member added later starts held). */
  holds(member: string): boolean {
    return this.#model.held.has(member);
  }

  /** Gives a (new) member instance the group's say on its takeover. */
  attach(member: string): void {
    this.#router.instance(member)?.setMasterGate(this.#gate);
  }

  /** Every member; one not running (yet) counts as INITIALIZE: it may be held, it holds nobody back from FAULT. */
  #views(): MemberView[] {
    return this.members.map((name) => {
      const i = this.#router.instance(name);
      if (!i) return { name, state: 'initialize', wantsMaster: false, ownFault: false };
      return { name, state: i.state, wantsMaster: i.wantsMaster, ownFault: i.faults.some((f) => f !== this.source) };
    });
  }

  #apply(r: SyncResult): void {
    // The model first: a member moved below re-enters through its events and must see the group's new state.
    this.#model = r.group;
    this.#perform(r.actions);
  }

  #perform(actions: SyncAction[]): void {
    for (const a of actions) {
      if (a.type === 'hold') this.#router.instance(a.instance)?.setFault(this.source, a.on);
      else if (a.type === 'sync') this.#router.instance(a.instance)?.syncTo(a.to);
      else this.emit('state', { group: this.name, state: a.state, previous: a.previous });
    }
  }

  /** Reports the group's state now as a change (its first notification). */
  announce(): void {
    this.emit('state', { group: this.name, state: this.#model.state, previous: this.#model.state });
  }

  /** Stops following the members, leaving them as they are (vipd stops: they are about to go). */
  detach(): void {
    this.#router.off('state', this.#onStateListener);
    this.#router.off('faults', this.#onFaultsListener);
  }

  /** Lets go of the members: no hold, no gate. */
  close(): void {
    this.detach();
    for (const m of this.members) {
      const i = this.#router.instance(m);
      i?.setMasterGate(undefined);
      i?.setFault(this.source, false);
    }
  }
}
