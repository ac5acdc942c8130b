// keepalived.conf lexing, one line at a time (the grammar is line oriented: a keyword and its
// arguments end at the end of the line, `{`/`}` open and close blocks).
//
// Rules (keepalived.conf(5) "Quoted strings"):
// - whitespace separates words; `{` and `}` are tokens of their own outside quotes;
// - `#` or `!` at the start of a word (outside quotes) starts a comment to the end of the line;
//   inside a word (`pa!ss`) they are ordinary characters, so passwords survive;
// - `"` or `'` quote part of a word: quotes are removed, whitespace/braces/comment characters
//   inside are kept, the other quote character is literal (so `"'/bin/k0s' -s MASTER"` keeps its
//   single quotes for the command splitter), and `abc"d e"f` is the one word `abcd ef`;
// - inside quotes, shell-like escapes: \a \b \E \f \n \r \t \v \nnn (octal) \xXX \cC, \C = C;
// - a lone `\` at the end of a line continues the statement on the next line.
import { ConfigError } from '../errors.js';

export type TokenKind = 'word' | '{' | '}' | 'eol';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Some part of the word was quoted (so `"{"` is a word, not a brace). */
  quoted: boolean;
  file: string;
  line: number;
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', E: '\x1b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\v';
}

/** Tokens of one physical line (no trailing eol token). */
export function tokenizeLine(text: string, file: string, line: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '#' || c === '!') break;
    if (c === '{' || c === '}') {
      tokens.push({ kind: c, text: c, quoted: false, file, line });
      i++;
      continue;
    }
    let word = '';
    let quoted = false;
    while (i < n) {
      const ch = text[i]!;
      if (isSpace(ch) || ch === '{' || ch === '}') break;
      if (ch === '"' || ch === "'") {
        quoted = true;
        i++;
        let closed = false;
        while (i < n) {
          const q = text[i]!;
          if (q === ch) {
            closed = true;
            i++;
            break;
          }
          if (q === '\\' && i + 1 < n) {
            const [decoded, used] = decodeEscape(text, i + 1);
            word += decoded;
            i += 1 + used;
            continue;
          }
          word += q;
          i++;
        }
        if (!closed) throw new ConfigError(`unterminated quoted string`, { file, line });
        continue;
      }
      word += ch;
      i++;
    }
    tokens.push({ kind: 'word', text: word, quoted, file, line });
  }
  return tokens;
}

/** Decode the escape whose letter is at `at`; returns [text, characters consumed after `\`]. */
function decodeEscape(s: string, at: number): [string, number] {
  const c = s[at]!;
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [simple, 1];
  if (c >= '0' && c <= '7') {
    const m = /^[0-7]{1,3}/.exec(s.slice(at))![0];
    return [String.fromCharCode(parseInt(m, 8) & 0xff), m.length];
  }
  if (c === 'x') {
    const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(at + 1));
    if (!m) return ['x', 1];
    return [String.fromCharCode(parseInt(m[0], 16)), 1 + m[0].length];
  }
  if (c === 'c' && at + 1 < s.length) {
    return [String.fromCharCode(s[at + 1]!.toUpperCase().charCodeAt(0) ^ 0x40), 2];
  }
  return [c, 1];
}

/** Tokens of a whole text: each logical line ends with an `eol` token. */
export function tokenizeText(text: string, file: string, firstLine = 1): Token[] {
  const out: Token[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, idx) => {
    const line = firstLine + idx;
    const toks = tokenizeLine(raw, file, line);
    const last = toks[toks.length - 1];
    if (last && last.kind === 'word' && last.text === '\\' && !last.quoted) {
      toks.pop();
      out.push(...toks);
      return;
    }
    out.push(...toks, { kind: 'eol', text: '', quoted: false, file, line });
  });
  return out;
}
