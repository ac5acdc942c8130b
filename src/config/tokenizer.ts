// keepalived.conf lexing, one line at a time (the grammar is line oriented: a keyword and its
// arguments end at the end of the line, `{`/`}` open and close blocks).
//
// The rules follow what keepalived 2.2 does (checked against `keepalived --dump-conf`), which is
// narrower than keepalived.conf(5)'s "Quoted strings" section suggests:
// - a comment starts at any `#` or `!` outside double quotes, even inside a word
//   (`auth_pass ab#cd` is the password `ab`); single quotes do not protect them;
// - whitespace separates words; `{` and `}` are tokens of their own outside quotes;
// - a double quote starts a word that runs to the next double quote, taken literally (no
//   escapes, so `"a\"b"` is unbalanced); a quote inside a word ends that word;
// - single quotes are ordinary characters here: they matter only to commands (see
//   command-line.ts), which are re-read from each token's `raw` source text;
// - a lone `\` at the end of a line continues the statement on the next line;
// - a double quote never closed on its line drops the rest of the line (keepalived logs it).
import { ConfigError } from '../errors.js';

export type TokenKind = 'word' | '{' | '}' | 'eol';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Source text of the token, quotes included (commands are re-parsed from it). */
  raw: string;
  /** The word was double-quoted (so `"{"` is a word, not a brace). */
  quoted: boolean;
  /** No whitespace between this token and the previous one on the line. */
  joined: boolean;
  file: string;
  line: number;
}

/** ' ' \t \n \v \f \r */
function isSpaceCode(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** Where a line's problem is reported; without one, it is a ConfigError. */
export type LexWarn = (at: { file: string; line: number }, message: string) => void;

/**
 * Tokens of one physical line (no trailing eol token). A double quote that is never closed drops
 * the rest of the line, as keepalived does: a warning through `warn`, else a ConfigError.
 */
export function tokenizeLine(text: string, file: string, line: number, warn?: LexWarn): Token[] {
  const tokens: Token[] = [];
  lexLine(text, 0, text.length, file, line, warn, tokens);
  return tokens;
}

/** tokenizeLine of `text.slice(start, end)`, read in place, its tokens appended to `tokens`. */
export function lexLine(text: string, start: number, end: number, file: string, line: number, warn: LexWarn | undefined, tokens: Token[]): void {
  const first = tokens.length;
  let i = start;
  let joined = false;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (isSpaceCode(c)) {
      i++;
      joined = false;
      continue;
    }
    if (c === HASH || c === BANG) break;
    const from = i;
    if (c === OPEN || c === CLOSE) {
      i++;
      const brace = c === OPEN ? '{' : '}';
      tokens.push({ kind: brace, text: brace, raw: brace, quoted: false, joined: joined && tokens.length > first, file, line });
      joined = true;
      continue;
    }
    if (c === QUOTE) {
      const close = text.indexOf('"', i + 1);
      if (close < 0 || close >= end) {
        if (!warn) throw new ConfigError('unterminated quoted string', { file, line });
        warn({ file, line }, `unterminated quoted string: ${text.slice(from, end).trim()} is left out as keepalived does`);
        break;
      }
      i = close + 1;
      tokens.push({ kind: 'word', text: text.slice(from + 1, close), raw: text.slice(from, i), quoted: true, joined: joined && tokens.length > first, file, line });
      joined = true;
      continue;
    }
    while (i < end) {
      const ch = text.charCodeAt(i);
      if (isSpaceCode(ch) || ch === OPEN || ch === CLOSE || ch === QUOTE || ch === HASH || ch === BANG) break;
      i++;
    }
    const word = text.slice(from, i);
    tokens.push({ kind: 'word', text: word, raw: word, quoted: false, joined: joined && tokens.length > first, file, line });
    joined = true;
  }
}

const HASH = 0x23, BANG = 0x21, OPEN = 0x7b, CLOSE = 0x7d, QUOTE = 0x22;

/** One line of the config as the tokenizer sees it (after includes and the config language). */
export interface SourceLine {
  text: string;
  file: string;
  line: number;
}

/** Lines read in place (source.ts's SourceReader): the current one is `text.slice(start, end)`. */
export interface LineCursor {
  advance(): boolean;
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly file: string;
  readonly line: number;
}

const eol = (file: string, line: number): Token => ({ kind: 'eol', text: '', raw: '', quoted: false, joined: false, file, line });

/** The end of every line for a reader that never asks where one is (the block parser does not). */
const EOL: Token = Object.freeze(eol('', 0));

/**
 * Tokens of lines, one at a time (`next()`, undefined at the end): each logical line ends with an
 * `eol` token; a lone `\` at the end continues it. A line is lexed when its first token is needed.
 */
export class TokenStream {
  private readonly tokens: Token[] = [];
  private at = 0;
  private eol: Token | undefined;

  /** `eolPositions` false: every eol token is one shared object, without its file and line (the block parser's case). */
  constructor(private readonly lines: LineCursor, private readonly warn?: LexWarn, private readonly eolPositions = true) {}

  next(): Token | undefined {
    for (;;) {
      if (this.at < this.tokens.length) return this.tokens[this.at++];
      if (this.eol) {
        const t = this.eol;
        this.eol = undefined;
        return t;
      }
      const l = this.lines;
      if (!l.advance()) return undefined;
      const toks = this.tokens;
      toks.length = 0;
      this.at = 0;
      lexLine(l.text, l.start, l.end, l.file, l.line, this.warn, toks);
      const last = toks[toks.length - 1];
      const continued = last !== undefined && last.kind === 'word' && last.text === '\\' && !last.quoted;
      if (continued) toks.pop();
      else this.eol = this.eolPositions ? eol(l.file, l.line) : EOL;
    }
  }
}

/** Tokens of a stream of lines: each logical line ends with an `eol` token; a lone `\` at the end continues it. */
export function* tokenizeLines(lines: Iterable<SourceLine>, warn?: LexWarn): Generator<Token> {
  const it = lines[Symbol.iterator]();
  const cursor = { text: '', start: 0, end: 0, file: '', line: 0, advance(): boolean {
    const r = it.next();
    if (r.done) return false;
    cursor.text = r.value.text;
    cursor.end = r.value.text.length;
    cursor.file = r.value.file;
    cursor.line = r.value.line;
    return true;
  } };
  const stream = new TokenStream(cursor, warn);
  for (let t = stream.next(); t !== undefined; t = stream.next()) yield t;
}

/** Tokens of a whole text (no includes, no config language). */
export function tokenizeText(text: string, file: string, firstLine = 1): Token[] {
  return [...tokenizeLines(text.split('\n').map((t, i) => ({ text: t, file, line: firstLine + i })))];
}

/** The source text of a run of tokens, spacing normalised but adjacency kept. */
export function rawText(tokens: Token[]): string {
  return tokens.map((t, i) => (i > 0 && !t.joined ? ' ' : '') + t.raw).join('');
}
