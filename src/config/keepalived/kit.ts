// The keyword kit every block reader uses: keyword tables and the loop that applies them, block
// and name helpers, warnings, and commands (notify_*, script, misc_path...).
//
// A keyword table maps each keyword of one block context to its outcome:
// - implemented: the handler gives it keepalived's semantics;
// - warned: accepted, with a warning at file:line naming the keyword and saying what will NOT
//   happen (`note`); a handler may still read and check the value (so bad values are errors and a
//   later implementation only has to flip the status);
// - error: keepalived refuses it too (`note` says why).
// Keywords not in the table are warnings too ("unknown keyword"), as keepalived does.
import type { Statement } from '../block-parser.js';
import { parseCommandLine, splitScriptWords } from '../command-line.js';
import { rawText } from '../tokenizer.js';
import { ConfigError } from '../../errors.js';
import type { ConfigWarning, ScriptCommand } from '../types.js';
import { fail, isIntegerText, MissingValueError, optArg, whereOf } from '../values.js';
import { nodeKeyFileReader } from '../../vrrp/auth-hmac/key-file.js';
import type { KeyFileReader } from '../../vrrp/auth-hmac/keys.js';

export type Handler<T> = (st: Statement, target: T, kit: Kit) => void;

export type KeywordStatus = 'implemented' | 'warned' | 'error';

export interface KeywordEntry<T> {
  status: KeywordStatus;
  /** Reads the statement (implemented), or checks it before the warning (warned). */
  handler?: Handler<T>;
  /** warned: what vipd does NOT do; error: why it is refused; implemented: an optional remark. */
  note?: string;
  /** The block context this keyword opens (a key of KEYWORD_TABLE): how its block is parsed (grammar.ts), docs and tests. */
  block?: string;
  /** The keyword opens a block of plain lines (addresses, names...), parsed as such. */
  list?: true;
}

export type KeywordTable<T> = Readonly<Record<string, KeywordEntry<T>>>;

type More = { block?: string; list?: true };

export function implemented<T>(handler: Handler<T>, more: More & { note?: string } = {}): KeywordEntry<T> {
  return { status: 'implemented', handler, ...more };
}

/** Accepted with a warning saying what will not happen; `handler` (optional) still checks the value. */
export function warned<T>(note: string, handler?: Handler<T>, more: More = {}): KeywordEntry<T> {
  return { status: 'warned', note, ...(handler ? { handler } : {}), ...more };
}

export function refused<T>(note: string): KeywordEntry<T> {
  return { status: 'error', note };
}

/**
 * What vipd does with a bad value keepalived takes anyway (it logs and goes on): `says` ends the
 * warning ("using 100", "ignored", "this virtual server is skipped"), `apply` sets the substitute.
 */
export interface Instead<T> {
  says: string;
  apply?: (target: T, st: Statement) => void;
}

/**
 * A handler whose value check, where keepalived would go on, warns at file:line and does what
 * keepalived does instead (`instead`: see Instead; a plain string is only the words, the target
 * is left as it was). Errors of other lines (inside the statement's block) still stop the load.
 */
export function asKeepalived<T>(h: Handler<T>, instead: string | Instead<T>): Handler<T> {
  const i = typeof instead === 'string' ? { says: instead } : instead;
  return (st, target, kit) => {
    if (!kit.tolerateHandler(st, h, target, i.says)) i.apply?.(target, st);
  };
}

/**
 * A table whose every handler's bad value keepalived ignores (or replaces: `except`; null: keepalived
 * refuses that keyword's bad values, the ConfigError stays), as asKeepalived.
 */
export function asKeepalivedTable<T>(table: KeywordTable<T>, says: string, except: Readonly<Record<string, string | Instead<T> | null>> = {}): KeywordTable<T> {
  return Object.fromEntries(Object.entries(table).map(([k, e]) => {
    const instead = Object.hasOwn(except, k) ? except[k] : says;
    return [k, e.handler && instead !== null && instead !== undefined ? { ...e, handler: asKeepalived(e.handler, instead) } : e];
  }));
}

export class Kit {
  /**
   * Statements whose `{ }` block a handler read (or deliberately skipped); only asked while the
   * statement is read, so emptied after each top-level one (a WeakSet costs more to fill).
   */
  private readonly blockRead = new Set<Statement>();
  private depth = 0;

  /** `keyReader`: the bytes of auth_hmac `file:` keys (read once per load: at start and on SIGHUP). */
  constructor(readonly warnings: ConfigWarning[], readonly keyReader: KeyFileReader = nodeKeyFileReader) {}

  warn(at: { file: string; line: number }, message: string): void {
    this.warnings.push({ file: at.file, line: at.line, message });
  }

  /**
   * Runs `read`; a ConfigError it raises for `st` itself (where keepalived logs and goes on)
   * becomes a warning at file:line ending "<says> as keepalived does", and `st`'s block (if any)
   * counts as read. Returns whether `read` succeeded.
   */
  tolerate(st: Statement, read: () => void, says: string): boolean {
    try {
      read();
      return true;
    } catch (err) {
      return this.tolerated(st, err, says);
    }
  }

  /** tolerate() of `h(st, target, this)` (no closure per statement: every asKeepalived keyword runs through it). */
  tolerateHandler<T>(st: Statement, h: Handler<T>, target: T, says: string): boolean {
    try {
      h(st, target, this);
      return true;
    } catch (err) {
      return this.tolerated(st, err, says);
    }
  }

  private tolerated(st: Statement, err: unknown, says: string): false {
    if (!(err instanceof ConfigError) || err instanceof MissingValueError || err.file !== st.file || err.line !== st.line) throw err;
    this.blockRead.add(st);
    this.instead(st, err.message.slice(`${st.file}:${st.line}: `.length), says);
    return false;
  }

  /**
   * A block whose name `first` already defined: keepalived 2.2.7 keeps the first and skips this
   * block unread (its errors too). True (with the warning) when it is skipped.
   */
  skippedRedefinition(st: Statement, label: string, first: { where: { file: string; line: number } } | undefined): boolean {
    if (!first) return false;
    this.needBlock(st);
    this.instead(st, `${label}: defined twice (first at ${first.where.file === st.file ? '' : `${first.where.file}:`}line ${first.where.line})`, 'this block is skipped');
    return true;
  }

  /**
   * keepalived reads a word that is not an integer as 0 (as atoi does) for weights and counts:
   * true, with the warning, when `text` is such a word (the caller then uses 0).
   */
  readsAsZero(st: Statement, what: string, text: string): boolean {
    if (isIntegerText(text)) return false;
    this.instead(st, `${what}: '${text}' is not an integer`, 'using 0');
    return true;
  }

  /** The warning for a bad value keepalived goes on with: what is wrong, then what vipd does. */
  instead(at: { file: string; line: number }, problem: string, says: string): void {
    this.warn(at, `${problem}, ${says} as keepalived does`);
  }

  /** Runs a block's statements through its keyword table; `context` names the block in messages (a function: made only when needed). */
  apply<T>(block: Statement[] | undefined, table: KeywordTable<T>, target: T, context: string | (() => string)): void {
    if (block) for (const st of block) this.one(st, table, target, context);
  }

  one<T>(st: Statement, table: KeywordTable<T>, target: T, context: string | (() => string)): void {
    this.depth++;
    try {
      this.read(st, table, target, context);
    } finally {
      if (--this.depth === 0) this.blockRead.clear();
    }
  }

  private read<T>(st: Statement, table: KeywordTable<T>, target: T, context: string | (() => string)): void {
    const entry = Object.hasOwn(table, st.keyword) ? table[st.keyword] : undefined;
    if (!entry) {
      this.blockRead.add(st);
      this.warn(st, `unknown keyword '${st.keyword}' in ${typeof context === 'string' ? context : context()}`);
      return;
    }
    if (entry.status === 'error') fail(st, `${st.keyword}: ${entry.note}`);
    if (entry.handler) entry.handler(st, target, this);
    if (entry.status === 'warned') {
      this.blockRead.add(st);
      this.warn(st, `${st.keyword}: not supported by vipd, ${entry.note}`);
    }
    // A value keyword followed by `{` (even on the next line) is a misplaced block.
    if (st.block && !this.blockRead.has(st)) fail(st, `${st.keyword}: does not take a '{' block`);
  }

  needBlock(st: Statement): Statement[] {
    if (!st.block) fail(st, `${st.keyword}: expected a '{' block`);
    this.blockRead.add(st);
    return st.block;
  }

  name(st: Statement): string {
    const n = optArg(st, 0);
    if (n === undefined || n === '') fail(st, `${st.keyword}: missing name`);
    return n;
  }

  /**
   * `keyword <STRING>|<QUOTED-STRING> [username [groupname]]` (see command-line.ts). `withUser`
   * false: nothing may follow the command; 'ignored': what follows is warned and left out.
   */
  command(st: Statement, withUser: boolean | 'ignored' = true): ScriptCommand {
    if (st.args.length === 0) fail(st, `${st.keyword}: missing command`);
    let words: string[];
    let argv: string[];
    try {
      words = splitScriptWords(rawText(st.args));
      argv = parseCommandLine(words[0] ?? '');
    } catch (err) {
      fail(st, `${st.keyword}: ${(err as Error).message}`);
    }
    const text = words[0] ?? '';
    if (argv.length === 0) fail(st, `${st.keyword}: empty command`);
    const cmd: ScriptCommand = { argv, text, where: whereOf(st) };
    const [, user, group] = words;
    if (user !== undefined) {
      if (withUser === 'ignored') {
        this.instead(st, `${st.keyword}: unexpected '${words.slice(1).join(' ')}' after the command (quote commands with arguments)`, 'ignored');
        return cmd;
      }
      if (!withUser) fail(st, `${st.keyword}: unexpected '${user}' after the command (quote commands with arguments)`);
      cmd.user = user;
      if (group !== undefined) cmd.group = group;
    }
    if (words.length > 3) fail(st, `${st.keyword}: too many arguments (quote commands with arguments)`);
    return cmd;
  }
}

/**
 * The table of a block vipd accepts but does not run (its parent entry is warned and the block is
 * not read): every keyword inside shares the block's note. Docs and the man-page test use it; a
 * later implementation replaces it with real handlers.
 */
export function skippedBlock<T>(note: string, keywords: readonly string[]): KeywordTable<T> {
  return Object.fromEntries(keywords.map((k) => [k, warned<T>(note)]));
}
