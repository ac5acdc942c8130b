// vrrp_track_process NAME { process ...; param_match; weight; quorum; quorum_max; delay;
// fork_delay; terminate_delay; full_command }: whether enough matching processes run.
import type { Statement } from '../block-parser.js';
import type { TrackProcessSpec } from '../types.js';
import { argText, fail, intArg, optArg, parseIntText, parseTimerText, whereOf } from '../values.js';
import type { ConfigDraft } from './draft.js';
import { asKeepalived, implemented, type Kit, type KeywordTable } from './kit.js';
import { firstWeight } from './vrrp-track.js';

interface TrackProcessDraft {
  process?: string[];
  paramMatch?: TrackProcessSpec['paramMatch'];
  fullCommand: boolean;
  weight: number;
  weightSet: boolean;
  reverse: boolean;
  quorum: number;
  quorumMax?: number;
  forkDelay: number;
  terminateDelay: number;
}

/** keepalived's range for the delays: (0, 3600] seconds; it ignores a value outside. */
function delay(s: Statement): number {
  const v = parseTimerText(s, argText(s, 0, 'seconds'), s.keyword, 3600);
  if (v === 0) fail(s, `${s.keyword}: must be greater than 0 (at most 3600)`);
  return v;
}

const IGNORED = 'ignored';

/** What keepalived 2.2.7 does with a bad line here: it logs it and goes on without it. */
export const TRACK_PROCESS: KeywordTable<TrackProcessDraft> = {
  // keepalived will not start on `process` without a name (MissingValueError).
  process: implemented((s, d) => {
    argText(s, 0, 'process name');
    d.process = s.args.map((a) => a.text);
  }),
  param_match: implemented(asKeepalived((s, d) => {
    const m = optArg(s, 0);
    if (m !== undefined && m !== 'initial' && m !== 'partial') fail(s, `param_match: '${m}' is not initial or partial`);
    d.paramMatch = m ?? 'exact';
  }, IGNORED)),
  weight: implemented(firstWeight),
  quorum: implemented(asKeepalived((s, d) => {
    const q = intArg(s, 0, 1, 65535);
    if (d.quorumMax !== undefined && q > d.quorumMax) fail(s, `quorum: ${q} is greater than quorum_max ${d.quorumMax}`);
    d.quorum = q;
  }, IGNORED)),
  // A word that is not a number is 0 to keepalived. quorum_max 0 with quorum 1 (the default) means
  // "up while no such process runs" (keepalived.conf(5)): keepalived lowers the quorum to 0.
  quorum_max: implemented((s, d, kit) => {
    const text = argText(s, 0, 'number');
    let m = 0;
    if (!kit.readsAsZero(s, 'quorum_max', text) && !kit.tolerate(s, () => (m = parseIntText(s, text, 'quorum_max', 0, 65535)), IGNORED)) return;
    if (m < d.quorum && d.quorum !== 1) return kit.instead(s, `quorum_max: ${m} is less than quorum ${d.quorum}`, IGNORED);
    if (m < d.quorum) d.quorum = 0;
    d.quorumMax = m;
  }),
  delay: implemented(asKeepalived((s, d) => (d.forkDelay = d.terminateDelay = delay(s)), IGNORED)),
  fork_delay: implemented(asKeepalived((s, d) => (d.forkDelay = delay(s)), IGNORED)),
  terminate_delay: implemented(asKeepalived((s, d) => (d.terminateDelay = delay(s)), IGNORED)),
  full_command: implemented((_s, d) => (d.fullCommand = true)),
};

export function trackProcess(st: Statement, config: ConfigDraft, kit: Kit): void {
  const name = kit.name(st);
  // keepalived 2.2.7 and 2.4.3 default the weight to 0 (2.2.7's man page says 1; the daemons say 0).
  const d: TrackProcessDraft = { fullCommand: false, weight: 0, weightSet: false, reverse: false, quorum: 1, forkDelay: 0, terminateDelay: 0 };
  kit.apply(kit.needBlock(st), TRACK_PROCESS, d, `vrrp_track_process ${name}`);
  if (config.trackProcesses.some((p) => p.name === name)) return kit.warn(st, `vrrp_track_process ${name}: defined twice, the first definition counts (as keepalived)`);
  if (!d.process) return kit.warn(st, `vrrp_track_process ${name}: no 'process', the vrrp_track_process is removed as keepalived does`);
  const [process, ...params] = d.process;
  const spec: TrackProcessSpec = {
    name, process: process!, params, fullCommand: d.fullCommand, weight: d.weight, reverse: d.reverse,
    quorum: d.quorum, forkDelay: d.forkDelay, terminateDelay: d.terminateDelay, where: whereOf(st),
  };
  if (d.paramMatch) spec.paramMatch = d.paramMatch;
  if (d.quorumMax !== undefined) spec.quorumMax = d.quorumMax;
  if (!d.paramMatch && !d.fullCommand && params.length === 0 && process!.length > 15) {
    kit.warn(st, `vrrp_track_process ${name}: '${process}' is longer than a process name can be (15 characters), so it never matches (use full_command)`);
  }
  config.trackProcesses.push(spec);
}
