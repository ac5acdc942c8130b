// The files root writes while it runs (CVE-2018-19044's lesson): a local user plants a symlink at
// the --dump-file, a file of their own at the --pid file and a symlink at the status socket, in a
// world-writable sticky directory like /tmp. vipd writes its own files in their place, never
// through theirs, refuses the socket path with a clear warning, and removes only its own pid file.
// A dump into a directory another user owns fails with a message saying so; VRRP runs on.
import { chmodSync, chownSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { k0sFlags, renderK0sKeepalived, startVipd } from '../helpers/daemon-lab.js';

const NOBODY = 65534;

t.test('planted symlinks and files at the state paths', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['f1']);
  const n = lab.nodes[0]!;
  const conf = join(lab.dir, 'keepalived.conf');
  writeFileSync(conf, renderK0sKeepalived({ instances: [{ interface: 'eth0', vrid: 73, authPass: 'files', vips: [`${n.ipv4.replace(/\.\d+$/, '.231')}/24`] }], virtualServers: false }));
  const outside = join(lab.dir, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'shadow'), 'secret\n');
  const pub = join(lab.dir, 'tmp');
  mkdirSync(pub);
  chmodSync(pub, 0o1777);
  const plant = (name: string, target: string) => {
    symlinkSync(target, join(pub, name));
    lchownSync(join(pub, name), NOBODY, NOBODY);
  };
  plant('vipd.json', join(outside, 'shadow'));
  plant('vipd.sock', join(outside, 'sock'));
  writeFileSync(join(pub, 'vipd.pid'), '1\n', { mode: 0o666 });
  chownSync(join(pub, 'vipd.pid'), NOBODY, NOBODY);
  const theirs = join(lab.dir, 'theirs');
  mkdirSync(theirs);
  chownSync(theirs, NOBODY, NOBODY);

  const dump = join(pub, 'vipd.json');
  const pid = join(pub, 'vipd.pid');
  const p = startVipd(n, [...k0sFlags(conf), '--dump-file', dump, '--pid', pid], { statusSocket: join(pub, 'vipd.sock') });
  await p.waitLog((l) => l.msg === 'started', 10_000);

  t.equal(readFileSync(pid, 'utf8'), `${p.child.pid}\n`, 'the pid file is ours');
  t.equal(lstatSync(pid).uid, 0);
  t.equal(lstatSync(pid).mode & 0o777, 0o644);
  const sockWarning = p.log.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith(`status socket ${join(pub, 'vipd.sock')}`));
  t.equal(sockWarning?.msg, `status socket ${join(pub, 'vipd.sock')}: ${join(pub, 'vipd.sock')} exists and is not a socket; refusing to replace it (remove it)`);
  t.ok(lstatSync(join(pub, 'vipd.sock')).isSymbolicLink(), 'their symlink is left alone');

  p.signal('SIGUSR1');
  await p.waitLog((l) => l.msg === `state dumped to ${dump}`, 3000);
  t.ok(lstatSync(dump).isFile(), 'the dump replaced the symlink');
  t.equal(lstatSync(dump).mode & 0o777, 0o600);
  t.match(JSON.parse(readFileSync(dump, 'utf8')), { pid: p.child.pid, instances: [{ name: 'k0s-vip-0' }] });
  t.equal(readFileSync(join(outside, 'shadow'), 'utf8'), 'secret\n', 'the file the symlink pointed at is untouched');
  t.same(readdirSync(outside), ['shadow'], 'nothing created outside');
  t.same(readdirSync(pub).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');

  p.signal('SIGTERM');
  t.equal((await p.exited()).code, 0);
  t.same(readdirSync(pub).sort(), ['vipd.json', 'vipd.sock'], 'our pid file removed at exit');

  await t.test('a dump into a directory someone else owns: refused, said so, VRRP runs on', async (t) => {
    const q = startVipd(n, [...k0sFlags(conf), '--dump-file', join(theirs, 'vipd.json'), '--pid', pid], { statusSocket: join(lab.dir, 'ok.sock') });
    const early = await q.waitLog((l) => typeof l.msg === 'string' && l.msg.startsWith('SIGUSR1 will not write'), 10_000);
    t.equal(early.msg, `SIGUSR1 will not write ${join(theirs, 'vipd.json')}: ${theirs} is owned by uid ${NOBODY}, not by root or this process (uid 0); refusing to write state under it`,
      'known at start');
    q.signal('SIGUSR1');
    const w = await q.waitLog((l) => typeof l.msg === 'string' && l.msg.startsWith('state dump not written'), 3000);
    t.equal(w.msg, `state dump not written: ${theirs} is owned by uid ${NOBODY}, not by root or this process (uid 0); refusing to write state under it; the state is in this log line`);
    t.match(w.state, { instances: [{ name: 'k0s-vip-0' }] }, 'the state is still in the log');
    t.same(readdirSync(theirs), [], 'nothing written there');
    // A successor's pid file is not ours to remove.
    writeFileSync(pid, '99999\n');
    q.signal('SIGTERM');
    t.equal((await q.exited()).code, 0);
    t.equal(readFileSync(pid, 'utf8'), '99999\n', 'a pid file that no longer names us stays');
  });
});
