// track_file NAME { file, weight, init_file } (vrrp_track_file is its old name): a file whose
// number FILE_CHECK turns into a real server's weight. (vrrp_instance's own track_file, tracking
// such a file, is a keyword of its own.)
import type { Statement } from '../block-parser.js';
import type { TrackFileSpec } from '../types.js';
import { argText, fail, intArg, optArg, whereOf } from '../values.js';
import type { ConfigDraft } from './draft.js';
import { implemented, type Kit, type KeywordTable } from './kit.js';

type TrackFileDraft = Partial<Omit<TrackFileSpec, 'name' | 'where'>>;

export const TRACK_FILE: KeywordTable<TrackFileDraft> = {
  file: implemented((s, d) => {
    const f = argText(s, 0, 'file name');
    if (f === '') fail(s, `file: empty file name`);
    d.file = f;
  }),
  weight: implemented((s, d) => {
    d.weight = intArg(s, 0, -(2 ** 31 - 1), 2 ** 31 - 1);
    const r = optArg(s, 1);
    if (r !== undefined && r !== 'reverse') fail(s, `weight: '${r}' is not 'reverse'`);
    d.reverse = r === 'reverse';
  }),
  init_file: implemented((s, d) => {
    let value = 0;
    let overwrite = false;
    for (const [i, t] of s.args.entries()) {
      if (t.text === 'overwrite') overwrite = true;
      else if (i === 0) value = intArg(s, 0, -(2 ** 31), 2 ** 31 - 1);
      else fail(s, `init_file: unexpected '${t.text}' ([VALUE] [overwrite])`);
    }
    d.init = { value, overwrite };
  }),
};

export function trackFile(st: Statement, config: ConfigDraft, kit: Kit): void {
  const name = kit.name(st);
  const d: TrackFileDraft = {};
  kit.apply(kit.needBlock(st), TRACK_FILE, d, `track_file ${name}`);
  if (d.file === undefined) fail(st, `track_file ${name}: no 'file'`);
  if (config.trackFiles.some((f) => f.name === name)) fail(st, `track_file ${name}: defined twice`);
  config.trackFiles.push({
    name, file: d.file, weight: d.weight ?? 1, reverse: d.reverse ?? false, ...(d.init ? { init: d.init } : {}), where: whereOf(st),
  });
}
