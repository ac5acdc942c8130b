// Running programs (notify scripts, script probes): exit codes and signals come back, a hanging
// script and everything it started are stopped at the timeout, nothing is left behind (no
// process of its group, no zombie of ours), a missing program fails cleanly, uid/gid apply,
// and a probe whose last run is still going is not started twice.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import {
  listProcesses, lookupRunAs, newCommandStats, runCommand, scriptProbe, UserLookupError, type CommandResult,
} from '../../src/health/index.js';
import { runNotify } from '../../src/vrrp/notify.js';
import { Tracker } from '../../src/vrrp/track/tracker.js';
import { cleanNodeOptions, repoRoot, run, waitFor } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';

/** Nothing of the run is left: no process in its group (an orphan init has not reaped yet aside), no zombie child of ours. */
async function nothingLeft(t: Test, r: CommandResult): Promise<void> {
  await waitFor(() => !listProcesses().some((p) => p.pgrp === r.pid), { timeoutMs: 3000, message: `process group ${r.pid} empty` })
    .then(() => t.pass('no process left in the group'), (e: Error) => t.fail(e.message, { left: listProcesses().filter((p) => p.pgrp === r.pid) }));
  t.same(listProcesses().filter((p) => p.ppid === process.pid && p.state === 'Z'), [], 'no zombie child');
}

const isRunning = (pid: number) => listProcesses().some((p) => p.pid === pid && p.state !== 'Z');

t.test('exit status and signal come back', async (t) => {
  const stats = newCommandStats();
  const exit3 = await runCommand(['sh', '-c', 'exit 3'], { stats });
  t.match(exit3, { code: 3, signal: null, timedOut: false, killed: false });
  const usr1 = await runCommand(['sh', '-c', 'kill -USR1 $$'], { stats });
  t.match(usr1, { code: null, signal: 'SIGUSR1', timedOut: false });
  t.match(stats, { started: 2, running: 0, timedOut: 0, killed: 0, spawnFailed: 0 });
  await nothingLeft(t, usr1);
});

t.test('a program that does not exist fails cleanly', async (t) => {
  const stats = newCommandStats();
  const r = await runCommand(['/nonexistent/vipd-test-program', 'arg'], { stats });
  t.match(r, { code: null, signal: null, error: /ENOENT/ });
  t.equal(r.pid, undefined);
  t.match(stats, { started: 0, spawnFailed: 1, running: 0 });
  t.match(await runCommand([], { stats }), { error: 'empty command' });
  t.equal(stats.spawnFailed, 2);
});

t.test('a hanging script and its children are stopped at the timeout', async (t) => {
  const stats = newCommandStats();
  // Prints the pid of a background child, then hangs.
  const r = await runCommand(['sh', '-c', 'sleep 60 & echo $!; sleep 60'], { timeoutMs: 300, output: 'capture', stats });
  t.match(r, { timedOut: true, killed: false, signal: 'SIGTERM' });
  t.ok(r.durationMs >= 280 && r.durationMs < 2000, `stopped after ${r.durationMs} ms`);
  const grandchild = Number(r.stdout?.trim());
  t.ok(grandchild > 0, 'output captured up to the kill');
  t.notOk(isRunning(grandchild), 'the background child is gone too');
  t.match(stats, { started: 1, timedOut: 1, killed: 0, running: 0 });
  await nothingLeft(t, r);
});

t.test('a script that ignores SIGTERM gets SIGKILL after the grace', async (t) => {
  const stats = newCommandStats();
  // The ignored SIGTERM is inherited by the background child.
  const r = await runCommand(['sh', '-c', 'trap "" TERM; sleep 60 & echo $!; sleep 60'], { timeoutMs: 200, killGraceMs: 300, output: 'capture', stats });
  t.match(r, { timedOut: true, killed: true, signal: 'SIGKILL' });
  t.ok(r.durationMs >= 480 && r.durationMs < 2500, `killed after ${r.durationMs} ms`);
  t.notOk(isRunning(Number(r.stdout?.trim())), 'the background child is gone too');
  t.match(stats, { timedOut: 1, killed: 1, running: 0 });
  await nothingLeft(t, r);
});

t.test('an abort stops the run like a timeout', async (t) => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const r = await runCommand(['sleep', '60'], { signal: ac.signal, stats: newCommandStats() });
  t.match(r, { aborted: true, timedOut: false, signal: 'SIGTERM' });
});

t.test('the environment is exactly the one given; output ignored unless asked', async (t) => {
  const r = await runCommand(['/bin/sh', '-c', 'echo "$FOO|$PATH|$HOME"'], { env: { FOO: 'bar', PATH: '/usr/bin:/bin' }, output: 'capture' });
  t.equal(r.stdout, 'bar|/usr/bin:/bin|\n');
  t.equal(r.stderr, '');
  const quiet = await runCommand(['echo', 'hello']);
  t.equal(quiet.stdout, undefined);
  t.equal(quiet.code, 0);
});

t.test('uid and gid apply: a script run as nobody', async (t) => {
  if (!requireEnv(t, { root: true })) return;
  const nobody = lookupRunAs('nobody');
  t.equal(nobody.uid, 65534);
  const ids = await runCommand(['sh', '-c', 'id -u; id -g; id -G'], { ...nobody, output: 'capture' });
  t.equal(ids.stdout, `65534\n${nobody.gid}\n${nobody.gid}\n`, 'uid, gid, and no supplementary group of ours');
  const grouped = lookupRunAs('nobody', 'nogroup');
  const g = await runCommand(['id', '-g'], { ...grouped, output: 'capture' });
  t.equal(g.stdout?.trim(), String(grouped.gid));
  t.throws(() => lookupRunAs('vipd-no-such-user'), UserLookupError);
  t.throws(() => lookupRunAs('nobody', 'vipd-no-such-group'), /script group "vipd-no-such-group" does not exist/);
  // A script the user may not execute fails to start, cleanly.
  const denied = await runCommand(['/root/vipd-not-there-or-not-allowed'], { ...nobody, stats: newCommandStats() });
  t.match(denied, { code: null, error: /EACCES|ENOENT/ });
});

t.test('script probes: exit 0 is up, anything else down with the reason', async (t) => {
  t.same(await scriptProbe(['true'])(2000), { ok: true });
  t.same(await scriptProbe(['sh', '-c', 'exit 2'])(2000), { ok: false, reason: 'exit 2' });
  t.same(await scriptProbe(['/nonexistent/check'])(2000), { ok: false, reason: 'spawn /nonexistent/check ENOENT' });
  t.same(await scriptProbe({ argv: ['sleep', '60'] })(200), { ok: false, reason: 'killed by SIGTERM after a 200 ms timeout' });
});

t.test('a probe whose previous run is still going is not started again', async (t) => {
  const stats = newCommandStats();
  const probe = scriptProbe({ argv: ['sleep', '0.5'], stats });
  const [first, second] = await Promise.all([probe(3000), probe(3000)]);
  t.same(first, { ok: true });
  t.same(second, { ok: false, reason: 'previous run still running' });
  t.match(stats, { started: 1, skippedBusy: 1 });
  t.same(await probe(3000), { ok: true }, 'runs again once the first is done');
});

t.test('notify scripts: killed at their timeout', async (t) => {
  // A notify run does not keep the process alive (see below): something else must, as in the daemon.
  const alive = setInterval(() => undefined, 1000);
  t.teardown(() => clearInterval(alive));
  const r = await runNotify({ argv: ['sleep', '60'] }, { timeoutMs: 200, stats: newCommandStats() });
  t.match(r, { argv: ['sleep', '60'], timedOut: true, signal: 'SIGTERM', code: null });
  t.match(await runNotify({ argv: ['/nonexistent/notify'] }, { stats: newCommandStats() }), { error: /ENOENT/, timedOut: false });
});

t.test('a running notify script does not hold up a stopping vipd', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-notify-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const pidFile = join(dir, 'pid');
  const script = `import('${join(repoRoot, 'dist/src/vrrp/notify.js')}').then((m) => { m.runNotify({ argv: ['sh', '-c', 'echo $$ > ${pidFile}; sleep 30'] }); });`;
  const t0 = Date.now();
  const r = await run([...cleanNodeOptions(), process.execPath, '-e', script], { timeoutMs: 10_000 });
  t.equal(r.code, 0, 'node exited by itself');
  t.ok(Date.now() - t0 < 5000, `within ${Date.now() - t0} ms, not after the script's 30 s`);
  const pid = Number(await waitFor(() => { try { return readFileSync(pidFile, 'utf8').trim(); } catch { return ''; } }, { message: 'script started' }));
  t.ok(isRunning(pid), 'the script goes on');
  process.kill(-pid, 'SIGKILL');
});

t.test('a stopped tracker stops the script it is running', async (t) => {
  const stats = newCommandStats();
  const tracker = new Tracker({ name: 'hang', probe: scriptProbe({ argv: ['sleep', '60'], stats }), intervalMs: 10_000, timeoutMs: 30_000 });
  tracker.start();
  await waitFor(() => stats.running === 1, { message: 'script started' });
  tracker.stop();
  await waitFor(() => stats.running === 0, { timeoutMs: 3000, message: 'script stopped' });
  t.equal(stats.timedOut, 0, 'stopped, not timed out');
});
