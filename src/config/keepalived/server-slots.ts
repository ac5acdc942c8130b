// Virtual servers finished as soon as each is read, so a big file's drafts die young (never
// reach V8's old heap) and `vipd -t` can check each one and drop it (a sink): memory bounded
// however many there are. The result must be the one finishing them all at the end gives:
// - each one's finish warnings are held back and take their place at the end (after the VRRP
//   instances', and after every "group is not defined"), its finish error is thrown then;
// - a block read later that the finishing depends on (global_defs, SSL, track_file,
//   virtual_server_group) makes the loader read the file again and finish at the end (LateContext);
// - a virtual server that runs scripts (MISC_CHECK, notify_up/down, quorum_up/down) is finished
//   at the end, when the file's script rules are made (they ask the host, and report once, in order).
import type { ScriptRules } from '../../health/script-rules.js';
import type { ConfigWarning, VipdConfig, VirtualServerSpec } from '../types.js';
import type { ConfigDraft, VsDraft } from './draft.js';
import { finishVirtualServer } from './finish.js';
import { Kit } from './kit.js';

/** What gets each finished virtual server instead of config.virtualServers (vipd -t). */
export interface VirtualServerSink {
  /** `index`: the virtual server's place in the file; not called in that order (script users come last). */
  take(spec: VirtualServerSpec, index: number, context: Pick<VipdConfig, 'global' | 'virtualServerGroups'>): void;
  /** The file is read again from the start (LateContext): forget what was taken. */
  reset(): void;
}

/** Top-level blocks a finished virtual server depends on. */
export const LATE_CONTEXT = new Set(['global_defs', 'SSL', 'track_file', 'vrrp_track_file', 'virtual_server_group']);

/** Thrown when such a block comes after a virtual server was finished early: the file is read again, finishing at the end. */
export class LateContext extends Error {}

type Slot =
  /** Not finished yet (at the end, with the script rules). */
  | { kind: 'draft'; draft: VsDraft }
  /** Its group was not defined when it was read (nor, since nothing came to redefine it, later). */
  | { kind: 'skipped'; draft: Pick<VsDraft, 'where'>; group: string }
  /** Finished: its spec (undefined: given to the sink), its held warnings [from, to) and error. */
  | { kind: 'done'; spec: VirtualServerSpec | undefined; from: number; to: number }
  | { kind: 'failed'; error: unknown };

const SUNK: Slot = Object.freeze({ kind: 'done', spec: undefined, from: 0, to: 0 });

function runsScripts(d: VsDraft): boolean {
  if (d.vs.quorumUp || d.vs.quorumDown) return true;
  for (const r of d.rs) {
    if (r.rs.notifyUp || r.rs.notifyDown) return true;
    for (const c of r.checkers) if (c.kind === 'misc') return true;
  }
  return false;
}

/** The virtual servers of one read, in file order. */
export class ServerSlots {
  private readonly slots: Slot[] = [];
  private readonly held: ConfigWarning[] = [];
  private readonly kit: Kit;

  /** `early`: finish as they are read; `scripts`: the loader plans scripts (a host is given). */
  constructor(readonly early: boolean, private readonly scripts: boolean, private readonly sink: VirtualServerSink | undefined) {
    this.kit = new Kit(this.held);
  }

  /** Drafts read without finishing them early (finish.ts's own callers). */
  static of(drafts: VsDraft[], sink?: VirtualServerSink): ServerSlots {
    const slots = new ServerSlots(false, false, sink);
    for (const draft of drafts) slots.slots.push({ kind: 'draft', draft });
    return slots;
  }

  get length(): number {
    return this.slots.length;
  }

  /** Virtual servers finished (or skipped) as they were read: what a later block must not change. */
  decided = 0;

  /** A virtual server just read (`d`: the file so far). */
  add(draft: VsDraft, d: ConfigDraft): void {
    if (!this.early || (this.scripts && runsScripts(draft))) {
      this.slots.push({ kind: 'draft', draft });
      return;
    }
    this.decided++;
    const t = draft.vs.target;
    if (t.kind === 'group' && !d.vsGroups.some((g) => g.name === t.group)) {
      this.slots.push({ kind: 'skipped', draft: { where: draft.where }, group: t.group });
      return;
    }
    const from = this.held.length;
    let spec: VirtualServerSpec;
    try {
      spec = finishVirtualServer(draft, d, this.kit, undefined);
    } catch (error) {
      this.slots.push({ kind: 'failed', error });
      return;
    }
    const index = this.slots.length;
    // Given to the sink without a warning: one shared slot (100,000 of them are 5 MB otherwise).
    this.slots.push(this.sink && from === this.held.length ? SUNK : { kind: 'done', spec: this.sink ? undefined : spec, from, to: this.held.length });
    this.sink?.take(spec, index, { global: d.global, virtualServerGroups: d.vsGroups });
  }

  /**
   * finish.ts's last step: the "group is not defined" warnings, then each virtual server's finish
   * warnings (`vsWarnings`: their ranges) in file order; the specs not given to the sink.
   */
  finish(d: ConfigDraft, kit: Kit, rules: ScriptRules | undefined, vsWarnings?: Array<[number, number]>): VirtualServerSpec[] {
    const groupNames = new Set(d.vsGroups.map((x) => x.name));
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (s.kind === 'draft' && s.draft.vs.target.kind === 'group' && !groupNames.has(s.draft.vs.target.group)) {
        slots[i] = { kind: 'skipped', draft: s.draft, group: s.draft.vs.target.group };
      }
      const k = slots[i]!;
      if (k.kind === 'skipped') kit.instead(k.draft.where, `virtual_server group '${k.group}' is not defined`, 'this virtual server is skipped (not programmed)');
    }
    const out: VirtualServerSpec[] = [];
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (s.kind === 'skipped') continue;
      if (s.kind === 'failed') throw s.error;
      const from = kit.warnings.length;
      let spec: VirtualServerSpec | undefined;
      if (s.kind === 'draft') {
        spec = finishVirtualServer(s.draft, d, kit, rules);
        if (this.sink) {
          this.sink.take(spec, i, { global: d.global, virtualServerGroups: d.vsGroups });
          spec = undefined;
        }
      } else {
        for (let w = s.from; w < s.to; w++) kit.warnings.push(this.held[w]!);
        spec = s.spec;
      }
      vsWarnings?.push([from, kit.warnings.length]);
      if (spec) out.push(spec);
    }
    return out;
  }
}
