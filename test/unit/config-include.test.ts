// Include plumbing: glob matching and brace expansion, the in-memory FS (symlinks, /dev/null),
// include loops through symlinks, Go durations used by the k0s loader.
import t from 'tap';
import { MemoryConfigFs, parseGoDuration, loadKeepalivedConfig } from '../../src/config/index.js';
import { expandBraces, globPaths, matchComponent } from '../../src/config/glob.js';

t.test('brace expansion', async (t) => {
  t.strictSame(expandBraces('a{b,c}d'), ['abd', 'acd']);
  t.strictSame(expandBraces('{foo/{,cat,dog},bar}'), ['foo/', 'foo/cat', 'foo/dog', 'bar']);
  t.strictSame(expandBraces('x{a,b}y{1,2}'), ['xay1', 'xay2', 'xby1', 'xby2']);
  t.strictSame(expandBraces('no braces'), ['no braces']);
  t.strictSame(expandBraces('open{only'), ['open{only']);
});

t.test('component matching', async (t) => {
  t.ok(matchComponent('*.conf', 'a.conf'));
  t.notOk(matchComponent('*.conf', '.a.conf'), 'leading dot needs an explicit dot');
  t.ok(matchComponent('.*.conf', '.a.conf'));
  t.ok(matchComponent('vs-?.conf', 'vs-1.conf'));
  t.notOk(matchComponent('vs-?.conf', 'vs-10.conf'));
  t.ok(matchComponent('[0-9][!a]*', '1b'));
  t.notOk(matchComponent('[0-9][!a]*', '1a'));
  t.ok(matchComponent('a\\*b', 'a*b'));
  t.notOk(matchComponent('a\\*b', 'axb'));
});

t.test('globPaths over a memory FS, sorted per pattern', async (t) => {
  const fs = new MemoryConfigFs({ '/e/d/b.conf': '', '/e/d/a.conf': '', '/e/d/c.txt': '', '/e/x/a.conf': '' });
  t.strictSame(globPaths(fs, '/e/d/*.conf'), ['/e/d/a.conf', '/e/d/b.conf']);
  t.strictSame(globPaths(fs, '/e/*/a.conf'), ['/e/d/a.conf', '/e/x/a.conf']);
  t.strictSame(globPaths(fs, '/e/{x,d}/a.conf'), ['/e/x/a.conf', '/e/d/a.conf']);
  t.strictSame(globPaths(fs, '/e/none/*'), []);
});

t.test('memory FS: symlinks, /dev/null, dangling links', async (t) => {
  const fs = new MemoryConfigFs({ '/a/real.conf': 'x' }, { '/a/link.conf': 'real.conf', '/a/null.conf': '/dev/null', '/a/dangling.conf': 'nope.conf', '/b': '/a' });
  t.equal(fs.readFile('/a/link.conf'), 'x');
  t.equal(fs.readFile('/b/link.conf'), 'x');
  t.equal(fs.realpath('/b/link.conf'), '/a/real.conf');
  t.equal(fs.readFile('/a/null.conf'), '');
  t.equal(fs.stat('/a/dangling.conf'), undefined);
  t.equal(fs.stat('/b'), 'directory');
  t.strictSame(fs.readdir('/a').sort(), ['dangling.conf', 'link.conf', 'null.conf', 'real.conf']);
  t.throws(() => fs.readFile('/a/dangling.conf'), { code: 'ENOENT' });
});

t.test('an include loop through a symlink is detected by real path', async (t) => {
  const fs = new MemoryConfigFs({ '/k/main.conf': 'include sub/x.conf\n', '/k/sub/x.conf': 'include ../alias.conf\n' }, { '/k/alias.conf': 'main.conf' });
  const { config, warnings } = loadKeepalivedConfig('/k/main.conf', { fs });
  t.strictSame(warnings.map((w) => `${w.file}:${w.line}: ${w.message}`), [
    '/k/sub/x.conf:1: include loop: /k/main.conf -> /k/sub/x.conf -> /k/alias.conf, not read again as keepalived does (once it runs out of file descriptors)',
  ]);
  t.strictSame(config.files, ['/k/main.conf', '/k/sub/x.conf'], 'the loop is not read again');
});

t.test('the same file included twice (not nested) is fine', async (t) => {
  const fs = new MemoryConfigFs({ '/k/main.conf': 'include a.conf\ninclude a.conf\n', '/k/a.conf': '# nothing\n' });
  t.strictSame(loadKeepalivedConfig('/k/main.conf', { fs }).config.files, ['/k/main.conf', '/k/a.conf', '/k/a.conf']);
});

t.test('a block may span an include, like keepalived pasting files in place', async (t) => {
  const fs = new MemoryConfigFs({
    '/k/main.conf': 'vrrp_instance V {\n  include body.conf\n}\n',
    '/k/body.conf': 'interface eth0\nvirtual_router_id 7\n',
  });
  const { config } = loadKeepalivedConfig('/k/main.conf', { fs });
  t.strictSame(config.vrrpInstances[0]!.where, { file: '/k/main.conf', line: 1 });
  t.equal(config.vrrpInstances[0]!.virtualRouterId, 7);
});

t.test('Go durations (k0s delayLoop)', async (t) => {
  const cases: Array<[string, number | undefined]> = [
    ['1m', 60],
    ['30s', 30],
    ['1m30s', 90],
    ['1.5s', 1.5],
    ['1h2m3.5s', 3723.5],
    ['500ms', 0.5],
    ['250us', 0.00025],
    ['250µs', 0.00025],
    ['10ns', 1e-8],
    ['0', 0],
    ['-5s', -5],
    ['.5m', 30],
    ['', undefined],
    ['5', undefined],
    ['1d', undefined],
    ['s', undefined],
    ['1m 30s', undefined],
  ];
  for (const [text, want] of cases) t.equal(parseGoDuration(text), want, JSON.stringify(text));
});
