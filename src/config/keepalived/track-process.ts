// vrrp_track_process NAME { process ...; param_match; weight; quorum; quorum_max; delay;
// fork_delay; terminate_delay; full_command }: whether enough matching processes run.
import type { Statement } from '../block-parser.js';
import type { TrackProcessSpec } from '../types.js';
import { argText, fail, optArg, parseIntText, parseTimerText, whereOf } from '../values.js';
import type { ConfigDraft } from './draft.js';
import { implemented, type Kit, type KeywordTable } from './kit.js';
import { FILE_WEIGHT } from './vrrp-track.js';

interface TrackProcessDraft {
  process?: string[];
  paramMatch?: TrackProcessSpec['paramMatch'];
  fullCommand: boolean;
  weight: number;
  reverse: boolean;
  quorum: number;
  quorumMax?: number;
  forkDelay: number;
  terminateDelay: number;
}

/** keepalived's range for the delays: (0, 3600] seconds. */
function delay(s: Statement): number {
  const v = parseTimerText(s, argText(s, 0, 'seconds'), s.keyword, 3600);
  if (v === 0) fail(s, `${s.keyword}: must be greater than 0 (at most 3600)`);
  return v;
}

export const TRACK_PROCESS: KeywordTable<TrackProcessDraft> = {
  process: implemented((s, d) => {
    if (s.args.length === 0) fail(s, 'process: missing process name');
    d.process = s.args.map((a) => a.text);
  }),
  param_match: implemented((s, d) => {
    const m = optArg(s, 0);
    if (m !== undefined && m !== 'initial' && m !== 'partial') fail(s, `param_match: '${m}' is not initial or partial`);
    d.paramMatch = m ?? 'exact';
  }),
  weight: implemented((s, d) => {
    d.weight = parseIntText(s, argText(s, 0, 'weight'), 'weight', -FILE_WEIGHT, FILE_WEIGHT);
    const r = optArg(s, 1);
    if (r !== undefined && r !== 'reverse') fail(s, `weight: unexpected '${r}' (only 'reverse' may follow)`);
    d.reverse = r === 'reverse';
  }),
  quorum: implemented((s, d) => (d.quorum = parseIntText(s, argText(s, 0, 'number'), 'quorum', 1, 65535))),
  quorum_max: implemented((s, d) => (d.quorumMax = parseIntText(s, argText(s, 0, 'number'), 'quorum_max', 0, 65535))),
  delay: implemented((s, d) => (d.forkDelay = d.terminateDelay = delay(s))),
  fork_delay: implemented((s, d) => (d.forkDelay = delay(s))),
  terminate_delay: implemented((s, d) => (d.terminateDelay = delay(s))),
  full_command: implemented((_s, d) => (d.fullCommand = true)),
};

export function trackProcess(st: Statement, config: ConfigDraft, kit: Kit): void {
  const name = kit.name(st);
  // keepalived 2.2.7 and 2.4.3 default the weight to 0 (2.2.7's man page says 1; the daemons say 0).
  const d: TrackProcessDraft = { fullCommand: false, weight: 0, reverse: false, quorum: 1, forkDelay: 0, terminateDelay: 0 };
  kit.apply(kit.needBlock(st), TRACK_PROCESS, d, `vrrp_track_process ${name}`);
  if (config.trackProcesses.some((p) => p.name === name)) return kit.warn(st, `vrrp_track_process ${name}: defined twice, the first definition counts (as keepalived)`);
  if (!d.process) return kit.warn(st, `vrrp_track_process ${name}: no 'process', the vrrp_track_process is removed as keepalived does`);
  if (d.quorumMax !== undefined && d.quorumMax < d.quorum) {
    kit.warn(st, `vrrp_track_process ${name}: quorum_max ${d.quorumMax} is below quorum ${d.quorum}, so it can never be up`);
  }
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
