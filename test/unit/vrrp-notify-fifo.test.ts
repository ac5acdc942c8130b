// Notify lines and scripts, keepalived's way (the lines are what keepalived 2.2.7 / 2.4.3 wrote to
// their FIFOs for the same events), and NotifyFifo on a real FIFO: created 0600 when missing (and
// removed at close), read by a reader that comes and goes, a full pipe drops lines instead of
// blocking, the *_fifo_script gets the path as its last argument.
import { existsSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync, statSync, writeFileSync, chmodSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { groupLine, instanceLine, priorityNotice, realServerLine, virtualServerLine } from '../../src/vrrp/notify-lines.js';
import { groupNotifications, instanceNotifications } from '../../src/daemon/notify-dispatch.js';
import { NotifyFifo } from '../../src/vrrp/notify-fifo.js';
import type { ScriptCommand } from '../../src/config/types.js';

const cmd = (text: string): ScriptCommand => ({ argv: text.split(' '), text, where: { file: '/k', line: 1 } });

t.test('lines', async (t) => {
  t.equal(instanceLine('VI_1', 'MASTER', 100), 'INSTANCE "VI_1" MASTER 100\n');
  t.equal(instanceLine('V1', 'MASTER_PRIORITY', 160), 'INSTANCE "V1" MASTER_PRIORITY 160\n');
  t.equal(groupLine('G1', 'FAULT'), 'GROUP "G1" FAULT 0\n', 'a group line always says priority 0');
  t.equal(priorityNotice('master'), 'MASTER_PRIORITY');
  t.equal(priorityNotice('fault'), 'BACKUP_PRIORITY', 'anything but MASTER reports BACKUP_PRIORITY');
  t.equal(virtualServerLine('tcp:192.168.201.15:80', true), 'VS [192.168.201.15]:tcp:80 UP\n', "keepalived.conf(5)'s example");
  t.equal(realServerLine('1.2.3.4:80', 'tcp:192.168.201.15:80', false), 'RS [1.2.3.4]:tcp:80 [192.168.201.15]:tcp:80 DOWN\n');
  t.equal(realServerLine('[fd00::2]:443', 'udp:[fd00::1]:443', true), 'RS [fd00::2]:udp:443 [fd00::1]:udp:443 UP\n');
  t.equal(virtualServerLine('fwmark:4:7', false), 'VS FWM 7 DOWN\n');
});

t.test('which scripts, with which arguments', async (t) => {
  const spec = { master: cmd('/m'), stop: cmd('/s'), any: cmd('/n x'), rxLowerPri: cmd('/rx'), priorityChanges: true };
  const names = (n: ReturnType<typeof instanceNotifications>) => n.scripts.map((s) => [...s.cmd.argv, ...s.args].join(' '));
  let n = instanceNotifications('VI', spec, { kind: 'state', state: 'master', priority: 150 });
  t.same(names(n), ['/m', '/n x INSTANCE VI MASTER 150'], "the state's own script first, then notify");
  t.equal(n.line, 'INSTANCE "VI" MASTER 150\n');
  n = instanceNotifications('VI', spec, { kind: 'stop', priority: 150 });
  t.same(names(n), ['/s', '/n x INSTANCE VI STOP 150'], 'notify gets STOP too');
  n = instanceNotifications('VI', spec, { kind: 'deleted', priority: 150 });
  t.same(names(n), ['/n x INSTANCE VI FAULT 150'], 'removed by a reload: FAULT without notify_deleted');
  n = instanceNotifications('VI', { ...spec, deleted: { script: cmd('/d') } }, { kind: 'deleted', priority: 150 });
  t.same(names(n), ['/d', '/n x INSTANCE VI DELETED 150']);
  t.equal(n.line, 'INSTANCE "VI" DELETED 150\n');
  n = instanceNotifications('VI', spec, { kind: 'priority', state: 'master', priority: 160 });
  t.same(names(n), [], 'a priority change runs no script');
  t.equal(n.line, 'INSTANCE "VI" MASTER_PRIORITY 160\n');
  t.same(instanceNotifications('VI', { ...spec, priorityChanges: false }, { kind: 'priority', state: 'backup', priority: 90 }), { scripts: [] });
  n = instanceNotifications('VI', spec, { kind: 'lower-priority', priority: 100 });
  t.same(names(n), ['/rx'], 'notify_master_rx_lower_pri, and not the generic notify');
  t.equal(n.line, 'INSTANCE "VI" MASTER_RX_LOWER_PRI 100\n');
  t.same(instanceNotifications('VI', spec, { kind: 'state', state: 'initialize', priority: 150 }), { scripts: [] });
  const g = groupNotifications('G1', { backup: cmd('/gb'), any: cmd('/gn') }, 'BACKUP');
  t.same(g.scripts.map((s) => [...s.cmd.argv, ...s.args].join(' ')), ['/gb', '/gn GROUP G1 BACKUP 0']);
  t.equal(g.line, 'GROUP "G1" BACKUP 0\n');
});

t.test('NotifyFifo: created 0600, lines readable, never blocks, removed at close', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-fifo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'fifo');
  const f = NotifyFifo.open({ path });
  t.ok(statSync(path).isFIFO());
  t.equal(statSync(path).mode & 0o777, 0o600);
  f.write('INSTANCE "V" BACKUP 100\n');
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const buf = Buffer.alloc(4096);
  t.equal(buf.subarray(0, readSync(fd, buf)).toString(), 'INSTANCE "V" BACKUP 100\n', 'a line written before anyone read is kept');
  closeSync(fd);
  const line = `INSTANCE "${'x'.repeat(200)}" MASTER 100\n`;
  for (let i = 0; i < 2000; i++) f.write(line);
  t.ok(f.dropped > 0, `nobody reads: ${f.dropped} lines dropped, not a blocked daemon`);
  f.close();
  t.notOk(existsSync(path), 'the FIFO we created is removed');
  writeFileSync(join(dir, 'plain'), '');
  t.throws(() => NotifyFifo.open({ path: join(dir, 'plain') }), /exists and is not a FIFO/);
});

t.test('NotifyFifo: the script gets the FIFO as its last argument and reads it; SIGTERM when stopped', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-fifo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'out');
  const script = join(dir, 'reader.sh');
  writeFileSync(script, `#!/bin/sh\necho "args $@" >> ${out}\ntrap 'echo TERM >> ${out}; exit 0' TERM\nwhile read l; do echo "read $l" >> ${out}; done < "$2"\n`);
  chmodSync(script, 0o755);
  const f = NotifyFifo.open({ path: join(dir, 'fifo'), script: { argv: [script, 'x'] } });
  f.write('GROUP "G" MASTER 0\n');
  const until = async (re: RegExp) => {
    for (let i = 0; i < 100 && !(existsSync(out) && re.test(readFileSync(out, 'utf8'))); i++) await new Promise((r) => setTimeout(r, 20));
    return existsSync(out) ? readFileSync(out, 'utf8') : '';
  };
  t.match(await until(/read GROUP/), `args x ${join(dir, 'fifo')}\nread GROUP "G" MASTER 0\n`);
  f.stopScript();
  t.match(await until(/TERM/), /TERM/);
  f.close();
});
