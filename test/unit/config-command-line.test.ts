// parseCommandLine: notify/check commands split into argv with keepalived's quoting rules, so
// they run without a shell. Also the config-level step before it: the tokenizer's quotes.
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { parseCommandLine, parseKeepalivedConfig } from '../../src/config/index.js';
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

t.test('tokenizer: words and quotes at the config level', async (t) => {
  const words = (s: string) => tokenizeLine(s, 'f', 1).map((x) => (x.kind === 'word' ? x.text : x.kind));
  t.strictSame(words('notify_master "\'/usr/local/bin/k0s\' keepalived-setstate -r \'/run/k0s\' -s MASTER"'), [
    'notify_master',
    "'/usr/local/bin/k0s' keepalived-setstate -r '/run/k0s' -s MASTER",
  ]);
  t.strictSame(words('abcd "efg h jkl" mnop'), ['abcd', 'efg h jkl', 'mnop']);
  // A quote inside a word ends it (keepalived: `auth_pass x"y z"w` is the password `x`).
  t.strictSame(words('x"y z"w'), ['x', 'y z', 'w']);
  // Single quotes are ordinary characters for plain values.
  t.strictSame(words("x 'a \"b\" c'"), ['x', "'a", 'b', "c'"]);
  t.strictSame(words('a{b}c # comment {'), ['a', '{', 'b', '}', 'c']);
  t.strictSame(words('a "{ # ! }" ! comment'), ['a', '{ # ! }']);
  // Comments start anywhere outside double quotes, even inside a word.
  t.strictSame(words('pass#word x!y'), ['pass']);
  t.strictSame(words("'a b#c'"), ["'a", 'b']);
  t.throws(() => tokenizeLine('x "abc', 'f.conf', 7), new ConfigError('unterminated quoted string', { file: 'f.conf', line: 7 }));
  t.throws(() => tokenizeLine('x "a\\"b"', 'f.conf', 8), new ConfigError('unterminated quoted string', { file: 'f.conf', line: 8 }));
  const [q] = tokenizeLine('"{"', 'f', 1);
  t.match(q, { kind: 'word', text: '{', quoted: true });
});

// Observed with keepalived v2.2.7 `--dump-conf` (run in a throwaway network namespace): how
// each line ends up as a script's argv / user / group, or as a password. keepalived prints
// `/usr/bin/echo` because it resolves the path; vipd keeps argv[0] as written.
const OBSERVED: Array<[string, { argv?: string[]; user?: string; group?: string; pass?: string }]> = [
  [`notify_master "'/bin/echo' keepalived-setstate -r '/run/k0s' -s \\"MASTER x\\""`, { argv: ['/bin/echo', 'keepalived-setstate', '-r', '/run/k0s', '-s', 'MASTER x'] }],
  [`notify_master '/bin/echo "a b" c'`, { argv: ['/bin/echo', 'a b', 'c'] }],
  [`notify_master /bin/echo#x`, { argv: ['/bin/echo'] }],
  [`notify_master "/bin/echo a\\ b"`, { argv: ['/bin/echo', 'a', 'b'] }],
  [`notify_master "/bin/echo 'x#y'"`, { argv: ['/bin/echo', 'x#y'] }],
  [`notify_master "/bin/echo \\"p q\\""`, { argv: ['/bin/echo', 'p q'] }],
  [`notify_master '/bin/echo' root`, { argv: ['/bin/echo'], user: 'root' }],
  [`notify_master /bin/echo root`, { argv: ['/bin/echo'], user: 'root' }],
  [`notify_master /bin/echo "a b"`, { argv: ['/bin/echo'], user: 'a b' }],
  [`notify_master "/bin/echo x" root root`, { argv: ['/bin/echo', 'x'], user: 'root', group: 'root' }],
  ['auth_pass "a#b!c"', { pass: 'a#b!c' }],
  ['auth_pass "a b"', { pass: 'a b' }],
  ['auth_pass ab#cd!ef', { pass: 'ab' }],
  ['auth_pass abc!de', { pass: 'abc' }],
  ['auth_pass x"y z"w', { pass: 'x' }],
];

for (const [line, want] of OBSERVED) {
  t.test(`as keepalived reads it: ${line}`, async (t) => {
    const text = `vrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n  ${want.pass !== undefined ? `authentication {\n    ${line}\n  }` : line}\n}\n`;
    const i = parseKeepalivedConfig(text, { file: 'k.conf' }).config.vrrpInstances[0]!;
    if (want.pass !== undefined) t.equal(i.authentication!.pass, want.pass);
    else {
      const n = i.notifyMaster!;
      t.strictSame(n.argv, want.argv);
      t.equal(n.user, want.user);
      t.equal(n.group, want.group);
    }
  });
}

t.test("a single quote cut by a comment drops the script with a warning, as keepalived", async (t) => {
  const { config, warnings } = parseKeepalivedConfig("vrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n  notify_master '/bin/echo a#b'\n}\n", { file: 'k.conf' });
  t.equal(config.vrrpInstances[0]!.notifyMaster, undefined, 'no notify_master');
  t.ok(warnings.some((w) => w.line === 4 && w.message === "notify_master: unterminated ' in command: '/bin/echo a, ignored (the script is not run) as keepalived does"), 'warned at file:line');
});

t.test('vrrp_script: quoted command with arguments', async (t) => {
  const text = `vrrp_script chk {\n  script '/bin/echo "s 1" s2'\n}\n`;
  t.strictSame(parseKeepalivedConfig(text, { file: 'k.conf' }).config.vrrpScripts[0]!.script.argv, ['/bin/echo', 's 1', 's2']);
});
