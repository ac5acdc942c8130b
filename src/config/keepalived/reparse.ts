// A reload that re-reads only what changed: when the new keepalived.conf differs from the last one
// read inside one top-level virtual_server block (same number of lines), only that block is read
// and finished again; every other block keeps its objects, so the daemon's mapping and checkers
// see them unchanged (config-mapping.ts reuses a mapping by identity). A 10,000-service file then
// reloads in milliseconds instead of seconds, and the event loop is not blocked meanwhile.
// The file is compared as bytes with the last read's (memcmp), and only the changed block is
// decoded: decoding 4-8 MB of text is most of a reload's time in UML (fresh memory is slow there).
//
// The result must be exactly what a full read of the new text gives, else the full read runs:
// - the host looks the same: every question the last read asked of it (include files and globs,
//   script users and files, MTUs, key files) is asked again and must get the same answer;
// - the changed lines and the block around them use no config language (@, $, ~), no include,
//   and the last read drew no ${_RANDOM};
// - every virtual_server of the last read is in its config (none skipped for an undefined group);
// - the new block reads as one virtual_server statement that ends where the old one did, with no
//   quote or brace out of place in it, nor anywhere in the last read (keepalived goes on with those,
//   and so does vipd, but a block may then hold what follows it).
// Anything else (or an error in the block: the full read reports it with its context) reads the
// whole file, as before.
import { isDeepStrictEqual } from 'node:util';
import { ConfigError } from '../../errors.js';
import { topLevelStatements, type Statement } from '../block-parser.js';
import type { ConfigFs } from '../fs.js';
import { tokenizeLines } from '../tokenizer.js';
import type { ConfigWarning, LoadResult, VirtualServerSpec } from '../types.js';
import type { KeyFileReader } from '../../vrrp/auth-hmac/keys.js';
import type { PathStat, ScriptHost } from '../../health/script-rules.js';
import { finishVirtualServer } from './finish.js';
import { KEEPALIVED_GRAMMAR } from './grammar.js';
import { emptyDraft, keyReaderOf, parseTracked, type KeepalivedParseOptions, type ParseTrack } from './index.js';
import { Kit } from './kit.js';
import { TOP_LEVEL } from './top-level.js';
import { nodeConfigFs } from '../fs.js';

/** One question asked of the host during a read, and its answer. */
interface HostCall { fn: string; args: unknown[]; answer: Answer }
type Answer = { value: unknown } | { error: string };

/** The last read: its bytes, its result and what is needed to redo one block of it. */
export interface KeepalivedRead {
  /** The main file's content as read (UTF-8). */
  bytes: Buffer;
  result: LoadResult;
  options: Pick<KeepalivedParseOptions, 'file' | 'configId'>;
  /** The main file's top-level statements in file order: where each one's first line starts in `bytes`, and its index in track.statements. */
  blocks: { at: number[]; statement: number[] };
  track: ParseTrack;
  calls: Map<string, HostCall>;
}

export interface RereadOutcome {
  read: KeepalivedRead;
  /** 'unchanged': same bytes, same host; 'block': one virtual_server re-read; 'full': the whole file. */
  how: 'unchanged' | 'block' | 'full';
  /** Why the whole file was read again (how: 'full' after a previous read). */
  why?: string;
}

/** The file's content: bytes as read, or text (encoded as UTF-8). */
export type FileContent = Buffer | string;

const bytesOf = (content: FileContent): Buffer => (typeof content === 'string' ? Buffer.from(content, 'utf8') : content);

/** Reads `content` (of options.file) in full, remembering what a later reread needs. */
export function readKeepalived(content: FileContent, options: KeepalivedParseOptions): KeepalivedRead {
  const bytes = bytesOf(content);
  const text = typeof content === 'string' ? content : bytes.toString('utf8');
  const calls = new Map<string, HostCall>();
  const track: ParseTrack = { statements: [], finishWarnings: [], randomUsed: false };
  const result = parseTracked(text, recordingOptions(options, calls), track);
  return {
    bytes, result, options: { file: options.file, ...(options.configId !== undefined ? { configId: options.configId } : {}) },
    blocks: blockOffsets(bytes, track.statements, options.file), track, calls,
  };
}

/** The read of `content`, from `previous` when only one virtual_server block changed. Throws ConfigError as a full read does. */
export function rereadKeepalived(previous: KeepalivedRead | undefined, content: FileContent, options: KeepalivedParseOptions): RereadOutcome {
  if (!previous) return { read: readKeepalived(content, options), how: 'full' };
  const why = reuseRefused(previous, options);
  if (why) return { read: readKeepalived(content, options), how: 'full', why };
  const bytes = bytesOf(content);
  if (bytes.equals(previous.bytes)) return { read: previous, how: 'unchanged' };
  const one = rereadOneBlock(previous, bytes, options);
  if (typeof one === 'string') return { read: readKeepalived(bytes, options), how: 'full', why: one };
  return { read: one, how: 'block' };
}

function reuseRefused(previous: KeepalivedRead, options: KeepalivedParseOptions): string | undefined {
  if (previous.options.file !== options.file || previous.options.configId !== options.configId) return 'another file or config id';
  if (previous.track.randomUsed) return '${_RANDOM} is used';
  if (previous.track.structural) return 'the last read had a quote or a brace out of place';
  const fresh = recordingOptions(options, new Map());
  for (const call of previous.calls.values()) {
    if (!isDeepStrictEqual(ask(fresh, call.fn, call.args), call.answer)) return `the host changed (${call.fn} ${JSON.stringify(call.args).slice(1, -1)})`;
  }
  return undefined;
}

const LANGUAGE = /[@$~]/;
const INCLUDE_LINE = /^\s*include[rmwba]?(?:\s|$)/;
const SCRIPTS = /MISC_CHECK|misc_path|notify_up|notify_down|quorum_up|quorum_down/;

/** The changed block, where it is and what it reads as; or why the whole file must be read. */
interface ChangedBlock {
  /** Index in blocks. */
  b: number;
  /** track.statements index. */
  k: number;
  lines: string[];
  /** Bytes the block grew by. */
  delta: number;
}

function changedBlock(previous: KeepalivedRead, bytes: Buffer): ChangedBlock | string {
  const old = previous.bytes;
  const prefix = commonPrefix(old, bytes);
  const suffix = commonSuffix(old, bytes, prefix);
  const oldEnd = old.length - suffix, newEnd = bytes.length - suffix;
  if (countNewlines(old, prefix, oldEnd) !== countNewlines(bytes, prefix, newEnd)) return 'lines were added or removed';
  // The top-level statement of the main file whose lines hold the change.
  const { at, statement } = previous.blocks;
  let b = -1;
  for (let lo = 0, hi = at.length - 1; lo <= hi;) {
    const mid = (lo + hi) >> 1;
    if (at[mid]! <= prefix) {
      b = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const k = statement[b];
  const st = k === undefined ? undefined : previous.track.statements[k];
  if (k === undefined || !st || st.keyword !== 'virtual_server' || st.virtualServer === undefined) return 'the change is not inside a virtual_server block';
  // Statements of an included file sit between this block and the next one of the main file.
  const next = previous.track.statements[k + 1];
  if (next && next.file !== st.file) return 'the block is followed by an included file';
  // The block: from its first line to the line before the next statement (comments after it included), its newline excluded.
  // The newline before the next statement stays unchanged, else the next one may not start a line.
  const end = b + 1 < at.length ? at[b + 1]! - 1 : old.length;
  if (oldEnd > end) return 'the change is not inside a virtual_server block';
  const delta = bytes.length - old.length;
  const oldBlock = old.toString('utf8', at[b], end);
  const lines = bytes.toString('utf8', at[b], end + delta).split('\n');
  for (const t of [...lines, ...oldBlock.split('\n')]) {
    if (LANGUAGE.test(t) || INCLUDE_LINE.test(t)) return 'the block uses the config language or include';
    // The file's first script reports the default script user: scripts are decided for the whole file.
    if (SCRIPTS.test(t)) return 'the block runs scripts';
  }
  return { b, k, lines, delta };
}

function rereadOneBlock(previous: KeepalivedRead, bytes: Buffer, options: KeepalivedParseOptions): KeepalivedRead | string {
  const changed = changedBlock(previous, bytes);
  if (typeof changed === 'string') return changed;
  try {
    return rereadBlock(previous, bytes, options, changed);
  } catch (err) {
    // The full read reports it, in the file's order.
    if (err instanceof ConfigError) return `the block does not read alone (${err.message})`;
    throw err;
  }
}

function rereadBlock(previous: KeepalivedRead, bytes: Buffer, options: KeepalivedParseOptions, at: ChangedBlock): KeepalivedRead | string {
  const { b, k, lines, delta } = at;
  const file = options.file;
  const stmts = previous.track.statements;
  const st = stmts[k]!;
  const from = st.line - 1;
  let stmt: Statement;
  {
    // A quote or brace out of place reads differently in the whole file (a block swallowing the next ones...).
    let misplaced = false;
    const warn = () => (misplaced = true);
    const got = [...topLevelStatements(tokenizeLines(lines.map((t, i) => ({ text: t, file, line: from + 1 + i })), warn), { grammar: KEEPALIVED_GRAMMAR, warn })];
    if (misplaced) return 'the block has a quote or a brace out of place';
    if (got.length !== 1 || got[0]!.keyword !== 'virtual_server' || /\\\s*$/.test(lines[lines.length - 1]!)) return 'the block no longer reads as one virtual_server';
    stmt = got[0]!;
  }
  // Read and finish the block alone, in the context of the last read (global_defs, track_files, groups).
  const calls = new Map(previous.calls);
  const recording = recordingOptions(options, calls);
  const config = previous.result.config;
  const parseWarnings: ConfigWarning[] = [];
  const kit = new Kit(parseWarnings, recording.keyReader!);
  const draft = emptyDraft();
  kit.one(stmt, TOP_LEVEL, draft, 'the top level');
  const vsDraft = draft.servers[0];
  if (draft.servers.length !== 1 || !vsDraft) return 'the block no longer reads as one virtual_server';
  const target = vsDraft.vs.target;
  if (target.kind === 'group' && !config.virtualServerGroups.some((g) => g.name === target.group)) {
    return 'the block names an undefined group';
  }
  const finishWarnings: ConfigWarning[] = [];
  const finishKit = new Kit(finishWarnings, recording.keyReader!);
  // No scripts in the block (checked above): the file's script rules are not needed.
  const spec: VirtualServerSpec = finishVirtualServer(vsDraft, { global: config.global, trackFiles: config.trackFiles }, finishKit, undefined);

  // A virtual_server skipped at finish (its group not defined) has no place in the config's list:
  // the blocks after it are not at their statement's index there.
  let read = 0;
  for (const s of stmts) if (s.virtualServer !== undefined) read++;
  if (read !== previous.track.finishWarnings.length) return 'a virtual_server of the last read was skipped (its group is not defined)';
  // The warnings of the block take the places of the old ones; the ranges after them move.
  const i = st.virtualServer!;
  const warnings = previous.result.warnings;
  const [p0, p1] = st.warnings;
  const [f0, f1] = previous.track.finishWarnings[i]!;
  const dp = parseWarnings.length - (p1 - p0), df = finishWarnings.length - (f1 - f0);
  const sameWarnings = dp === 0 && df === 0 && parseWarnings.length === 0 && finishWarnings.length === 0;
  const virtualServers = config.virtualServers.slice();
  virtualServers[i] = spec;
  const blockAt = delta === 0 ? previous.blocks.at : previous.blocks.at.map((a, j) => (j > b ? a + delta : a));
  // The common case (no warning before or after): nothing per statement to move.
  if (sameWarnings) {
    return { ...previous, bytes, result: { config: { ...config, virtualServers }, warnings }, blocks: { at: blockAt, statement: previous.blocks.statement }, calls };
  }
  const nextWarnings = [...warnings.slice(0, p0), ...parseWarnings, ...warnings.slice(p1, f0), ...finishWarnings, ...warnings.slice(f1)];
  const move = ([a, b]: [number, number], at: number, d: number): [number, number] => [a >= at ? a + d : a, b >= at ? b + d : b];
  const statements = stmts.map((s, j) => (j < k ? s : j === k ? { ...s, warnings: [p0, p0 + parseWarnings.length] as [number, number] } : { ...s, warnings: move(s.warnings, p1, dp) }));
  const finishRanges = previous.track.finishWarnings.map((r, j): [number, number] => {
    if (j < i) return [r[0] + dp, r[1] + dp];
    if (j === i) return [f0 + dp, f0 + dp + finishWarnings.length];
    return [r[0] + dp + df, r[1] + dp + df];
  });
  return {
    bytes,
    result: { config: { ...config, virtualServers }, warnings: nextWarnings },
    options: previous.options,
    blocks: { at: blockAt, statement: previous.blocks.statement },
    track: { statements, finishWarnings: finishRanges, randomUsed: false },
    calls,
  };
}

// --- the host's answers ---

function errorAnswer(err: unknown): Answer {
  const e = err as { code?: string; name?: string; message?: string };
  return { error: `${e.name ?? ''} ${e.code ?? ''} ${e.message ?? String(err)}` };
}

function answer(fn: () => unknown): Answer {
  try {
    return { value: fn() };
  } catch (err) {
    return errorAnswer(err);
  }
}

/** The options with every host question recorded into `calls` (the main file's text is not one). */
function recordingOptions(options: KeepalivedParseOptions, calls: Map<string, HostCall>): KeepalivedParseOptions {
  const rec = <A extends unknown[], R>(fn: string, f: (...args: A) => R) => (...args: A): R => {
    const key = `${fn}\0${JSON.stringify(args)}`;
    const note = (a: Answer) => { if (!calls.has(key)) calls.set(key, { fn, args, answer: a }); };
    try {
      const value = f(...args);
      note({ value });
      return value;
    } catch (err) {
      note(errorAnswer(err));
      throw err; // the reader tells errors apart by class
    }
  };
  const fs: ConfigFs = options.fs ?? nodeConfigFs;
  const keys: KeyFileReader = options.keyReader ?? keyReaderOf(options.fs);
  const out: KeepalivedParseOptions = {
    ...options,
    fs: {
      readFile: rec('fs.readFile', (f: string) => fs.readFile(f)), stat: rec('fs.stat', (f: string) => fs.stat(f)),
      readdir: rec('fs.readdir', (d: string) => fs.readdir(d).slice().sort()), realpath: rec('fs.realpath', (f: string) => fs.realpath(f)),
    },
    keyReader: { read: rec('key.read', (p: string) => keys.read(p)), ...(keys.mode ? { mode: rec('key.mode', (p: string) => keys.mode!(p)) } : {}) },
  };
  if (options.interfaceOfAddress) out.interfaceOfAddress = rec('interfaceOfAddress', options.interfaceOfAddress);
  if (options.mtuOf) out.mtuOf = rec('mtuOf', options.mtuOf);
  const s: ScriptHost | undefined = options.scripts;
  if (s) {
    out.scripts = {
      lookupUser: rec('scripts.lookupUser', (u: string, g?: string) => s.lookupUser(u, g)),
      fs: { realpath: rec('scripts.realpath', (p: string) => s.fs.realpath(p)), stat: rec('scripts.stat', (p: string) => pathStat(s.fs.stat(p))) },
      searchPath: rec('scripts.searchPath', () => s.searchPath)() as string[],
      self: rec('scripts.self', () => s.self)() as ScriptHost['self'],
    };
  }
  return out;
}

/** What the rules read of a stat (a Stats object's times change with every run of the script). */
function pathStat(st: PathStat): PathStat {
  return { uid: st.uid, gid: st.gid, mode: st.mode };
}

/** Asks the host again what `fn` was asked (through freshly recording options). */
function ask(o: KeepalivedParseOptions, fn: string, args: unknown[]): Answer {
  const a = args as string[];
  switch (fn) {
    case 'fs.readFile': return answer(() => o.fs!.readFile(a[0]!));
    case 'fs.stat': return answer(() => o.fs!.stat(a[0]!));
    case 'fs.readdir': return answer(() => o.fs!.readdir(a[0]!));
    case 'fs.realpath': return answer(() => o.fs!.realpath(a[0]!));
    case 'key.read': return answer(() => o.keyReader!.read(a[0]!));
    case 'key.mode': return answer(() => o.keyReader!.mode?.(a[0]!));
    case 'interfaceOfAddress': return answer(() => o.interfaceOfAddress?.(a[0]!));
    case 'mtuOf': return answer(() => o.mtuOf?.(a[0]!));
    case 'scripts.self': return answer(() => o.scripts?.self);
    case 'scripts.searchPath': return answer(() => o.scripts?.searchPath);
    case 'scripts.lookupUser': return answer(() => o.scripts?.lookupUser(a[0]!, a[1]));
    case 'scripts.realpath': return answer(() => o.scripts?.fs.realpath(a[0]!));
    case 'scripts.stat': return answer(() => o.scripts?.fs.stat(a[0]!));
    default: return { error: `unknown host question ${fn}` };
  }
}

// --- bytes ---

const CHUNK = 1 << 16;

/** Length of the common prefix: whole chunks compared natively (memcmp), then bytes. */
function commonPrefix(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i + CHUNK <= n && a.compare(b, i, i + CHUNK, i, i + CHUNK) === 0) i += CHUNK;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** Length of the common suffix, not reaching into the first `prefix` bytes of either. */
function commonSuffix(a: Buffer, b: Buffer, prefix: number): number {
  const n = Math.min(a.length, b.length) - prefix;
  let i = 0;
  while (i + CHUNK <= n && a.compare(b, b.length - i - CHUNK, b.length - i, a.length - i - CHUNK, a.length - i) === 0) i += CHUNK;
  while (i < n && a[a.length - 1 - i] === b[b.length - 1 - i]) i++;
  return i;
}

const NL = 0x0a;

function countNewlines(b: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = b.indexOf(NL, from); i >= 0 && i < to; i = b.indexOf(NL, i + 1)) n++;
  return n;
}

/**
 * Where the main file's top-level statements start (the byte offset of each one's first line).
 * A newline byte is never part of a multi-byte UTF-8 character, so lines are the same in bytes and text.
 */
function blockOffsets(bytes: Buffer, statements: ParseTrack['statements'], file: string): KeepalivedRead['blocks'] {
  const at: number[] = [], statement: number[] = [];
  let line = 1, offset = 0;
  for (let k = 0; k < statements.length; k++) {
    const s = statements[k]!;
    if (s.file !== file) continue;
    if (s.line < line) return { at: [], statement: [] }; // not in file order: no block is re-read alone
    while (line < s.line) {
      const nl = bytes.indexOf(NL, offset);
      if (nl < 0) return { at: [], statement: [] };
      offset = nl + 1;
      line++;
    }
    at.push(offset);
    statement.push(k);
  }
  return { at, statement };
}
