// The process monitor of vrrp_track_process on the real kernel, both ways it follows processes:
// the process events connector (root in the initial network namespace: the test's own) and the
// fallback vipd uses inside a network namespace (a /proc scan, with a pidfd per interesting process
// so its exit is still seen at once). A process with a name of its own (a copy of sleep) is started,
// seen under that name, and killed: its exit is seen, well before the next scan.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ProcessMonitor, type ProcessChange } from '../../src/vrrp/track/process-monitor.js';
import { which } from '../../src/lab/which.js';
import { waitFor } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';

for (const connector of [true, false]) {
  t.test(connector ? 'with the proc connector' : 'with the /proc scan and pidfds', async (t) => {
    if (!requireEnv(t, { root: true, commands: ['sleep'] })) return;
    const dir = mkdtempSync(join(tmpdir(), 'vipd-pm-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const name = `vipdpm${process.pid % 100_000}${connector ? 'c' : 's'}`;
    copyFileSync(which('sleep')!, join(dir, name));
    const m = new ProcessMonitor({ cmdline: true, connector, scanIntervalMs: 200, interesting: (i) => i.comm === name });
    const modes: string[] = [];
    m.on('mode', (mode) => modes.push(mode));
    const seen: Array<ProcessChange & { at: number }> = [];
    m.on('process', (c) => seen.push({ ...c, at: Date.now() }));
    m.start();
    t.teardown(() => m.close());
    t.same(modes, [connector ? 'connector' : 'scan'], `the monitor follows processes by ${modes[0]}`);

    const child = spawn(join(dir, name), ['30'], { stdio: 'ignore' });
    t.teardown(() => { child.kill('SIGKILL'); });
    const pid = child.pid!;
    const started = await waitFor(() => seen.find((c) => c.pid === pid && c.info?.comm === name), { timeoutMs: 3000, intervalMs: 5, message: 'the process is seen' });
    t.same(started.info?.cmdline, [join(dir, name), '30'], 'with its command line');
    t.equal(m.processes().get(pid)?.comm, name, 'and in the table');

    const killedAt = Date.now();
    child.kill('SIGKILL');
    const gone = await waitFor(() => seen.find((c) => c.pid === pid && c.info === undefined), { timeoutMs: 3000, intervalMs: 5, message: 'its exit is seen' });
    t.comment(`exit seen after ${gone.at - killedAt} ms`);
    t.notOk(m.processes().has(pid), 'gone from the table');
  });
}
