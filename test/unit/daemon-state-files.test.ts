// State files as keepalived had to learn to write them (CVE-2018-19044): a symlink or a foreign file
// planted at the target is replaced, never followed or written into; a runtime directory that is a
// symlink, someone else's or writable by others is refused with a message saying so.
import { chmodSync, chownSync, lchownSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import {
  StateFileError, checkStateDir, ensureRuntimeDir, removeStateFileIf, writeStateFile,
} from '../../src/daemon/state-files.js';
import { requireEnv } from '../helpers/require.js';

const NOBODY = 65534;
const mode = (p: string) => lstatSync(p).mode & 0o7777;

t.test('a new file, mode 0600 whatever the umask, no temporary left', async (t) => {
  const dir = t.testdir({});
  const old = process.umask(0o000);
  t.teardown(() => { process.umask(old); });
  writeStateFile(join(dir, 'dump.json'), '{"a":1}\n');
  t.equal(readFileSync(join(dir, 'dump.json'), 'utf8'), '{"a":1}\n');
  t.equal(mode(join(dir, 'dump.json')), 0o600);
  writeStateFile(join(dir, 'dump.json'), 'second\n');
  t.equal(readFileSync(join(dir, 'dump.json'), 'utf8'), 'second\n', 'replaced');
  writeStateFile(join(dir, 'x.pid'), '42\n', { mode: 0o644 });
  t.equal(mode(join(dir, 'x.pid')), 0o644);
  t.same(readdirSync(dir).sort(), ['dump.json', 'x.pid'], 'no temporary file left');
});

t.test('a planted symlink or foreign file at the target: replaced, what it points at untouched', async (t) => {
  if (!requireEnv(t, { root: true })) return;
  const dir = t.testdir({ outside: { 'shadow': 'secret\n' }, run: {} });
  chmodSync(join(dir, 'run'), 0o1777); // like /tmp: anyone may plant files
  const outside = join(dir, 'outside', 'shadow');

  const viaSymlink = join(dir, 'run', 'a.json');
  symlinkSync(outside, viaSymlink);
  lchownSync(viaSymlink, NOBODY, NOBODY);
  writeStateFile(viaSymlink, 'state\n');
  t.equal(readFileSync(outside, 'utf8'), 'secret\n', 'the symlink target is untouched');
  t.ok(lstatSync(viaSymlink).isFile(), 'the symlink itself was replaced by our file');
  t.equal(readFileSync(viaSymlink, 'utf8'), 'state\n');

  const hardLink = join(dir, 'run', 'b.json');
  linkSync(outside, hardLink); // a foreign name for the very same inode
  const foreign = join(dir, 'run', 'c.json');
  writeFileSync(foreign, 'planted\n', { mode: 0o666 });
  chownSync(foreign, NOBODY, NOBODY);
  writeStateFile(hardLink, 'state\n');
  writeStateFile(foreign, 'state\n');
  t.equal(readFileSync(outside, 'utf8'), 'secret\n', 'no write through a hard link');
  for (const f of [hardLink, foreign]) {
    const st = statSync(f);
    t.equal(st.uid, 0, `${f}: ours now`);
    t.equal(st.mode & 0o777, 0o600);
    t.equal(readFileSync(f, 'utf8'), 'state\n');
  }
});

t.test('a directory at the target: a clear error, nothing written', async (t) => {
  const dir = t.testdir({ 'dump.json': {} });
  t.throws(() => writeStateFile(join(dir, 'dump.json'), 'x'), { name: 'StateFileError', code: 'VIPD_ERR_STATE_FILE', message: `${join(dir, 'dump.json')} is a directory` });
  t.same(readdirSync(dir), ['dump.json'], 'the temporary file is gone');
});

t.test('the runtime directory: created 0755, else refused when a symlink, foreign or writable by others', async (t) => {
  if (!requireEnv(t, { root: true })) return;
  const dir = t.testdir({ elsewhere: {}, file: 'x' });
  const run = join(dir, 'vipd');
  ensureRuntimeDir(run);
  t.equal(mode(run), 0o755, 'created 0755');
  ensureRuntimeDir(run); // and accepted as it is

  const link = join(dir, 'link');
  symlinkSync(join(dir, 'elsewhere'), link);
  t.throws(() => ensureRuntimeDir(link), { message: `${link} is a symlink; refusing to write state there (remove it: vipd creates the directory itself)` });
  t.throws(() => ensureRuntimeDir(join(dir, 'file')), { message: `${join(dir, 'file')} is not a directory` });
  const foreign = join(dir, 'foreign');
  mkdirSync(foreign, { mode: 0o755 });
  chownSync(foreign, NOBODY, NOBODY);
  t.throws(() => ensureRuntimeDir(foreign), { message: `${foreign} is owned by uid ${NOBODY}, not by root or this process (uid 0); refusing to write state there` });
  const open = join(dir, 'open');
  mkdirSync(open);
  chmodSync(open, 0o777);
  t.throws(() => ensureRuntimeDir(open), { message: `${open} is writable by group or others (mode 777); refusing to write state there (chmod 755 it)` });
  // Run as the service user: a directory that user owns is fine, root's too, nobody else's not.
  t.doesNotThrow(() => ensureRuntimeDir(foreign, { uid: NOBODY }));
  t.doesNotThrow(() => ensureRuntimeDir(run, { uid: NOBODY }));
  t.throws(() => ensureRuntimeDir(foreign, { uid: 1234 }), StateFileError);
});

t.test('a directory given on the command line: every directory on the way must be root\'s or ours', async (t) => {
  if (!requireEnv(t, { root: true })) return;
  const dir = t.testdir({ sticky: {}, open: { sub: {} }, user: { sub: {} }, real: {}, leaf: {} });
  chmodSync(join(dir, 'sticky'), 0o1777);
  chmodSync(join(dir, 'open'), 0o777);
  chmodSync(join(dir, 'leaf'), 0o777);
  chownSync(join(dir, 'user'), NOBODY, NOBODY);
  t.doesNotThrow(() => checkStateDir(join(dir, 'sticky')), 'a sticky world-writable directory (/tmp)');
  t.doesNotThrow(() => checkStateDir(join(dir, 'sticky', 'new', 'deeper')), 'missing directories are created');
  t.equal(mode(join(dir, 'sticky', 'new')), 0o755);
  t.doesNotThrow(() => checkStateDir(join(dir, 'leaf')), 'the last one may be writable by others: files are renamed in');
  t.throws(() => checkStateDir(join(dir, 'open', 'sub')), { message: `${join(dir, 'open')} is writable by group or others and not sticky; refusing to write state under it` });
  t.throws(() => checkStateDir(join(dir, 'user', 'sub')), { message: `${join(dir, 'user')} is owned by uid ${NOBODY}, not by root or this process (uid 0); refusing to write state under it` });
  symlinkSync(join(dir, 'real'), join(dir, 'rootlink'));
  t.doesNotThrow(() => checkStateDir(join(dir, 'rootlink')), 'a symlink of root\'s is followed (/var/run -> /run)');
  symlinkSync(join(dir, 'real'), join(dir, 'sticky', 'theirs'));
  lchownSync(join(dir, 'sticky', 'theirs'), NOBODY, NOBODY);
  t.throws(() => checkStateDir(join(dir, 'sticky', 'theirs')), { message: `${join(dir, 'sticky', 'theirs')} is a symlink owned by uid ${NOBODY}; refusing to follow it` });
  t.throws(() => writeStateFile(join(dir, 'sticky', 'theirs', 'vipd.pid'), '1\n'), StateFileError, 'and nothing is written through it');
  t.same(readdirSync(join(dir, 'real')), []);
});

t.test('removal only of our own file', async (t) => {
  const dir = t.testdir({ mine: '42\n', other: '43\n', target: '42\n' });
  symlinkSync(join(dir, 'target'), join(dir, 'link'));
  t.ok(removeStateFileIf(join(dir, 'mine'), '42\n'));
  t.notOk(removeStateFileIf(join(dir, 'other'), '42\n'), 'another pid: a successor wrote it');
  t.notOk(removeStateFileIf(join(dir, 'link'), '42\n'), 'a symlink is not ours');
  t.notOk(removeStateFileIf(join(dir, 'gone'), '42\n'));
  t.same(readdirSync(dir).sort(), ['link', 'other', 'target']);
});
