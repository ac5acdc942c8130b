// SIGHUP through the process shell (src/daemon/run.ts) on a fake host: with 10,000 virtual servers
// x 3 real servers, each with a TCP_CHECK (the bench's file, bench/lib/lvs-conf.ts), one changed
// weight re-reads one block and sends exactly one SET_DEST; the checkers keep running; a bad
// file keeps the running configuration; the reload logs its phases at debug level and the status shows them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runDaemon } from '../../src/daemon/run.js';
import { queryStatus } from '../../src/daemon/status-server.js';
import * as C from '../../src/ipvs/constants.js';
import { renderVirtualServers, serviceAddress, realServerAddress, type LvsTable } from '../../bench/lib/lvs-conf.js';
import { captureLogger, fakeHost, settle } from '../helpers/daemon-fakes.js';
import { requireEnv } from '../helpers/require.js';

t.test('one weight among 10,000 services with TCP_CHECKs: one SET_DEST, nothing re-read, checkers kept', async (t) => {
  if (!requireEnv(t, { root: true })) return; // the capability check wants CAP_NET_ADMIN and CAP_NET_RAW
  const dir = t.testdir({});
  const file = join(dir, 'keepalived.conf');
  const table: LvsTable = { services: 10_000, dests: 3, check: { delayLoop: 6, connectTimeout: 3 } };
  writeFileSync(file, renderVirtualServers(table));
  // A Unix socket's path is at most 107 bytes: the test directory's is longer.
  const sockDir = mkdtempSync('/tmp/vipd-reload-');
  t.teardown(() => rmSync(sockDir, { recursive: true, force: true }));
  const sock = join(sockDir, 'vipd.sock');
  const host = fakeHost();
  const { log, lines } = captureLogger();
  const exit = runDaemon({
    configFile: file, logDetail: true, dumpConf: false, vrrpOnly: false, checkOnly: true, pidFile: join(dir, 'vipd.pid'),
    statusSocket: sock, dumpFile: join(dir, 'vipd.json'), nice: 0, jsonLogs: true,
  }, { deps: host.deps, log });
  const msgs = () => lines.map((l) => String(l.msg));
  while (!msgs().includes('started')) await settle(1);
  t.equal(host.ipvs.table.size, 10_000);
  // Timers armed from now on: a restarted checker arms a new one.
  let armed = 0;
  const arm = host.clock.setTimeout.bind(host.clock);
  host.clock.setTimeout = (fn: () => void, ms: number) => { armed++; return arm(fn, ms); };

  const reload = async (text: string, until: RegExp) => {
    writeFileSync(file, text);
    const from = lines.length;
    process.emit('SIGHUP');
    while (!lines.slice(from).some((l) => until.test(String(l.msg)))) await settle(1);
    return lines.slice(from);
  };
  const n = host.ipvs.commands.length;
  const changed = { service: 5000, dest: 0, weight: 2 };
  const got = await reload(renderVirtualServers({ ...table, changed }), /^reload phases/);
  t.same(host.ipvs.commands.slice(n).map((c) => c.cmd), [C.IPVS_CMD_SET_DEST], 'the one SET_DEST; no GET_SERVICE, no GET_DEST');
  t.equal(host.ipvs.table.get(`tcp:${serviceAddress(5000)}:80`)!.dests.get(`${realServerAddress(5000, 0)}:80`)!.weight, 2);
  const phases = got.find((l) => String(l.msg).startsWith('reload phases'))!;
  t.equal(phases.level, 20, 'debug level');
  t.match(phases.phasesMs, { read: Number, 'parse (block)': Number, plan: Number, checkers: Number, 'reconciler diff': Number, 'netlink send': Number });
  t.type(phases.firstSentMs, 'number');
  const status = await queryStatus(sock) as { lastReload?: unknown };
  t.same(status.lastReload, { startedAt: phases.startedAt, phasesMs: phases.phasesMs, totalMs: phases.totalMs, firstSentMs: phases.firstSentMs }, 'the status shows the last reload\'s phases');
  t.comment(String(phases.msg));
  t.equal(armed, 0, 'the 30,000 checkers keep their timers (none restarted)');

  // A bad line in the same block (a weight without its value, which keepalived refuses too):
  // rejected, the table keeps the last good weight.
  const m = host.ipvs.commands.length;
  const bad = await reload(renderVirtualServers({ ...table, changed: { ...changed, weight: '' as unknown as number } }), /^reload rejected/);
  t.match(bad.find((l) => /^reload rejected/.test(String(l.msg))), { line: Number });
  t.equal(host.ipvs.commands.length, m, 'nothing sent');
  t.equal(host.ipvs.table.get(`tcp:${serviceAddress(5000)}:80`)!.dests.get(`${realServerAddress(5000, 0)}:80`)!.weight, 2);
  // Back to the first file: one SET_DEST again.
  await reload(renderVirtualServers(table), /^reload phases/);
  t.same(host.ipvs.commands.slice(m).map((c) => c.cmd), [C.IPVS_CMD_SET_DEST]);
  t.equal(host.ipvs.table.get(`tcp:${serviceAddress(5000)}:80`)!.dests.get(`${realServerAddress(5000, 0)}:80`)!.weight, 1);
  process.emit('SIGTERM');
  t.equal(await exit, 0);
  t.equal(host.ipvs.table.size, 0);
});
