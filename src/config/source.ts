// Reads keepalived.conf and its includes into one stream of lines, as if the included files were
// pasted in place (so a block may even open in one file and close in another, like keepalived),
// each line passed through the config language (config-language.ts: @conditionals, $definitions,
// ~SEQ). Streaming: a file is never held as tokens or statements as a whole.
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
import type { SourceLine } from './tokenizer.js';
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

/** The lines of `file` (whose text is given) with all includes expanded. */
export function* sourceLines(file: string, text: string, ctx: SourceContext): Generator<SourceLine> {
  ctx.files.push(file);
  yield* expand(file, text, [{ file, real: realOrResolved(ctx.fs, file) }], ctx);
  ctx.language.finish();
}

function realOrResolved(fs: ConfigFs, file: string): string {
  try {
    return fs.realpath(file);
  } catch {
    return path.resolve(file);
  }
}

function* expand(file: string, text: string, stack: Frame[], ctx: SourceContext): Generator<SourceLine> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const where = { file, line: i + 1 };
    const m = ctx.language.inDefinition ? null : INCLUDE_LINE.exec(raw);
    // An include must start a statement: not inside a continued line.
    if (m && !(i > 0 && /\\\s*$/.test(lines[i - 1]!))) {
      yield* include(m[1]!, m[2] ?? '', where, stack, ctx);
      continue;
    }
    for (const l of ctx.language.lines(raw, where)) yield { text: l, file, line: i + 1 };
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

function* include(keyword: string, rest: string, where: { file: string; line: number }, stack: Frame[], ctx: SourceContext): Generator<SourceLine> {
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
  for (const file of matches) {
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
    yield* expand(file, text, [...stack, { file, real }], ctx);
  }
}
