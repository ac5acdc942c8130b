// The broken-config corpus through the command line: `vipd -t -f FILE` and `vipd check-config -f
// FILE` exit 1 with exactly the loader's file:line message; valid configs exit 0 (5 with warnings); the daemon
// started on a broken config exits non-zero before touching anything; bad arguments exit 2.
import { readdirSync, writeFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { loadKeepalivedConfig } from '../../src/config/index.js';
import { cleanNodeOptions, createLan, repoRoot, run } from '../helpers/netns-lab.js';
import { linksNetns } from '../helpers/links-netns.js';
import { requireEnv } from '../helpers/require.js';
import { VIPD, addressesOf, k0sFlags, renderK0sKeepalived } from '../helpers/daemon-lab.js';

const fixtures = path.join(repoRoot, 'test/fixtures/config');
const broken = path.join(fixtures, 'broken');
// Without tap's --import hook, which its process tracking puts back into every child (slow).
const vipd = (args: string[]) => run([...cleanNodeOptions(), 'node', VIPD, ...args], { timeoutMs: 20_000 });

/** Runs fn over items, `width` at a time (2 cores: node start-up dominates). */
async function pool<T, R>(items: T[], width: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

// A corpus config keepalived runs (test/fixtures/keepalived-outcomes.ts) loads with warnings: exit 5.
t.test('broken corpus: -t and check-config exit 1 with the exact file:line message (5 with the warnings where keepalived runs it)', async (t) => {
  const files = readdirSync(broken).filter((f) => f.endsWith('.conf')).sort();
  t.ok(files.length >= 30, `at least 30 broken configs (${files.length})`);
  const expected = new Map<string, string | { warnings: string[] }>(files.map((f): [string, string | { warnings: string[] }] => {
    try {
      const { warnings } = loadKeepalivedConfig(path.join(broken, f));
      return [f, { warnings: warnings.map((w) => `warning: ${w.file}:${w.line}: ${w.message}`) }];
    } catch (e) {
      return [f, e instanceof ConfigError ? e.message : `not a ConfigError: ${String(e)}`];
    }
  }));
  const t0 = Date.now();
  const results = await pool(files.flatMap((f) => [['-t', '-f', path.join(broken, f)], ['check-config', '-f', path.join(broken, f)]]), 3, vipd);
  t.comment(`${results.length} runs in ${Date.now() - t0} ms`);
  files.forEach((f, i) => {
    const want = expected.get(f)!;
    if (typeof want !== 'string') {
      for (const [k, r] of [['-t', results[2 * i]!], ['check-config', results[2 * i + 1]!]] as const) {
        t.equal(r.code, 5, `${f} ${k}: exit 5 (runs, with warnings)`);
        for (const w of want.warnings) t.ok(r.stderr.includes(w), `${f} ${k}: ${w}`);
      }
      return;
    }
    t.match(want, /^\/\S+:\d+: /, `${f}: the loader's message starts with file:line`);
    for (const [k, r] of [['-t', results[2 * i]!], ['check-config', results[2 * i + 1]!]] as const) {
      t.equal(r.code, 1, `${f} ${k}: exit 1`);
      t.equal(r.stderr, `${want}\n`, `${f} ${k}: exactly the file:line message`);
      t.equal(r.stdout, '', `${f} ${k}: nothing on stdout`);
    }
  });
  // A few spelled out, so a change in the loader's wording shows here too.
  const spot: Record<string, string> = {
    '04-vrid-256.conf': '04-vrid-256.conf:4: virtual_router_id: 256 is out of range 1..255',
    '03-vrid-0.conf': '03-vrid-0.conf:4: virtual_router_id: 0 is out of range 1..255',
    '13-no-interface.conf': "13-no-interface.conf:1: vrrp_instance VI_1: no 'interface'",
    '14-no-vrid.conf': "14-no-vrid.conf:1: vrrp_instance VI_1: no 'virtual_router_id'",
    // keepalived runs it: the blocks end with the config, a warning each.
    '01-unbalanced-open.conf': [
      "warning: 01-unbalanced-open.conf:4: missing '}': block 'authentication' is not closed, the rest of the config (line 5) is read inside it as keepalived does",
      "warning: 01-unbalanced-open.conf:1: missing '}': block 'vrrp_instance' is not closed, the rest of the config (lines 2-5) is read inside it as keepalived does",
      'warning: 01-unbalanced-open.conf:1: vrrp_instance VI_1: no virtual_ipaddress; at least one is sensible',
    ].join('\n'),
  };
  for (const [f, msg] of Object.entries(spot)) {
    const r = results[2 * files.indexOf(f)]!;
    t.equal(r.stderr.trim().replaceAll(`${broken}/`, ''), msg, `${f}: spelled out`);
  }
});

t.test('valid configs exit 0, or 5 with warnings (keepalived 2.2.7\'s codes); interfaces must exist', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const ns = await linksNetns(t, ['eth0', 'eth1', 'ens3']);
  const vipdIn = (args: string[]) => ns.exec(['node', VIPD, ...args]);
  const counts: Record<string, [number, number]> = { 'k0s-single-backup': [1, 0], 'k0s-single-master': [1, 1], 'k0s-multi': [2, 2], 'k0s-unicast': [1, 0] };
  for (const [d, [vrrp, vs]] of Object.entries(counts)) {
    const file = path.join(fixtures, d, 'keepalived.conf');
    const r = await vipdIn(['-t', '-f', file]);
    t.equal(r.code, 0, `${d}: exit 0`, { stderr: r.stderr });
    t.equal(r.stdout, `${file}: OK (${vrrp} VRRP instance(s), ${vs} virtual server(s))\n`);
    t.equal(r.stderr, '', `${d}: no warning`);
    const c = await vipdIn(['check-config', '--use-file', file]);
    t.equal(c.code, 0, `${d}: check-config exit 0`);
  }
  const missingFile = path.join(fixtures, 'k0s-single-missing', 'keepalived.conf');
  const missing = await vipdIn(['-t', '-f', missingFile]);
  t.equal(missing.code, 5, 'a missing include: runs, with a warning: exit 5');
  t.match(missing.stderr, /^warning: \S+keepalived\.conf:45: include /, 'the warning has file:line');
  t.match(missing.stdout, `${missingFile}: OK with 1 warning(s)`);
  const onlyEth0 = await linksNetns(t, ['eth0']);
  const noLink = await onlyEth0.exec(['node', VIPD, '-t', '-f', path.join(fixtures, 'k0s-multi', 'keepalived.conf')]);
  t.equal(noLink.code, 5, 'an interface that does not exist: exit 5, as keepalived');
  t.match(noLink.stderr, /^warning: \S+keepalived\.conf:\d+: interface eth1 for vrrp_instance k0s-vip-1 does not exist$/m);
  const k0s = await vipdIn(['-t', '--k0s-config', path.join(fixtures, 'k0s', 'bare-unicast.yaml')]);
  t.equal(k0s.code, 0, 'k0s YAML: exit 0', { stderr: k0s.stderr });
  const none = await vipdIn(['-t', '-f', '/nonexistent/keepalived.conf']);
  t.equal(none.code, 1);
  t.match(none.stderr, /^\/nonexistent\/keepalived\.conf: cannot read configuration: ENOENT/);
});

t.test('-i/--config-id selects @id lines', async (t) => {
  const dir = t.testdir({
    'k.conf': 'vrrp_instance V {\n  interface eth0\n  @main virtual_router_id 240\n  @^main virtual_router_id 300\n  virtual_ipaddress {\n    10.0.0.1/24\n  }\n}\n',
  });
  const file = path.join(dir, 'k.conf');
  for (const flag of ['-i', '--config-id']) {
    const r = await vipd(['-t', flag, 'main', '-f', file]);
    t.not(r.code, 1, `${flag} main: only the @main line applies`, { stderr: r.stderr });
  }
  const other = await vipd(['-t', '-i', 'backup', '-f', file]);
  t.equal(other.code, 1, '-i backup: the @^main line applies (virtual_router_id 300 is out of range)');
  t.match(other.stderr, /k\.conf:4: virtual_router_id: 300 is out of range 1\.\.255/);
  const bad = await vipd(['-t', '-i']);
  t.equal(bad.code, 2, '-i without a value is a usage error');
  const help = await vipd(['--help']);
  t.match(help.stdout, /--config-id/);
  t.match(help.stdout.replace(/\s+/g, ' '), /0 the configuration is OK; 5 it runs, with warnings \(printed with file:line\); 1 it cannot run/, '--help documents the exit codes');
});

t.test('command-line errors exit 2 with a clear message', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--bogus'], /Unknown argument: bogus/],
    [['--metrics'], /Not enough arguments following: metrics/],
    [['--metrics', '127.0.0.1:99999'], /--metrics: expected \[host:\]port/],
    [['-P', '-C'], /--vrrp and --check exclude each other/],
    [['--use-file'], /Not enough arguments following: use-file/],
    [['--k0s-controllers', '10.0.0.1'], /--k0s-controllers needs --k0s-config/],
    [['--k0s-config', 'x.yaml', '--k0s-controllers', '10.0.0.1,nope'], /'nope' is not an IP address/],
    [['status', '--nope'], /Unknown argument: nope/],
  ];
  for (const [args, msg] of cases) {
    const r = await vipd(args);
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    t.match(r.stderr, msg, `${args.join(' ')}: says why`);
    t.match(r.stderr, /vipd --help/, 'points at --help');
  }
  const v = await vipd(['--version']);
  t.equal(v.code, 0);
  t.match(v.stdout, /^vipd \d+\.\d+\.\d+/);
});

t.test('the daemon on a broken config exits non-zero before touching anything', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['b1']);
  const n = lab.nodes[0]!;
  const vip = n.ipv4.replace(/\.\d+$/, '.220');
  const conf = path.join(lab.dir, 'keepalived.conf');
  // A valid instance first, the error last: nothing of the instance may be applied.
  const good = renderK0sKeepalived({ instances: [{ interface: 'eth0', vrid: 51, authPass: 'x', vips: [`${vip}/24`] }], virtualServers: false });
  writeFileSync(conf, `${good}vrrp_instance VI_X {\n    interface eth0\n}\n`);
  const before = await addressesOf(n);
  const monitor = n.spawn(['ip', '-o', 'monitor', 'address']);
  let events = '';
  monitor.stdout?.on('data', (d: Buffer) => { events += d.toString(); });
  await new Promise((r) => setTimeout(r, 300));
  const sock = path.join(lab.dir, 'vipd.sock');
  const r = await n.exec(['node', VIPD, ...k0sFlags(conf), '--status-socket', sock, '--pid', path.join(lab.dir, 'vipd.pid')], { timeoutMs: 10_000 });
  t.equal(r.code, 1, 'exit 1');
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const lineNo = good.split('\n').length;
  t.same(lines.map((l) => l.msg), [`${conf}:${lineNo}: vrrp_instance VI_X: no 'virtual_router_id'`],
    'one log line: the error with file:line');
  await new Promise((res) => setTimeout(res, 300));
  t.same(await addressesOf(n), before, 'no address added');
  t.equal(events, '', 'no address event at all');
  t.notOk(existsSync(sock), 'no status socket');
  t.notOk(existsSync(path.join(lab.dir, 'vipd.pid')), 'no pid file');
});
