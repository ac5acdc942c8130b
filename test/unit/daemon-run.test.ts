// The process shell (src/daemon/run.ts) in-process on a fake host: signals are serialised behind
// start-up, a SIGHUP queued behind a start that fails does nothing (it used to program IPVS after
// the daemon had released everything), SIGTERM exits 0 and removes the pid file.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runDaemon } from '../../src/daemon/run.js';
import type { DaemonOptions } from '../../src/daemon/options.js';
import { captureLogger, fakeHost, settle } from '../helpers/daemon-fakes.js';
import { requireEnv } from '../helpers/require.js';

const CONF = (iface: string) => `vrrp_instance VI {
  interface ${iface}
  virtual_router_id 51
  virtual_ipaddress {
    10.1.1.10/24
  }
}
virtual_server 10.1.1.10 80 {
  protocol TCP
  real_server 10.1.1.2 80 {
  }
}
`;

function options(dir: string, conf: string): DaemonOptions {
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, conf);
  return {
    configFile: file, logDetail: false, dumpConf: false, vrrpOnly: false, checkOnly: false, pidFile: join(dir, 'vipd.pid'),
    statusSocket: join(dir, 'vipd.sock'), dumpFile: join(dir, 'vipd.json'), nice: 0, jsonLogs: true,
  };
}

const msgs = (lines: Array<Record<string, unknown>>) => lines.map((l) => String(l.msg));

const ours = (sig: NodeJS.Signals, before: number) => process.listenerCount(sig) - before;

t.test('a SIGHUP during start-up waits for it; SIGUSR1 answers at once; SIGTERM exits 0, pid file gone', async (t) => {
  if (!requireEnv(t, { root: true })) return; // the capability check wants CAP_NET_ADMIN and CAP_NET_RAW
  const dir = t.testdir({});
  const host = fakeHost();
  const { log, lines } = captureLogger();
  const before = process.listenerCount('SIGHUP');
  const exit = runDaemon(options(dir, CONF('eth0')), { deps: host.deps, log });
  t.equal(ours('SIGHUP', before), 1, 'handlers in place from the start');
  t.ok(existsSync(join(dir, 'vipd.pid')), 'pid file written before start-up');
  process.emit('SIGHUP');
  process.emit('SIGUSR1');
  t.ok(msgs(lines).includes(`state dumped to ${join(dir, 'vipd.json')}`), 'SIGUSR1 answered at once, even during start-up');
  while (!msgs(lines).includes('reloaded')) await settle(1);
  process.emit('SIGTERM');
  t.equal(await exit, 0);
  t.same(msgs(lines).filter((x) => ['started', 'reloading', 'reloaded', 'stopping', 'stopped'].includes(x)), ['started', 'reloading', 'reloaded', 'stopping', 'stopped']);
  t.notOk(existsSync(join(dir, 'vipd.pid')), 'pid file removed');
  t.equal(ours('SIGHUP', before), 0, 'our signal handlers are gone');
});

t.test('a SIGTERM during start-up: start-up finishes, then everything is released', async (t) => {
  if (!requireEnv(t, { root: true })) return;
  const dir = t.testdir({});
  const host = fakeHost();
  const { log, lines } = captureLogger();
  const exit = runDaemon(options(dir, CONF('eth0')), { deps: host.deps, log });
  process.emit('SIGHUP');
  process.emit('SIGTERM');
  process.emit('SIGTERM');
  t.equal(await exit, 0);
  t.same(msgs(lines).filter((x) => ['started', 'reloading', 'stopping', 'already stopping', 'stopped'].includes(x)), ['stopping', 'already stopping', 'stopped'],
    'no reload once stopping, no endpoints opened');
  t.ok(host.router().closed, 'the instance was started and stopped');
  t.notOk(existsSync(join(dir, 'vipd.sock')), 'no status socket');
});

t.test('a SIGHUP queued behind a start that fails does nothing', async (t) => {
  if (!requireEnv(t, { root: true })) return;
  const dir = t.testdir({});
  const host = fakeHost({ autoLinks: false });
  const { log, lines } = captureLogger();
  const exit = runDaemon(options(dir, CONF('eth9')), { deps: host.deps, log });
  process.emit('SIGHUP');
  t.equal(await exit, 1);
  await settle();
  t.match(lines.find((l) => String(l.msg).startsWith('start failed')), { msg: 'start failed: no such link: eth9' });
  t.notOk(msgs(lines).includes('reloading'), 'the reload never ran');
  t.equal(host.ipvs.table.size, 0, 'no virtual server programmed after the failed start');
  t.ok(host.closed, 'everything released');
});

t.test('a config that does not load: exit 1 before anything, handlers removed', async (t) => {
  const dir = t.testdir({});
  const before = process.listenerCount('SIGTERM');
  const { log, lines } = captureLogger();
  t.equal(await runDaemon(options(dir, 'vrrp_instance {\n'), { deps: fakeHost().deps, log }), 1);
  t.equal(lines.length, 1);
  t.notOk(existsSync(join(dir, 'vipd.pid')));
  t.equal(ours('SIGTERM', before), 0);
});
