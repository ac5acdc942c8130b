// vrrp_sync_group: instances that must move together (e.g. the outside and inside VIPs of a
// router). When a member goes FAULT, every other member is put in FAULT too, so the group fails
// over as a whole; when it recovers, the others are released. Built on router events and
// per-instance fault sources, so the state machine stays per instance.
import type { StateChange } from './instance.js';

/** What a group needs of its router (a VrrpRouter, or anything with the same events and instances). */
export interface SyncGroupRouter {
  on(event: 'state', listener: (s: StateChange) => void): unknown;
  off(event: 'state', listener: (s: StateChange) => void): unknown;
  instance(name: string): { readonly state: string; setFault(source: string, failed: boolean): void } | undefined;
}

export class SyncGroup {
  readonly name: string;
  readonly members: readonly string[];
  #router: SyncGroupRouter;
  #faulted = new Set<string>();
  #listener: (s: StateChange) => void;

  constructor(router: SyncGroupRouter, name: string, members: string[]) {
    this.name = name;
    this.members = members;
    this.#router = router;
    this.#listener = (s) => this.#onState(s);
    router.on('state', this.#listener);
    // Members already in FAULT when the group forms (a script that failed at start-up) count too.
    for (const m of members) if (router.instance(m)?.state === 'fault') this.#faulted.add(m);
    if (this.#faulted.size) this.#apply();
  }

  get #source(): string {
    return `sync-group:${this.name}`;
  }

  #onState(s: StateChange): void {
    if (!this.members.includes(s.instance)) return;
    // A fault we imposed ourselves must not echo back through the group.
    const own = s.reason === 'fault' && s.detail?.includes(this.#source);
    if (s.state === 'fault' && !own) this.#faulted.add(s.instance);
    else if (s.previous === 'fault' && s.state !== 'fault') this.#faulted.delete(s.instance);
    else return;
    this.#apply();
  }

  #apply(): void {
    for (const m of this.members) {
      const others = [...this.#faulted].filter((f) => f !== m);
      this.#router.instance(m)?.setFault(this.#source, others.length > 0);
    }
  }

  close(): void {
    this.#router.off('state', this.#listener);
    for (const m of this.members) this.#router.instance(m)?.setFault(this.#source, false);
  }
}
