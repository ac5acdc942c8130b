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

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\v';
}

/** Where a line's problem is reported; without one, it is a ConfigError. */
export type LexWarn = (at: { file: string; line: number }, message: string) => void;

/**
 * Tokens of one physical line (no trailing eol token). A double quote that is never closed drops
 * the rest of the line, as keepalived does: a warning through `warn`, else a ConfigError.
 */
export function tokenizeLine(text: string, file: string, line: number, warn?: LexWarn): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  let joined = false;
  const push = (kind: TokenKind, value: string, start: number, quoted: boolean) => {
    tokens.push({ kind, text: value, raw: text.slice(start, i), quoted, joined: joined && tokens.length > 0, file, line });
    joined = true;
  };
  while (i < n) {
    const c = text[i]!;
    if (isSpace(c)) {
      i++;
      joined = false;
      continue;
    }
    if (c === '#' || c === '!') break;
    const start = i;
    if (c === '{' || c === '}') {
      i++;
      push(c, c, start, false);
      continue;
    }
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) {
        if (!warn) throw new ConfigError('unterminated quoted string', { file, line });
        warn({ file, line }, `unterminated quoted string: ${text.slice(start).trim()} is left out as keepalived does`);
        break;
      }
      i = end + 1;
      push('word', text.slice(start + 1, end), start, true);
      continue;
    }
    while (i < n) {
      const ch = text[i]!;
      if (isSpace(ch) || ch === '{' || ch === '}' || ch === '"' || ch === '#' || ch === '!') break;
      i++;
    }
    push('word', text.slice(start, i), start, false);
  }
  return tokens;
}

/** One line of the config as the tokenizer sees it (after includes and the config language). */
export interface SourceLine {
  text: string;
  file: string;
  line: number;
}

const eol = (file: string, line: number): Token => ({ kind: 'eol', text: '', raw: '', quoted: false, joined: false, file, line });

/** Tokens of a stream of lines: each logical line ends with an `eol` token; a lone `\` at the end continues it. */
export function* tokenizeLines(lines: Iterable<SourceLine>, warn?: LexWarn): Generator<Token> {
  for (const { text, file, line } of lines) {
    const toks = tokenizeLine(text, file, line, warn);
    const last = toks[toks.length - 1];
    const continued = last !== undefined && last.kind === 'word' && last.text === '\\' && !last.quoted;
    if (continued) toks.pop();
    yield* toks;
    if (!continued) yield eol(file, line);
  }
}

/** Tokens of a whole text (no includes, no config language). */
export function tokenizeText(text: string, file: string, firstLine = 1): Token[] {
  return [...tokenizeLines(text.split('\n').map((t, i) => ({ text: t, file, line: firstLine + i })))];
}

/** The source text of a run of tokens, spacing normalised but adjacency kept. */
export function rawText(tokens: Token[]): string {
  return tokens.map((t, i) => (i > 0 && !t.joined ? ' ' : '') + t.raw).join('');
}
