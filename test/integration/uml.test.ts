// The kernel lab: Debian's user-mode-linux kernel boots with IPVS and dummy links, runs a script,
// brings back its exit code and output, and never outlives its timeout.
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { runInUml } from '../helpers/uml.js';

/** Host processes of one UML run (kernel and helpers; none may survive it). */
function umlProcesses(runDir: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`vipd_dir=${runDir}\0`)) out.push(Number(p));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

t.test('smoke: ipvsadm and dummy links work inside UML', async (t) => {
  if (!requireEnv(t, { root: true, uml: true, commands: ['ipvsadm', 'ip'] })) return;
  const r = await runInUml('dist/test/fixtures/uml-smoke.js', { timeoutMs: 60_000 });
  t.comment(`UML boot ${r.bootMs} ms, modules + lo ${r.readyMs} ms, whole run ${r.totalMs} ms`);
  t.equal(r.code, 0, 'fixture exit status', { output: r.output, initLog: r.initLog, console: r.console.slice(-3000) });
  t.same(r.missingModules, [], 'all modules loaded');
  const checks = r.output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { check: string; ok: boolean; out?: string });
  const by = new Map(checks.map((c) => [c.check, c]));
  t.ok(by.get('ipvsadm')?.ok, 'ipvsadm -Ln');
  t.match(by.get('ipvsadm')?.out ?? '', /IP Virtual Server version/);
  t.ok(by.get('dummy')?.ok, 'ip link add d0 type dummy');
  t.match(by.get('dummy-listed')?.out ?? '', /"ifname":"d0"/);
  for (const s of ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh']) {
    t.match(by.get('schedulers')?.out ?? '', new RegExp(`\\bip_vs_${s}\\b`), `scheduler ${s} loaded`);
  }
  t.match(by.get('kernel')?.out ?? '', /^6\./);
  t.same(umlProcesses(r.runDir), [], 'no UML process left');
});

t.test('our rtnetlink client and the IPVS genetlink family inside UML', async (t) => {
  if (!requireEnv(t, { root: true, uml: true })) return;
  // test/fixtures/uml-netlink.ts belongs to the netlink engineer; it must exist by now.
  const fixture = 'dist/test/fixtures/uml-netlink.js';
  if (!existsSync(join(repoRoot, fixture))) {
    t.fail(`${fixture} is missing (test/fixtures/uml-netlink.ts not written or not compiled)`);
    return;
  }
  const r = await runInUml(fixture, { timeoutMs: 60_000 });
  t.equal(r.code, 0, 'uml-netlink exit status', { output: r.output, initLog: r.initLog });
  t.comment(r.output.trim());
});

t.test('a hanging script is killed at the timeout', async (t) => {
  if (!requireEnv(t, { root: true, uml: true })) return;
  const started = Date.now();
  const r = await runInUml('dist/test/fixtures/uml-hang.js', { timeoutMs: 6000 });
  t.ok(r.timedOut, 'reported as timed out');
  t.equal(r.code, 124);
  t.ok(Date.now() - started < 12_000, 'returned soon after the timeout');
  t.same(umlProcesses(r.runDir), [], 'no UML process left');
});

t.test('a missing script is a clear error', async (t) => {
  await t.rejects(runInUml('dist/test/fixtures/does-not-exist.js'), /does not exist|linux\.uml is missing/);
});
