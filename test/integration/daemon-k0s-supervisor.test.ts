// k0s runs vipd in keepalived's place, for good: the single executable (npm run package) driven by
// a k0s stand-in that does what k0s's code does (test/helpers/k0s-supervisor.ts: staging from the
// appended zip payload, the keepalived user, k0s's template, flags, environment, pid file, notify
// scripts + symlinked include + SIGHUP, SIGTERM and 5 s, respawn after 5 s).
//   1. Staging: k0s puts its own keepalived back over a vipd written (or linked) in its place at
//      every start; with keepalived taken out of the payload (contrib/k0s-without-keepalived.sh,
//      README "For k0s") k0s runs <data-dir>/bin/keepalived, across restarts and upgrades.
//   2. Three controllers, IPVS as k0s configures it: one VIP holder, the include followed on the
//      master only, SIGTERM within 5 s releases the VIP, a killed vipd respawned, a k0s restart
//      that finds its old keepalived running stops it first.
//   3. A `keepalived` user exists: k0s runs it as that uid without capabilities; vipd says what is
//      missing, and with file capabilities (setcap) it runs.
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot, run, runOk, waitFor, type Lab, type LabNode } from '../helpers/netns-lab.js';
import { createLan } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { vipHolders, sleep } from '../helpers/daemon-lab.js';
import { packageVipd, scratchDir } from '../helpers/package-lab.js';
import { FakeK0sCplb, stageExecutable, writeFakeK0s, type CplbSpec } from '../helpers/k0s-supervisor.js';

const STRIP = join(repoRoot, 'contrib', 'k0s-without-keepalived.sh');
const KEEPALIVED = '/usr/sbin/keepalived';

/** The single executable, built once for this file (when a test needs it). */
let built: Promise<string> | undefined;
function sea(): Promise<string> {
  if (!built) {
    const dir = scratchDir(t, 'k0s-sea');
    built = packageVipd(join(dir, 'out'), { deb: false }).then(() => join(dir, 'out', 'vipd'));
  }
  return built;
}

/** A k0s release's payload: its keepalived (Debian's binary stands in) and another binary. */
function payload(): Array<{ name: string; data: Buffer }> {
  return [{ name: 'keepalived', data: readFileSync(KEEPALIVED) }, { name: 'runc', data: Buffer.from('#!/bin/sh\necho runc\n') }];
}

const strip = (k0s: string) => run(['sh', STRIP, k0s]);

t.test('staging: k0s puts its keepalived back; without it in the payload, <data-dir>/bin/keepalived stays', async (t) => {
  if (!requireEnv(t, { commands: ['zip', 'unzip', 'touch'], files: [{ path: KEEPALIVED, package: 'keepalived' }] })) return;
  const dir = scratchDir(t, 'k0s-stage');
  const vipd = join(dir, 'vipd');
  writeFileSync(vipd, '#!/bin/sh\necho vipd\n', { mode: 0o755 }); // staging only looks at files
  const k0s = join(dir, 'k0s');
  const bin = join(dir, 'data', 'bin');
  mkdirSync(bin, { recursive: true });
  const staged = join(bin, 'keepalived');
  const stage = () => stageExecutable(k0s, bin, 'keepalived', '/nonexistent');
  writeFakeK0s(k0s, payload(), 1_700_000_000);

  t.match(stage(), { path: staged, how: 'extracted' }, 'first start: extracted');
  t.match(stage(), { how: 'reused' }, 'next start: same size and mtime, reused');
  copyFileSync(vipd, staged);
  t.match(stage(), { how: 'extracted' }, 'vipd copied over it: extracted again at the next start');
  t.ok(readFileSync(staged).equals(readFileSync(KEEPALIVED)), "k0s's keepalived is back");
  rmSync(staged);
  symlinkSync(vipd, staged);
  t.match(stage(), { how: 'extracted' }, 'a symlink to vipd: extracted again');
  t.notOk(lstatSync(staged).isSymbolicLink(), 'the symlink replaced by a file (not written through)');
  t.equal(readFileSync(vipd, 'utf8'), '#!/bin/sh\necho vipd\n', 'vipd itself untouched');

  // The README's way: keepalived out of the payload, vipd linked in its place.
  const r = await strip(k0s);
  t.equal(r.code, 0, 'contrib/k0s-without-keepalived.sh', { stdout: r.stdout, stderr: r.stderr });
  rmSync(staged);
  symlinkSync(vipd, staged);
  t.match(stage(), { path: staged, how: 'existing file' }, 'not embedded: the existing file is used');
  t.match(stage(), { path: staged, how: 'existing file' }, 'and again at the next start');
  t.equal(readlinkSync(staged), vipd, 'still the link to vipd');
  t.match(stageExecutable(k0s, bin, 'runc', ''), { how: 'extracted' }, 'the other embedded binaries still stage');
  t.equal(readFileSync(join(bin, 'runc'), 'utf8'), '#!/bin/sh\necho runc\n');
  t.match(stageExecutable(k0s, bin, 'runc', ''), { how: 'reused' });
  t.match(await run([k0s, 'keepalived-setstate', '-r', '/nonexistent', '-s', 'MASTER']), { code: 1, stderr: /run-dir \/nonexistent is invalid/ },
    'the program in front of the payload still runs');
  t.match(await strip(k0s), { code: 0, stdout: /keepalived is not embedded, nothing to do/ }, 'a second run does nothing');

  // An upgrade brings a new k0s with keepalived; the script as ExecStartPre treats it before it starts.
  writeFakeK0s(k0s, payload(), 1_700_000_100);
  t.equal((await strip(k0s)).code, 0);
  t.match(stage(), { how: 'existing file' }, 'after an upgrade: still vipd');

  rmSync(staged);
  const pathDir = join(dir, 'path');
  mkdirSync(pathDir);
  symlinkSync(vipd, join(pathDir, 'keepalived'));
  t.match(stageExecutable(k0s, bin, 'keepalived', `/nonexistent:${pathDir}`), { path: join(pathDir, 'keepalived'), how: 'PATH' }, 'no file in the bin dir: PATH');

  writeFakeK0s(k0s, undefined);
  symlinkSync(vipd, staged);
  t.match(stage(), { how: 'existing file' }, 'a k0s built without embedded binaries uses the bin dir too');
  t.match(await strip(k0s), { code: 1, stderr: /has no zip payload/ }, 'the script says when there is no payload');
});

/** Per-controller directories of a k0s stand-in, and vipd linked as its keepalived. */
function controller(dir: string, n: LabNode, vipd: string): { dataDir: string; runDir: string } {
  const dataDir = join(dir, n.name, 'var-lib-k0s');
  const runDir = join(dir, n.name, 'run-k0s');
  mkdirSync(join(dataDir, 'bin'), { recursive: true });
  mkdirSync(runDir, { recursive: true });
  symlinkSync(vipd, join(dataDir, 'bin', 'keepalived'));
  return { dataDir, runDir };
}

async function oneHolder(lab: Lab, nodes: LabNode[], vip: string): Promise<string> {
  return waitFor(async () => {
    const a = await vipHolders(nodes, vip);
    if (a.length !== 1) return undefined;
    await sleep(1500);
    const b = await vipHolders(nodes, vip);
    return b.length === 1 && b[0] === a[0] ? a[0] : undefined;
  }, { timeoutMs: 15_000, intervalMs: 100, message: `one stable holder of ${vip} in ${lab.id}` });
}

const errors = (c: FakeK0sCplb) => c.runs.flatMap((r) => r.log.lines).filter((l) => Number(l.level) >= 50);
// The host kernel has no IPVS: the master says so once it reads the include (daemon-uml.test.ts programs it).
const NO_IPVS = /^IPVS is not available/;

t.test('three controllers, IPVS as k0s configures it: notify + include + SIGHUP, SIGTERM, respawn, k0s restart', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'zip', 'unzip', 'touch', 'file', 'strip'], files: [{ path: KEEPALIVED, package: 'keepalived' }] })) return;
  const dir = scratchDir(t, 'k0s-ipvs');
  const vipd = await sea();
  const k0s = join(dir, 'k0s');
  writeFakeK0s(k0s, payload());
  t.equal((await strip(k0s)).code, 0, 'keepalived taken out of the k0s executable');
  const lab = await createLan(t, ['k1', 'k2', 'k3']);
  const vip = lab.nodes[0]!.ipv4.replace(/\.\d+$/, '.200');
  const spec: CplbSpec = { instances: [{ interface: 'eth0', vrid: 51, authPass: 'Example1', vips: [`${vip}/24`] }], virtualServers: [{ ipAddress: vip }] };
  const cplbs = new Map<string, FakeK0sCplb>();
  const dirs = new Map<string, { dataDir: string; runDir: string }>();
  for (const n of lab.nodes) {
    const d = controller(dir, n, vipd);
    dirs.set(n.name, d);
    const c = new FakeK0sCplb({ node: n, k0s, ...d, spec, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    t.match(c.init(), { path: join(d.dataDir, 'bin', 'keepalived'), how: 'existing file' }, `${n.name}: k0s takes vipd as its keepalived`);
    t.equal(c.uid, undefined, 'no keepalived user here: root');
    await c.start();
    cplbs.set(n.name, c);
  }
  t.teardown(async () => { for (const c of cplbs.values()) await c.stop(); });
  // The reconciler's first endpoints: every controller, on every node.
  await sleep(500);
  for (const c of cplbs.values()) c.setRealServers(lab.nodes.map((n) => n.ipv4));

  const first = await oneHolder(lab, lab.nodes, vip);
  const m = cplbs.get(first)!;
  await waitFor(() => existsSync(m.consumed) && readlinkSync(m.consumed) === m.generated, { timeoutMs: 3000, message: 'notify_master: the include points at the generated file' });
  await m.current()!.log.next((l) => NO_IPVS.test(String(l.msg)), 5000);
  t.pass('the master read the virtual server through the include after its SIGHUP');
  for (const [name, c] of cplbs) {
    if (name === first) continue;
    await waitFor(() => existsSync(c.consumed) && readlinkSync(c.consumed) === '/dev/null', { timeoutMs: 3000, message: `${name}: notify_backup points the include at /dev/null` });
    t.notOk(c.runs.some((r) => r.log.lines.some((l) => NO_IPVS.test(String(l.msg)))), `${name} (BACKUP): no virtual server read`);
    t.same(errors(c), [], `${name}: no error logged`);
  }
  t.ok(m.current()!.log.lines.some((l) => l.msg === 'reloaded'), 'the SIGHUP reloaded (no restart)');
  t.same(m.runs.length, 1);

  // k0s stops the master: SIGTERM, 5 s.
  const stopped = await m.stop();
  t.match(stopped, { code: 0, timedOut: false }, 'exit 0 on SIGTERM');
  t.ok(stopped.ms < 5000, `within k0s's 5 s (${stopped.ms} ms)`);
  t.notOk((await vipHolders(lab.nodes, vip)).includes(first), 'the VIP released');
  t.same(errors(m).filter((l) => !NO_IPVS.test(String(l.msg))), [], `${first}: no other error`);
  cplbs.delete(first);
  const rest = lab.nodes.filter((n) => n.name !== first);
  const second = await oneHolder(lab, rest, vip);
  const m2 = cplbs.get(second)!;
  await waitFor(() => readlinkSync(m2.consumed) === m2.generated, { timeoutMs: 3000, message: 'the new master points its include at the generated file' });

  // vipd killed: k0s's supervisor starts it again 5 s later; the stale VIP goes at that start.
  process.kill(m2.current()!.pid, 'SIGKILL');
  await m2.runs[0]!.exited;
  await waitFor(() => m2.runs.length === 2, { timeoutMs: 8000, message: 'respawned' });
  await m2.current()!.log.next((l) => l.msg === 'started', 8000);
  t.pass('respawned after the kill');
  const third = lab.nodes.find((n) => n.name !== first && n.name !== second)!;
  const after = await oneHolder(lab, rest, vip);
  t.ok([second, third.name].includes(after), `one holder after the respawn (${after})`);

  // k0s itself dies and starts again: it finds its keepalived still running (pid file) and stops it first.
  const c3 = cplbs.get(third.name)!;
  const old = c3.current()!;
  c3.abandon();
  const restarted = new FakeK0sCplb({ node: third, k0s, ...dirs.get(third.name)!, spec, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  restarted.init();
  await restarted.start();
  cplbs.set(third.name, restarted);
  t.match(await old.exited, { code: 0 }, "the old vipd got k0s's SIGTERM and exited 0");
  await restarted.current()!.log.next((l) => l.msg === 'started', 8000);
  t.not(restarted.current()!.pid, old.pid, 'a new one runs');
  restarted.setRealServers(lab.nodes.map((n) => n.ipv4));

  for (const [name, c] of cplbs) {
    const r = await c.stop();
    t.match(r, { code: 0, timedOut: false }, `${name}: exit 0`);
    t.ok(r.ms < 5000, `${name}: stopped in ${r.ms} ms`);
  }
  cplbs.clear();
  t.same(await vipHolders(lab.nodes, vip), [], 'no VIP left anywhere');
});

t.test('a keepalived user exists: k0s runs vipd as it, without capabilities; with setcap it works', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'setpriv', 'setcap', 'zip', 'unzip', 'touch', 'file', 'strip'], files: [{ path: KEEPALIVED, package: 'keepalived' }] })) return;
  const dir = scratchDir(t, 'k0s-user');
  chmodSync(dir, 0o755); // the keepalived user walks into it
  const uid = 64_999;
  const passwd = join(dir, 'passwd');
  writeFileSync(passwd, `root:x:0:0:root:/root:/bin/sh\nkeepalived:x:${uid}:${uid}::/nonexistent:/usr/sbin/nologin\n`);
  const plain = join(dir, 'vipd-plain');
  const capped = join(dir, 'vipd');
  copyFileSync(await sea(), plain);
  copyFileSync(plain, capped);
  chmodSync(plain, 0o755);
  chmodSync(capped, 0o755);
  await runOk(['setcap', 'cap_net_admin,cap_net_raw+ep', capped]);
  const k0s = join(dir, 'k0s');
  writeFakeK0s(k0s, payload());
  t.equal((await strip(k0s)).code, 0);
  const lab = await createLan(t, ['u1', 'u2']);
  const vip = lab.nodes[0]!.ipv4.replace(/\.\d+$/, '.201');
  // k0s's default load balancing (userspace proxy): keepalived does VRRP only, no notify scripts.
  const spec: CplbSpec = { instances: [{ interface: 'eth0', vrid: 61, authPass: 'Example1', vips: [`${vip}/24`] }] };
  const make = (n: LabNode, exe: string) => {
    const d = controller(dir, n, exe);
    for (const p of [join(dir, n.name), d.dataDir, d.runDir, join(d.dataDir, 'bin')]) chmodSync(p, 0o755);
    return new FakeK0sCplb({ node: n, k0s, ...d, spec, passwd, respawnMs: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  };

  // Without capabilities: vipd says what it needs and exits 1 (k0s would respawn it every 5 s).
  const bare = make(lab.nodes[0]!, plain);
  bare.init();
  t.equal(bare.uid, uid, 'k0s found the keepalived user');
  await bare.start();
  t.match(await bare.runs[0]!.exited, { code: 1 });
  t.ok(bare.runs[0]!.log.lines.some((l) => /^missing capabilities CAP_NET_ADMIN and CAP_NET_RAW/.test(String(l.msg))), 'it names the missing capabilities');
  await bare.stop();
  rmSync(join(dir, 'u1'), { recursive: true, force: true });

  const cplbs = lab.nodes.map((n) => make(n, capped));
  t.teardown(async () => { for (const c of cplbs) await c.stop(); });
  for (const c of cplbs) {
    c.init();
    await c.start();
  }
  for (const c of cplbs) {
    await c.current()!.log.next((l) => l.msg === 'started', 8000);
    const status = readFileSync(`/proc/${c.current()!.pid}/status`, 'utf8');
    t.match(status, new RegExp(`^Uid:\\s+${uid}\\s`, 'm'), 'runs as the keepalived user');
    t.match(status, /^Gid:\s+0\s/m, 'group root, as k0s sets it');
  }
  const holder = await oneHolder(lab, lab.nodes, vip);
  t.ok(holder, `${holder} holds the VIP as an unprivileged process with CAP_NET_ADMIN and CAP_NET_RAW`);
  for (const c of cplbs) {
    const r = await c.stop();
    t.match(r, { code: 0, timedOut: false });
    t.ok(r.ms < 5000);
  }
  t.same(await vipHolders(lab.nodes, vip), [], 'SIGTERM released it');
});
