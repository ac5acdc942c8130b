// The npm package as an operator gets it: `npm pack` (prepack builds the prebuilt addons) made
// from a copy of the source tree, installed into an empty project on a "controller" whose PATH
// holds node, npm and coreutils but no compiler, make or Python. The installed vipd takes a VIP in
// a namespace with k0s's flags and releases it on SIGTERM. Where no prebuild fits, the install
// script compiles the addon instead.
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan, repoRoot, run, waitFor } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { hasAddress, k0sFlags, startVipd } from '../helpers/daemon-lab.js';
import {
  COREUTILS, envWithoutNpm, k0sConfigFor, packageVersion, pathOf, runOrThrow, scratchDir, toolchainOn,
} from '../helpers/package-lab.js';

const version = packageVersion();

/** The source tree as git would commit it (tracked and new files, nothing ignored), node_modules linked. */
async function sourceCopy(dir: string): Promise<string> {
  const copy = join(dir, 'src');
  mkdirSync(copy);
  const files = await runOrThrow(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot });
  writeFileSync(join(dir, 'files'), files.stdout);
  await runOrThrow(['tar', '-C', repoRoot, '--null', '--ignore-failed-read', '-T', join(dir, 'files'), '-cf', join(dir, 'src.tar')]);
  await runOrThrow(['tar', '-C', copy, '-xf', join(dir, 'src.tar')]);
  symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}

t.test('npm pack, then npm install on a controller without a toolchain', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'git', 'tar', 'file', 'npm'] })) return;
  const dir = scratchDir(t, 'npm');
  const copy = await sourceCopy(dir);
  const packed = await runOrThrow(['npm', 'pack', '--json', '--pack-destination', dir], { cwd: copy });
  const tarball = join(dir, `vipd-${version}.tgz`);

  const list = (await runOrThrow(['tar', '-tzf', tarball])).stdout.split('\n').filter(Boolean).map((p) => p.replace(/^package\//, ''));
  t.ok(list.includes('prebuilds/linux-x64/node.napi.glibc.node'), 'the x64 addon is prebuilt');
  t.ok(list.includes('bin/vipd.js') && list.includes('dist/src/cli/main.js'), 'the CLI and the compiled program');
  t.ok(list.includes('dist/vipd.cjs'), 'the bundled daemon that bin/vipd.js runs');
  t.ok(list.includes('binding.gyp') && list.includes('native/vipd_native.c'), 'the sources for a build where no prebuild fits');
  t.same(list.filter((p) => /^(test|dist\/test|build|node_modules|\.tap|prebuilds\/[^/]+\/[^/]+\/)|fixtures|\.test\./.test(p)), [],
    'no tests, fixtures, build directory or node_modules');
  t.match(packed.stderr, /vipd: prebuilds\/linux-x64\/node\.napi\.glibc\.node/, 'prepack built the prebuilds');

  // arm64: cross-compiled (scripts/deps.sh installs the cross compiler); skipped only with the message saying so.
  const arm = 'prebuilds/linux-arm64/node.napi.glibc.node';
  if (list.includes(arm)) {
    const x = join(dir, 'x');
    mkdirSync(x);
    await runOrThrow(['tar', '-C', x, '-xzf', tarball, `package/${arm}`]);
    t.match((await runOrThrow(['file', '-b', join(x, 'package', arm)])).stdout, /ELF 64-bit LSB shared object, ARM aarch64/, 'the arm64 addon is an aarch64 ELF');
  } else {
    t.match(packed.stderr, /SKIPPING the linux-arm64 prebuild/, 'no arm64 addon: prepack said why');
  }

  // The controller: node, npm, coreutils (and ip, for `ip netns exec`), nothing to build with.
  const path = pathOf(dir, ['node', 'npm', 'npx', 'ip', ...COREUTILS]);
  t.same(await toolchainOn(path), [], 'no compiler, make or Python on the controller\'s PATH');
  const project = join(dir, 'controller');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'controller', private: true }));
  const [globalrc, userrc] = [join(dir, 'npmrc-global'), join(dir, 'npmrc-user')];
  for (const f of [globalrc, userrc]) writeFileSync(f, '');
  const cache = (await runOrThrow(['npm', 'config', 'get', 'cache'])).stdout.trim();
  const env = envWithoutNpm({
    PATH: path, HOME: join(dir, 'home'),
    // No global or user npmrc (this machine's sets nodedir), no Python, npm's cache for the dependencies.
    npm_config_globalconfig: globalrc, npm_config_userconfig: userrc, npm_config_python: join(dir, 'no-python'),
    npm_config_cache: cache, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false',
    npm_config_update_notifier: 'false', npm_config_foreground_scripts: 'true',
    npm_config_cafile: (await runOrThrow(['npm', 'config', 'get', 'cafile'])).stdout.trim().replace(/^null$|^undefined$/, ''),
  });
  const install = await run(['npm', 'install', tarball], { cwd: project, env, timeoutMs: 300_000 });
  t.equal(install.code, 0, 'npm install succeeds', { stdout: install.stdout, stderr: install.stderr });
  const pkg = join(project, 'node_modules', 'vipd');
  t.notOk(readdirSync(pkg).includes('build'), 'nothing was compiled (no build/ in the installed package)');
  const vipd = join(project, 'node_modules', '.bin', 'vipd');
  const v = await run([vipd, '--version'], { cwd: project, env });
  t.equal(v.stdout.trim(), `vipd ${version}`, 'the installed vipd runs', { stderr: v.stderr });

  const lab = await createLan(t, ['c1']);
  const node = lab.nodes[0]!;
  const { conf, vip } = k0sConfigFor(lab, dir);
  const p = startVipd(node, k0sFlags(conf), { statusSocket: join(dir, 'vipd.sock'), command: [vipd], env: { PATH: path }, cwd: project });
  await p.waitState('master', 10_000);
  await waitFor(() => hasAddress(node, vip), { timeoutMs: 3000, message: 'the VIP on eth0' });
  t.pass('the installed vipd took the VIP');
  t.notOk(p.log.lines.some((l) => Number(l.level) >= 50), 'no error logged', { errors: p.log.lines.filter((l) => Number(l.level) >= 50) });
  p.signal('SIGTERM');
  t.equal((await p.exited()).code, 0, 'exits 0 on SIGTERM');
  t.notOk(await hasAddress(node, vip), 'the VIP is released');

  // The other half of the install script: no prebuild fits (musl here), so it compiles native/.
  await t.test('where no prebuild fits, npm install builds the addon from source', async (t) => {
    const other = join(dir, 'musl');
    mkdirSync(other);
    writeFileSync(join(other, 'package.json'), JSON.stringify({ name: 'musl-controller', private: true }));
    const withToolchain = envWithoutNpm({
      LIBC: 'musl', npm_config_cache: cache, npm_config_prefer_offline: 'true',
      npm_config_audit: 'false', npm_config_fund: 'false', npm_config_foreground_scripts: 'true',
    });
    const r = await run(['npm', 'install', tarball], { cwd: other, env: withToolchain, timeoutMs: 300_000 });
    t.equal(r.code, 0, 'npm install succeeds', { stdout: r.stdout, stderr: r.stderr });
    t.ok(existsSync(join(other, 'node_modules/vipd/build/Release/vipd_native.node')), 'the install script compiled the addon');
    const v = await run([join(other, 'node_modules/.bin/vipd'), '--version'], { cwd: other, env: withToolchain });
    t.equal(v.stdout.trim(), `vipd ${version}`, 'and vipd runs', { stderr: v.stderr });
  });
});
