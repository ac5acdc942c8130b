// track_file NAME { file ...; weight N [reverse]; init_file [VALUE] [overwrite] } (also the
// deprecated vrrp_track_file): a number in a file, tracked by instances and sync groups.
import type { Statement } from '../block-parser.js';
import type { TrackFileSpec } from '../types.js';
import { optArg, parseIntText, whereOf } from '../values.js';
import type { ConfigDraft } from './draft.js';
import { implemented, type Kit, type KeywordTable } from './kit.js';
import { firstWeight } from './vrrp-track.js';

interface TrackFileDraft {
  file?: string;
  weight: number;
  weightSet: boolean;
  reverse: boolean;
  init?: { value: number; overwrite: boolean };
}

const INT = 2 ** 31 - 1;

/** What keepalived 2.2.7 does with a bad line here: the first file and weight count, bad values are left out. */
export const TRACK_FILE: KeywordTable<TrackFileDraft> = {
  file: implemented((s, d, kit) => {
    const f = optArg(s, 0);
    if (f === undefined) return kit.instead(s, 'file: missing file name', 'ignored');
    if (d.file !== undefined) return kit.instead(s, `file: already set (${d.file})`, `'${f}' ignored`);
    d.file = f;
    if (s.args.length > 1) kit.instead(s, `file: one file name (quote a name with spaces)`, `'${s.args.slice(1).map((x) => x.text).join(' ')}' ignored`);
  }),
  weight: implemented(firstWeight),
  // init_file [VALUE] [overwrite], read word by word: the last value counts, others are left out.
  init_file: implemented((s, d, kit) => {
    const init = { value: 0, overwrite: false };
    let valued = false;
    for (const w of s.args.map((t) => t.text)) {
      if (w === 'overwrite') init.overwrite = true;
      else if (!/^[+-]?\d+$/.test(w)) kit.instead(s, `init_file: unexpected '${w}' (init_file [VALUE] [overwrite])`, 'ignored');
      else if (kit.tolerate(s, () => (init.value = parseIntText(s, w, 'init_file', -INT - 1, INT)), 'ignored')) {
        if (valued) kit.instead(s, `init_file: a second value ${w}`, `using ${w}`);
        valued = true;
      }
    }
    d.init = init;
  }),
};

export function trackFile(st: Statement, config: ConfigDraft, kit: Kit): void {
  const name = kit.name(st);
  const d: TrackFileDraft = { weight: 1, weightSet: false, reverse: false };
  kit.apply(kit.needBlock(st), TRACK_FILE, d, `${st.keyword} ${name}`);
  if (st.keyword === 'vrrp_track_file') kit.warn(st, `vrrp_track_file is deprecated, use track_file (as keepalived says)`);
  if (config.trackFiles.some((f) => f.name === name)) return kit.warn(st, `track_file ${name}: defined twice, the first definition counts (as keepalived)`);
  if (d.file === undefined) return kit.warn(st, `track_file ${name}: no 'file', the track_file is removed as keepalived does`);
  const spec: TrackFileSpec = { name, file: d.file, weight: d.weight, reverse: d.reverse, where: whereOf(st) };
  if (d.init) spec.init = d.init;
  config.trackFiles.push(spec);
}
