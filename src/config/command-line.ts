// Commands (notify_*, script, misc_path, quorum_up/down) become argv so they run without a
// shell. keepalived reads them in two steps (checked against `keepalived --dump-conf`):
//
// 1. splitScriptWords: the rest of the statement is split into words, shell-like: '...' is
//    literal, "..." keeps whitespace and decodes keepalived.conf(5)'s escapes (\n \t \" \\,
//    \nnn, \xXX, \cC, and \C = C for any other C), and adjacent parts join. The first word is
//    the command, the optional next two are [username [groupname]].
//    `notify_master "'/bin/k0s' setstate -s \"MASTER x\""` -> `'/bin/k0s' setstate -s "MASTER x"`.
// 2. parseCommandLine: that command string is split again into argv, like a POSIX shell word
//    list without expansions: unquoted whitespace separates; '...' literal; "..." honours
//    backslash before " \ $ `; outside quotes a backslash escapes any character.
//    -> ['/bin/k0s', 'setstate', '-s', 'MASTER x'].
import { ConfigError } from '../errors.js';

/** keepalived.conf(5)'s one-letter escapes. */
export const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function isBlank(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/**
 * Decode the escape whose letter is at `at`; returns [text, characters consumed after `\`].
 * `hex`: how many digits \x takes, two (commands) or all of them, keeping the low byte (a url
 * regex, as keepalived 2.2.7's state dump shows).
 */
export function decodeEscape(s: string, at: number, hex: 'two' | 'all' = 'two'): [string, number] {
  const c = s[at]!;
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [simple, 1];
  if (c >= '0' && c <= '7') {
    const m = /^[0-7]{1,3}/.exec(s.slice(at))![0];
    return [String.fromCharCode(parseInt(m, 8) & 0xff), m.length];
  }
  if (c === 'x') {
    const m = (hex === 'two' ? /^[0-9a-fA-F]{1,2}/ : /^[0-9a-fA-F]+/).exec(s.slice(at + 1));
    if (!m) return ['x', 1];
    return [String.fromCharCode(parseInt(m[0].slice(-2), 16)), 1 + m[0].length];
  }
  if (c === 'c' && at + 1 < s.length) {
    return [String.fromCharCode(s[at + 1]!.toUpperCase().charCodeAt(0) ^ 0x40), 2];
  }
  return [c, 1];
}

type Mode = 'config' | 'shell';

function splitWords(s: string, mode: Mode): string[] {
  const argv: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (isBlank(c)) {
      if (inWord) argv.push(cur);
      cur = '';
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new ConfigError(`unterminated ' in command: ${s}`);
      cur += s.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < s.length) {
        const q = s[i]!;
        if (q === '"') {
          closed = true;
          i++;
          break;
        }
        if (q === '\\' && i + 1 < s.length) {
          if (mode === 'config') {
            const [text, used] = decodeEscape(s, i + 1);
            cur += text;
            i += 1 + used;
            continue;
          }
          if ('"\\$`'.includes(s[i + 1]!)) {
            cur += s[i + 1];
            i += 2;
            continue;
          }
        }
        cur += q;
        i++;
      }
      if (!closed) throw new ConfigError(`unterminated " in command: ${s}`);
    } else if (c === '\\') {
      if (i + 1 < s.length) cur += s[i + 1];
      i += 2;
    } else {
      cur += c;
      i++;
    }
  }
  if (inWord) argv.push(cur);
  return argv;
}

/** Step 1: a command statement's arguments -> [command, username?, groupname?, ...]. */
export function splitScriptWords(raw: string): string[] {
  return splitWords(raw, 'config');
}

/** Step 2: a command string -> argv, to run without a shell. */
export function parseCommandLine(s: string): string[] {
  return splitWords(s, 'shell');
}
