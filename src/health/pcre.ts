// keepalived's url `regex` is a PCRE2 pattern with PCRE2 options (regex_options); vipd matches
// with a JS RegExp, so this translates the pattern, pure: every construct is rewritten to what
// means the same in JS over a byte string (the subject is decoded as latin1, one char per byte,
// so offsets are byte offsets as in keepalived), and a construct JS cannot express is an error
// naming it. PCRE's own meanings are spelled out rather than left to JS flags: `.` excludes only
// \n, `$` also matches before a final \n, \s is ASCII whitespace, `^`/`$` follow multiline.

export class RegexTranslationError extends Error {
  /** PCRE2 itself rejects the pattern (not merely a construct JS lacks). */
  constructor(message: string, readonly invalid = false) {
    super(message);
  }
}

// Markers in the translated source while it is built, resolved at the end: JS numbers capture
// groups left to right, and the groups an atomic group or possessive quantifier adds shift them.
const USER_GROUP = '\ue000';
const ATOMIC_GROUP = '\ue001';
const REF_OPEN = '\ue002';
const REF_CLOSE = '\ue003';
const ATOMIC_REF = '\ue004';
const MARKERS = /[\ue000-\ue004]/;

/** regex_options keepalived accepts (keepalived.conf(5)). */
export const PCRE_OPTIONS = [
  'allow_empty_class', 'alt_bsux', 'auto_callout', 'caseless', 'dollar_endonly', 'dotall', 'dupnames', 'extended',
  'firstline', 'match_unset_backref', 'multiline', 'never_ucp', 'never_utf', 'no_auto_capture', 'no_auto_possess',
  'no_dotstar_anchor', 'no_start_optimize', 'ucp', 'ungreedy', 'utf', 'never_backslash_c', 'alt_circumflex',
  'alt_verbnames', 'use_offset_limit',
] as const;
export type PcreOption = (typeof PCRE_OPTIONS)[number];

export interface TranslatedRegex {
  /** JS source (always used with the `g` flag, plus `i` / `u`). */
  source: string;
  flags: string;
  /** PCRE2_FIRSTLINE: the match must start at or before the first newline. */
  firstline: boolean;
  /** utf: the subject is UTF-8 text (offsets count characters then). */
  utf: boolean;
  /** What vipd matches differently from PCRE2 for this pattern (for a config warning). */
  notes: string[];
}

interface Scope { dotall: boolean; multiline: boolean; extended: boolean; ungreedy: boolean }

const ASCII_SPACE = '\\t\\n\\x0b\\f\\r ';
const HSPACE = '\\t \\xa0';
const VSPACE = '\\n\\x0b\\f\\r\\x85';
const POSIX: Record<string, string> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: 'a-zA-Z0-9', upper: 'A-Z', lower: 'a-z', space: ASCII_SPACE, blank: '\\t ',
  punct: '!-\\/:-@\\[-`{-~', print: ' -~', graph: '!-~', cntrl: '\\x00-\\x1f\\x7f', xdigit: '0-9A-Fa-f', word: '\\w', ascii: '\\x00-\\x7f',
};

export function translatePcre(pattern: string, options: readonly PcreOption[] = []): TranslatedRegex {
  const opt = new Set(options);
  const notes: string[] = [];
  const fail = (what: string, at: number): never => {
    throw new RegexTranslationError(`${what} (at offset ${at}) has no JavaScript equivalent`);
  };
  const invalid = (what: string, at: number): never => {
    throw new RegexTranslationError(`${what} (at offset ${at})`, true);
  };
  let caseless = opt.has('caseless');
  const utf = opt.has('utf');
  let i = 0;
  // A leading (?i) (or other flags) applies to the whole pattern: read it before anything else.
  const lead = /^\(\?([a-zA-Z]*)\)/.exec(pattern);
  let scope: Scope = {
    dotall: opt.has('dotall'), multiline: opt.has('multiline'), extended: opt.has('extended'), ungreedy: opt.has('ungreedy'),
  };
  if (lead && /^[imsxU]*$/.test(lead[1]!)) {
    for (const f of lead[1]!) {
      if (f === 'i') caseless = true;
      else applyFlag(scope, f, true);
    }
    i = lead[0].length;
  }
  const stack: Scope[] = [];
  const names = new Set<string>();
  let groups = 0;
  let backrefs = false;
  let out = '';
  const hex = (n: number, at: number): string => {
    if (n <= 0xff) return `\\x${n.toString(16).padStart(2, '0')}`;
    if (n <= 0xffff && utf) return `\\u${n.toString(16).padStart(4, '0')}`;
    if (utf && n <= 0x10ffff) return `\\u{${n.toString(16)}}`;
    return fail(`character \\x{${n.toString(16)}} beyond one byte without utf`, at);
  };
  const literal = (c: string): string => (MARKERS.test(c) ? `\\u${c.charCodeAt(0).toString(16)}` : /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c);
  /** PCRE2 \p / \P (at pattern[i], past the letter): a Unicode property; JS has them with the u flag only. */
  let properties = false;
  const property = (negate: boolean, at: number): string => {
    let name: string;
    if (pattern[i] === '{') {
      const end = pattern.indexOf('}', i);
      if (end < 0) return invalid(`\\${negate ? 'P' : 'p'}{ without its closing }`, at);
      name = pattern.slice(i + 1, end);
      i = end + 1;
    } else {
      name = pattern[i] ?? '';
      i++;
    }
    if (name.startsWith('^')) {
      negate = !negate;
      name = name.slice(1);
    }
    properties = true;
    const p = negate ? 'P' : 'p';
    if (name === 'L&' || name === 'LC') return `${negate ? '[^' : '['}\\p{Lu}\\p{Ll}\\p{Lt}]`;
    for (const js of [name, `Script=${name}`]) {
      if (!/^(?:[A-Z][a-z]?|Script=[A-Z][a-z]+(?:_[A-Z][a-z]+)*)$/.test(js)) continue;
      try {
        new RegExp(`\\p{${js}}`, 'u');
        return `\\${p}{${js}}`;
      } catch {
        // not a JS name of this kind
      }
    }
    return fail(`the property \\${p}{${name}}`, at);
  };

  /** One escape at pattern[i] === '\\' (outside a class); returns JS and advances i. */
  const escape = (inClass: boolean): string => {
    const at = i;
    const c = pattern[i + 1];
    if (c === undefined) return invalid('a trailing backslash', at);
    i += 2;
    const braced = (): string | undefined => {
      if (pattern[i] !== '{') return undefined;
      const end = pattern.indexOf('}', i);
      if (end < 0) return undefined;
      const body = pattern.slice(i + 1, end);
      i = end + 1;
      return body;
    };
    switch (c) {
      case 'd': case 'D': case 'w': case 'W': case 't': case 'n': case 'r': case 'f': return `\\${c}`;
      case 'b': return inClass ? '\\x08' : '\\b';
      case 'B': return inClass ? fail('\\B in a class', at) : '\\B';
      case 's': return inClass ? ASCII_SPACE : `[${ASCII_SPACE}]`;
      case 'S': return inClass ? '\\x00-\\x08\\x0e-\\x1f!-\\uffff' : `[^${ASCII_SPACE}]`;
      case 'h': return inClass ? HSPACE : `[${HSPACE}]`;
      case 'H': return inClass ? fail('\\H in a class', at) : `[^${HSPACE}]`;
      case 'v': return inClass ? VSPACE : `[${VSPACE}]`;
      case 'V': return inClass ? fail('\\V in a class', at) : `[^${VSPACE}]`;
      case 'N': return inClass ? fail('\\N in a class', at) : '[^\\n]';
      case 'R': return inClass ? fail('\\R in a class', at) : `(?:\\r\\n|[${VSPACE}])`;
      case 'a': return '\\x07';
      case 'e': return '\\x1b';
      case 'A': return inClass ? fail('\\A in a class', at) : '(?<![\\s\\S])';
      case 'z': return inClass ? fail('\\z in a class', at) : '(?![\\s\\S])';
      case 'Z': return inClass ? fail('\\Z in a class', at) : '(?=\\n?(?![\\s\\S]))';
      case 'c': {
        const x = pattern[i];
        if (x === undefined) return fail('\\c at the end', at);
        i++;
        return hex(x.toUpperCase().charCodeAt(0) ^ 0x40, at);
      }
      case 'x': {
        if (opt.has('alt_bsux')) {
          const m = /^[0-9a-fA-F]{2}/.exec(pattern.slice(i));
          if (!m) return 'x';
          i += 2;
          return hex(parseInt(m[0], 16), at);
        }
        const b = braced();
        if (b !== undefined) {
          if (!/^[0-9a-fA-F]+$/.test(b)) return fail(`\\x{${b}}`, at);
          return hex(parseInt(b, 16), at);
        }
        const m = /^[0-9a-fA-F]{0,2}/.exec(pattern.slice(i))![0];
        i += m.length;
        return hex(m ? parseInt(m, 16) : 0, at);
      }
      case 'o': {
        const b = braced();
        if (b === undefined || !/^[0-7]+$/.test(b)) return fail('\\o without {octal}', at);
        return hex(parseInt(b, 8), at);
      }
      case 'u': case 'U': {
        if (!opt.has('alt_bsux')) return fail(`\\${c}`, at);
        if (c === 'U') return 'U';
        const m = /^[0-9a-fA-F]{4}/.exec(pattern.slice(i));
        if (!m) return 'u';
        i += 4;
        return hex(parseInt(m[0], 16), at);
      }
      case 'Q': {
        const end = pattern.indexOf('\\E', i);
        const text = pattern.slice(i, end < 0 ? undefined : end);
        i = end < 0 ? pattern.length : end + 2;
        return [...text].map((ch) => (inClass ? classLiteral(ch) : literal(ch))).join('');
      }
      case 'E': return '';
      case 'g': case 'k': {
        if (inClass) return fail(`\\${c} in a class`, at);
        let ref: string | undefined;
        if (c === 'g') ref = braced() ?? (/^-?\d+/.exec(pattern.slice(i))?.[0]);
        else if (pattern[i] === '<' || pattern[i] === "'" || pattern[i] === '{') {
          const close = pattern[i] === '<' ? '>' : pattern[i] === "'" ? "'" : '}';
          const end = pattern.indexOf(close, i + 1);
          if (end < 0) return fail(`\\k without a closing ${close}`, at);
          ref = pattern.slice(i + 1, end);
          i = end + 1;
        }
        if (ref === undefined) return fail(`\\${c} without a group`, at);
        if (c === 'g' && !pattern.slice(at + 2).startsWith('{')) i += ref.length;
        backrefs = true;
        if (/^-\d+$/.test(ref)) {
          const n = groups + 1 + Number(ref);
          if (n < 1) return invalid(`\\g{${ref}} before any group`, at);
          return `${REF_OPEN}${n}${REF_CLOSE}`;
        }
        if (/^\d+$/.test(ref)) return `${REF_OPEN}${Number(ref)}${REF_CLOSE}`;
        if (!/^[A-Za-z_]\w*$/.test(ref)) return fail(`the group reference ${ref}`, at);
        return `\\k<${ref}>`;
      }
      case 'p': case 'P': {
        const prop = property(c === 'P', at);
        if (inClass && prop.startsWith('[')) return fail(`\\${c}{L&} in a class`, at);
        return prop;
      }
      case 'X': case 'C': case 'K': case 'G': case 'l': case 'L': case 'F':
        return fail(`\\${c}`, at);
      default:
        // \10 and up: a backreference only with that many groups before it (else octal), as PCRE2.
        const digits = c + (/^\d*/.exec(pattern.slice(i))![0]);
        if (c >= '1' && c <= '9' && !inClass && (digits.length === 1 || c >= '8' || Number(digits) <= groups)) {
          const m = digits.slice(1);
          i += m.length;
          backrefs = true;
          return `${REF_OPEN}${c}${m}${REF_CLOSE}`;
        }
        if (c >= '0' && c <= '7') {
          const m = /^[0-7]{0,2}/.exec(pattern.slice(i))![0];
          i += m.length;
          return hex(parseInt(c + m, 8), at);
        }
        if (/[A-Za-z0-9]/.test(c)) return fail(`\\${c}`, at);
        return inClass ? classLiteral(c) : `\\${c}`;
    }
  };

  const classLiteral = (c: string): string => (/[\\\]^[-]/.test(c) ? `\\${c}` : c);

  const charClass = (): string => {
    const at = i;
    i++;
    let body = '';
    let negate = false;
    if (pattern[i] === '^') {
      negate = true;
      i++;
    }
    if (pattern[i] === ']') {
      if (opt.has('allow_empty_class')) {
        i++;
        return negate ? '[\\s\\S]' : '[]';
      }
      body += '\\]';
      i++;
    }
    for (;;) {
      const c = pattern[i];
      if (c === undefined) return invalid('a class without its closing ]', at);
      if (c === ']') {
        i++;
        break;
      }
      if (c === '\\') {
        body += escape(true);
        continue;
      }
      if (c === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        if (end > 0) {
          const name = pattern.slice(i + 2, end);
          if (name.startsWith('^')) return fail(`[:${name}:]`, i);
          const set = POSIX[name];
          if (set === undefined) return fail(`[:${name}:]`, i);
          body += set;
          i = end + 2;
          continue;
        }
      }
      body += c === '[' ? '\\[' : MARKERS.test(c) ? literal(c) : c;
      i++;
    }
    return `[${negate ? '^' : ''}${body}]`;
  };

  /** Where in `out` the last item a quantifier may repeat starts (-1: none). */
  let atom = -1;
  /** Open groups: where each starts in `out`, and whether it is atomic or a lookbehind. */
  const frames: Array<{ at: number; atomic: boolean; behind: boolean }> = [];
  let atomics = 0;
  // (?>X) is (?=(X))\N in JS: a lookahead does not backtrack into itself once it matched, and the
  // backreference then takes what it matched. Read right to left, a lookbehind would see \N first.
  const atomicOpen = (at: number): string => {
    if (frames.some((f) => f.behind)) fail('an atomic group or possessive quantifier inside a lookbehind', at);
    return `(?=${ATOMIC_GROUP}(`;
  };
  const atomicClose = (): string => `))${ATOMIC_REF}${atomics++}${REF_CLOSE}`;
  /** After a quantifier (already in `out`): ? = lazy, + = possessive (atomic); ungreedy swaps greedy and lazy. */
  const quantifierSuffix = (): void => {
    if (pattern[i] === '+') {
      const at = i;
      i++;
      if (atom < 0) return;
      out = `${out.slice(0, atom)}${atomicOpen(at)}${out.slice(atom)}${atomicClose()}`;
      return;
    }
    const lazy = pattern[i] === '?';
    if (lazy) i++;
    if (lazy !== scope.ungreedy) out += '?';
  };

  while (i < pattern.length) {
    const c = pattern[i]!;
    if (scope.extended) {
      if (/[ \t\n\r\f\x0b]/.test(c)) {
        i++;
        continue;
      }
      if (c === '#') {
        const nl = pattern.indexOf('\n', i);
        i = nl < 0 ? pattern.length : nl + 1;
        continue;
      }
    }
    const before = out.length;
    switch (c) {
      case '\\': {
        const q = pattern[i + 1] === 'Q';
        out += escape(false);
        // \Q...\E: a quantifier after it repeats its last character only.
        atom = q ? (out.length > before ? out.length - (/\\.$/.test(out) ? 2 : 1) : -1) : before;
        break;
      }
      case '[':
        out += charClass();
        atom = before;
        break;
      case '.':
        out += scope.dotall ? '[\\s\\S]' : '[^\\n]';
        atom = before;
        i++;
        break;
      case '^':
        out += !scope.multiline ? '(?<![\\s\\S])' : opt.has('alt_circumflex') ? '(?:(?<![\\s\\S])|(?<=\\n))' : '(?:(?<![\\s\\S])|(?<=\\n)(?=[\\s\\S]))';
        i++;
        break;
      case '$':
        out += scope.multiline ? '(?=\\n|(?![\\s\\S]))' : opt.has('dollar_endonly') ? '(?![\\s\\S])' : '(?=\\n?(?![\\s\\S]))';
        i++;
        break;
      case '*': case '+': case '?':
        i++;
        out += c;
        quantifierSuffix();
        atom = -1;
        break;
      case '{': {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
        if (!m) {
          out += '\\{';
          atom = before;
          i++;
          break;
        }
        i += m[0].length;
        out += m[0];
        quantifierSuffix();
        atom = -1;
        break;
      }
      case '}': case ']':
        out += `\\${c}`;
        atom = before;
        i++;
        break;
      case '|':
        out += '|';
        atom = -1;
        i++;
        break;
      case '(': {
        const at = i;
        stack.push({ ...scope });
        frames.push({ at: before, atomic: false, behind: false });
        if (pattern[i + 1] !== '?') {
          if (pattern[i + 1] === '*') fail('a (*VERB)', at);
          i++;
          if (opt.has('no_auto_capture')) out += '(?:';
          else {
            groups++;
            out += `${USER_GROUP}(`;
          }
          break;
        }
        const rest = pattern.slice(i + 2);
        const named = /^(?:P?<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(rest);
        if (named) {
          const name = named[1] ?? named[2]!;
          if (names.has(name)) invalid(`a second group named ${name}`, at);
          names.add(name);
          groups++;
          i += 2 + named[0].length;
          out += `${USER_GROUP}(?<${name}>`;
          break;
        }
        if (rest.startsWith('>')) {
          i += 3;
          out += atomicOpen(at);
          frames[frames.length - 1]!.atomic = true;
          break;
        }
        const look = /^(?::|=|!|<=|<!)/.exec(rest);
        if (look) {
          i += 2 + look[0].length;
          out += `(?${look[0]}`;
          frames[frames.length - 1]!.behind = look[0].startsWith('<');
          break;
        }
        if (rest.startsWith('#')) {
          stack.pop();
          frames.pop();
          const end = pattern.indexOf(')', i);
          if (end < 0) fail('a comment without its closing )', at);
          i = end + 1;
          break;
        }
        const flags = /^([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/.exec(rest);
        if (flags && /^[msxU]*$/.test(flags[1]!) && /^[msxU]*$/.test(flags[2] ?? '')) {
          i += 2 + flags[0].length;
          if (flags[3] === ')') {
            // (?s) mid-pattern: to the end of the enclosing group.
            stack.pop();
            frames.pop();
            for (const f of flags[1]!) applyFlag(scope, f, true);
            for (const f of flags[2] ?? '') applyFlag(scope, f, false);
          } else {
            scope = { ...scope };
            for (const f of flags[1]!) applyFlag(scope, f, true);
            for (const f of flags[2] ?? '') applyFlag(scope, f, false);
            out += '(?:';
          }
          break;
        }
        if (flags) fail(`the option setting (?${flags[0].slice(0, -1)}) after the start of the pattern`, at);
        fail(`the group (?${rest.slice(0, 2)}`, at);
        break;
      }
      case ')': {
        if (!stack.length) invalid('an unmatched )', i);
        scope = stack.pop()!;
        const f = frames.pop()!;
        out += f.atomic ? atomicClose() : ')';
        atom = f.at;
        i++;
        break;
      }
      default:
        out += literal(c);
        atom = before;
        i++;
    }
  }
  if (stack.length) invalid('a group without its closing )', pattern.length);
  if (backrefs && !opt.has('match_unset_backref')) {
    notes.push('a backreference to a group that did not take part in the match matches the empty string (PCRE2: the match fails there)');
  }
  if (opt.has('ucp')) notes.push('ucp: \\d, \\s, \\w and POSIX classes match ASCII characters only');
  const source = resolveGroups(out);
  const flags = `g${caseless ? 'i' : ''}${utf || properties ? 'u' : ''}`;
  try {
    new RegExp(source, flags);
  } catch (e) {
    throw new RegexTranslationError(`not a valid pattern: ${(e as Error).message}`);
  }
  return { source, flags, firstline: opt.has('firstline'), utf, notes };
}

/** Numbers the capture groups as JS does (left to right, the added atomic ones too) and writes the backreferences. */
function resolveGroups(marked: string): string {
  const user: number[] = [0];
  const atomic: number[] = [];
  let n = 0;
  for (const ch of marked) {
    if (ch === USER_GROUP) user.push(++n);
    else if (ch === ATOMIC_GROUP) atomic.push(++n);
  }
  return marked
    .replace(/[\ue000\ue001]/g, '')
    .replace(/([\ue002\ue004])(\d+)\ue003/g, (_m, kind: string, k: string) => {
      const js = kind === REF_OPEN ? user[Number(k)] : atomic[Number(k)];
      // A reference to a group that does not exist: PCRE2 refuses the pattern.
      if (js === undefined) throw new RegexTranslationError(`a reference to group ${k}, which does not exist`, true);
      return `(?:\\${js})`;
    });
}

function applyFlag(s: Scope, f: string, on: boolean): void {
  if (f === 's') s.dotall = on;
  else if (f === 'm') s.multiline = on;
  else if (f === 'x') s.extended = on;
  else if (f === 'U') s.ungreedy = on;
}

/**
 * Whether the pattern matches `subject` with the match starting in [minOffset, maxOffset]
 * (keepalived regex_min_offset: where matching starts, lookbehind still sees before it;
 * regex_max_offset: the last offset a match may start at, PCRE2's offset limit).
 */
export function searchWindow(re: TranslatedRegex, subject: string, minOffset = 0, maxOffset = Infinity): boolean {
  if (minOffset > subject.length) return false;
  let limit = maxOffset;
  if (re.firstline) {
    const nl = subject.indexOf('\n', minOffset);
    if (nl >= 0) limit = Math.min(limit, nl);
  }
  const rx = new RegExp(re.source, re.flags);
  rx.lastIndex = minOffset;
  const m = rx.exec(subject);
  return m !== null && m.index <= limit;
}
