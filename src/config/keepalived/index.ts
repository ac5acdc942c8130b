// keepalived.conf -> VipdConfig. Keywords may come in any order inside a block. Each block
// context has one keyword table (kit.ts) saying per keyword: implemented, warned (accepted; the
// warning names file:line and what will not happen) or error. Unknown keywords are warnings and
// the config still loads; invalid values are ConfigErrors at the offending line and loading stops.
// Defaults are keepalived's (defaults.ts).
import { parseStatements } from '../block-parser.js';
import { defaultGlobal } from '../defaults.js';
import { nodeConfigFs, readConfigFile, type ConfigFs } from '../fs.js';
import { readSource } from '../source.js';
import type { ConfigWarning, LoadResult } from '../types.js';
import type { ConfigDraft } from './draft.js';
import { finish } from './finish.js';
import { Kit } from './kit.js';
import { TOP_LEVEL } from './top-level.js';

export { KEYWORD_TABLE, type KeywordContext, type KeywordInfo } from './keyword-table.js';
export type { KeywordStatus } from './kit.js';

export interface KeepalivedParseOptions {
  /** File name used in messages and as the base directory of relative includes. */
  file: string;
  fs?: ConfigFs;
  /** Host facts: the interface of a unicast instance's unicast_src_ip when it names none. */
  interfaceOfAddress?: (address: string) => string | undefined;
}

export function loadKeepalivedConfig(file: string, options: Omit<KeepalivedParseOptions, 'file'> = {}): LoadResult {
  const fs = options.fs ?? nodeConfigFs;
  const text = readConfigFile(fs, file);
  return parseKeepalivedConfig(text, { ...options, file, fs });
}

export function parseKeepalivedConfig(text: string, options: KeepalivedParseOptions): LoadResult {
  const warnings: ConfigWarning[] = [];
  const files: string[] = [];
  const tokens = readSource(options.file, text, { fs: options.fs ?? nodeConfigFs, warnings, files });
  const kit = new Kit(warnings);
  const draft: ConfigDraft = {
    global: defaultGlobal(),
    lowerPrioDelaySet: false,
    lowerPrioRepeatSet: false,
    instances: [],
    scripts: [],
    syncGroups: [],
    vsGroups: [],
    servers: [],
  };
  kit.apply(parseStatements(tokens), TOP_LEVEL, draft, 'the top level');
  const lookup = options.interfaceOfAddress ? { interfaceOfAddress: options.interfaceOfAddress } : {};
  const config = finish(draft, kit, { kind: 'keepalived', file: options.file }, files, lookup);
  return { config, warnings };
}
