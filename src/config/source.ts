// Reads keepalived.conf and its includes into one stream of lines, as if the included files were
// pasted in place (so a block may even open in one file and close in another, like keepalived),
// each line passed through the config language (config-language.ts: @conditionals, $definitions,
// ~SEQ). Streaming: a file is never held as lines, tokens or statements as a whole.
//
// `include PATTERN`: PATTERN is relative to the directory of the including file, may be a glob
// with csh braces, may be (or go through) a symlink, including one to /dev/null (an empty file).
// A pattern that matches nothing is a warning and the rest of the config still loads, as
// keepalived does for plain `include`; the stricter variants (includer/includem/includew/
// includeb/includea) make it an error. An include loop is a warning at the include line, and the
// file is not read again.
// As in keepalived, include lines are found before the config language runs.
import * as path from 'node:path';
import { ConfigError } from '../errors.js';
import type { ConfigLanguage } from './config-language.js';
import type { ConfigFs } from './fs.js';
import { globPaths, hasGlobMagic } from './glob.js';
import type { ConfigWarning } from './types.js';

const INCLUDE_LINE = /^\s*(include[rmwba]?)(?:\s+(.*))?$/;

export interface SourceContext {
  fs: ConfigFs;
  warnings: ConfigWarning[];
  /** Every file read, in order (display paths). */
  files: string[];
  language: ConfigLanguage;
}


interface Frame {
  file: string;
  real: string;
}

/** A file being read: its text and where its next line starts. */
interface FileState {
  kind: 'file';
  file: string;
  text: string;
  /** Offset of the next line; -1 once the last line (the one after the last newline) was read. */
  pos: number;
  /** Number of the next line. */
  line: number;
  /** The line read last (an include must not continue it). */
  prevStart: number;
  prevEnd: number;
  stack: Frame[];
}

/** An include line's files, each read when the one before it has ended. */
interface IncludeState {
  kind: 'include';
  keyword: string;
  pattern: string;
  matches: string[];
  next: number;
  where: { file: string; line: number };
  stack: Frame[];
}

const LANGUAGE_CHAR = /[@$~]/g;

/**
 * The lines of a file with all includes expanded, one at a time (`advance()`), read in place: the
 * current line is `text.slice(start, end)`, never copied unless the config language or an include
 * needs it. As lazy as a generator: an include is globbed, and each of its files read, when the
 * reader gets there, and a file's text is never split into lines.
 */
export class SourceReader {
  text = '';
  start = 0;
  end = 0;
  file = '';
  line = 0;
  private readonly states: Array<FileState | IncludeState> = [];
  /** The config language's lines for the current source line (one that uses the language). */
  private expanded: Iterator<string> | undefined;
  private expandedAt = { file: '', line: 0 };
  private finished = false;
  /** Where the next `include` and the next @ $ ~ are in `scanned` (searched once per text, not per line). */
  private scanned: string | undefined;
  private includeAt = -1;
  private languageAt = -1;

  constructor(file: string, text: string, private readonly ctx: SourceContext) {
    ctx.files.push(file);
    this.states.push(fileState(file, text, [{ file, real: realOrResolved(ctx.fs, file) }]));
  }

  /** Moves to the next line; false at the end (where the config language's end check runs). */
  advance(): boolean {
    for (;;) {
      if (this.expanded) {
        const r = this.expanded.next();
        if (!r.done) {
          this.text = r.value;
          this.start = 0;
          this.end = r.value.length;
          this.file = this.expandedAt.file;
          this.line = this.expandedAt.line;
          return true;
        }
        this.expanded = undefined;
      }
      const top = this.states[this.states.length - 1];
      if (!top) {
        if (!this.finished) {
          this.finished = true;
          this.ctx.language.finish();
        }
        return false;
      }
      if (top.kind === 'include') {
        this.includeNext(top);
        continue;
      }
      if (top.pos < 0) {
        this.states.pop();
        continue;
      }
      const text = top.text;
      const start = top.pos;
      const nl = text.indexOf('\n', start);
      const end = nl < 0 ? text.length : nl;
      top.pos = nl < 0 ? -1 : nl + 1;
      const line = top.line++;
      const prevStart = top.prevStart, prevEnd = top.prevEnd;
      top.prevStart = start;
      top.prevEnd = end;
      const language = this.ctx.language;
      if (!language.inDefinition && this.mayHold(text, start, end, 'include')) {
        const m = INCLUDE_LINE.exec(text.slice(start, end));
        // An include must start a statement: not inside a continued line.
        if (m && !(line > 1 && /\\\s*$/.test(text.slice(prevStart, prevEnd)))) {
          this.include(m[1]!, m[2] ?? '', { file: top.file, line }, top.stack);
          continue;
        }
      }
      if (language.inDefinition || this.mayHold(text, start, end, 'language')) {
        const where = { file: top.file, line };
        this.expanded = language.lines(text.slice(start, end), where);
        this.expandedAt = where;
        continue;
      }
      // Most lines use none of the language: read in place.
      this.text = text;
      this.start = start;
      this.end = end;
      this.file = top.file;
      this.line = line;
      return true;
    }
  }

  /** Whether text[start, end) may hold `include` (an include line) or one of @ $ ~ (the config language). */
  private mayHold(text: string, start: number, end: number, what: 'include' | 'language'): boolean {
    if (this.scanned !== text) {
      this.scanned = text;
      this.includeAt = -1;
      this.languageAt = -1;
    }
    let at = what === 'include' ? this.includeAt : this.languageAt;
    if (at < start) {
      if (what === 'include') {
        const i = text.indexOf('include', start);
        at = this.includeAt = i < 0 ? Infinity : i;
      } else {
        LANGUAGE_CHAR.lastIndex = start;
        const m = LANGUAGE_CHAR.exec(text);
        at = this.languageAt = m ? m.index : Infinity;
      }
    }
    return at < end;
  }

  private include(keyword: string, rest: string, where: { file: string; line: number }, stack: Frame[]): void {
    const ctx = this.ctx;
    const pattern = includeArgument(rest, where);
    if (!pattern) throw new ConfigError(`${keyword}: missing file name`, where);
    const strict = keyword !== 'include';
    const abs = path.resolve(path.dirname(path.resolve(where.file)), pattern);
    const matches = hasGlobMagic(pattern) ? globPaths(ctx.fs, abs) : ctx.fs.stat(abs) === undefined ? [] : [abs];
    if (matches.length === 0) {
      const message = hasGlobMagic(pattern)
        ? `include '${pattern}': no file matches ${abs}`
        : `include '${pattern}': ${abs} does not exist, skipped`;
      if (strict) throw new ConfigError(message, where);
      ctx.warnings.push({ ...where, message });
      return;
    }
    this.states.push({ kind: 'include', keyword, pattern, matches, next: 0, where, stack });
  }

  /** Starts the include's next file (the one before it has ended), or ends the include. */
  private includeNext(inc: IncludeState): void {
    const ctx = this.ctx;
    const { pattern, where, stack } = inc;
    const strict = inc.keyword !== 'include';
    while (inc.next < inc.matches.length) {
      const file = inc.matches[inc.next++]!;
      if (ctx.fs.stat(file) === 'directory') {
        const message = `include '${pattern}': ${file} is a directory, skipped`;
        if (strict) throw new ConfigError(message, where);
        ctx.warnings.push({ ...where, message });
        continue;
      }
      const real = realOrResolved(ctx.fs, file);
      const loopAt = stack.findIndex((f) => f.real === real);
      if (loopAt >= 0) {
        // keepalived 2.2.7 (observed) includes the file again and again until it runs out of file
        // descriptors (some 10,000 deep), skips it then and goes on: every repeat a duplicate.
        const chain = [...stack.slice(loopAt).map((f) => f.file), file].join(' -> ');
        ctx.warnings.push({ ...where, message: `include loop: ${chain}, not read again as keepalived does (once it runs out of file descriptors)` });
        continue;
      }
      let text: string;
      try {
        text = ctx.fs.readFile(file);
      } catch (err) {
        const message = `include '${pattern}': cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
        if (strict) throw new ConfigError(message, where);
        ctx.warnings.push({ ...where, message });
        continue;
      }
      ctx.files.push(file);
      this.states.push(fileState(file, text, [...stack, { file, real }]));
      return;
    }
    this.states.pop();
  }
}

function fileState(file: string, text: string, stack: Frame[]): FileState {
  return { kind: 'file', file, text, pos: 0, line: 1, prevStart: 0, prevEnd: 0, stack };
}

function realOrResolved(fs: ConfigFs, file: string): string {
  try {
    return fs.realpath(file);
  } catch {
    return path.resolve(file);
  }
}

function includeArgument(rest: string, where: { file: string; line: number }): string {
  // One word, possibly double-quoted; braces belong to the pattern here. Comments start at any
  // `#`/`!` outside double quotes, as on every other line.
  const s = rest.trim();
  if (s.startsWith('"')) {
    const end = s.indexOf('"', 1);
    if (end < 0) throw new ConfigError('unterminated quoted string', where);
    return s.slice(1, end);
  }
  return s.split(/[#!]/)[0]!.trim().split(/\s+/)[0] ?? '';
}
