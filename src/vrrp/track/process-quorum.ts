// The count of one vrrp_track_process and whether it has its quorum, as pure state: matching
// processes come and go by pid; keepalived's fork_delay makes a process that appeared by fork()
// count only after the delay (a fork followed by exec of something else never counts), and
// terminate_delay keeps a process that went away (or stopped matching) counted for that long (a
// restart does not take the quorum down). Times are milliseconds on one monotonic clock.

export interface QuorumSettings {
  /** Fewest matching processes that are OK (>= 1). */
  quorum: number;
  /** Most matching processes that are OK; Infinity when unset. */
  quorumMax: number;
  forkDelayMs: number;
  terminateDelayMs: number;
}

export interface ProcessQuorum {
  /** Counted now (including ones going away within terminate_delay). */
  readonly counted: ReadonlySet<number>;
  /** pid -> when it starts counting (fork_delay). */
  readonly adding: ReadonlyMap<number, number>;
  /** pid -> when it stops counting (terminate_delay). */
  readonly removing: ReadonlyMap<number, number>;
}

export const EMPTY_QUORUM: ProcessQuorum = { counted: new Set(), adding: new Map(), removing: new Map() };

export function quorumUp(s: QuorumSettings, q: ProcessQuorum): boolean {
  return q.counted.size >= s.quorum && q.counted.size <= s.quorumMax;
}

/** The processes matching at start-up: counted at once, no delays. */
export function initialQuorum(pids: Iterable<number>): ProcessQuorum {
  return { counted: new Set(pids), adding: new Map(), removing: new Map() };
}

/** A process now matches (it started, was exec'd, renamed, or `viaFork`: forked from a matching one). */
export function processMatched(s: QuorumSettings, q: ProcessQuorum, pid: number, now: number, viaFork: boolean): ProcessQuorum {
  if (q.removing.has(pid)) {
    // Back before terminate_delay ran out: it never stopped counting.
    const removing = new Map(q.removing);
    removing.delete(pid);
    return { ...q, removing };
  }
  if (q.counted.has(pid) || q.adding.has(pid)) return q;
  if (viaFork && s.forkDelayMs > 0) {
    const adding = new Map(q.adding).set(pid, now + s.forkDelayMs);
    return { ...q, adding };
  }
  return { ...q, counted: new Set(q.counted).add(pid) };
}

/** A process stopped matching (it exited, was exec'd into or renamed to something else). */
export function processUnmatched(s: QuorumSettings, q: ProcessQuorum, pid: number, now: number): ProcessQuorum {
  if (q.adding.has(pid)) {
    const adding = new Map(q.adding);
    adding.delete(pid);
    return { ...q, adding };
  }
  if (!q.counted.has(pid) || q.removing.has(pid)) return q;
  if (s.terminateDelayMs > 0) return { ...q, removing: new Map(q.removing).set(pid, now + s.terminateDelayMs) };
  const counted = new Set(q.counted);
  counted.delete(pid);
  return { ...q, counted };
}

/** Applies the delays that ran out by `now`. */
export function quorumTick(q: ProcessQuorum, now: number): ProcessQuorum {
  let counted: Set<number> | undefined;
  let adding: Map<number, number> | undefined;
  let removing: Map<number, number> | undefined;
  for (const [pid, at] of q.adding) {
    if (at > now) continue;
    (adding ??= new Map(q.adding)).delete(pid);
    (counted ??= new Set(q.counted)).add(pid);
  }
  for (const [pid, at] of q.removing) {
    if (at > now) continue;
    (removing ??= new Map(q.removing)).delete(pid);
    (counted ??= new Set(q.counted)).delete(pid);
  }
  if (!counted && !adding && !removing) return q;
  return { counted: counted ?? q.counted, adding: adding ?? q.adding, removing: removing ?? q.removing };
}

/** When the next delay runs out, or undefined. */
export function nextQuorumDeadline(q: ProcessQuorum): number | undefined {
  let next: number | undefined;
  for (const at of [...q.adding.values(), ...q.removing.values()]) if (next === undefined || at < next) next = at;
  return next;
}
