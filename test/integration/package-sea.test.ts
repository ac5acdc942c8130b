// The single executable (npm run package) copied alone to an empty directory and run there: no
// node_modules, no Node on PATH. k0s's contract, under the name vipd and under the name keepalived
// (a symlink, as k0s finds keepalived on PATH or in its bin directory): the master takes the VIP,
// SIGTERM releases it within 5 s and exits 0. The addon leaves no file behind in TMPDIR.
import { copyFileSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan, run, waitFor } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { k0sFlags, settledMaster, startVipd, vipHolders, type VipdProc } from '../helpers/daemon-lab.js';
import { COREUTILS, k0sConfigFor, packageVersion, packageVipd, pathOf, scratchDir } from '../helpers/package-lab.js';

const version = packageVersion();

t.test('the single executable, alone in an empty directory, as vipd and as keepalived', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'file', 'strip'] })) return;
  const dir = scratchDir(t, 'sea');
  await packageVipd(join(dir, 'out'), { deb: false });
  const bin = join(dir, 'controller');
  mkdirSync(bin);
  copyFileSync(join(dir, 'out', 'vipd'), join(bin, 'vipd'));
  symlinkSync('vipd', join(bin, 'keepalived'));
  const vipd = join(bin, 'vipd');
  const keepalived = join(bin, 'keepalived');
  t.match((await run(['file', '-b', vipd])).stdout, /^ELF 64-bit LSB/, 'one ELF executable');

  // The controller's PATH: coreutils and ip (for `ip netns exec`), no node.
  const path = pathOf(dir, ['ip', ...COREUTILS]);
  t.equal((await run(['/bin/sh', '-c', 'command -v node || echo none'], { env: { PATH: path } })).stdout.trim(), 'none', 'no node on PATH');
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  const env = { PATH: path, TMPDIR: tmp };

  for (const exe of [vipd, keepalived]) {
    const v = await run([exe, '--version'], { cwd: bin, env });
    t.equal(v.stdout.trim(), `vipd ${version}`, `${exe.endsWith('keepalived') ? 'keepalived' : 'vipd'} --version`, { stderr: v.stderr });
  }

  const lab = await createLan(t, ['k1', 'k2']);
  const { conf, vip } = k0sConfigFor(lab, dir);
  const check = await run([keepalived, '-t', '-f', conf], { cwd: bin, env });
  t.equal(check.code, 0, 'keepalived -t -f F: the configuration is valid', { stdout: check.stdout, stderr: check.stderr });

  const procs: VipdProc[] = lab.nodes.map((n, i) => startVipd(n, k0sFlags(conf), {
    statusSocket: join(dir, `${n.name}.sock`), command: [i === 0 ? vipd : keepalived], env, cwd: bin,
  }));
  const name = (p: VipdProc) => (p === procs[0] ? 'vipd' : 'keepalived');
  const first = await settledMaster(procs, lab.nodes, vip);
  t.same(readdirSync(tmp), [], 'the addon\'s temporary file is gone once loaded');

  // Stop the master, then the other one once it has taken over: each name takes and releases the VIP.
  const second = procs.find((p) => p !== first)!;
  for (const p of [first, second]) {
    await waitFor(async () => (await vipHolders(lab.nodes, vip)).join() === p.node.name, { timeoutMs: 5000, message: `${name(p)} holds the VIP` });
    t.pass(`${name(p)} took the VIP`);
    const t0 = Date.now();
    p.signal('SIGTERM');
    const r = await p.exited();
    const ms = Date.now() - t0;
    t.equal(r.code, 0, `${name(p)} exits 0 on SIGTERM`);
    t.ok(ms < 5000, `${name(p)} exited within 5 s (${ms} ms)`);
    t.notOk((await vipHolders(lab.nodes, vip)).includes(p.node.name), `${name(p)} released the VIP`);
    t.notOk(p.log.lines.some((l) => Number(l.level) >= 50), `${name(p)}: no error logged`, { errors: p.log.lines.filter((l) => Number(l.level) >= 50) });
  }
  t.same(await vipHolders(lab.nodes, vip), [], 'no VIP left anywhere');
  t.same(readdirSync(tmp), [], 'nothing left in TMPDIR');
});
