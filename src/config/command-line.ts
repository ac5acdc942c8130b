// Split a notify/check command into argv so it runs without a shell, with keepalived's rules
// for script parameters (keepalived.conf(5) "Quoted strings"/"SCRIPTS"): unquoted whitespace
// separates parameters; '...' keeps everything literally; "..." keeps whitespace and honours
// backslash escapes of " \ $ `; outside quotes a backslash escapes any character. Adjacent
// quoted and unquoted parts join into one parameter, like a shell word.
import { ConfigError } from '../errors.js';

export function parseCommandLine(s: string): string[] {
  const argv: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
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
        if (q === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) {
          cur += s[i + 1];
          i += 2;
          continue;
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
