// vipd as an unprivileged user with only CAP_NET_ADMIN and CAP_NET_RAW (what contrib/vipd.service
// grants): it takes the VIP and releases it. Without them: a clear error naming the missing
// capability, non-zero exit, nothing touched. And the unit file passes systemd-analyze verify.
// The unprivileged vipd runs from a readable copy of the package: the clone may sit under /root.
import { chmodSync, copyFileSync, mkdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import t from 'tap';
import { createLan, repoRoot, run, waitFor } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { addressesOf, hasAddress, k0sFlags, renderK0sKeepalived, startVipd } from '../helpers/daemon-lab.js';
import { readableInstall } from '../helpers/readable-install.js';

const asNobody = (caps: string[]) => [
  'setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups',
  ...(caps.length ? [`--inh-caps=${caps.map((c) => `+${c}`).join(',')}`, `--ambient-caps=${caps.map((c) => `+${c}`).join(',')}`] : ['--inh-caps=-all']),
];

t.test('non-root with CAP_NET_ADMIN + CAP_NET_RAW only', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'setpriv'] })) return;
  const lab = await createLan(t, ['p1']);
  const n = lab.nodes[0]!;
  const install = readableInstall(t);
  const cwd = install.root;
  const vip = n.ipv4.replace(/\.\d+$/, '.250');
  // A directory the unprivileged user may write (status socket, pid file, dump), like /run/vipd.
  const dir = join(lab.dir, 'run');
  chmodSync(lab.dir, 0o755);
  mkdirSync(dir, { mode: 0o777 });
  chmodSync(dir, 0o777);
  const conf = join(lab.dir, 'keepalived.conf');
  writeFileSync(conf, renderK0sKeepalived({ instances: [{ interface: 'eth0', vrid: 91, authPass: 'caps', vips: [`${vip}/24`] }], virtualServers: false }), { mode: 0o644 });
  const flags = [...k0sFlags(conf), '--pid', join(dir, 'vipd.pid'), '--dump-file', join(dir, 'vipd.json')];

  await t.test('with both capabilities: runs, takes and releases the VIP', async (t) => {
    const p = startVipd(n, flags, { statusSocket: join(dir, 'vipd.sock'), prefix: asNobody(['net_admin', 'net_raw']), vipd: install.vipd, cwd });
    await p.waitState('master', 10_000);
    await waitFor(() => hasAddress(n, vip), { timeoutMs: 2000, message: 'VIP added' });
    const st = await n.exec(['node', install.vipd, 'status', '--status-socket', join(dir, 'vipd.sock')], { cwd });
    t.match(JSON.parse(st.stdout), { instances: [{ state: 'master' }] }, 'status socket works');
    t.notOk(p.log.lines.some((l) => Number(l.level) >= 40), 'no warning or error', { lines: p.log.lines.filter((l) => Number(l.level) >= 40) });
    p.signal('SIGTERM');
    t.equal((await p.exited()).code, 0, 'exit 0');
    t.notOk(await hasAddress(n, vip), 'VIP released');
  });

  await t.test('without capabilities: a clear error, nothing touched', async (t) => {
    const before = await addressesOf(n);
    for (const [caps, msg] of [
      [[], 'missing capabilities CAP_NET_ADMIN and CAP_NET_RAW'],
      [['net_admin'], 'missing capability CAP_NET_RAW'],
      [['net_raw'], 'missing capability CAP_NET_ADMIN'],
    ] as Array<[string[], string]>) {
      const r = await n.exec([...asNobody(caps), 'node', install.vipd, ...flags, '--status-socket', join(dir, 'x.sock')], { timeoutMs: 10_000, cwd });
      t.equal(r.code, 1, `caps [${caps.join(',')}]: exit 1`);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      t.equal(lines.length, 1, 'one log line');
      t.match(lines[0]?.msg, new RegExp(`^${msg}: run vipd as root or grant`), 'names the missing capability');
      t.equal(lines[0]?.code, 'VIPD_ERR_CAPABILITY');
    }
    t.same(await addressesOf(n), before, 'no address touched');
  });
});

t.test('contrib/vipd.service passes systemd-analyze verify', async (t) => {
  if (!requireEnv(t, { commands: ['systemd-analyze'] })) return;
  // verify resolves ExecStart's binary; the unit is checked as installed (/opt/vipd), so copy it alone.
  const d = mkdtempSync(join(tmpdir(), 'vipd-unit-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  copyFileSync(join(repoRoot, 'contrib', 'vipd.service'), join(d, 'vipd.service'));
  const r = await run(['systemd-analyze', 'verify', join(d, 'vipd.service')]);
  t.equal(r.code, 0, 'verify exit 0', { stderr: r.stderr });
  t.equal(r.stderr.split('\n').filter((l) => l.includes('vipd.service')).join('\n'), '', 'no complaint about the unit');
});
