// parseCommandLine: notify/check commands split into argv with keepalived's quoting rules, so
// they run without a shell. Also the config-level step before it: the tokenizer's quotes.
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { parseCommandLine } from '../../src/config/index.js';
import { tokenizeLine } from '../../src/config/tokenizer.js';

const CASES: Array<[string, string[]]> = [
  // The command k0s renders inside double quotes (the tokenizer removed those).
  ["'/usr/local/bin/k0s' keepalived-setstate -r '/run/k0s' -s MASTER", ['/usr/local/bin/k0s', 'keepalived-setstate', '-r', '/run/k0s', '-s', 'MASTER']],
  ['/bin/true', ['/bin/true']],
  ['  /bin/echo   a\tb  ', ['/bin/echo', 'a', 'b']],
  ["/bin/echo 'a b' c", ['/bin/echo', 'a b', 'c']],
  ['/bin/echo "a b" c', ['/bin/echo', 'a b', 'c']],
  ["/bin/echo 'it''s'", ['/bin/echo', 'its']],
  ['/bin/echo "say \\"hi\\""', ['/bin/echo', 'say "hi"']],
  ['/bin/echo "a\\\\b"', ['/bin/echo', 'a\\b']],
  ['/bin/echo "keep \\n literal"', ['/bin/echo', 'keep \\n literal']],
  ["/bin/echo 'no \\escape'", ['/bin/echo', 'no \\escape']],
  ['/bin/echo a\\ b', ['/bin/echo', 'a b']],
  ['/bin/echo pre"mid dle"post', ['/bin/echo', 'premid dlepost']],
  ["/bin/echo ''", ['/bin/echo', '']],
  ['/bin/echo ""', ['/bin/echo', '']],
  ["/opt/my\\ tools/run.sh 'arg with $HOME' \"$HOME\"", ['/opt/my tools/run.sh', 'arg with $HOME', '$HOME']],
  ['', []],
  ['   ', []],
];

for (const [input, argv] of CASES) {
  t.strictSame(parseCommandLine(input), argv, JSON.stringify(input));
}

t.test('unterminated quotes are ConfigErrors', async (t) => {
  t.throws(() => parseCommandLine("/bin/echo 'a"), new ConfigError("unterminated ' in command: /bin/echo 'a"));
  t.throws(() => parseCommandLine('/bin/echo "a'), new ConfigError('unterminated " in command: /bin/echo "a'));
});

t.test('tokenizer: quoting at the config level (keepalived.conf(5) "Quoted strings")', async (t) => {
  const words = (s: string) => tokenizeLine(s, 'f', 1).map((x) => (x.kind === 'word' ? x.text : x.kind));
  t.strictSame(words('notify_master "\'/usr/local/bin/k0s\' keepalived-setstate -r \'/run/k0s\' -s MASTER"'), [
    'notify_master',
    "'/usr/local/bin/k0s' keepalived-setstate -r '/run/k0s' -s MASTER",
  ]);
  // The man page's examples.
  t.strictSame(words('abcd" efg h jkl "mnop'), ['abcd efg h jkl mnop']);
  t.strictSame(words('abcd "efg h jkl" mnop'), ['abcd', 'efg h jkl', 'mnop']);
  t.strictSame(words("x 'a \"b\" c'"), ['x', 'a "b" c']);
  t.strictSame(words('x "\\t\\101\\x41\\cA\\q\\""'), ['x', '\tAA\x01q"']);
  t.strictSame(words('a{b}c # comment {'), ['a', '{', 'b', '}', 'c']);
  t.strictSame(words('a "{ # ! }" ! comment'), ['a', '{ # ! }']);
  t.strictSame(words('pass#word x!y'), ['pass#word', 'x!y']);
  t.throws(() => tokenizeLine('x "abc', 'f.conf', 7), new ConfigError('unterminated quoted string', { file: 'f.conf', line: 7 }));
  const [q] = tokenizeLine('"{"', 'f', 1);
  t.match(q, { kind: 'word', text: '{', quoted: true });
});
