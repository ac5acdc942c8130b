// vrrp_track_process: which processes match (the table is what keepalived 2.2.7 counted for the same
// processes, observed with its process events connector), the quorum with fork_delay and
// terminate_delay as pure state, the proc connector codec on bytes captured from the kernel
// (6.18), a ProcessTracker over a fake monitor, and the monitor's /proc scan on a fake /proc.
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseCmdline, processMatches, type ProcessInfo, type ProcessPattern } from '../../src/vrrp/track/process-match.js';
import {
  EMPTY_QUORUM, initialQuorum, nextQuorumDeadline, processMatched, processUnmatched, quorumTick, quorumUp, type QuorumSettings,
} from '../../src/vrrp/track/process-quorum.js';
import { decodeProcEvents, encodeMcastOp, PROC_CN_MCAST_LISTEN } from '../../src/vrrp/track/proc-events.js';
import { ProcessTracker } from '../../src/vrrp/track/process-tracker.js';
import { ProcessMonitor, type ProcessChange } from '../../src/vrrp/track/process-monitor.js';
import { DecodeError } from '../../src/errors.js';

const Z = '/tmp/vrrpa/zzsleep';
const proc = (argv: string[], comm = 'zzsleep'): ProcessInfo => ({ comm, cmdline: argv });
const pat = (name: string, params: string[] = [], over: Partial<ProcessPattern> = {}): ProcessPattern => ({ name, params, fullCommand: false, ...over });

t.test('matching, as keepalived 2.2.7 counted', async (t) => {
  const patterns: Record<string, ProcessPattern> = {
    'process zzsleep': pat('zzsleep'),
    'process zzsleep 1111': pat('zzsleep', ['1111']),
    [`process ${Z} 1111`]: pat(Z, ['1111']),
    'process zzsleep 22 / param_match initial': pat('zzsleep', ['22'], { paramMatch: 'initial' }),
    'process zzsleep 33 / param_match partial': pat('zzsleep', ['33'], { paramMatch: 'partial' }),
    [`process ${Z} 1111 / full_command`]: pat(Z, ['1111'], { fullCommand: true }),
    'process zzsleep / full_command': pat('zzsleep', [], { fullCommand: true }),
    'process zzsleep / param_match partial': pat('zzsleep', [], { paramMatch: 'partial' }),
    'process zzsleep / param_match initial': pat('zzsleep', [], { paramMatch: 'initial' }),
    'process zzsleep / param_match': pat('zzsleep', [], { paramMatch: 'exact' }),
    'process zzsleeplongname12345': pat('zzsleeplongname12345'),
  };
  // process (argv) -> the patterns keepalived counted it for.
  const observed: Array<[ProcessInfo, string[]]> = [
    [proc(['zzsleep', '1111']), ['process zzsleep', 'process zzsleep 1111', 'process zzsleep / full_command', 'process zzsleep / param_match partial', 'process zzsleep / param_match initial']],
    [proc([Z, '1111']), ['process zzsleep', `process ${Z} 1111`, `process ${Z} 1111 / full_command`]],
    [proc(['/other/path/zzsleep', '1111']), ['process zzsleep']],
    [proc(['zzsleep', '222']), ['process zzsleep', 'process zzsleep 22 / param_match initial', 'process zzsleep / full_command', 'process zzsleep / param_match partial', 'process zzsleep / param_match initial']],
    [proc(['zzsleep', '22']), ['process zzsleep', 'process zzsleep 22 / param_match initial', 'process zzsleep / full_command', 'process zzsleep / param_match partial', 'process zzsleep / param_match initial']],
    [proc(['zzsleep', '22', '5']), ['process zzsleep', 'process zzsleep 22 / param_match initial', 'process zzsleep / full_command', 'process zzsleep / param_match partial', 'process zzsleep / param_match initial']],
    [proc(['zzsleep', '2']), ['process zzsleep', 'process zzsleep / full_command', 'process zzsleep / param_match partial', 'process zzsleep / param_match initial']],
    [proc(['zzsleep', '33', '44']), ['process zzsleep', 'process zzsleep 33 / param_match partial', 'process zzsleep / full_command', 'process zzsleep / param_match partial', 'process zzsleep / param_match initial']],
    [proc(['zzsleep', '333']), ['process zzsleep', 'process zzsleep / full_command', 'process zzsleep / param_match partial', 'process zzsleep / param_match initial']],
    [proc(['zzsleep']), ['process zzsleep', 'process zzsleep / full_command', 'process zzsleep / param_match partial', 'process zzsleep / param_match initial', 'process zzsleep / param_match']],
    [proc(['zzsleeplongname12345', '1111'], 'zzsleeplongname'), []],
    [proc(['zzsleep', '1111'], 'other'), ['process zzsleep 1111', 'process zzsleep / full_command', 'process zzsleep / param_match partial', 'process zzsleep / param_match initial']],
    [{ comm: 'kworker/0:1', cmdline: [] }, []],
  ];
  for (const [p, want] of observed) {
    const got = Object.entries(patterns).filter(([, pattern]) => processMatches(pattern, p)).map(([k]) => k);
    t.same(got.sort(), [...want].sort(), `${p.cmdline!.join(' ') || p.comm} (comm ${p.comm})`);
  }
  t.same(parseCmdline('zzsleep\x001111\x00'), ['zzsleep', '1111']);
  t.same(parseCmdline('nginx: master process /usr/sbin/nginx'), ['nginx: master process /usr/sbin/nginx'], 'a rewritten command line is one word');
  t.same(parseCmdline(''), []);
});

t.test('quorum: quorum..quorum_max, fork_delay counts a forked process late, terminate_delay keeps a gone one', async (t) => {
  const s: QuorumSettings = { quorum: 2, quorumMax: 3, forkDelayMs: 1000, terminateDelayMs: 500 };
  let q = initialQuorum([1]);
  t.notOk(quorumUp(s, q), 'one of two');
  q = processMatched(s, q, 2, 0, false);
  t.ok(quorumUp(s, q), 'exec of a second one: counted at once');
  q = processMatched(s, q, 3, 0, true);
  t.equal(q.counted.size, 2, 'a fork waits fork_delay');
  t.equal(nextQuorumDeadline(q), 1000);
  q = quorumTick(q, 1000);
  t.equal(q.counted.size, 3);
  q = processMatched(s, q, 4, 1000, true);
  q = processUnmatched(s, q, 4, 1100);
  t.same([...q.adding.keys()], [], 'forked then exec-ed away before fork_delay: never counted');
  q = processMatched(s, q, 5, 1100, false);
  t.notOk(quorumUp(s, q), 'four: above quorum_max');
  q = processUnmatched(s, q, 5, 1200);
  t.equal(q.counted.size, 4, 'terminate_delay: still counted');
  t.equal(nextQuorumDeadline(q), 1700);
  q = quorumTick(q, 1699);
  t.equal(q.counted.size, 4);
  q = quorumTick(q, 1700);
  t.equal(q.counted.size, 3);
  t.ok(quorumUp(s, q));
  q = processUnmatched(s, q, 1, 2000);
  q = processMatched(s, q, 1, 2100, false);
  t.same([...q.removing.keys()], [], 'back within terminate_delay: it never stopped counting');
  const none: QuorumSettings = { quorum: 1, quorumMax: 0, forkDelayMs: 0, terminateDelayMs: 0 };
  t.notOk(quorumUp(none, EMPTY_QUORUM), 'quorum_max 0 below quorum 1: never up');
});

// Captured from the kernel (6.18, x86_64) with src/vrrp/track/proc-events.ts's request: a node
// process (pid 0x132e) spawning /tmp/vrrpa/zzsleep, then a node child renaming itself.
const LISTEN = '2800000003000000010000002e130000' + '01000000010000000100000000000000' + '04000000' + '01000000';
const ACK = '4c0000000300000000000000000000000100000001000000000000000100000028000000000000000100000091e5056374050000000000000000000000000000000000000000000000000000';
const FORK = '4c000000030000005f0f01000000000001000000010000005f0f010000000000280000000100000001000000b861411d730600002e1300002e13000039130000391300000000000000000000';
const EXEC = '4c00000003000000600f0100000000000100000001000000600f0100000000002800000002000000010000006f2f4a1d73060000391300003913000000000000000000000000000000000000';
const EXIT = '4c00000003000000610f0100000000000100000001000000610f010000000000280000000000008001000000ab75482f73060000391300003913000000000000110000002e1300002e130000';
const COMM = '4c00000003000000141501000000000001000000010000001415010000000000280000000002000000000000bb87fb4c730600003a1300003a1300007a7a7431000000000000000000000000';
const THREAD_EXIT = '4c00000003000000171501000000000001000000010000001715010000000000280000000000008000000000d6e04d65730600003f1300003a13000009000000ffffffff0000000000000000';

t.test('proc connector codec: the LISTEN request and kernel notifications', async (t) => {
  t.equal(encodeMcastOp(PROC_CN_MCAST_LISTEN, 1, 0x132e).toString('hex'), LISTEN, 'the request a listener sends');
  const one = (hex: string) => decodeProcEvents(Buffer.from(hex, 'hex'));
  t.same(one(ACK), [{ what: 'ack', err: 0 }]);
  t.same(one(FORK), [{ what: 'fork', parentPid: 0x132e, parentTgid: 0x132e, childPid: 0x1339, childTgid: 0x1339 }]);
  t.same(one(EXEC), [{ what: 'exec', pid: 0x1339, tgid: 0x1339 }]);
  t.same(one(EXIT), [{ what: 'exit', pid: 0x1339, tgid: 0x1339, exitCode: 0, exitSignal: 17 }]);
  t.same(one(COMM), [{ what: 'comm', pid: 0x133a, tgid: 0x133a, comm: 'zzt1' }]);
  t.same(one(THREAD_EXIT), [{ what: 'exit', pid: 0x133f, tgid: 0x133a, exitCode: 9, exitSignal: -1 }], 'a thread of 0x133a');
  t.same(one(FORK + EXEC), [one(FORK)[0], one(EXEC)[0]], 'two messages in one datagram');
  const other = Buffer.from(EXEC, 'hex');
  other.writeUInt32LE(7, 16); // another connector's cb_id
  t.same(decodeProcEvents(other), [], "another connector's message is not ours");
  t.throws(() => decodeProcEvents(Buffer.from(EXEC, 'hex').subarray(0, 30)), DecodeError, 'a truncated message');
  const short = Buffer.from(EXIT, 'hex');
  short.writeUInt16LE(20, 32);
  t.throws(() => decodeProcEvents(short), DecodeError, 'an exit event without its fields');
});

class FakeSource extends EventEmitter {
  table = new Map<number, ProcessInfo>();
  processes() { return this.table; }
  run(pid: number, info: ProcessInfo, viaFork = false) { this.table.set(pid, info); this.emit('process', { pid, info, viaFork } satisfies ProcessChange); }
  exit(pid: number) { this.table.delete(pid); this.emit('process', { pid, info: undefined, viaFork: false } satisfies ProcessChange); }
}

t.test('ProcessTracker: counts what runs at start, flips on changes, terminate_delay on a timer', async (t) => {
  const src = new FakeSource();
  src.run(10, { comm: 'haproxy' });
  let now = 0;
  const tr = new ProcessTracker({ name: 'p', pattern: pat('haproxy'), quorum: { quorum: 1, quorumMax: Infinity, forkDelayMs: 0, terminateDelayMs: 50 }, now: () => now }, src);
  tr.start();
  t.teardown(() => tr.close());
  t.ok(tr.up);
  const changes: Array<[boolean, number]> = [];
  tr.on('change', (up, n) => changes.push([up, n]));
  src.exit(10);
  t.ok(tr.up, 'terminate_delay: still up');
  now = 60;
  await new Promise((r) => setTimeout(r, 80));
  t.same(changes, [[false, 0]], 'down once the delay ran out');
  src.run(11, { comm: 'haproxy' });
  t.same(changes.at(-1), [true, 1]);
  src.run(11, { comm: 'other' });
  now = 200;
  await new Promise((r) => setTimeout(r, 80));
  t.same(changes.at(-1), [false, 0], 'renamed away: no longer counted (after terminate_delay)');
});

t.test('ProcessMonitor without the connector: /proc scanned for new and renamed processes, zombies are gone', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'vipd-proc-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const add = (pid: number, comm: string, state = 'S', argv = [comm]) => {
    mkdirSync(join(root, String(pid)), { recursive: true });
    writeFileSync(join(root, String(pid), 'stat'), `${pid} (${comm}) ${state} 1 ${pid} ${pid} 0 -1`);
    writeFileSync(join(root, String(pid), 'cmdline'), argv.map((a) => `${a}\0`).join(''));
  };
  add(999_001, 'nginx', 'S', ['nginx', '-g', 'daemon off;']);
  add(999_002, 'defunct', 'Z');
  const m = new ProcessMonitor({ cmdline: true, connector: false, procRoot: root, scanIntervalMs: 20, interesting: () => false });
  const modes: string[] = [];
  m.on('mode', (mode) => modes.push(mode));
  m.start();
  t.teardown(() => m.close());
  t.same(modes, ['scan']);
  t.same([...m.processes()], [[999_001, { comm: 'nginx', cmdline: ['nginx', '-g', 'daemon off;'] }]], 'a zombie is not a running process');
  const seen: ProcessChange[] = [];
  m.on('process', (c) => seen.push(c));
  add(999_003, 'haproxy');
  add(999_001, 'nginx-renamed');
  rmSync(join(root, '999002'), { recursive: true, force: true });
  await new Promise((r) => setTimeout(r, 60));
  t.same(seen.map((c) => [c.pid, c.info?.comm ?? null]).sort(), [[999_001, 'nginx-renamed'], [999_003, 'haproxy']]);
  rmSync(join(root, '999003'), { recursive: true, force: true });
  await new Promise((r) => setTimeout(r, 60));
  t.same(seen.at(-1), { pid: 999_003, info: undefined, viaFork: false }, 'gone');
});
