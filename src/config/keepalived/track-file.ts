// track_file NAME { file ...; weight N [reverse]; init_file [VALUE] [overwrite] } (also the
// deprecated vrrp_track_file): a number in a file, tracked by instances and sync groups.
import type { Statement } from '../block-parser.js';
import type { TrackFileSpec } from '../types.js';
import { argText, fail, optArg, parseIntText, whereOf } from '../values.js';
import type { ConfigDraft } from './draft.js';
import { implemented, type Kit, type KeywordTable } from './kit.js';
import { FILE_WEIGHT } from './vrrp-track.js';

interface TrackFileDraft {
  file?: string;
  weight: number;
  reverse: boolean;
  init?: { value: number; overwrite: boolean };
}

const INT = 2 ** 31 - 1;

export const TRACK_FILE: KeywordTable<TrackFileDraft> = {
  file: implemented((s, d) => {
    d.file = argText(s, 0, 'file name');
    if (s.args.length > 1) fail(s, `file: one file name (quote a name with spaces)`);
  }),
  weight: implemented((s, d) => {
    d.weight = parseIntText(s, argText(s, 0, 'weight'), 'weight', -FILE_WEIGHT, FILE_WEIGHT);
    const r = optArg(s, 1);
    if (r !== undefined && r !== 'reverse') fail(s, `weight: unexpected '${r}' (only 'reverse' may follow)`);
    d.reverse = r === 'reverse';
  }),
  init_file: implemented((s, d) => {
    const a = s.args.map((t) => t.text);
    let value = 0;
    let overwrite = false;
    for (const [i, w] of a.entries()) {
      if (w === 'overwrite' && i === a.length - 1) overwrite = true;
      else if (i === 0) value = parseIntText(s, w, 'init_file', -INT - 1, INT);
      else fail(s, `init_file: unexpected '${w}' (init_file [VALUE] [overwrite])`);
    }
    d.init = { value, overwrite };
  }),
};

export function trackFile(st: Statement, config: ConfigDraft, kit: Kit): void {
  const name = kit.name(st);
  const d: TrackFileDraft = { weight: 1, reverse: false };
  kit.apply(kit.needBlock(st), TRACK_FILE, d, `${st.keyword} ${name}`);
  if (st.keyword === 'vrrp_track_file') kit.warn(st, `vrrp_track_file is deprecated, use track_file (as keepalived says)`);
  if (config.trackFiles.some((f) => f.name === name)) return kit.warn(st, `track_file ${name}: defined twice, the first definition counts (as keepalived)`);
  if (d.file === undefined) return kit.warn(st, `track_file ${name}: no 'file', the track_file is removed as keepalived does`);
  const spec: TrackFileSpec = { name, file: d.file, weight: d.weight, reverse: d.reverse, where: whereOf(st) };
  if (d.init) spec.init = d.init;
  config.trackFiles.push(spec);
}
