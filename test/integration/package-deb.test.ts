// The Debian package (npm run package): apt-get installs it, `vipd --version` and
// `vipd -t -f /etc/vipd/keepalived.conf` work, dpkg -r removes every file it installed but the
// conffile, dpkg -P that too. The machine is restored (the package purged) even when a step fails.
// lintian, when this machine has it, finds no error.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { run } from '../helpers/netns-lab.js';
import { requireEnv, which } from '../helpers/require.js';
import { onCleanup } from '../helpers/cleanup.js';
import { packageVersion, packageVipd, runOrThrow, scratchDir } from '../helpers/package-lab.js';

const version = packageVersion();
const CONF = '/etc/vipd/keepalived.conf';

async function installed(): Promise<boolean> {
  const r = await run(['dpkg-query', '-W', '-f', '${db:Status-Abbrev}', 'vipd']);
  return r.code === 0 && /^[ih]/.test(r.stdout);
}

async function purge(): Promise<void> {
  if ((await run(['dpkg-query', '-W', 'vipd'])).code === 0) await run(['dpkg', '--purge', 'vipd'], { timeoutMs: 120_000 });
}

t.test('the .deb installs, runs, and removes cleanly', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['dpkg-deb', 'apt-get', 'dpkg', 'file', 'strip'] })) return;
  if (await installed()) {
    t.fail('a vipd package is already installed on this machine: this test would replace it (dpkg -P vipd first)');
    return;
  }
  const dir = scratchDir(t, 'deb');
  await packageVipd(dir, { deb: true });
  const deb = join(dir, `vipd_${version}_amd64.deb`);
  t.ok(existsSync(deb), `${deb} made`);

  const contents = (await runOrThrow(['dpkg-deb', '-c', deb])).stdout;
  for (const f of ['./usr/sbin/vipd', './lib/systemd/system/vipd.service', `.${CONF}`, './usr/share/man/man8/vipd.8.gz', './usr/share/doc/vipd/copyright']) {
    t.match(contents, new RegExp(`\\s${f.replace(/\./g, '\\.')}\\n`), `contains ${f}`);
  }
  t.equal((await runOrThrow(['dpkg-deb', '-f', deb, 'Package', 'Version', 'Architecture'])).stdout,
    `Package: vipd\nVersion: ${version}\nArchitecture: amd64\n`, 'control fields');
  const unit = (await runOrThrow(['sh', '-c', `dpkg-deb --fsys-tarfile '${deb}' | tar -xOf - ./lib/systemd/system/vipd.service`])).stdout;
  t.match(unit, /^ExecStart=\/usr\/sbin\/vipd --dont-fork --use-file \/etc\/vipd\/keepalived\.conf /m, 'the unit runs /usr/sbin/vipd');
  t.match(unit, /^AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW$/m, 'with CAP_NET_ADMIN and CAP_NET_RAW only');
  const man = (await runOrThrow(['sh', '-c', `dpkg-deb --fsys-tarfile '${deb}' | tar -xOf - ./usr/share/man/man8/vipd.8.gz | gzip -d`])).stdout;
  t.match(man, /^\.TH VIPD 8 /m, 'vipd(8)');
  t.match(man, /\\-\\-use\\-file/, 'the man page lists the CLI\'s options (from its --help)');

  if (which('lintian')) {
    const l = await run(['lintian', '--fail-on', 'error', deb], { timeoutMs: 300_000 });
    t.equal(l.code, 0, 'lintian: no error', { output: l.stdout + l.stderr });
    t.notMatch(l.stdout, /^E: /m, 'lintian reports no error tag');
  }

  // Restore the machine whatever happens below, also when the test process is interrupted.
  const unregister = onCleanup(() => { spawnSync('dpkg', ['--purge', 'vipd'], { stdio: 'ignore' }); });
  t.teardown(async () => {
    await purge();
    unregister();
  });
  const inst = await run(['apt-get', 'install', '-y', '-q', '-o', 'DPkg::Lock::Timeout=120', deb], {
    timeoutMs: 300_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  t.equal(inst.code, 0, 'apt-get install ./vipd_*.deb', { output: inst.stdout + inst.stderr });
  const files = (await runOrThrow(['dpkg-query', '-L', 'vipd'])).stdout.split('\n').filter(Boolean);
  t.ok(files.includes('/usr/sbin/vipd'), 'dpkg knows /usr/sbin/vipd');

  const v = await run(['vipd', '--version'], { env: { ...process.env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  t.equal(v.stdout.trim(), `vipd ${version}`, 'vipd --version', { stderr: v.stderr });
  const c = await run(['/usr/sbin/vipd', '-t', '-f', CONF]);
  t.equal(c.code, 0, `vipd -t -f ${CONF}`, { stdout: c.stdout, stderr: c.stderr });
  const help = (await runOrThrow(['/usr/sbin/vipd', '--help'])).stdout;
  const flags = [...help.matchAll(/^\s+(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!);
  t.ok(flags.length > 10, `--help lists ${flags.length} options`);
  t.same(flags.filter((f) => !man.includes(f.replace(/-/g, '\\-'))), [], 'the man page has every option of --help');
  if (which('systemd-analyze')) {
    const a = await run(['systemd-analyze', 'verify', '/lib/systemd/system/vipd.service']);
    t.equal(a.code, 0, 'systemd-analyze verify vipd.service', { output: a.stdout + a.stderr });
  }

  // Its files (directories such as /usr/sbin, and /lib -> usr/lib, are shared with other packages).
  const plain = files.filter((f) => f !== CONF && !statSync(f).isDirectory());
  const r = await run(['dpkg', '--remove', 'vipd'], { timeoutMs: 120_000 });
  t.equal(r.code, 0, 'dpkg -r vipd', { output: r.stdout + r.stderr });
  t.same(plain.filter((f) => existsSync(f)), [], 'dpkg -r removed every file it installed');
  t.ok(existsSync(CONF), 'dpkg -r keeps the conffile');
  const p = await run(['dpkg', '--purge', 'vipd'], { timeoutMs: 120_000 });
  t.equal(p.code, 0, 'dpkg -P vipd', { output: p.stdout + p.stderr });
  t.notOk(existsSync(CONF) || existsSync('/etc/vipd'), 'purge removed the conffile and /etc/vipd');
  t.notOk(await installed(), 'no vipd package left');
});
