// keepalived's url regex is PCRE2; vipd translates it to a JS RegExp with PCRE2's meanings
// (src/health/pcre.ts). Each row: pattern, options, subject, does PCRE2 match (pcre2test's
// answer for these; the first rows are keepalived 2.2.7's own answers through its checker).
import t from 'tap';
import { RegexTranslationError, searchWindow, translatePcre, type PcreOption } from '../../src/health/index.js';

type Row = [pattern: string, options: PcreOption[], subject: string, match: boolean, window?: [number, number]];

const RESPONSE = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nhello vipd checker';

const ROWS: Row[] = [
  // keepalived 2.2.7 observed (the subject is the whole response)
  ['^HTTP/1', [], RESPONSE, true],
  ['^hello', [], RESPONSE, false],
  ['text/plain', [], RESPONSE, true],
  ['(?i)HELLO', [], RESPONSE, true],
  ['HELLO', ['caseless'], RESPONSE, true],
  ['hello v ipd', ['extended'], RESPONSE, false],
  ['\\r\\n\\r\\nhello', [], RESPONSE, true],
  ['HTTP', [], RESPONSE, true, [0, 0]],
  ['TTP/', [], RESPONSE, false, [0, 0]],
  ['TTP/', [], RESPONSE, true, [0, 1]],
  ['HTTP', [], RESPONSE, false, [1, Infinity]],
  ['TTP/', [], RESPONSE, true, [1, Infinity]],
  // PCRE2 semantics JS spells differently
  ['a.b', [], 'a\rb', true], // . excludes only \n
  ['a.b', [], 'a\nb', false],
  ['a.b', ['dotall'], 'a\nb', true],
  ['(?s)a.b', [], 'a\nb', true],
  ['abc$', [], 'abc\n', true], // $ before a final newline
  ['abc$', ['dollar_endonly'], 'abc\n', false],
  ['abc$', [], 'abc\nx', false],
  ['^b', [], 'a\nb', false],
  ['^b', ['multiline'], 'a\nb', true],
  ['b$', ['multiline'], 'b\na', true],
  ['^', ['multiline'], 'a\n', true],
  ['\\na^x', ['multiline'], 'z\nax', false],
  ['a\\sb', [], 'a\xa0b', false], // \s is ASCII whitespace
  ['a\\sb', [], 'a\x0bb', true],
  ['a[\\S]b', [], 'a\xa0b', true],
  ['a\\hb', [], 'a\tb', true],
  ['a\\vb', [], 'a\x0cb', true],
  ['a\\Rb', [], 'a\r\nb', true],
  ['\\Aab', [], 'xab', false],
  ['ab\\z', [], 'ab\n', false],
  ['ab\\Z', [], 'ab\n', true],
  ['\\x{41}\\x42\\101\\o{103}', [], 'ABAC', true],
  ['\\Qa.b*\\E', [], 'a.b*', true],
  ['\\Qa.b*\\E', [], 'aXbb', false],
  ['[[:digit:]]+x', [], 'a12x', true],
  ['[[:alpha:][:space:]]+$', [], 'ab c', true],
  ['[]a]', [], ']', true], // ] first is a literal
  ['[^]a]', [], 'b', true],
  ['a[]b', ['allow_empty_class'], 'ab', false],
  ['(?<word>ab)\\k<word>', [], 'abab', true],
  ['(?P<w>ab)\\g{w}', [], 'abab', true],
  ["(?'w'ab)\\k{w}", [], 'abab', true],
  ['(a)(b)\\g{-1}', [], 'abb', true],
  ['(a)\\g1', [], 'aa', true],
  ['a.*c', ['ungreedy'], 'abcbc', true],
  // Atomic groups and possessive quantifiers: (?=(X))\N, which does not backtrack into X.
  ['(?>atomic)', [], 'say atomic here', true],
  ['(?>a|ab)c', [], 'abc', false],
  ['(?>a+)b', [], 'aaab', true],
  ['a*+a', [], 'aaa', false],
  ['x*+', [], 'abc', true],
  ['a++b', [], 'aab', true],
  ['(?:ab)?+b', [], 'ab', true],
  ['[a-c]{2,}+c', [], 'abc', false],
  ['(a)(?>b)\\1', [], 'aba', true],
  ['(a)(?>b)\\1', [], 'abb', false],
  ['(?>(a))\\1(b)\\2', [], 'aabb', true],
  ['(\\w)++\\1', [], 'aab', false],
  ['(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10', [], 'abcdefghijj', true],
  ['(a)\\10', [], 'a\x08', true],
  // Unicode properties of each byte's code point, as PCRE2 without utf (JS: the u flag).
  ['^\\p{L}$', [], '\xe9', true],
  ['\\p{L}', [], '1', false],
  ['\\P{L}', [], 'a1', true],
  ['\\p{^L}', [], '1', true],
  ['[\\p{Lu}]x', [], 'Ax', true],
  ['\\pN', [], 'a5', true],
  ['\\p{L&}', [], '5', false],
  ['\\p{Greek}', [], 'abc', false],
  ['a # comment\n b', ['extended'], 'ab', true],
  ['a[ ]b', ['extended'], 'a b', true],
  ['(?x) a b (?-x) c', [], 'ab c', true],
  ['(?i)x', [], 'X', true],
  ['(?#note)ab', [], 'ab', true],
  ['(?s:a.b)', [], 'a\nb', true],
  ['a{2}b{1,}c{,2}', [], 'aabbc{,2}', true], // {,2} is literal in PCRE2 10.42
  ['a{', [], 'a{', true],
  ['b', ['firstline'], 'a\nb', false],
  ['a', ['firstline'], 'xa\nb', true],
  ['caf.', ['utf'], 'café', true],
  ['\\u0041', ['alt_bsux'], 'A', true],
  ['\\x4', ['alt_bsux'], 'x4', true],
  ['(?<=a)b', [], 'ab', true],
  ['a|b', [], 'b', true],
  ['a\\/b', [], 'a/b', true],
];

t.test('PCRE2 patterns match as PCRE2 matches them', async (t) => {
  for (const [pattern, options, subject, want, window] of ROWS) {
    const re = translatePcre(pattern, options);
    const got = searchWindow(re, subject, window?.[0], window?.[1]);
    t.equal(got, want, `/${pattern}/ ${options.join(',')} ${window ? `[${window.join('..')}] ` : ''}on ${JSON.stringify(subject)}`);
  }
});

t.test('what JS cannot say is an error at load, naming the construct', async (t) => {
  const bad: Array<[string, PcreOption[], RegExp]> = [
    ['(?<=(?>a))b', [], /atomic group or possessive quantifier inside a lookbehind/],
    ['(?<=a++)b', [], /atomic group or possessive quantifier inside a lookbehind/],
    ['\\p{Xan}', [], /the property/],
    ['x(a+)\\1y', ['no_auto_capture'], /reference to group 1, which does not exist/],
    ['a(?i)b', [], /option setting/],
    ['(?i:a)', [], /option setting|the group/],
    ['(*UTF)a', [], /\(\*VERB\)/],
    ['\\y', [], /\\y/],
    ['\\K', [], /\\K/],
    ['\\u0041', [], /\\u/],
    ['(?1)', [], /the group/],
    ['(?|a)', [], /the group/],
    ['(?<n>a)(?<n>b)', ['dupnames'], /a second group named n/],
    ['[[:^alpha:]]', [], /\[:\^alpha:\]/],
    ['[[:nope:]]', [], /\[:nope:\]/],
    ['(a', [], /without its closing \)/],
    ['a)', [], /unmatched \)/],
    ['[a', [], /closing \]/],
    ['a\\', [], /trailing backslash/],
    ['\\x{100}', [], /beyond one byte without utf/],
    ['\\G', [], /\\G/],
  ];
  for (const [pattern, options, why] of bad) {
    let err: unknown;
    try {
      translatePcre(pattern, options);
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof RegexTranslationError, `/${pattern}/ is refused`);
    t.match((err as Error | undefined)?.message, why, `/${pattern}/: ${(err as Error | undefined)?.message}`);
  }
});

t.test('options that change nothing JS does, and the notes for what differs', async (t) => {
  for (const o of ['auto_callout', 'no_auto_possess', 'no_dotstar_anchor', 'no_start_optimize', 'never_ucp', 'never_utf', 'never_backslash_c', 'use_offset_limit', 'alt_verbnames'] as PcreOption[]) {
    const r = translatePcre('a+b', [o]);
    t.same([searchWindow(r, 'xaab'), r.notes], [true, []], o);
  }
  t.match(translatePcre('(a)\\1').notes, [/backreference to a group that did not take part/]);
  t.same(translatePcre('(a)\\1', ['match_unset_backref']).notes, []);
  t.match(translatePcre('\\w', ['ucp']).notes, [/ASCII/]);
});
