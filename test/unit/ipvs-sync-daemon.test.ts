// The connection sync daemon and connection timeouts on the wire, against golden bytes captured
// inside Debian's user-mode-linux 6.1 kernel with
//   strace -f -e trace=sendmsg,recvmsg -x -s 600 ipvsadm --start-daemon ... / --stop-daemon / -L --daemon / --set
// (ipvsadm 1.31); each row set is a generic netlink payload: the 4-byte genl header and the
// attributes. Then the pure decisions: which daemons run for which VRRP role, and in which order
// they switch (keepalived 2.2.7's, observed under strace: the old role's daemon stops first).
import t from 'tap';
import { AttributeDecoder } from '../../src/netif/netlink/attributes.js';
import { IpvsClient, decodeNested } from '../../src/ipvs/client.js';
import * as C from '../../src/ipvs/constants.js';
import { unpackSyncDaemon, type SyncDaemon } from '../../src/ipvs/sync-daemon.js';
import { syncDaemonSteps, wantedSyncDaemons } from '../../src/ipvs/sync-daemon-plan.js';
import { timeoutsToSet } from '../../src/ipvs/timeouts.js';
import { FakeIpvsKernel } from '../helpers/ipvs-fake-kernel.js';

const hex = (rows: string[]) => Buffer.from(rows.join(' ').replace(/\s+/g, ''), 'hex');
const genl = (cmd: number, attrs: Buffer) => Buffer.concat([Buffer.from([cmd, 1, 0, 0]), attrs]);

// ipvsadm --start-daemon master --mcast-interface eth0 --syncid 7
const START_MASTER = hex([
  '09 01 00 00 20 00 03 80 08 00 01 00 01 00 00 00', // NEW_DAEMON; DAEMON nest (NLA_F_NESTED); STATE=master
  '09 00 02 00 65 74 68 30 00 00 00 00 08 00 03 00', // MCAST_IFN "eth0\0"; SYNC_ID
  '07 00 00 00',                                     // = 7
]);
// ipvsadm --start-daemon backup --mcast-interface eth0 --syncid 9 --sync-maxlen 1400 --mcast-port 9000
//   --mcast-ttl 3 --mcast-group 224.0.0.99
const START_BACKUP_ALL = hex([
  '09 01 00 00 40 00 03 80 08 00 01 00 02 00 00 00', // STATE=backup
  '09 00 02 00 65 74 68 30 00 00 00 00 08 00 03 00', // "eth0"; SYNC_ID
  '09 00 00 00 06 00 04 00 78 05 00 00 06 00 07 00', // 9; SYNC_MAXLEN=1400 (host order); MCAST_PORT
  '28 23 00 00 05 00 08 00 03 00 00 00 08 00 05 00', // 9000 (host order!); MCAST_TTL=3; MCAST_GROUP
  'e0 00 00 63',                                     // 224.0.0.99
]);
// ipvsadm --stop-daemon master
const STOP_MASTER = hex([
  '0a 01 00 00 1c 00 03 80 08 00 01 00 01 00 00 00', // DEL_DAEMON; STATE=master
  '05 00 02 00 00 00 00 00 08 00 03 00 00 00 00 00', // MCAST_IFN ""; SYNC_ID=0
]);
// ipvsadm -L --daemon: the request is a dump of GET_DAEMON with no attributes ...
const GET_DAEMON = hex(['0b 01 00 00']);
// ... and the kernel's two replies (cmd NEW_DAEMON, the DAEMON nest without NLA_F_NESTED).
const REPLY_MASTER = hex([
  '09 01 00 00 40 00 03 00 08 00 01 00 01 00 00 00 09 00 02 00 65 74 68 30 00 00 00 00 08 00 03 00',
  '07 00 00 00 06 00 04 00 c0 05 00 00 06 00 07 00 90 22 00 00 05 00 08 00 01 00 00 00 08 00 05 00',
  'e0 00 00 51',
]);
const REPLY_BACKUP = hex([
  '09 01 00 00 40 00 03 00 08 00 01 00 02 00 00 00 09 00 02 00 65 74 68 30 00 00 00 00 08 00 03 00',
  '09 00 00 00 06 00 04 00 78 05 00 00 06 00 07 00 28 23 00 00 05 00 08 00 03 00 00 00 08 00 05 00',
  'e0 00 00 63',
]);
// ipvsadm --set 100 20 30
const SET_CONFIG = hex([
  '0c 01 00 00 08 00 04 00 64 00 00 00 08 00 05 00', // SET_CONFIG; TIMEOUT_TCP=100; TIMEOUT_TCP_FIN
  '14 00 00 00 08 00 06 00 1e 00 00 00',             // =20; TIMEOUT_UDP=30
]);

const sent = (k: FakeIpvsKernel, i = -1) => {
  const c = k.commands.at(i)!;
  return genl(c.cmd, c.attrs);
};

t.test('NEW_DAEMON / DEL_DAEMON / GET_DAEMON / SET_CONFIG: the bytes ipvsadm sends', async (t) => {
  const k = new FakeIpvsKernel();
  const client = await IpvsClient.open({ genl: k });
  await client.startDaemon({ state: 'master', interface: 'eth0', syncId: 7 });
  t.same(sent(k), START_MASTER, '--start-daemon master --mcast-interface eth0 --syncid 7');
  await client.startDaemon({ state: 'backup', interface: 'eth0', syncId: 9, maxLen: 1400, port: 9000, ttl: 3, group: '224.0.0.99' });
  t.same(sent(k), START_BACKUP_ALL, 'every option, in ipvsadm\'s order; port and maxlen in host order');
  const listed = await client.daemons();
  t.same(sent(k), GET_DAEMON);
  t.equal(k.commands.at(-1)!.flags & 0x300, 0x300, 'GET_DAEMON is a dump');
  t.same(listed.map((d) => d.state).sort(), ['backup', 'master']);
  await client.stopDaemon('master');
  t.same(sent(k), STOP_MASTER, '--stop-daemon master');
  await client.setConfig({ tcp: 100, tcpFin: 20, udp: 30 });
  t.same(sent(k), SET_CONFIG, '--set 100 20 30');
  t.same(k.timeouts, { tcp: 100, tcpFin: 20, udp: 30 });
  // Kernel refusals, explained.
  t.match(await client.startDaemon({ state: 'backup', interface: 'eth0', syncId: 1 }).catch((e: unknown) => e),
    { code: 'VIPD_ERR_IPVS', op: 'startDaemon', syscallCode: 'EEXIST', message: /backup sync daemon on eth0: a sync daemon of that state runs already/ });
  t.match(await client.stopDaemon('master').catch((e: unknown) => e), { syscallCode: 'ESRCH', message: /no sync daemon of that state runs/ });
  t.match(await client.startDaemon({ state: 'master', interface: 'nope0', syncId: 1 }).catch((e: unknown) => e), { syscallCode: 'ENODEV', message: /no such interface/ });
  await t.rejects(client.startDaemon({ state: 'master', interface: 'a-very-long-name0', syncId: 1 }), /1\.\.15 bytes/, 'checked before anything is sent');
});

t.test('GET_DAEMON replies decode as ipvsadm -L --daemon prints them', async (t) => {
  const decode = (m: Buffer) => decodeNested({ cmd: m[0]!, version: m[1]!, attrs: m.subarray(4) }, C.IPVS_CMD_ATTR_DAEMON, unpackSyncDaemon);
  // master sync daemon (mcast=eth0, syncid=7, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)
  t.same(decode(REPLY_MASTER), { state: 'master', interface: 'eth0', syncId: 7, maxLen: 1472, group: '224.0.0.81', port: 8848, ttl: 1 });
  // backup sync daemon (mcast=eth0, syncid=9, maxlen=1400, group=224.0.0.99, port=9000, ttl=3)
  t.same(decode(REPLY_BACKUP), { state: 'backup', interface: 'eth0', syncId: 9, maxLen: 1400, group: '224.0.0.99', port: 9000, ttl: 3 });
  // Bad replies are decode errors, not crashes.
  const bad = (rows: string[]) => () => unpackSyncDaemon(new AttributeDecoder(hex(rows)));
  t.throws(bad(['08 00 01 00 07 00 00 00 09 00 02 00 65 74 68 30 00 00 00 00']), /sync daemon in state 7/);
  t.throws(bad(['08 00 01 00 01 00 00 00']), /without IPVS_DAEMON_ATTR_MCAST_IFN/);
  t.throws(bad(['08 00 01 00 01 00 00 00 05 00 02 00 00 00 00 00 06 00 05 00 e0 00 00 00']), /IPv4 group of 2 bytes/);
  // An IPv6 group has its own attribute, 16 bytes.
  const k = new FakeIpvsKernel();
  const client = await IpvsClient.open({ genl: k });
  await client.startDaemon({ state: 'master', interface: 'eth0', syncId: 0, group: 'ff02::81' });
  let group6: Buffer | undefined;
  const d = new AttributeDecoder(k.commands.at(-1)!.attrs);
  while (d.next()) d.nested((n) => { while (n.next()) if (n.type === C.IPVS_DAEMON_ATTR_MCAST_GROUP6) group6 = n.bytes(); });
  t.same(group6, hex(['ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 81']), 'IPVS_DAEMON_ATTR_MCAST_GROUP6');
  t.same((await client.daemons())[0], { state: 'master', interface: 'eth0', syncId: 0, group: 'ff02::81' });
});

const settings = { interface: 'eth0', syncId: 51 };
const master: SyncDaemon = { state: 'master', ...settings };
const backup: SyncDaemon = { state: 'backup', ...settings };

t.test('which daemons run: by the tracked instance\'s role, both without one', async (t) => {
  t.same(wantedSyncDaemons(undefined, { isMaster: true }), [], 'no lvs_sync_daemon: none');
  t.same(wantedSyncDaemons(settings, { isMaster: true }), [master], 'MASTER: the master daemon');
  t.same(wantedSyncDaemons(settings, { isMaster: false }), [backup], 'BACKUP, FAULT, starting: the backup daemon');
  t.same(wantedSyncDaemons(settings, undefined), [master, backup], 'no instance named: both (keepalived.conf(5))');
});

t.test('switching in keepalived 2.2.7\'s order: stop the old role, then start the new', async (t) => {
  t.same(syncDaemonSteps([], [backup]), [{ kind: 'start', daemon: backup }], 'start-up: backup');
  t.same(syncDaemonSteps([backup], [master]), [{ kind: 'stop', state: 'backup' }, { kind: 'start', daemon: master }], 'to MASTER');
  t.same(syncDaemonSteps([master], [backup]), [{ kind: 'stop', state: 'master' }, { kind: 'start', daemon: backup }], 'to BACKUP / FAULT');
  t.same(syncDaemonSteps([master], [master]), [], 'no change: nothing');
  t.same(syncDaemonSteps([master], []), [{ kind: 'stop', state: 'master' }], 'stop');
  // What GET_DAEMON reports for an unset option is the kernel default: still the same daemon.
  t.same(syncDaemonSteps([{ ...master, maxLen: 1472, group: '224.0.0.81', port: 8848, ttl: 1 }], [master]), []);
  const other = { ...master, syncId: 9 };
  t.same(syncDaemonSteps([master], [other]), [{ kind: 'stop', state: 'master' }, { kind: 'start', daemon: other }], 'new settings: restarted');
});

t.test('lvs_timeouts: unset values keep what was found at start', async (t) => {
  const atStart = { tcp: 900, tcpFin: 120, udp: 300 };
  t.same(timeoutsToSet({ tcp: 700, udp: 200 }, atStart), { tcp: 700, tcpFin: 120, udp: 200 });
  t.same(timeoutsToSet({ tcp: 800, tcpFin: 30 }, atStart), { tcp: 800, tcpFin: 30, udp: 300 }, 'a reload that drops udp puts the start value back');
  t.same(timeoutsToSet(undefined, atStart), atStart, 'none configured: the start values (what stop restores)');
});
