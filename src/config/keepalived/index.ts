// keepalived.conf -> VipdConfig. Keywords may come in any order inside a block. Each block
// context has one keyword table (kit.ts) saying per keyword: implemented, warned (accepted; the
// warning names file:line and what will not happen) or error. Unknown keywords are warnings and
// the config still loads; invalid values are ConfigErrors at the offending line and loading stops.
// Defaults are keepalived's (defaults.ts).
import { hostname } from 'node:os';
import { topLevelStatements } from '../block-parser.js';
import { ConfigLanguage } from '../config-language.js';
import { defaultGlobal } from '../defaults.js';
import { nodeConfigFs, readConfigFile, type ConfigFs } from '../fs.js';
import { SourceReader } from '../source.js';
import { TokenStream } from '../tokenizer.js';
import type { ConfigWarning, LoadResult } from '../types.js';
import type { ScriptHost } from '../../health/script-rules.js';
import type { ConfigDraft } from './draft.js';
import { finish } from './finish.js';
import { KEEPALIVED_GRAMMAR } from './grammar.js';
import { Kit } from './kit.js';
import { TOP_LEVEL } from './top-level.js';
import { nodeKeyFileReader } from '../../vrrp/auth-hmac/key-file.js';
import type { KeyFileReader } from '../../vrrp/auth-hmac/keys.js';

export { KEYWORD_TABLE, type KeywordContext, type KeywordInfo } from './keyword-table.js';
export type { KeywordStatus } from './kit.js';

export interface KeepalivedParseOptions {
  /** File name used in messages and as the base directory of relative includes. */
  file: string;
  fs?: ConfigFs;
  /** -i/--config-id for `@id` lines and ${_INSTANCE}; default: the host name up to its first dot, as keepalived. */
  configId?: string;
  /** Host facts: the interface of a unicast instance's unicast_src_ip when it names none. */
  interfaceOfAddress?: (address: string) => string | undefined;
  /** Host facts: script users and files, checked as keepalived does at load (absent: not checked). */
  scripts?: ScriptHost;
  /** Host facts: a link's MTU (VIPs beyond one advert's room are not advertised, as keepalived). */
  mtuOf?: (ifname: string) => number | undefined;
  /**
   * Bytes of auth_hmac `file:` keys. Default: the disk with the real disk's `fs`, else `fs` read as
   * UTF-8 (in-memory trees in tests).
   */
  keyReader?: KeyFileReader;
}

export function loadKeepalivedConfig(file: string, options: Omit<KeepalivedParseOptions, 'file'> = {}): LoadResult {
  const fs = options.fs ?? nodeConfigFs;
  const text = readConfigFile(fs, file);
  return parseKeepalivedConfig(text, { ...options, file, fs });
}

export function parseKeepalivedConfig(text: string, options: KeepalivedParseOptions): LoadResult {
  return parseTracked(text, options);
}

/** What a parse saw, for reparse.ts: each top-level statement and the warnings each block added. */
export interface ParseTrack {
  statements: Array<{ file: string; line: number; keyword: string; warnings: [number, number]; virtualServer?: number }>;
  /** Per virtual server, the warnings its finishing added. */
  finishWarnings: Array<[number, number]>;
  randomUsed: boolean;
  /** A quote or a brace was out of place (the statements may not be where the text suggests). */
  structural?: boolean;
}

export function emptyDraft(): ConfigDraft {
  return {
    global: defaultGlobal(),
    lowerPrioDelaySet: false,
    lowerPrioRepeatSet: false,
    fifoScripts: {},
    instances: [],
    scripts: [],
    trackFiles: [],
    trackProcesses: [],
    syncGroups: [],
    vsGroups: [],
    servers: [],
  };
}

export function parseTracked(text: string, options: KeepalivedParseOptions, track?: ParseTrack): LoadResult {
  const warnings: ConfigWarning[] = [];
  const files: string[] = [];
  const language = new ConfigLanguage({ configId: options.configId ?? defaultConfigId() });
  const lines = new SourceReader(options.file, text, { fs: options.fs ?? nodeConfigFs, warnings, files, language });
  const kit = new Kit(warnings, options.keyReader ?? keyReaderOf(options.fs));
  const draft = emptyDraft();
  // Quotes and braces out of place: keepalived goes on (block-parser.ts, tokenizer.ts).
  const warn = (at: { file: string; line: number }, message: string) => {
    kit.warn(at, message);
    if (track) track.structural = true;
  };
  // One top-level block at a time: its statement tree is dropped once it is read.
  for (const st of topLevelStatements(new TokenStream(lines, warn, false), { grammar: KEEPALIVED_GRAMMAR, warn })) {
    const from = warnings.length, servers = draft.servers.length;
    kit.one(st, TOP_LEVEL, draft, 'the top level');
    track?.statements.push({
      file: st.file, line: st.line, keyword: st.keyword, warnings: [from, warnings.length],
      ...(draft.servers.length === servers + 1 ? { virtualServer: servers } : {}),
    });
  }
  if (track) track.randomUsed = language.randomUsed;
  const lookup = {
    ...(options.interfaceOfAddress ? { interfaceOfAddress: options.interfaceOfAddress } : {}),
    ...(options.scripts ? { scripts: options.scripts } : {}),
    ...(options.mtuOf ? { mtuOf: options.mtuOf } : {}),
  };
  const config = finish(draft, kit, { kind: 'keepalived', file: options.file }, files, lookup, track?.finishWarnings);
  return { config, warnings };
}

export function keyReaderOf(fs: ConfigFs | undefined): KeyFileReader {
  if (!fs || fs === nodeConfigFs) return nodeKeyFileReader;
  return { read: (path) => Buffer.from(fs.readFile(path), 'utf8') };
}

/** keepalived's default config id: the node name up to its first dot. */
export function defaultConfigId(): string {
  return hostname().split('.')[0] ?? '';
}
